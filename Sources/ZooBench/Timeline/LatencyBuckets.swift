import Histogram

/// An interval's latencies counted into fixed buckets, for exporters whose
/// histograms have fixed bounds (Prometheus): made once per interval from the
/// interval's merged HdrHistogram, so the per-record path does not change.
public struct LatencyBuckets: Sendable, Hashable {
    /// Upper bounds in microseconds (inclusive), 100 µs to 10 s; a last
    /// bucket above them holds the rest.
    public static let bounds: [UInt64] = [
        100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000,
    ]

    /// Records per bucket (not cumulative): `counts[i]` are those above
    /// `bounds[i-1]` and at most `bounds[i]`; the last entry, above every bound.
    public var counts: [UInt64]
    /// The sum of the latencies, in microseconds.
    public var sum: Double
    /// Records counted.
    public var count: UInt64 { counts.reduce(0, +) }

    public init(counts: [UInt64] = Array(repeating: 0, count: LatencyBuckets.bounds.count + 1), sum: Double = 0) {
        self.counts = counts
        self.sum = sum
    }

    /// The histogram's values in buckets: one pass over its counts up to its
    /// largest value, each bucket's range starting past the last one's
    /// equivalence range (HdrHistogram's 3 significant digits), so no count
    /// is taken twice.
    public init(_ histogram: Histogram<UInt64>) {
        self.init()
        guard histogram.totalCount > 0 else { return }
        let largest = histogram.max
        var lower: UInt64 = 0
        var counted: UInt64 = 0
        for (index, bound) in Self.bounds.enumerated() where lower <= largest {
            counts[index] = histogram.count(within: lower...Swift.max(lower, bound))
            counted += counts[index]
            lower = histogram.nextNonEquivalentForValue(Swift.max(lower, bound))
        }
        counts[Self.bounds.count] = histogram.totalCount - counted
        sum = histogram.mean * Double(histogram.totalCount)
    }

    /// Adds `other`'s counts and sum.
    public mutating func add(_ other: LatencyBuckets) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
    }
}
