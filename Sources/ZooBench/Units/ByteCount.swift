/// Byte counts as people write them: `100`, `16k`, `1m` (binary multiples:
/// k = 1024). The one size parser of the tool.
public enum ByteCount {
    /// Parses `text`, nil if it is not a size of 0 bytes or more.
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased()
        let multipliers: [(String, Int)] = [("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1024), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (suffix, multiplier) in multipliers where lower.hasSuffix(suffix) {
            guard let value = DecimalText.parse(lower.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            let bytes = (value * Double(multiplier)).rounded()
            guard bytes < 9.2e18 else { return nil }
            return Int(bytes)
        }
        guard let value = Int(lower), value >= 0 else { return nil }
        return value
    }

    /// Parses `text` given as `label`; the error names both and shows `example`.
    public static func parse(_ text: String, label: String, example: String = "64k") throws(WorkloadError) -> Int {
        guard let bytes = parse(text) else { throw .invalid("\(label): '\(text)' is not a size such as \(example)") }
        return bytes
    }
}

func trim(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
