/// Byte counts as people write them: `100`, `16k`, `1m` (binary multiples: k = 1024).
public enum ByteCount {
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased()
        let multipliers: [(String, Int)] = [("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1024), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (suffix, multiplier) in multipliers where lower.hasSuffix(suffix) {
            guard let value = Double(lower.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            let bytes = (value * Double(multiplier)).rounded()
            guard bytes < 9.2e18 else { return nil }
            return Int(bytes)
        }
        guard let value = Int(lower), value >= 0 else { return nil }
        return value
    }
}

func trim(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
