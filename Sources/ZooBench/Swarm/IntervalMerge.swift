import Foundation
import ZooPipe

extension IntervalSnapshot {
    /// One interval of several workers, aligned by index: counts add up; the
    /// latency percentiles are the highest any worker had, an upper bound of
    /// the merged ones (for any percentile, the merged value lies between the
    /// workers' lowest and highest), and `max` is exact.
    public static func acrossWorkers(_ parts: [IntervalSnapshot]) -> IntervalSnapshot {
        var merged = parts[0]
        for part in parts.dropFirst() {
            merged.seconds = Swift.max(merged.seconds, part.seconds)
            merged.start = Swift.min(merged.start, part.start)
            merged.sent += part.sent
            merged.delivered += part.delivered
            merged.bytes += part.bytes
            merged.errors += part.errors
            merged.inFlight += part.inFlight
            merged.warmup = merged.warmup || part.warmup
            merged.p50 = Swift.max(merged.p50, part.p50)
            merged.p90 = Swift.max(merged.p90, part.p90)
            merged.p99 = Swift.max(merged.p99, part.p99)
            merged.p999 = Swift.max(merged.p999, part.p999)
            merged.max = Swift.max(merged.max, part.max)
        }
        return merged
    }
}

extension ConsumeIntervalSnapshot {
    /// One interval of several workers' consumers, aligned by index: counts
    /// and lag add up, percentiles are the highest any worker had (an upper
    /// bound of the merged value), maxima are exact.
    public static func acrossWorkers(_ parts: [ConsumeIntervalSnapshot]) -> ConsumeIntervalSnapshot {
        var merged = parts[0]
        for part in parts.dropFirst() {
            merged.start = Swift.min(merged.start, part.start)
            merged.seconds = Swift.max(merged.seconds, part.seconds)
            merged.consumed += part.consumed
            merged.bytes += part.bytes
            merged.lag = merged.lag.flatMap { lag in part.lag.map { lag + $0 } }
            merged.commits += part.commits
            merged.commitMax = Swift.max(merged.commitMax, part.commitMax)
            merged.fetchWaitP99 = Swift.max(merged.fetchWaitP99, part.fetchWaitP99)
            merged.p50 = Swift.max(merged.p50, part.p50)
            merged.p90 = Swift.max(merged.p90, part.p90)
            merged.p99 = Swift.max(merged.p99, part.p99)
            merged.p999 = Swift.max(merged.p999, part.p999)
            merged.max = Swift.max(merged.max, part.max)
            merged.warmup = merged.warmup || part.warmup
        }
        return merged
    }
}
