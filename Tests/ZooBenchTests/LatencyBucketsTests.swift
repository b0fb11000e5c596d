import Histogram
import Testing
@testable import ZooBench

/// An interval's latencies in the fixed buckets a live exporter needs.
@Suite("Latency buckets")
struct LatencyBucketsTests {
    func histogram(_ values: [UInt64]) -> Histogram<UInt64> {
        var histogram = LatencyHistogram.make()
        for value in values { histogram.record(value) }
        return histogram
    }

    @Test func eachValueLandsInTheFirstBucketWhoseBoundHoldsIt() {
        // 50 → ≤100; 100 → ≤100; 101 → ≤250; 999 and 1000 → ≤1000; 2 s → ≤2.5 s; 30 s → above every bound.
        let buckets = LatencyBuckets(histogram([50, 100, 101, 999, 1_000, 2_000_000, 30_000_000]))
        var expected = Array(repeating: UInt64(0), count: LatencyBuckets.bounds.count + 1)
        expected[0] = 2
        expected[1] = 1
        expected[3] = 2
        expected[LatencyBuckets.bounds.firstIndex(of: 2_500_000)!] = 1
        expected[LatencyBuckets.bounds.count] = 1
        #expect(buckets.counts == expected)
        #expect(buckets.count == 7)
    }

    /// Many values across every bucket: the counts add up to the total, none
    /// counted twice, and each bucket's count is what a plain count of the
    /// inputs gives, to HdrHistogram's resolution at the bounds.
    @Test func manyValuesAddUpAndMatchAPlainCount() {
        var generator = SplitMix64(seed: 42)
        var values: [UInt64] = []
        for _ in 0..<200_000 { values.append(1 + generator.next() % 12_000_000) }
        let histogram = histogram(values)
        let buckets = LatencyBuckets(histogram)
        #expect(buckets.count == 200_000)
        var lower: UInt64 = 0
        for (index, bound) in LatencyBuckets.bounds.enumerated() {
            let plain = values.filter { $0 >= lower && $0 <= bound }.count
            // Values within 0.1% of a bound share its HdrHistogram bin.
            let slack = values.filter { $0 > bound && histogram.valuesAreEquivalent($0, bound) }.count
                + values.filter { $0 >= lower && $0 < lower + lower / 500 + 1 && lower > 0 }.count
            #expect(abs(Int(buckets.counts[index]) - plain) <= slack, "bucket ≤\(bound)")
            lower = bound + 1
        }
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        #expect(abs(buckets.sum / 200_000 - mean) / mean < 0.001)
    }

    @Test func anEmptyHistogramHasNoCounts() {
        let buckets = LatencyBuckets(histogram([]))
        #expect(buckets.count == 0 && buckets.sum == 0)
        var total = LatencyBuckets(histogram([10, 20]))
        total.add(LatencyBuckets(histogram([300])))
        #expect(total.counts[0] == 2 && total.counts[2] == 1 && total.sum == 330)
    }
}
