import CRdKafka
import Foundation

/// A record header: a name and an optional value.
public struct KafkaHeader: Sendable, Hashable, Codable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}

/// A header given as a static name and raw bytes: the per-record header of
/// the measured path (``KafkaOutputAdapter/send(noCopy:key:headers:extraHeader:partition:token:intendedTime:now:)``).
public struct KafkaRawHeader {
    public var name: StaticString
    /// Read (and copied by librdkafka) during the send call only.
    public var value: UnsafeRawBufferPointer

    public init(name: StaticString, value: UnsafeRawBufferPointer) {
        self.name = name
        self.value = value
    }
}
