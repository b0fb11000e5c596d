import Histogram

/// How every latency in zoobench is kept: an HdrHistogram of microseconds,
/// 1 µs to 10 minutes, 3 significant digits (producers, consumers, fetch
/// waits and commits alike, so any two merge exactly).
public enum LatencyHistogram {
    /// The most latency a histogram holds: 10 minutes, in µs (longer values are clamped to it).
    public static let highest: UInt64 = 600_000_000

    /// An empty latency histogram.
    public static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: .three)
    }
}

extension Histogram<UInt64> {
    /// The value at `percentile`, or 0 for an empty histogram (which has no value to give).
    public func percentileOrZero(_ percentile: Double) -> UInt64 {
        totalCount > 0 ? valueAtPercentile(percentile) : 0
    }
}
