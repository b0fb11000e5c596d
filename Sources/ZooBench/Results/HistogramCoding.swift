import Histogram

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

    func histogram() throws -> Histogram<UInt64> {
        guard let digits = SignificantDigits(rawValue: significantDigits), highestTrackableValue >= 2 * lowestDiscernibleValue,
              lowestDiscernibleValue >= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "histogram settings out of range"))
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
