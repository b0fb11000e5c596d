import Foundation
import ZooPipe

/// Allocations counted over a run's measured window, split by who made them.
public struct AllocationCounts: Sendable, Hashable, Codable {
    /// Allocation calls (malloc, calloc, realloc that grows, aligned allocations) in the window.
    public var mallocs = 0
    public var frees = 0
    /// Bytes requested by those allocations.
    public var bytes = 0
    /// zoobench's own code on its own threads, per message (the hot path).
    public var zoobenchMallocs = 0
    public var zoobenchBytes = 0
    /// zoobench's timed bookkeeping: statistics reports (every 250 ms) and
    /// interval snapshots; grows with time, not messages.
    public var periodicMallocs = 0
    public var periodicBytes = 0
    /// librdkafka, called from zoobench's threads (produce, poll, consume).
    public var librdkafkaCallMallocs = 0
    public var librdkafkaCallBytes = 0
    /// librdkafka's own threads (`rdk:main`, `rdk:broker…`).
    public var librdkafkaThreadMallocs = 0
    public var librdkafkaThreadBytes = 0
    /// Other threads (the Swift runtime's, Dispatch's).
    public var otherMallocs = 0
    public var otherBytes = 0
    /// Messages handled in the window (sent, or consumed).
    public var messages = 0
    /// Seconds the window lasted.
    public var seconds = 0.0

    public init() {}

    public var librdkafkaMallocs: Int { librdkafkaCallMallocs + librdkafkaThreadMallocs }
    public var librdkafkaBytes: Int { librdkafkaCallBytes + librdkafkaThreadBytes }
    /// Bytes allocated on the send (or receive) path: zoobench's per-message
    /// code and the librdkafka calls it makes.
    public var pathBytes: Int { zoobenchBytes + librdkafkaCallBytes }

    public func perMessage(_ count: Int) -> Double { messages > 0 ? Double(count) / Double(messages) : 0 }
}
