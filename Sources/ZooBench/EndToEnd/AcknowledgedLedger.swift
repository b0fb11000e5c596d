import Foundation

/// What one producer's acknowledgements said, for the integrity check.
public struct AcknowledgedLedger: Sendable {
    /// Sequence numbers the cluster acknowledged.
    public var acknowledged = SequenceBitset()
    /// Sequence numbers whose delivery failed.
    public var failed = SequenceBitset()
    /// The partition each acknowledged sequence went to (for per-partition counts).
    public var partitions = PartitionMap()

    public init() {}

    @inline(__always)
    public mutating func acknowledge(_ sequence: Int, partition: Int32) {
        acknowledged.insert(sequence)
        partitions.set(sequence, partition)
    }
}

/// The partition of each sequence number, kept per block of 64 sequences in
/// one 32-bit word. Keyless records go to one partition for a whole batch,
/// so a block holds one partition, or two with the switch between them: the
/// word says which (the highest index seen of the first, the lowest of the
/// second). Only a block with more, or with two interleaved (keyed
/// records, or partitions past 511), keeps a partition per sequence. A
/// 10-minute soak of 12 million keyless records keeps about 0.75 MB here,
/// where an entry per record kept 48.
public struct PartitionMap: Sendable {
    /// Per block: the packed word (see `Word`).
    private var blocks: [UInt32] = []
    /// 64 partitions per block for blocks too mixed for a word.
    private var spelled: [Int32] = []

    /// A block's word: bits 0–1 kind (0 unset, 1 one partition, 2 two, 3
    /// spelled out), 2–7 and 8–13 indexes, 14–22 the first partition and
    /// 23–31 the second (or, for kind 3, bits 2–31 the block's place in `spelled`).
    private struct Word {
        var bits: UInt32
        var kind: UInt32 { bits & 3 }
        /// One partition: the lowest index seen; two: the highest of the first.
        var low: Int { Int((bits >> 2) & 63) }
        /// One partition: the highest index seen; two: the lowest of the second.
        var high: Int { Int((bits >> 8) & 63) }
        var first: Int32 { Int32((bits >> 14) & 0x1FF) }
        var second: Int32 { Int32((bits >> 23) & 0x1FF) }
        var spelledAt: Int { Int(bits >> 2) * 64 }

        init(bits: UInt32) { self.bits = bits }
        init(kind: UInt32, low: Int, high: Int, first: Int32, second: Int32 = 0) {
            bits = kind | UInt32(low) << 2 | UInt32(high) << 8 | UInt32(first) << 14 | UInt32(second) << 23
        }
        init(spelledAt offset: Int) { bits = 3 | UInt32(offset / 64) << 2 }
    }

    /// Partitions a word can hold; others are spelled out.
    private static let packable: Int32 = 0x1FF

    public init() {}

    /// Records that `sequence` went to `partition` (≥ 0).
    @inline(__always)
    public mutating func set(_ sequence: Int, _ partition: Int32) {
        let block = sequence >> 6
        let index = sequence & 63
        if block >= blocks.count {
            // Doubling capacity, but only the words in use written (see SequenceBitset.extend).
            if block >= blocks.capacity { blocks.reserveCapacity(Swift.max(block + 1, blocks.capacity * 2, 64)) }
            while blocks.count <= block { blocks.append(0) }
        }
        let word = Word(bits: blocks[block])
        guard partition <= Self.packable else { return spell(block, index, partition, word) }
        switch word.kind {
        case 0:
            blocks[block] = Word(kind: 1, low: index, high: index, first: partition).bits
        case 1 where word.first == partition:
            blocks[block] = Word(kind: 1, low: Swift.min(word.low, index), high: Swift.max(word.high, index), first: partition).bits
        case 1 where index > word.high:
            blocks[block] = Word(kind: 2, low: word.high, high: index, first: word.first, second: partition).bits
        case 1 where index < word.low:
            blocks[block] = Word(kind: 2, low: index, high: word.low, first: partition, second: word.first).bits
        case 2 where word.first == partition && index < word.high:
            blocks[block] = Word(kind: 2, low: Swift.max(word.low, index), high: word.high, first: word.first,
                                 second: word.second).bits
        case 2 where word.second == partition && index > word.low:
            blocks[block] = Word(kind: 2, low: word.low, high: Swift.min(word.high, index), first: word.first,
                                 second: word.second).bits
        default:
            spell(block, index, partition, word)
        }
    }

    /// Writes the block out a partition per sequence (what it held so far,
    /// then `partition` at `index`).
    private mutating func spell(_ block: Int, _ index: Int, _ partition: Int32, _ word: Word) {
        if word.kind != 3 {
            let offset = spelled.count
            for i in 0..<64 { spelled.append(Self.decode(word, i, spelled)) }
            blocks[block] = Word(spelledAt: offset).bits
            spelled[offset + index] = partition
        } else {
            spelled[word.spelledAt + index] = partition
        }
    }

    private static func decode(_ word: Word, _ index: Int, _ spelled: [Int32]) -> Int32 {
        switch word.kind {
        case 0: return -1
        case 1: return word.first
        case 2: return index <= word.low ? word.first : word.second
        default: return spelled[word.spelledAt + index]
        }
    }

    /// The partition `sequence` went to; -1 for one never set.
    public subscript(sequence: Int) -> Int32 {
        let block = sequence >> 6
        guard sequence >= 0, block < blocks.count else { return -1 }
        return Self.decode(Word(bits: blocks[block]), sequence & 63, spelled)
    }

    /// Bytes held, for tests and the soak's account of memory.
    public var bytes: Int { blocks.capacity * 4 + spelled.capacity * 4 }
}
