
/// One interval of a run, merged over all producers: what was delivered and
/// how long it took, as the timeline shows it.
public struct IntervalSnapshot: Sendable, Codable, Hashable {
    /// 0 for the first interval.
    public var index: Int
    /// Seconds from the run's start to the interval's start.
    public var start: Double
    /// The interval's length in seconds (the last one may be shorter).
    public var seconds: Double
    /// Records sent in the interval.
    public var sent: Int
    /// Records acknowledged in the interval.
    public var delivered: Int
    /// Value bytes acknowledged in the interval.
    public var bytes: Int
    /// Records that failed in the interval.
    public var errors: Int
    /// Records sent but not yet reported at the interval's end.
    public var inFlight: Int
    /// Whether the interval falls (partly) in the warm-up.
    public var warmup: Bool
    /// Latency percentiles of the records acknowledged in the interval, in
    /// microseconds (from the intended send time when a rate is set).
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
    /// The interval's latencies (as the percentiles above) in fixed buckets,
    /// for live exporters; not written to results.
    public var latencyBuckets = LatencyBuckets()

    enum CodingKeys: String, CodingKey {
        case index, start, seconds, sent, delivered, bytes, errors, inFlight, warmup, p50, p90, p99, p999, max
    }

    /// Acknowledged records per second.
    public var recordsPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
    /// Acknowledged MiB per second.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
}
