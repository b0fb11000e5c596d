import Foundation
import ZooPipe

/// Record keys drawn as the workload asks, from a table built once.
public final class KeyTable: @unchecked Sendable {
    private let distribution: KeyDistribution
    private let arena: [UInt8]
    private let offsets: [Int]
    private let cumulative: [Double]

    public init(_ distribution: KeyDistribution) {
        self.distribution = distribution
        var arena: [UInt8] = []
        var offsets: [Int] = [0]
        var cumulative: [Double] = []
        switch distribution {
        case .none, .sequential:
            break
        case .uniform(let count), .zipf(let count, _):
            for k in 0..<count {
                arena += Array("key-\(k)".utf8)
                offsets.append(arena.count)
            }
            if case .zipf(_, let exponent) = distribution {
                var total = 0.0
                cumulative = (1...count).map { rank in
                    total += 1 / pow(Double(rank), exponent)
                    return total
                }
                cumulative = cumulative.map { $0 / total }
            }
        }
        self.arena = arena
        self.offsets = offsets
        self.cumulative = cumulative
    }

    /// Calls `body` with the key of record `sequence` (nil: no key). Keys are
    /// copied by librdkafka, so `scratch` is reused between records.
    @inline(__always)
    public func withKey<R>(sequence: Int, generator: inout SplitMix64, scratch: UnsafeMutableRawBufferPointer,
                           _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        switch distribution {
        case .none:
            return try body(nil)
        case .sequential:
            var value = sequence
            var length = 0
            repeat {
                scratch[19 - length] = UInt8(48 + value % 10)
                value /= 10
                length += 1
            } while value > 0 && length < 20
            return try body(UnsafeRawBufferPointer(rebasing: scratch[(20 - length)..<20]))
        case .uniform(let count):
            return try slice(Int(generator.next() % UInt64(count)), body)
        case .zipf:
            let u = Double.random(in: 0..<1, using: &generator)
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < u { low = mid + 1 } else { high = mid }
            }
            return try slice(low, body)
        }
    }

    @inline(__always)
    private func slice<R>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        try arena.withUnsafeBytes { bytes in
            try body(UnsafeRawBufferPointer(rebasing: bytes[offsets[index]..<offsets[index + 1]]))
        }
    }
}
