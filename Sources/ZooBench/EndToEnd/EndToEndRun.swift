import Foundation
import ZooPipe

/// What an end-to-end run measured: the producers' side, the consumers'
/// side, and the integrity verdict of each consumer group.
public struct EndToEndOutcome: Sendable {
    public var produce: ProduceOutcome
    public var consume: ConsumeOutcome
    /// One report per group (one for simple consumers); empty without verification.
    public var integrity: [IntegrityReport]
    /// The id stamped into this run's records.
    public var run: UInt32
    /// Faults applied during the run, in order.
    public var faults: [FaultEvent] = []
}

/// Producers and consumers together on one topic. Consumers join first and
/// start at the topic's current ends; every record carries a `zb.seq` stamp
/// (producer, sequence, send times); once the producers are done, consumers
/// read up to the ends they left and the stamps are checked.
public struct EndToEndRun: Sendable {
    public var produce: ProduceWorkload
    public var consume: ConsumeWorkload
    /// Check loss, duplication and order from the stamps. Default true.
    public var verify = true
    /// Counts allocations from the first measured send until the producers
    /// are done, consumers' work in that time included (messages: those
    /// sent). Nil: not counted.
    public var allocationCounter: AllocationCounter?

    public init(produce: ProduceWorkload, consume: ConsumeWorkload, verify: Bool = true) {
        self.produce = produce
        self.consume = consume
        self.verify = verify
    }

    /// Runs both sides against `target` (its admin client reads watermarks).
    /// `faults` starts when the producers start and stops when they end.
    public func run(target: KafkaURI, admin: KafkaAdmin, stop: StopSignal = StopSignal(), faults: FaultSchedule? = nil,
                    onProduceInterval: (@Sendable (IntervalSnapshot) -> Void)? = nil,
                    onConsumeInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)? = nil) throws -> EndToEndOutcome {
        try produce.validate(stamped: true)
        var consume = self.consume
        consume.topic = produce.topic
        consume.untilEnd = false
        consume.numRecords = nil
        consume.duration = nil
        consume.warmup = nil  // the producers' warm-up marks the records instead
        try consume.validate()
        let run = UInt32.random(in: 1...UInt32.max)
        let startAt = try admin.endOffsets(topic: produce.topic)
        let fleet = try ConsumerFleet(
            workload: consume, target: target, admin: admin,
            stamps: StampCheck(run: run, producers: produce.producers, rated: produce.throughput != nil),
            startAt: startAt, awaitsEnds: true)
        // The consumers do not stop with the producers: after a Ctrl-C they
        // still read up to what was sent (for at most 5 s), so the verdict
        // covers every record sent, not a race with the stop.
        let consumerStop = StopSignal()
        // Consumer threads mark themselves as they start, so turn marking on first.
        if allocationCounter != nil { AllocationAttribution.isTracking = true }
        fleet.start(stop: consumerStop, onInterval: onConsumeInterval)
        let produced: ProduceOutcome
        do {
            try fleet.waitUntilJoined()
            faults?.start()
            defer { faults?.stop() }
            var fleet = ProducerFleet(workload: produce, target: target, stampRun: run)
            // The producers alone close the window: consumer threads outlive it.
            fleet.allocationCounter = allocationCounter
            produced = try fleet.run(stop: stop, onInterval: onProduceInterval)
        } catch {
            fleet.stopEverything(.stopped)
            _ = try? fleet.finish()
            throw error
        }
        if stop.isStopped {
            let deadline = Thread {
                Thread.sleep(forTimeInterval: 5)
                consumerStop.stop()
            }
            deadline.start()
        }
        // Every record is acknowledged or failed now. Consumers read up to the
        // ends as the cluster has them (read until two looks agree, as with
        // acks=0 the last records may still be on their way in).
        var ends = try admin.endOffsets(topic: produce.topic)
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.05)
            let again = try admin.endOffsets(topic: produce.topic)
            if again == ends { break }
            ends = again
        }
        fleet.setEnds(ends)
        let consumed = try fleet.finish()
        let integrity = verify
            ? consumed.ledgers.enumerated().map { group, ledgers -> IntegrityReport in
                let name = fleet.groups[group]
                let readTwice = consumed.partitions.filter { $0.group == name }.reduce(0) { $0 + Int($1.duplicated) }
                return IntegrityReport(group: name, acknowledged: produced.acknowledged, consumers: ledgers,
                                       offsetsReadTwice: readTwice, read: consume.partitions.map(Set.init))
            }
            : []
        return EndToEndOutcome(produce: produced, consume: consumed, integrity: integrity, run: run,
                               faults: faults?.events ?? [])
    }
}
