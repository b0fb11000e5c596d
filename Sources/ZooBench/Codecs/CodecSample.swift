import Foundation
import ZooPipe

/// Record values laid end to end and cut into batches, as a producer would
/// hand them to its codec (values only: Kafka's per-record framing, a few
/// bytes of varints per record, is left out).
public final class CodecSample: @unchecked Sendable {
    /// Records sampled.
    public let records: Int
    /// Bytes of values sampled.
    public let bytes: Int
    /// Each batch's byte range in `storage`.
    public let batches: [Range<Int>]
    private let storage: UnsafeMutableRawBufferPointer

    /// Takes records from `pool` in order, at most `sampleBytes` of them (and
    /// each distinct record once), and cuts them into batches of `batchSize`.
    public init(pool: PayloadPool, batchSize: Int, sampleBytes: Int) {
        var sizes: [Int] = []
        var total = 0
        var index = 0
        while index < pool.slotCount && total < sampleBytes {
            let size = pool.size(index)
            if total + size > sampleBytes && !sizes.isEmpty { break }
            sizes.append(size)
            total += size
            index += 1
        }
        storage = .allocate(byteCount: max(total, 1), alignment: 16)
        var batches: [Range<Int>] = []
        var offset = 0
        var batchStart = 0
        for (index, size) in sizes.enumerated() {
            if offset > batchStart && offset - batchStart + size > batchSize {
                batches.append(batchStart..<offset)
                batchStart = offset
            }
            let value = pool.payload(index)
            if size > 0 {
                UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + size]).copyMemory(from: value)
            }
            offset += size
        }
        if offset > batchStart { batches.append(batchStart..<offset) }
        records = sizes.count
        bytes = total
        self.batches = batches
    }

    deinit { storage.deallocate() }

    /// Batch number `index`'s bytes.
    public func batch(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[batches[index]])
    }

    /// Every sampled byte, batches end to end (valid during `body`).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<bytes]))
    }

    /// The largest batch, in bytes.
    public var largestBatch: Int { batches.map(\.count).max() ?? 0 }
}
