import Foundation

/// The header an end-to-end record carries, `zb.seq`: 32 bytes, little-endian.
///
/// | bytes | field |
/// |---|---|
/// | 0–3 | run id (records of other runs are told apart and ignored) |
/// | 4–5 | producer index |
/// | 6–7 | flags (bit 0: sent during warm-up) |
/// | 8–15 | the producer's sequence number, from 0 |
/// | 16–23 | intended send time, wall-clock ns since the epoch |
/// | 24–31 | actual send time, wall-clock ns since the epoch |
public struct SequenceStamp: Sendable, Hashable {
    /// The header's name.
    public static let headerName: StaticString = "zb.seq"
    /// The header's size in bytes.
    public static let size = 32
    static let warmupFlag: UInt16 = 1

    public var run: UInt32
    public var producer: UInt16
    public var warmup: Bool
    public var sequence: UInt64
    public var intendedTime: UInt64
    public var sendTime: UInt64

    public init(run: UInt32, producer: UInt16, warmup: Bool, sequence: UInt64, intendedTime: UInt64, sendTime: UInt64) {
        self.run = run
        self.producer = producer
        self.warmup = warmup
        self.sequence = sequence
        self.intendedTime = intendedTime
        self.sendTime = sendTime
    }

    /// Writes the stamp into the first 32 bytes of `buffer`.
    @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: run.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: producer.littleEndian, toByteOffset: 4, as: UInt16.self)
        buffer.storeBytes(of: (warmup ? Self.warmupFlag : 0).littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: intendedTime.littleEndian, toByteOffset: 16, as: UInt64.self)
        buffer.storeBytes(of: sendTime.littleEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// Reads a stamp; nil unless `bytes` is exactly 32 bytes long.
    @inline(__always)
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.size else { return nil }
        run = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        producer = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        warmup = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)) & Self.warmupFlag != 0
        sequence = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        intendedTime = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        sendTime = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }
}

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

/// What one consumer saw of the run's records: per producer the sequences
/// consumed, and the duplicates and reorders it met on the way.
public struct ConsumedLedger: Sendable {
    /// Consumed sequences, by producer index.
    public private(set) var consumed: [SequenceBitset]
    /// Records this consumer saw twice.
    public private(set) var duplicates = 0
    /// Records that came after a higher sequence of the same producer in the
    /// same partition (duplicates not counted).
    public private(set) var reordered = 0
    /// Duplicates and reorders by partition.
    public private(set) var duplicatesByPartition: [Int32: Int] = [:]
    public private(set) var reorderedByPartition: [Int32: Int] = [:]
    /// Records without a stamp of this run.
    public var foreign = 0
    private var lastSequence: [Int64]
    private let producers: Int
    private let partitions: Int

    public init(producers: Int, partitions: Int) {
        self.producers = producers
        self.partitions = partitions
        consumed = Array(repeating: SequenceBitset(), count: producers)
        lastSequence = Array(repeating: -1, count: producers * Swift.max(partitions, 1))
    }

    /// Notes one consumed record.
    @inline(__always)
    public mutating func record(producer: Int, partition: Int32, sequence: Int) {
        guard producer < producers, partition >= 0 else {
            foreign += 1
            return
        }
        if consumed[producer].insert(sequence) {
            duplicates += 1
            duplicatesByPartition[partition, default: 0] += 1
            return
        }
        guard Int(partition) < partitions else { return }
        let slot = Int(partition) * producers + producer
        if Int64(sequence) < lastSequence[slot] {
            reordered += 1
            reorderedByPartition[partition, default: 0] += 1
        } else {
            lastSequence[slot] = Int64(sequence)
        }
    }
}

/// The integrity verdict for one consumer group: every acknowledged record
/// consumed exactly once, in order per producer and partition.
public struct IntegrityReport: Sendable, Codable, Hashable {
    /// The group checked (nil for simple consumers).
    public var group: String?
    /// Records the cluster acknowledged.
    public var acknowledged: Int
    /// Distinct records of this run consumed.
    public var consumed: Int
    /// Acknowledged but never consumed.
    public var lost: Int
    /// Records the log holds more than once (the same producer and sequence
    /// at two offsets: a producer retry that was not deduplicated).
    public var duplicated: Int
    /// Records consumed again from the same offset (the consumers' own
    /// at-least-once re-delivery, e.g. after a rebalance resumed from an older
    /// commit). Not a fault of the data; reported apart.
    public var reRead: Int
    /// Consumed after a later record of the same producer in the same partition.
    public var reordered: Int
    /// Consumed although the producer was told delivery failed (or never heard).
    public var unacknowledgedDelivered: Int
    /// Records consumed that carry no stamp of this run (older data, other writers).
    public var foreign: Int
    /// Lost records by partition (where the acknowledgement named it).
    public var lostByPartition: [String: Int]
    /// Extra copies consumed by partition (duplicated and re-read together).
    public var duplicatedByPartition: [String: Int]
    /// Reordered records by partition.
    public var reorderedByPartition: [String: Int]
    /// Lost records by producer index.
    public var lostByProducer: [String: Int]
    /// Up to 10 lost records as `producer:sequence`, to look for.
    public var lostExamples: [String]

