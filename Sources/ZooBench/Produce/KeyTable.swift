import Foundation
import ZooPipe

/// Record keys drawn as the workload asks. Keys are written into a scratch
/// buffer per record (`key-42`, or the sequence number), so no table of key
/// texts is built: only a Zipf distribution keeps a table, of its cumulative
/// probabilities (8 bytes per key: 80 MB at its 10 million keys). A table of
/// texts took 2.8 GB for 100 million uniform keys.
public final class KeyTable: @unchecked Sendable {
    private let distribution: KeyDistribution
    private let cumulative: [Double]

    public init(_ distribution: KeyDistribution) {
        self.distribution = distribution
        var cumulative: [Double] = []
        if case .zipf(let count, let exponent) = distribution {
            var total = 0.0
            cumulative = (1...count).map { rank in
                total += 1 / pow(Double(rank), exponent)
                return total
            }
            cumulative = cumulative.map { $0 / total }
        }
        self.cumulative = cumulative
    }

    /// Calls `body` with the key of record `sequence` (nil: no key). Keys are
    /// copied by librdkafka, so `scratch` (at least 24 bytes) is reused between records.
    @inline(__always)
    public func withKey<R>(sequence: Int, generator: inout SplitMix64, scratch: UnsafeMutableRawBufferPointer,
                           _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        switch distribution {
        case .none:
            return try body(nil)
        case .sequential:
            return try body(Self.write(sequence, prefixed: false, into: scratch))
        case .uniform(let count):
            return try body(Self.write(Int(generator.next() % UInt64(count)), prefixed: true, into: scratch))
        case .zipf:
            let u = Double.random(in: 0..<1, using: &generator)
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < u { low = mid + 1 } else { high = mid }
            }
            return try body(Self.write(low, prefixed: true, into: scratch))
        }
    }

    /// Writes `value` in decimal at the end of the first 24 bytes of
    /// `scratch`, after `key-` when `prefixed`; returns the bytes written.
    @inline(__always)
    static func write(_ value: Int, prefixed: Bool, into scratch: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        var value = max(0, value)
        var start = 24
        repeat {
            start -= 1
            scratch[start] = UInt8(48 + value % 10)
            value /= 10
        } while value > 0 && start > 4
        if prefixed {
            start -= 4
            scratch[start] = UInt8(ascii: "k")
            scratch[start + 1] = UInt8(ascii: "e")
            scratch[start + 2] = UInt8(ascii: "y")
            scratch[start + 3] = UInt8(ascii: "-")
        }
        return UnsafeRawBufferPointer(rebasing: scratch[start..<24])
    }
}
