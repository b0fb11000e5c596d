/// How big record values are: one size, or drawn from a distribution.
public enum RecordSizeDistribution: Sendable, Hashable, CustomStringConvertible {
    /// Every record has this many bytes.
    case fixed(Int)
    /// Uniform between the two sizes, inclusive (`uniform:100-1000`).
    case uniform(Int, Int)
    /// Normal with this mean and standard deviation, clamped at 0 (`normal:500,50`).
    case normal(mean: Double, deviation: Double)

    /// Parses `100`, `1k`, `uniform:100-1000` or `normal:500,50`.
    public init?(parsing text: String) {
        if text.hasPrefix("uniform:") {
            let parts = text.dropFirst(8).split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let low = ByteCount.parse(String(parts[0])), let high = ByteCount.parse(String(parts[1])),
                  low <= high else { return nil }
            self = .uniform(low, high)
        } else if text.hasPrefix("normal:") {
            let parts = text.dropFirst(7).split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2, let mean = Double(parts[0]), let deviation = Double(parts[1]),
                  (0...1e9).contains(mean), (0...1e9).contains(deviation) else { return nil }
            self = .normal(mean: mean, deviation: deviation)
        } else if let size = ByteCount.parse(text) {
            self = .fixed(size)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .fixed(let size): return String(size)
        case .uniform(let low, let high): return "uniform:\(low)-\(high)"
        case .normal(let mean, let deviation): return "normal:\(trim(mean)),\(trim(deviation))"
        }
    }

    /// The largest size a record can have.
    public var maximum: Int {
        switch self {
        case .fixed(let size): return size
        case .uniform(_, let high): return high
        case .normal(let mean, let deviation): return Int((mean + 6 * deviation).rounded(.up))
        }
    }

    /// A size drawn with `generator`.
    func sample(_ generator: inout SplitMix64) -> Int {
        switch self {
        case .fixed(let size):
            return size
        case .uniform(let low, let high):
            return Int.random(in: low...high, using: &generator)
        case .normal(let mean, let deviation):
            // Box–Muller.
            let u1 = max(Double.random(in: 0..<1, using: &generator), .leastNonzeroMagnitude)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return min(maximum, max(0, Int((mean + z * deviation).rounded())))
        }
    }
}

/// What record values contain.
public enum PayloadKind: Sendable, Hashable, CustomStringConvertible {
    /// Pseudo-random bytes, with `compressibility` of them repeated.
    case random
    /// Words and spaces (compressible like prose).
    case text
    /// JSON objects with a few fields, padded to the record size.
    case json
    /// Records read from a file, split at the payload delimiter.
    case file(String)

    /// Parses `random`, `text`, `json` or `file:PATH`.
    public init?(parsing text: String) {
        switch text {
        case "random": self = .random
        case "text": self = .text
        case "json": self = .json
        default:
            guard text.hasPrefix("file:"), text.count > 5 else { return nil }
            self = .file(String(text.dropFirst(5)))
        }
    }

    public var description: String {
        switch self {
        case .random: return "random"
        case .text: return "text"
        case .json: return "json"
        case .file(let path): return "file:\(path)"
        }
    }
}

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
        // At most 100 million keys: a Zipf table that size already takes 800 MB.
        if text.hasPrefix("uniform:"), let count = Int(text.dropFirst(8)), (1...100_000_000).contains(count) {
            self = .uniform(count)
            return
        }
        if text.hasPrefix("zipf:") {
            let parts = text.dropFirst(5).split(separator: ",")
            if parts.count == 2, let count = Int(parts[0]), (1...10_000_000).contains(count), let exponent = Double(parts[1]),
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
