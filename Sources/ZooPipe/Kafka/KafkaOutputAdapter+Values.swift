import CRdKafka
import Foundation

/// Sending copies: bytes, strings and `Encodable` values (the pipe and the
/// swarm's messages; the measured path sends without a copy).
extension KafkaOutputAdapter {
    /// Sends a copy of `bytes`.
    public func send(bytes: [UInt8], key: [UInt8]? = nil, headers: [KafkaHeader] = [],
                     partition: Int32? = nil, token: UInt64 = 0) throws(KafkaError) {
        let result: Result<Void, KafkaError> = bytes.withUnsafeBytes { value in
            withOptionalBytes(key) { keyBuffer in
                Result { () throws(KafkaError) in
                    try produce(value: value, key: keyBuffer, headers: headers, flags: RD_KAFKA_MSG_F_COPY,
                                partition: partition ?? RD_KAFKA_PARTITION_UA, token: token, intendedTime: 0)
                }
            }
        }
        try result.get()
    }

    /// Sends `string` as UTF-8 (copied).
    public func send(_ string: String, key: String? = nil, headers: [KafkaHeader] = [],
                     partition: Int32? = nil, token: UInt64 = 0) throws(KafkaError) {
        try send(bytes: Array(string.utf8), key: key.map { Array($0.utf8) }, headers: headers,
                 partition: partition, token: token)
    }

    /// Sends `value` encoded as JSON (copied).
    public func send<Value: Encodable>(json value: Value, key: String? = nil, headers: [KafkaHeader] = [],
                                       partition: Int32? = nil, token: UInt64 = 0) throws(KafkaError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw .invalidConfiguration("cannot encode \(Value.self) as JSON: \(error)")
        }
        try send(bytes: Array(data), key: key.map { Array($0.utf8) }, headers: headers,
                 partition: partition, token: token)
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
