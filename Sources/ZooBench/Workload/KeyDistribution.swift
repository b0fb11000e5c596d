/// How record keys are chosen.
public enum KeyDistribution: Sendable, Hashable, CustomStringConvertible {
    /// No key: the partitioner spreads records.
    case none
    /// One of `count` keys, uniformly.
    case uniform(Int)
    /// One of `count` keys, Zipf-distributed with exponent `exponent` (hot keys).
    case zipf(Int, exponent: Double)
    /// The record's sequence number as its key.
    case sequential

    /// Parses `none`, `uniform:K`, `zipf:K,s` or `sequential`.
    public init?(parsing text: String) {
        if text == "none" { self = .none; return }
        if text == "sequential" { self = .sequential; return }
        // Uniform keys cost nothing to have; a Zipf distribution keeps 8 bytes per key (80 MB at 10 million).
        if text.hasPrefix("uniform:"), let count = Int(text.dropFirst(8)), (1...100_000_000).contains(count) {
            self = .uniform(count)
            return
        }
        if text.hasPrefix("zipf:") {
            let parts = text.dropFirst(5).split(separator: ",")
            if parts.count == 2, let count = Int(parts[0]), (1...10_000_000).contains(count), let exponent = DecimalText.parse(parts[1]),
               exponent > 0, exponent.isFinite {
                self = .zipf(count, exponent: exponent)
                return
            }
        }
        return nil
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .uniform(let count): return "uniform:\(count)"
        case .zipf(let count, let exponent): return "zipf:\(count),\(trim(exponent))"
        case .sequential: return "sequential"
        }
    }
}
