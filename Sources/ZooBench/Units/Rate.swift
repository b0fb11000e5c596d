import Foundation

/// A rate such as `200000`, `200k` (records/s), `50MB/s` or `1GB/s` (bytes/s):
/// the one rate parser of the tool (plan's rates, codecs' --at-rate).
public enum Rate: Sendable, Hashable, Codable, CustomStringConvertible {
    case records(Double)
    case bytes(Double)

    /// Parses `20000`, `20k`, `1.5m`, `50MB/s`; nil for anything else, and
    /// for rates above 1e9 records/s or 1 TB/s, or below 0.001 records/s
    /// (``ProduceWorkload/slowestThroughput``) or 1 B/s.
    public init?(parsing text: String) {
        guard let rate = Self.parse(text) else { return nil }
        switch rate {
        case .records(let value) where value > 1e9 || value < ProduceWorkload.slowestThroughput: return nil
        case .bytes(let value) where value > 1e12 || value < 1: return nil
        default: self = rate
        }
    }

    /// Parses `text` given as `label`; the error names both.
    public init(parsing text: String, label: String) throws(WorkloadError) {
        guard let rate = Rate(parsing: text) else {
            throw .invalid("\(label): '\(text)' is not a rate such as 20000, 20k or 50MB/s (0.001 to 1e9 records/s, 1 B/s to 1 TB/s)")
        }
        self = rate
    }

    /// A rate of bytes: `100MB/s`, `1g/s`, `100MB` or a bare byte count
    /// (binary multiples, as sizes are), above 0; the error names `label`.
    public static func bytesPerSecond(parsing text: String, label: String) throws(WorkloadError) -> Double {
        let body = text.lowercased().hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let bytes = ByteCount.parse(body), bytes > 0 else {
            throw .invalid("\(label): '\(text)' is not a rate such as 100MB/s")
        }
        return Double(bytes)
    }

    private static func parse(_ text: String) -> Rate? {
        var body = text.trimmingCharacters(in: .whitespaces).lowercased()
        if body.hasSuffix("/s") { body.removeLast(2) }
        for (suffix, scale) in [("records", 1.0), ("k", 1e3), ("m", 1e6)] where body.hasSuffix(suffix) && !body.hasSuffix("b") {
            guard let value = DecimalText.parse(body.dropLast(suffix.count)), value > 0, value.isFinite else { return nil }
            return .records(value * scale)
        }
        if body.hasSuffix("b"), let bytes = ByteCount.parse(body), bytes > 0 {
            return .bytes(Double(bytes))
        }
        guard let value = DecimalText.parse(body), value > 0, value.isFinite else { return nil }
        return .records(value)
    }

    /// Records per second, given the mean record size.
    public func recordsPerSecond(recordBytes: Double) -> Double {
        switch self {
        case .records(let value): return value
        case .bytes(let value): return recordBytes > 0 ? value / recordBytes : 0
        }
    }

    public var description: String {
        switch self {
        case .records(let value): return "\(trim(value)) records/s"
        case .bytes(let value): return "\(String(format: "%.1f", value / 1_048_576)) MB/s"
        }
    }
}
