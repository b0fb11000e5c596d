import Foundation
import Histogram
import ZooPipe

/// Warm-up figures, kept apart from the main ones.
public struct WarmupFigures: Sendable, Codable {
    /// Records acknowledged during the warm-up.
    public var delivered = 0
    /// Seconds the warm-up lasted (first send to the first measured send).
    public var seconds = 0.0
    /// Their send → acknowledgement latency in microseconds.
    public var latency = LatencyHistogram.make()
}

/// What a produce run measured. Latencies are in microseconds.
public struct ProduceOutcome: Sendable {
    /// Records librdkafka accepted (warm-up excluded).
    public var sent = 0
    /// Records the cluster acknowledged (warm-up excluded).
    public var delivered = 0
    /// Records whose delivery failed (warm-up excluded).
    public var failed = 0
    /// Failed records by librdkafka error name (warm-up included).
    public var failuresByError: [String: Int] = [:]
    /// Records still unreported when the run gave up waiting.
    public var undelivered = 0
    /// Times a producer found librdkafka's queue full and waited.
    public var queueFullRetries = 0
    /// Value bytes of the acknowledged records.
    public var deliveredBytes = 0
    /// Seconds from the first measured send to the last measured acknowledgement.
    public var elapsedSeconds = 0.0
    /// Send → acknowledgement latency, from the actual send.
    public var latency = LatencyHistogram.make()
    /// Latency from the intended (scheduled) send time; nil without a rate.
    public var correctedLatency: Histogram<UInt64>?
    /// The warm-up, measured separately.
    public var warmup = WarmupFigures()
    /// One snapshot per interval, warm-up included (and flagged).
    public var timeline: [IntervalSnapshot] = []
    /// Whether the run was stopped before its end (Ctrl-C): figures cover what ran.
    public var partial = false
    /// Transactions committed (with a transactional id).
    public var transactions = 0
    /// What went over the wire (after compression, warm-up included), summed
    /// over producers from librdkafka's statistics; nil if none reported.
    public var wire: KafkaWireStatistics?
    /// With sequence stamps (end-to-end runs): each producer's acknowledged
    /// and failed sequence numbers, by producer index.
    public var acknowledged: [AcknowledgedLedger] = []
    /// Allocations over the measured window, when counted.
    public var allocations: AllocationCounts?

    /// Acknowledged records per second.
    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(delivered) / elapsedSeconds : 0 }
    /// Acknowledged value MiB (as Kafka's perf tools count "MB") per second.
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(deliveredBytes) / 1_048_576 / elapsedSeconds : 0
    }

    /// Nothing yet: to be filled (a swarm run's merged outcome starts here).
    public init() {}

    /// Adds another producer's outcome: counts sum, histograms merge.
    /// (Elapsed time is set by the fleet from the producers' common span.)
    mutating func merge(_ other: ProduceOutcome) {
        sent += other.sent
        delivered += other.delivered
        failed += other.failed
        undelivered += other.undelivered
        queueFullRetries += other.queueFullRetries
        deliveredBytes += other.deliveredBytes
        transactions += other.transactions
        failuresByError.merge(other.failuresByError, uniquingKeysWith: +)
        latency.add(other.latency)
        if let corrected = other.correctedLatency {
            if correctedLatency == nil { correctedLatency = LatencyHistogram.make() }
            correctedLatency!.add(corrected)
        }
        warmup.delivered += other.warmup.delivered
        warmup.seconds = max(warmup.seconds, other.warmup.seconds)
        warmup.latency.add(other.warmup.latency)
        partial = partial || other.partial
        acknowledged += other.acknowledged
        if let theirs = other.wire {
            var sum = wire ?? KafkaWireStatistics()
            sum.add(theirs)
            wire = sum
        }
    }
}
