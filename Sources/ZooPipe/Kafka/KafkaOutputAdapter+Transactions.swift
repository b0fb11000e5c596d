import CRdKafka
import Foundation

// MARK: Transactions

extension KafkaOutputAdapter {
    /// Registers the transactional id with the cluster (needs `transactional.id`).
    public func initTransactions(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try checkTransaction(rd_kafka_init_transactions(client.handle, Int32(clamping: milliseconds(timeout))),
                             operation: "initialising transactions")
    }

    /// Starts a transaction; records sent until the commit belong to it.
    public func beginTransaction() throws(KafkaError) {
        try checkTransaction(rd_kafka_begin_transaction(client.handle), operation: "beginning a transaction")
    }

    /// Flushes and commits the current transaction.
    public func commitTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try checkTransaction(rd_kafka_commit_transaction(client.handle, Int32(clamping: milliseconds(timeout))),
                             operation: "committing a transaction")
    }

    /// Aborts the current transaction; its records are never visible to read-committed consumers.
    public func abortTransaction(timeout: Duration = .seconds(30)) throws(KafkaError) {
        try checkTransaction(rd_kafka_abort_transaction(client.handle, Int32(clamping: milliseconds(timeout))),
                             operation: "aborting a transaction")
    }

    private func checkTransaction(_ error: OpaquePointer?, operation: String) throws(KafkaError) {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        let name = String(cString: rd_kafka_error_name(error))
        let text = String(cString: rd_kafka_error_string(error))
        throw .librdkafka(name: name, message: "\(operation): \(text)")
    }
}
