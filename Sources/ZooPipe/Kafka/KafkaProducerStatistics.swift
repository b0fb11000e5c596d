import CRdKafka
import Foundation

/// Counters of one producer since it was created.
public struct KafkaProducerStatistics: Sendable, Hashable, Codable {
    /// Records librdkafka accepted.
    public var sent = 0
    /// Records the broker acknowledged (or, with acks=0, that left the client).
    public var delivered = 0
    /// Records whose delivery failed.
    public var failed = 0
    /// Times `send` found librdkafka's queue full and waited.
    public var queueFullRetries = 0
    /// Failures by librdkafka error name.
    public var failuresByError: [String: Int] = [:]
    /// Records sent but not yet reported.
    public var inFlight: Int { sent - delivered - failed }

    public init() {}
}
