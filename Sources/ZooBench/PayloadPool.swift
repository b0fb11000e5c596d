/// Record values for a run, generated once into one immutable buffer.
///
/// Records are slices of it handed to librdkafka without a copy; nothing
/// writes to the buffer after it is made, so a slice stays valid for as long
/// as the pool lives, whatever is in flight. The buffer is large enough (up
/// to 16 MiB) that a batch does not see the same bytes twice, so codecs are
/// not flattered by repetition.
public final class PayloadPool: @unchecked Sendable {
    /// Bytes per record.
    public let recordSize: Int
    /// Distinct record values in the pool.
    public let slotCount: Int
    private let storage: UnsafeMutableRawBufferPointer

    /// The most bytes a pool holds.
    public static let maxBytes = 16 * 1024 * 1024

    /// Fills a pool of `recordSize`-byte values with pseudo-random bytes from `seed`.
    public init(recordSize: Int, records: Int, seed: UInt64 = 0x5EED) {
        self.recordSize = recordSize
        let wanted = max(1, min(records, Self.maxBytes / max(recordSize, 1)))
        slotCount = wanted
        storage = .allocate(byteCount: max(1, wanted * recordSize), alignment: 8)
        var generator = SplitMix64(seed: seed)
        let words = storage.count / 8
        let wordPointer = storage.baseAddress!.bindMemory(to: UInt64.self, capacity: words)
        for i in 0..<words { wordPointer[i] = generator.next() }
        for i in (words * 8)..<storage.count { storage[i] = UInt8(truncatingIfNeeded: generator.next()) }
    }

    deinit {
        storage.deallocate()
    }

    /// The value of record `index` (a view into the pool; no copy).
    @inline(__always)
    public func payload(_ index: Int) -> UnsafeRawBufferPointer {
        let start = (index % slotCount) * recordSize
        return UnsafeRawBufferPointer(rebasing: storage[start..<start + recordSize])
    }
}

/// A small, fast, seedable generator (SplitMix64) so payloads are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
