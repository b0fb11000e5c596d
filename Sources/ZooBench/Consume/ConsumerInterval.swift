import Foundation
import Histogram
import ZooPipe

/// One consumer's share of an interval, before merging.
struct ConsumerInterval: IntervalPart {
    var index: Int
    var end: UInt64
    var consumed = 0
    var bytes = 0
    var lag: Int64?
    var commits = 0
    var commitMax: UInt64 = 0
    var warmup = false
    var fetchWait: Histogram<UInt64>
    var latency: Histogram<UInt64>

    static func merge(_ parts: [ConsumerInterval], index: Int, start: Double, seconds: Double) -> ConsumeIntervalSnapshot {
        var fetch = parts[0].fetchWait
        var latency = parts[0].latency
        for part in parts.dropFirst() {
            fetch.add(part.fetchWait)
            latency.add(part.latency)
        }
        let lags = parts.compactMap(\.lag)
        return ConsumeIntervalSnapshot(
            index: index, start: start, seconds: seconds, consumed: parts.reduce(0) { $0 + $1.consumed },
            bytes: parts.reduce(0) { $0 + $1.bytes }, lag: lags.isEmpty ? nil : lags.reduce(0, +),
            commits: parts.reduce(0) { $0 + $1.commits }, commitMax: parts.map(\.commitMax).max() ?? 0,
            fetchWaitP99: fetch.percentileOrZero(99),
            p50: latency.percentileOrZero(50), p90: latency.percentileOrZero(90), p99: latency.percentileOrZero(99),
            p999: latency.percentileOrZero(99.9), max: latency.totalCount > 0 ? latency.max : 0,
            warmup: parts.contains { $0.warmup }, latencyBuckets: LatencyBuckets(latency))
    }
}
