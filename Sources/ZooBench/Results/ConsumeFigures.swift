import Foundation
import Histogram
import ZooPipe

/// The summary figures of a consume run, or of an e2e run's consumers.
public struct ConsumeFigures: Sendable, Codable {
    /// Records consumed (all groups; warm-up records included in e2e runs).
    public var consumed: Int
    /// Their value bytes.
    public var bytes: Int
    /// Seconds from the fleet's first record to its last.
    public var elapsedSeconds: Double
    /// Seconds from the start (subscribing) to the end of measuring.
    public var totalSeconds: Double
    /// Records a consume run read in its warm-up (in `consumed`, not in the rates), and its length.
    public var warmupRecords: Int?
    public var warmupSeconds: Double?
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// The slowest member's join, seconds (group mode).
    public var joinSeconds: Double?
    /// Seconds from the start to the first record.
    public var firstRecordSeconds: Double?
    /// Waits for a fetch when a consumer's local queue ran empty.
    public var fetchWait: LatencyPercentiles
    /// Synchronous commit latency (with a commit interval).
    public var commitLatency: LatencyPercentiles?
    public var commitFailures: [String: Int]
    /// Why the run ended.
    public var end: ConsumeEnd
    /// Offsets that should have been read and were not (see `partitions`).
    public var missing: Int64
    /// Offsets read more than once.
    public var duplicatedOffsets: Int64
    /// e2e: records read again from the same offsets (consumer re-delivery
    /// after a rebalance or a fault), in `consumed` but not in the rates.
    public var reRead: Int?
    /// What the watermarks said there was to read between the expected
    /// starts and ends, when both were known.
    public var expectedRecords: Int64?
    /// The consumers' lag at the end (last interval), when known.
    public var finalLag: Int64?
    public var consumers: [ConsumerFigures]
    public var partitions: [PartitionFigures]
    public var transientErrors: [String: Int]
    public var timeline: [ConsumeIntervalSnapshot]
    /// Each group's pauses (none consumed for at least their threshold); nil in older results.
    public var pauses: [ConsumerPauses]?
    /// Full histograms (µs), for exact merging and `.hgrm` export (nil in sweep cells).
    @CompactOptionalHistogram public var fetchWaitHistogram: Histogram<UInt64>?
    @CompactOptionalHistogram public var commitHistogram: Histogram<UInt64>?

    public init(_ outcome: ConsumeOutcome) {
        consumed = outcome.consumed
        bytes = outcome.bytes
        elapsedSeconds = outcome.elapsedSeconds
        totalSeconds = outcome.totalSeconds
        warmupRecords = outcome.warmupSeconds > 0 ? outcome.warmupRecords : nil
        warmupSeconds = outcome.warmupSeconds > 0 ? outcome.warmupSeconds : nil
        recordsPerSecond = outcome.recordsPerSecond
        megabytesPerSecond = outcome.megabytesPerSecond
        joinSeconds = outcome.joinSeconds
        pauses = outcome.pauses.isEmpty ? nil : outcome.pauses
        firstRecordSeconds = outcome.firstRecordSeconds
        fetchWait = LatencyPercentiles(outcome.fetchWait)
        commitLatency = outcome.commitLatency.map(LatencyPercentiles.init)
        commitFailures = outcome.commitFailures
        end = outcome.end
        missing = outcome.missing
        duplicatedOffsets = outcome.partitions.reduce(0) { $0 + $1.duplicated }
        let bounded = outcome.partitions.compactMap { p -> Int64? in
            guard let start = p.expectedStart, let end = p.expectedEnd else { return nil }
            return max(0, end - start)
        }
        expectedRecords = bounded.count == outcome.partitions.count && !bounded.isEmpty ? bounded.reduce(0, +) : nil
        finalLag = outcome.timeline.last?.lag
        consumers = outcome.consumers
        partitions = outcome.partitions
        transientErrors = outcome.transientErrors
        timeline = outcome.timeline
        fetchWaitHistogram = outcome.fetchWait
        commitHistogram = outcome.commitLatency
    }
}

/// The backlog a consume run wrote before measuring how fast it drains.
public struct BacklogFigures: Sendable, Codable, Hashable {
    public var records: Int
    public var bytes: Int
    public var partitions: Int
    public var recordSize: Int
    /// Seconds the producers took, and their rate.
    public var seconds: Double
    public var recordsPerSecond: Double

    public init(records: Int, bytes: Int, partitions: Int, recordSize: Int, seconds: Double) {
        self.records = records
        self.bytes = bytes
        self.partitions = partitions
        self.recordSize = recordSize
        self.seconds = seconds
        recordsPerSecond = seconds > 0 ? Double(records) / seconds : 0
    }
}
