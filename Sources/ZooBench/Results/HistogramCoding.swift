import Foundation
import Histogram
import Synchronization

/// How much histogram memory reading one file may take: result files read
/// from outside (a baseline, a report's input) could otherwise ask for
/// gigabytes in a few kilobytes of JSON. Set for the reading with
/// `HistogramAllowance.$current.withValue(…)`; nil: each histogram is still
/// bounded on its own.
public final class HistogramAllowance: Sendable {
    @TaskLocal public static var current: HistogramAllowance?

    /// Bytes left.
    private let left: Mutex<Int>
    private let total: Int

    public init(bytes: Int) {
        left = Mutex(bytes)
        total = bytes
    }

    /// Takes `bytes` of the allowance, or throws when it is spent.
    func take(_ bytes: Int) throws {
        let ok = left.withLock { left in
            guard left >= bytes else { return false }
            left -= bytes
            return true
        }
        if !ok {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription:
                "its histograms need more than \(total >> 20) MiB of memory"))
        }
    }
}


/// A histogram as result files store it: its settings, the exact smallest
/// and largest values recorded, and one `[value, count]` pair per non-empty
/// bucket (the bucket's highest equivalent value). Re-recording them rebuilds
/// the same counts and extremes, so every percentile, the mean, the minimum
/// and the maximum read back as they were; the library's own
/// Codable form writes every bucket (about 23,000 for 1 µs – 10 min at 3
/// digits), which made results tens of megabytes.
struct HistogramCoding: Codable {
    var lowestDiscernibleValue: UInt64
    var highestTrackableValue: UInt64
    var significantDigits: Int8
    var totalCount: UInt64
    /// The exact smallest and largest values recorded (0 when empty).
    var min: UInt64
    var max: UInt64
    var counts: [[UInt64]]

    init(_ histogram: Histogram<UInt64>) {
        lowestDiscernibleValue = histogram.lowestDiscernibleValue
        highestTrackableValue = histogram.highestTrackableValue
        significantDigits = histogram.numberOfSignificantValueDigits.rawValue
        totalCount = histogram.totalCount
        min = histogram.totalCount > 0 ? histogram.min : 0
        max = histogram.totalCount > 0 ? histogram.maxRecorded : 0
        counts = histogram.recordedValues().map { [$0.value, $0.count] }
    }

    /// The most values a stored histogram may count (2^53: every count stays
    /// exact as a Double, and no sum of them overflows).
    static let mostValues: UInt64 = 1 << 53
    /// The most memory one stored histogram may take once read.
    static let largestCounts = 64 << 20

    func histogram() throws -> Histogram<UInt64> {
        guard let digits = SignificantDigits(rawValue: significantDigits), highestTrackableValue >= 2 * lowestDiscernibleValue,
              lowestDiscernibleValue >= 1, highestTrackableValue <= UInt64(Int64.max) / 2 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram settings out of range"))
        }
        // The library traps (a precondition) when the lowest value's magnitude and the digits' together pass 61 bits.
        let unitMagnitude = Int(log2(Double(lowestDiscernibleValue)))
        let halfCountMagnitude = Int(log2(2 * pow(10, Double(significantDigits))).rounded(.up)) - 1
        guard unitMagnitude + halfCountMagnitude <= 61 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram settings out of range"))
        }
        let bytes = Self.countsBytes(lowest: lowestDiscernibleValue, highest: highestTrackableValue, digits: Int(significantDigits))
        guard bytes <= Self.largestCounts else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription:
                "histogram settings need \(bytes >> 20) MiB (at most \(Self.largestCounts >> 20) MiB)"))
        }
        try HistogramAllowance.current?.take(bytes)
        var sum: UInt64 = 0
        for pair in counts {
            guard pair.count == 2, pair[1] <= Self.mostValues else { throw Self.tooMany }
            sum += pair[1]
            guard sum <= Self.mostValues else { throw Self.tooMany }
        }
        guard sum == totalCount else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription:
                "histogram counts add up to \(sum), its totalCount says \(totalCount)"))
        }
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: lowestDiscernibleValue,
                                          highestTrackableValue: highestTrackableValue,
                                          numberOfSignificantValueDigits: digits)
        // The extremes are recorded as themselves (in their buckets), the rest
        // of each bucket's count at its stored value.
        var extremes = totalCount == 0 ? [] : (min == max ? [min] : [min, max])
        for (index, pair) in counts.enumerated() {
            guard pair.count == 2, pair[1] > 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram bucket malformed"))
            }
            var left = pair[1]
            let isEdge = index == 0 || index == counts.count - 1
            if isEdge {
                while left > 0, let value = extremes.first,
                      histogram.highestEquivalentForValue(value) == histogram.highestEquivalentForValue(pair[0]) {
                    guard histogram.record(value) else { throw Self.outOfRange }
                    extremes.removeFirst()
                    left -= 1
                }
            }
            // The last bucket's rest goes in at the maximum itself: a value
            // above it would raise the histogram's recorded maximum.
            let value = index == counts.count - 1 && totalCount > 0 ? max : pair[0]
            if left > 0 { guard histogram.record(value, count: left) else { throw Self.outOfRange } }
        }
        return histogram
    }

    private static var tooMany: DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram counts more than 2^53 values"))
    }

    /// The bytes of the counts array a histogram of these settings holds
    /// (HdrHistogram's layout: half a sub-bucket array per power of two
    /// above the first, 8-byte counts).
    static func countsBytes(lowest: UInt64, highest: UInt64, digits: Int) -> Int {
        var largestSingleUnit = 2.0
        for _ in 0..<digits { largestSingleUnit *= 10 }
        let subBucketMagnitude = Int(log2(largestSingleUnit).rounded(.up))
        let subBucketCount = 1 << subBucketMagnitude
        let unitMagnitude = Int(log2(Double(lowest)))
        var smallestUntrackable = UInt64(subBucketCount) << UInt64(unitMagnitude)
        var buckets = 1
        while smallestUntrackable <= highest {
            if smallestUntrackable > UInt64.max / 2 {
                buckets += 1
                break
            }
            smallestUntrackable <<= 1
            buckets += 1
        }
        return (buckets + 1) * (subBucketCount / 2) * 8
    }

    private static var outOfRange: DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram value out of range"))
    }
}

/// Stores a histogram property in the compact form of ``HistogramCoding``.
@propertyWrapper
public struct CompactHistogram: Sendable, Codable {
    public var wrappedValue: Histogram<UInt64>

    public init(wrappedValue: Histogram<UInt64>) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try HistogramCoding(from: decoder).histogram()
    }

    public func encode(to encoder: any Encoder) throws {
        try HistogramCoding(wrappedValue).encode(to: encoder)
    }
}

/// Stores an optional histogram property in the compact form (absent when nil).
@propertyWrapper
public struct CompactOptionalHistogram: Sendable, Codable {
    public var wrappedValue: Histogram<UInt64>?

    public init(wrappedValue: Histogram<UInt64>?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try HistogramCoding(from: decoder).histogram()
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(HistogramCoding(wrappedValue))
        } else {
            try container.encodeNil()
        }
    }
}

extension KeyedDecodingContainer {
    /// A missing key is a nil histogram (results without that histogram).
    public func decode(_ type: CompactOptionalHistogram.Type, forKey key: Key) throws -> CompactOptionalHistogram {
        try decodeIfPresent(type, forKey: key) ?? CompactOptionalHistogram(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    /// A nil histogram is left out.
    public mutating func encode(_ value: CompactOptionalHistogram, forKey key: Key) throws {
        if value.wrappedValue != nil { try encodeIfPresent(value, forKey: key) }
    }
}
