import Histogram

/// Latency percentiles in milliseconds.
public struct LatencyPercentiles: Sendable, Codable, Hashable {
    public var count: UInt64
    public var p50: Double
    public var p75: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var p9999: Double
    public var max: Double
    public var mean: Double

    /// Reads the percentiles of a microsecond histogram.
    public init(_ histogram: Histogram<UInt64>) {
        func ms(_ percentile: Double) -> Double { Double(histogram.percentileOrZero(percentile)) / 1000 }
        let empty = histogram.totalCount == 0
        count = histogram.totalCount
        p50 = ms(50)
        p75 = ms(75)
        p90 = ms(90)
        p95 = ms(95)
        p99 = ms(99)
        p999 = ms(99.9)
        p9999 = ms(99.99)
        max = empty ? 0 : Double(histogram.max) / 1000
        mean = empty ? 0 : histogram.mean / 1000
    }
}
