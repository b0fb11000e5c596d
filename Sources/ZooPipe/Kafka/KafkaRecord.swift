import CRdKafka
import Foundation

/// A consumed record as a view into librdkafka's buffer: nothing is copied.
///
/// Valid until the adapter's next `poll` (or `close`); call ``copy()`` to keep it.
public struct KafkaRecord {
    let message: UnsafePointer<rd_kafka_message_t>
    /// A fresh UUID when the adapter generates ids, else nil.
    public let id: UUID?

    init(message: UnsafePointer<rd_kafka_message_t>, id: UUID?) {
        self.message = message
        self.id = id
    }

    /// The value bytes (empty for a null value).
    public var value: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: message.pointee.payload, count: message.pointee.len)
    }

    /// The key bytes, nil when the record has no key.
    public var key: UnsafeRawBufferPointer? {
        guard let key = message.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: message.pointee.key_len)
    }

    public var partition: Int32 { message.pointee.partition }
    public var offset: Int64 { message.pointee.offset }

    /// The record's timestamp in milliseconds since the epoch, nil if it has none.
    public var timestamp: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : value
    }

    /// The value of the last header called `name`, without copying. Nil when
    /// there is no such header; an empty buffer for a header with a null value.
    public func header(_ name: String) -> UnsafeRawBufferPointer? {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return UnsafeRawBufferPointer(start: value, count: size)
    }

    /// The value of the last header called `name`, with no string conversion
    /// or allocation: the measured path's lookup.
    /// (librdkafka parses a record's headers into a list on first access:
    /// that allocation is librdkafka's, and counted as such.)
    @inline(__always)
    public func header(_ name: StaticString) -> UnsafeRawBufferPointer? {
        var headers: OpaquePointer?
        let parsed = AllocationAttribution.librdkafka { rd_kafka_message_headers(message, &headers) }
        guard parsed == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        let found = name.utf8Start.withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount + 1) {
            rd_kafka_header_get_last(headers, $0, &value, &size)
        }
        guard found == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return UnsafeRawBufferPointer(start: value, count: size)
    }

    /// All headers, in order (copied: names become Strings).
    public var headers: [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// An owned copy that outlives the next poll.
    public func copy() -> KafkaMessage {
        KafkaMessage(value: Array(value), key: key.map { Array($0) }, headers: headers,
                     partition: partition, offset: offset, timestamp: timestamp, id: id)
    }
}

/// An owned consumed record (a ``KafkaRecord/copy()``).
public struct KafkaMessage: Sendable, Hashable, Codable {
    public var value: [UInt8]
    public var key: [UInt8]?
    public var headers: [KafkaHeader]
    public var partition: Int32
    public var offset: Int64
    public var timestamp: Int64?
    public var id: UUID?

    public init(value: [UInt8], key: [UInt8]? = nil, headers: [KafkaHeader] = [], partition: Int32 = -1,
                offset: Int64 = -1, timestamp: Int64? = nil, id: UUID? = nil) {
        self.value = value
        self.key = key
        self.headers = headers
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.id = id
    }

    /// The value as UTF-8 text.
    public var valueString: String { String(decoding: value, as: UTF8.self) }
    /// The key as UTF-8 text, if any.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
