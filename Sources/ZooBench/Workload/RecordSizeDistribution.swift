#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            guard parts.count == 2, let mean = DecimalText.parse(parts[0]), let deviation = DecimalText.parse(parts[1]),
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

    /// The mean size.
    public var mean: Double {
        switch self {
        case .fixed(let size): return Double(size)
        case .uniform(let low, let high): return Double(low + high) / 2
        case .normal(let mean, _): return mean
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
