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
    /// The interval's end-to-end latencies in fixed buckets, for live
    /// exporters (empty outside e2e runs); not written to results.
    public var latencyBuckets = LatencyBuckets()

    enum CodingKeys: String, CodingKey {
        case index, start, seconds, consumed, bytes, lag, commits, commitMax, fetchWaitP99, p50, p90, p99, p999, max, warmup
    }

    /// Consumed records per second.
    public var recordsPerSecond: Double { seconds > 0 ? Double(consumed) / seconds : 0 }
    /// Consumed MiB per second.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
}
