import Histogram

/// One producer's share of an interval, before merging.
struct ProducerInterval: IntervalPart {
    var index: Int
    var end: UInt64
    var sent = 0
    var delivered = 0
    var bytes = 0
    var errors = 0
    var inFlight = 0
    var warmup = false
    var histogram: Histogram<UInt64>

    /// Producers' shares of interval `index` as one snapshot.
    static func merge(_ parts: [ProducerInterval], index: Int, start: Double, seconds: Double) -> IntervalSnapshot {
        var histogram = parts[0].histogram
        for part in parts.dropFirst() { histogram.add(part.histogram) }
        return IntervalSnapshot(
            index: index, start: start, seconds: seconds,
            sent: parts.reduce(0) { $0 + $1.sent }, delivered: parts.reduce(0) { $0 + $1.delivered },
            bytes: parts.reduce(0) { $0 + $1.bytes }, errors: parts.reduce(0) { $0 + $1.errors },
            inFlight: parts.reduce(0) { $0 + $1.inFlight }, warmup: parts.contains { $0.warmup },
            p50: histogram.percentileOrZero(50), p90: histogram.percentileOrZero(90),
            p99: histogram.percentileOrZero(99), p999: histogram.percentileOrZero(99.9),
            max: histogram.totalCount > 0 ? histogram.max : 0, latencyBuckets: LatencyBuckets(histogram))
    }
}
