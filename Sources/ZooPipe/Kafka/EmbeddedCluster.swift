import CRdKafka
import Foundation

/// Kafka request types that faults can be injected into.
public enum KafkaAPI: Int16, Sendable, CaseIterable, Codable {
    case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
    case findCoordinator = 10, joinGroup = 11, heartbeat = 12, leaveGroup = 13, syncGroup = 14
    case apiVersions = 18, createTopics = 19, initProducerId = 22, addPartitionsToTxn = 24, endTxn = 26

    /// Parses a name as Kafka writes it (`Produce`, `Fetch`, `InitProducerId`), case-insensitively.
    public init?(name: String) {
        let wanted = name.lowercased()
        guard let match = Self.allCases.first(where: { "\($0)".lowercased() == wanted }) else { return nil }
        self = match
    }

    /// The name as Kafka writes it: `Produce`, `InitProducerId`.
    public var name: String {
        let text = "\(self)"
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// A broker error code, by librdkafka's name for it (`NOT_LEADER_FOR_PARTITION`).
public struct KafkaErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's numeric code.
    public let rawValue: Int32

    /// Looks up `name` (with or without `RD_KAFKA_RESP_ERR_`), nil if librdkafka has no such code.
    public init?(name: String) {
        var descriptions: UnsafePointer<rd_kafka_err_desc>?
        var count = 0
        rd_kafka_get_err_descs(&descriptions, &count)
        guard let descriptions else { return nil }
        let wanted = name.uppercased().replacingOccurrences(of: "RD_KAFKA_RESP_ERR_", with: "")
        for i in 0..<count {
            guard let n = descriptions[i].name else { continue }
            if String(cString: n) == wanted {
                rawValue = descriptions[i].code.rawValue
                return
            }
        }
        return nil
    }

    public var description: String { rdErrorName(rd_kafka_resp_err_t(rawValue: rawValue)) }
}

/// An in-process Kafka cluster (librdkafka's mock cluster) with brokers on
/// loopback TCP ports, for tests and for runs on a machine without Kafka.
///
/// Any Kafka client (kcat, another process) can connect to
/// ``bootstrapServers``. It does not replicate, so acks=all costs what acks=1
/// does unless latency is injected, and it keeps only a few MB per partition:
/// numbers measured on it describe the client, not a cluster's capacity.
public final class EmbeddedCluster: @unchecked Sendable {
    /// How many brokers it runs (ids 1…brokerCount).
    public let brokerCount: Int
    /// `host:port,…` of its brokers.
    public let bootstrapServers: String

    private let host: RDKafkaClient
    private let cluster: OpaquePointer
    private let wakeup: MockWakeup
    private var stopped = false

    /// Starts `brokers` brokers on loopback.
    public init(brokers: Int = 3) throws(KafkaError) {
        guard (1...64).contains(brokers) else {
            throw .invalidConfiguration("an embedded cluster has 1 to 64 brokers, not \(brokers)")
        }
        // The mock cluster lives inside a client handle; this one never connects anywhere.
        host = try RDKafkaClient(kind: .producer, properties: [("client.id", "zoobench-embedded-cluster")])
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw .invalidConfiguration("librdkafka could not start a mock cluster")
        }
        self.cluster = cluster
        brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        wakeup = MockWakeup(bootstrapServers: bootstrapServers)
    }

    /// Frees the cluster on a thread of its own: nothing can reach it any
    /// more, and its end can take a second (see ``stop()``) that a process
    /// about to exit, or a run stopped by Ctrl-C, should not wait for.
    deinit {
        guard !stopped else { return }
        // The thread is the cluster's only owner from here.
        nonisolated(unsafe) let cluster = self.cluster
        let (host, wakeup) = (self.host, self.wakeup)
        Thread.named("zb-cluster-end") { Self.destroy(cluster, host, wakeup) }.start()
    }

    /// Stops every broker and frees the cluster, waiting until it is gone.
    /// Idempotent. librdkafka ends the cluster's internal broker thread with a
    /// wait of up to 1 s (both 2.0.2 and 2.8.0); the brokers' sockets are
    /// closed before that.
    public func stop() {
        if stopped { return }
        stopped = true
        Self.destroy(cluster, host, wakeup)
    }

    private static func destroy(_ cluster: OpaquePointer, _ host: RDKafkaClient, _ wakeup: MockWakeup) {
        wakeup.during { rd_kafka_mock_cluster_destroy(cluster) }
        host.destroy()
    }

    /// A `kafka://` URI for `topic` on this cluster.
    public func uri(topic: String) -> KafkaURI {
        // The bootstrap list is always host:port pairs made by librdkafka.
        (try? KafkaURI("kafka://\(bootstrapServers)/\(topic)")) ?? KafkaURI(brokers: [], topic: topic)
    }

    /// Creates `name` with `partitions` partitions. The mock cluster accepts a
    /// replication factor up to the broker count, but does not replicate.
    public func createTopic(_ name: String, partitions: Int32 = 1, replicationFactor: Int32 = 1) throws(KafkaError) {
        try KafkaURI.validateTopic(name)
        guard partitions >= 1 else { throw .invalidConfiguration("a topic needs at least 1 partition") }
        guard (1...Int32(brokerCount)).contains(replicationFactor) else {
            throw .invalidConfiguration("replication factor \(replicationFactor) needs that many brokers; the cluster has \(brokerCount)")
        }
        try check(wakeup.during { rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor) })
    }

    /// Adds `latency` to every response of broker `id` (its round-trip time).
    public func setRoundTripTime(broker id: Int32, _ latency: Duration) throws(KafkaError) {
        try checkBroker(id)
        try check(wakeup.during { rd_kafka_mock_broker_set_rtt(cluster, id, Int32(clamping: milliseconds(latency))) })
    }

    /// Takes broker `id` down: its connections close and it refuses new ones.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try checkBroker(id)
        try check(wakeup.during { rd_kafka_mock_broker_set_down(cluster, id) })
    }

    /// Brings broker `id` back.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try checkBroker(id)
        try check(wakeup.during { rd_kafka_mock_broker_set_up(cluster, id) })
    }

    /// Makes broker `id` the leader of `topic`'s `partition`.
    public func moveLeader(topic: String, partition: Int32, to id: Int32) throws(KafkaError) {
        try checkBroker(id)
        try check(wakeup.during { rd_kafka_mock_partition_set_leader(cluster, topic, partition, id) })
    }

    /// Makes the next `count` requests of type `api` (to any broker) fail with `error`.
    public func injectErrors(api: KafkaAPI, error: KafkaErrorCode, count: Int) {
        let codes = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: error.rawValue), count: count)
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, Int16(api.rawValue), buffer.count, buffer.baseAddress)
        }
    }

    /// Makes every request about `topic` fail with `error` (nil clears it).
    public func setTopicError(_ topic: String, _ error: KafkaErrorCode?) {
        wakeup.during { rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: error?.rawValue ?? 0)) }
    }

    private func checkBroker(_ id: Int32) throws(KafkaError) {
        guard (1...Int32(brokerCount)).contains(id) else {
            throw .invalidConfiguration("broker \(id) does not exist; the embedded cluster has brokers 1 to \(brokerCount)")
        }
    }

    private func check(_ err: rd_kafka_resp_err_t) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(err) }
    }
}
