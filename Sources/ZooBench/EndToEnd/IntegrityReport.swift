import Foundation

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
    /// Acknowledged records on partitions the consumers were not given to
    /// read (simple consumers of listed partitions): left out of every count
    /// above, as nothing could have consumed them. Nil when every partition was read.
    public var notRead: Int?

    /// Whether nothing was lost, duplicated or reordered.
    public var clean: Bool { lost == 0 && duplicated == 0 && reordered == 0 }

    /// `integrity: 1000000 acknowledged, 1000000 consumed, 0 lost, 0 duplicated, 0 reordered`.
    public var verdict: String {
        "integrity: \(acknowledged) acknowledged, \(consumed) consumed, \(lost) lost, \(duplicated) duplicated, "
            + "\(reordered) reordered"
            + (unacknowledgedDelivered > 0 ? ", \(unacknowledgedDelivered) delivered unacknowledged" : "")
            + (reRead > 0 ? "; \(reRead) re-read from the same offsets (consumer re-delivery)" : "")
            + (notRead.flatMap { $0 > 0 ? "; \($0) more acknowledged on partitions not read (not checked)" : nil } ?? "")
    }

    /// Checks what a group's consumers saw against what the producers were told.
    /// `offsetsReadTwice` is how many offsets the group read more than once
    /// (from the fleet's offset ranges): those copies are re-reads, the rest
    /// of the extra copies are duplicates in the log.
    /// `read`: the partitions the consumers were given (nil: all of them);
    /// records acknowledged on others are counted apart, in ``notRead``.
    public init(group: String?, acknowledged ledgers: [AcknowledgedLedger], consumers: [ConsumedLedger],
                offsetsReadTwice: Int = 0, read: Set<Int32>? = nil) {
        var ledgers = ledgers
        var notRead: Int?
        if let read {
            notRead = 0
            for index in ledgers.indices {
                var kept = SequenceBitset()
                var left = 0
                for sequence in ledgers[index].acknowledged.missing(from: SequenceBitset(), limit: .max) {
                    if read.contains(ledgers[index].partitions[sequence]) {
                        kept.insert(sequence)
                    } else {
                        left += 1
                    }
                }
                ledgers[index].acknowledged = kept
                notRead! += left
            }
        }
        self.group = group
        self.notRead = notRead
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
