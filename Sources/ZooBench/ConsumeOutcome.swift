import Histogram
import ZooPipe

/// One interval of a consume run, merged over all consumers.
public struct ConsumeIntervalSnapshot: Sendable, Codable, Hashable {
    /// 0 for the first interval.
    public var index: Int
    /// Seconds from the fleet's start to the interval's start.
    public var start: Double
    /// The interval's length in seconds (the last one may be shorter).
    public var seconds: Double
    /// Records consumed in the interval.
    public var consumed: Int
    /// Value bytes consumed in the interval.
    public var bytes: Int
    /// Consumer lag at the interval's end: high watermark minus position,
    /// summed over the partitions whose both ends were known; nil if none was.
    public var lag: Int64?
    /// Synchronous commits made in the interval, and the slowest, in µs.
    public var commits: Int
    public var commitMax: UInt64
    /// 99th percentile of the waits for a fetch (µs): see ``ConsumeOutcome/fetchWait``.
    public var fetchWaitP99: UInt64
    /// End-to-end latency percentiles of the interval's records in µs
    /// (from the intended send time when a rate is set); 0 outside e2e runs.
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
    /// Whether the interval holds (some) warm-up records (e2e).
    public var warmup: Bool

    /// Consumed records per second.
    public var recordsPerSecond: Double { seconds > 0 ? Double(consumed) / seconds : 0 }
    /// Consumed MiB per second.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
}

/// A half-open range of offsets, `[lower, upper)`.
public struct OffsetRange: Sendable, Codable, Hashable, CustomStringConvertible {
    public var lower: Int64
    public var upper: Int64

    public init(_ lower: Int64, _ upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    public var count: Int64 { upper - lower }
    public var description: String { count == 1 ? "\(lower)" : "\(lower)–\(upper - 1)" }
}

/// What one consumer did.
public struct ConsumerFigures: Sendable, Codable, Hashable {
    public var index: Int
    /// Its group; nil for a simple consumer.
    public var group: String?
    public var consumed: Int
    public var bytes: Int
    /// Seconds from its first record to its last.
    public var seconds: Double
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// Partitions it held at the end.
    public var partitions: Int
    /// Seconds from subscribing to its first assignment (group mode).
    public var joinSeconds: Double?
    /// Seconds from subscribing to its first record.
    public var firstRecordSeconds: Double?
    /// Assignments received (more than one: it went through rebalances).
    public var assignments: Int
}

/// What one group read of one partition, checked against what it should have read.
public struct PartitionFigures: Sendable, Codable, Hashable {
    public var group: String?
    public var partition: Int32
    /// The offset reading should start at (low watermark for earliest, the
    /// committed or given offset); nil when unknown (a named group's commits).
    public var expectedStart: Int64?
    /// The end to read to (high watermark), with --until-end and in e2e runs.
    public var expectedEnd: Int64?
    /// First and one past the last offset read; nil if none was.
    public var firstOffset: Int64?
    public var nextOffset: Int64?
    /// Distinct offsets read.
    public var consumed: Int64
    /// Offsets between the expected start and end (or the last read) that
    /// no consumer read: records the cluster no longer had, or never gave.
    public var missing: Int64
    /// Offsets read more than once (rebalances, rewinds).
    public var duplicated: Int64
    /// The first few missing ranges.
    public var gaps: [OffsetRange]
}

/// Why a consume run ended.
public enum ConsumeEnd: String, Sendable, Codable {
    case numRecords = "num-records"
    case duration
    case endOfTopic = "end-of-topic"
    case idle
    case stopped
}

/// What a consume run (or an e2e run's consumers) measured.
public struct ConsumeOutcome: Sendable {
    /// Records consumed (every group's), warm-up included.
    public var consumed = 0
    /// Their value bytes.
    public var bytes = 0
    /// Seconds from the first record to the last, over the whole fleet.
    public var elapsedSeconds = 0.0
    /// Seconds from the fleet's start to the end of measuring (joins included).
    public var totalSeconds = 0.0
    /// The slowest consumer's join (group mode), seconds.
    public var joinSeconds: Double?
    /// Seconds from the start to the fleet's first record.
    public var firstRecordSeconds: Double?
    /// How long consumers waited for a fetch when their local queue ran
    /// empty (µs): one value per wait that ended with a record.
    public var fetchWait = LatencyHistogram.make()
    /// Synchronous commit latency (µs), with a commit interval.
    public var commitLatency: Histogram<UInt64>?
    /// Commits that failed, by error.
    public var commitFailures: [String: Int] = [:]
    /// Per consumer, in index order.
    public var consumers: [ConsumerFigures] = []
    /// Per group and partition.
    public var partitions: [PartitionFigures] = []
    /// Consumer errors librdkafka reported and the fleet rode out, by name.
    public var transientErrors: [String: Int] = [:]
    public var end: ConsumeEnd = .idle
    public var timeline: [ConsumeIntervalSnapshot] = []
    public var partial = false

    // End-to-end runs only.
    /// Consume time minus actual send time (µs), warm-up excluded.
    public var latency: Histogram<UInt64>?
    /// Consume time minus intended send time (µs), with a rate.
    public var correctedLatency: Histogram<UInt64>?
    /// Latency of warm-up records.
    public var warmupLatency: Histogram<UInt64>?
    /// Records consumed in the warm-up.
    public var warmupConsumed = 0
    /// Each group's consumers' ledgers, for the integrity check: [group][consumer].
    public var ledgers: [[ConsumedLedger]] = []
    /// Allocations from the first record to the end, when counted.
    public var allocations: AllocationCounts?

    /// Records whose offsets no consumer read, summed over partitions and groups.
    public var missing: Int64 { partitions.reduce(0) { $0 + $1.missing } }
    /// Consumed records per second (first record to last).
    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(consumed) / elapsedSeconds : 0 }
    /// Consumed MiB per second.
    public var megabytesPerSecond: Double { elapsedSeconds > 0 ? Double(bytes) / 1_048_576 / elapsedSeconds : 0 }
}
