import Foundation

/// A set of sequence numbers as bits; grows as needed (doubling, so the
/// amortised cost per insert is constant and allocation is rare).
public struct SequenceBitset: Sendable, Hashable {
    private(set) var words: [UInt64] = []

    public init() {}

    /// Sets bit `index`; returns whether it was already set.
    @inline(__always)
    @discardableResult
    public mutating func insert(_ index: Int) -> Bool {
        let word = index >> 6
        if word >= words.count { grow(to: word) }
        let mask: UInt64 = 1 << UInt64(index & 63)
        let was = words[word] & mask != 0
        words[word] |= mask
        return was
    }

    public func contains(_ index: Int) -> Bool {
        let word = index >> 6
        return word < words.count && words[word] & (1 << UInt64(index & 63)) != 0
    }

    /// How many bits are set.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Bits set here and not in `other`.
    public func subtractingCount(_ other: SequenceBitset) -> Int {
        var total = 0
        for i in words.indices {
            total += (words[i] & ~(i < other.words.count ? other.words[i] : 0)).nonzeroBitCount
        }
        return total
    }

    /// Bits set in both.
    public func intersectionCount(_ other: SequenceBitset) -> Int {
        var total = 0
        for i in 0..<min(words.count, other.words.count) { total += (words[i] & other.words[i]).nonzeroBitCount }
        return total
    }

    /// Adds `other`'s bits.
    public mutating func formUnion(_ other: SequenceBitset) {
        extend(to: other.words.count)
        for i in other.words.indices { words[i] |= other.words[i] }
    }

    /// Indices set here and not in `other`, in order, at most `limit`.
    public func missing(from other: SequenceBitset, limit: Int) -> [Int] {
        var result: [Int] = []
        for i in words.indices where result.count < limit {
            var bits = words[i] & ~(i < other.words.count ? other.words[i] : 0)
            while bits != 0 && result.count < limit {
                result.append(i << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return result
    }

    private mutating func grow(to word: Int) {
        extend(to: word + 1)
    }

    /// Appends zero words up to `count`. The capacity doubles when it runs
    /// out (one allocation), but only the words in use are written, so the
    /// spare half is never touched and costs no resident memory: a soak's
    /// memory grows with the records, not in doubling steps. (Appending a
    /// `repeatElement` sequence allocated once per word in unoptimized
    /// builds: the allocation counter caught it.)
    private mutating func extend(to count: Int) {
        guard count > words.count else { return }
        if count > words.capacity { words.reserveCapacity(Swift.max(count, words.capacity * 2, 1024)) }
        while words.count < count { words.append(0) }
    }
}
