import Histogram
import ZooPipe

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
    /// Each group's pauses: stretches in which none of its members consumed.
    public var pauses: [ConsumerPauses] = []
    /// Their value bytes.
    public var bytes = 0
    /// Seconds from the first record (the end of the warm-up, with one) to
    /// the last, over the whole fleet.
    public var elapsedSeconds = 0.0
    /// Records (and their value bytes) a consume run read in its warm-up:
    /// in ``consumed``, not in the rates.
    public var warmupRecords = 0
    public var warmupBytes = 0
    /// Nonzero only when the warm-up ended; a run that ended inside it has
    /// rates over everything read (``RunQuality`` warns of it).
    public var warmupSeconds = 0.0
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
    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(consumed - warmupRecords) / elapsedSeconds : 0 }
    /// Consumed MiB per second.
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(bytes - warmupBytes) / 1_048_576 / elapsedSeconds : 0
    }
}
