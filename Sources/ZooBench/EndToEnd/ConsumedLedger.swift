import Foundation

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