    /// Whether nothing was lost, duplicated or reordered.
    public var clean: Bool { lost == 0 && duplicated == 0 && reordered == 0 }

    /// `integrity: 1000000 acknowledged, 1000000 consumed, 0 lost, 0 duplicated, 0 reordered`.
    public var verdict: String {
        "integrity: \(acknowledged) acknowledged, \(consumed) consumed, \(lost) lost, \(duplicated) duplicated, "
            + "\(reordered) reordered"
            + (unacknowledgedDelivered > 0 ? ", \(unacknowledgedDelivered) delivered unacknowledged" : "")
            + (reRead > 0 ? "; \(reRead) re-read from the same offsets (consumer re-delivery)" : "")
    }

    /// Checks what a group's consumers saw against what the producers were told.
    /// `offsetsReadTwice` is how many offsets the group read more than once
    /// (from the fleet's offset ranges): those copies are re-reads, the rest
    /// of the extra copies are duplicates in the log.
    public init(group: String?, acknowledged ledgers: [AcknowledgedLedger], consumers: [ConsumedLedger],
                offsetsReadTwice: Int = 0) {
        self.group = group
        var lost = 0
        var consumedTotal = 0
        var duplicated = consumers.reduce(0) { $0 + $1.duplicates }
        var unacknowledged = 0
        var lostByPartition: [String: Int] = [:]
        var lostByProducer: [String: Int] = [:]
        var duplicatedByPartition: [String: Int] = [:]
        var reorderedByPartition: [String: Int] = [:]
        var examples: [String] = []
        for consumer in consumers {
            for (partition, n) in consumer.duplicatesByPartition { duplicatedByPartition[String(partition), default: 0] += n }
            for (partition, n) in consumer.reorderedByPartition { reorderedByPartition[String(partition), default: 0] += n }
        }
        for (producer, ledger) in ledgers.enumerated() {
            var merged = SequenceBitset()
            for consumer in consumers where producer < consumer.consumed.count {
                let theirs = consumer.consumed[producer]
                // A record two consumers of one group both read is a duplicate too.
                let overlap = merged.intersectionCount(theirs)
                if overlap > 0 {
                    duplicated += overlap
                    for sequence in theirs.missing(from: SequenceBitset(), limit: .max) where merged.contains(sequence) {
                        let partition = ledger.partitions[sequence]
                        duplicatedByPartition[String(partition), default: 0] += 1
                    }
                }
                merged.formUnion(theirs)
            }
            consumedTotal += merged.count
            let missing = ledger.acknowledged.subtractingCount(merged)
            lost += missing
            if missing > 0 {
                lostByProducer[String(producer)] = missing
                for sequence in ledger.acknowledged.missing(from: merged, limit: .max) {
                    let partition = ledger.partitions[sequence]
                    lostByPartition[String(partition), default: 0] += 1
                    if examples.count < 10 { examples.append("\(producer):\(sequence)") }
                }
            }
            unacknowledged += merged.subtractingCount(ledger.acknowledged)
        }
        // Records of producers the ledgers do not know (should not happen) are foreign.
        self.acknowledged = ledgers.reduce(0) { $0 + $1.acknowledged.count }
        consumed = consumedTotal
        self.lost = lost
        reRead = min(offsetsReadTwice, duplicated)
        self.duplicated = duplicated - reRead
        reordered = consumers.reduce(0) { $0 + $1.reordered }
        unacknowledgedDelivered = unacknowledged
        foreign = consumers.reduce(0) { $0 + $1.foreign }
        self.lostByPartition = lostByPartition
        self.duplicatedByPartition = duplicatedByPartition
        self.reorderedByPartition = reorderedByPartition
        self.lostByProducer = lostByProducer
        lostExamples = examples
    }
}
