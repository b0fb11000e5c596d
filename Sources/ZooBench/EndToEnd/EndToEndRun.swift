import Foundation
import Synchronization
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
    /// With a backlog: when the consumers started and how long they took to catch up.
    public var backlog: BacklogDrain?
}

/// Producers and consumers together on one topic. Consumers join first and
/// start at the topic's current ends; every record carries a `zb.seq` stamp
/// (producer, sequence, send times); once the producers are done, consumers
/// read up to the ends they left and the stamps are checked.
///
/// With a backlog (the consume workload's `backlog`, OMB's
/// `consumerBacklogSizeGB`) the producers start first; the consumers join
/// once about that many value bytes are in the topic and read from where
/// the producers started, draining the backlog while the producers go on.
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
        let backlog = consume.backlog
        consume.backlog = nil
        if backlog != nil && allocationCounter != nil {
            throw WorkloadError.invalid("a backlog and --count-allocations: the consumers would start inside the counted window; count without the backlog")
        }
        consume.topic = produce.topic
        consume.untilEnd = false
        consume.numRecords = nil
        consume.duration = nil
        consume.warmup = nil  // the producers' warm-up marks the records instead
        try consume.validate()
        let run = UInt32.random(in: 1...UInt32.max)
        if let change = produce.consumerChanges.first, !consume.groupMode {
            throw WorkloadError.invalid("--fault '\(change)': members join and leave groups; simple consumers on listed partitions have none")
        }
        let startAt = try admin.endOffsets(topic: produce.topic)
        let fleet = try ConsumerFleet(
            workload: consume, target: target, admin: admin,
            stamps: StampCheck(run: run, producers: produce.producers, rated: produce.throughput != nil),
            startAt: startAt, awaitsEnds: true)
        fleet.memberSchedule = try ConsumerChange.schedule(produce.consumerChanges, members: consume.consumers)
        // At a fixed rate the group expects a record every 1/rate s: a pause is at least ten of those.
        if let rate = produce.throughput { fleet.pauseThreshold = max(0.1, 10 / rate) }
        // The consumers do not stop with the producers: after a Ctrl-C they
        // still read up to what was sent (for at most 5 s), so the verdict
        // covers every record sent, not a race with the stop.
        let consumerStop = StopSignal()
        // Consumer threads mark themselves as they start, so turn marking on first.
        if allocationCounter != nil { AllocationAttribution.isTracking = true }
        fleet.start(stop: consumerStop, onInterval: onConsumeInterval)
        let produced: ProduceOutcome
        var drain: BacklogDrain?
        var releasedAt = 0.0  // with a backlog: seconds into the consumer timeline
        do {
            var producers = ProducerFleet(workload: produce, target: target, stampRun: run)
            // The producers alone close the window: consumer threads outlive it.
            producers.allocationCounter = allocationCounter
            if let backlog {
                (produced, drain, releasedAt) = try Self.withBacklog(backlog, producers: producers, consumers: fleet, admin: admin,
                                                         topic: produce.topic, startAt: startAt,
                                                         recordBytes: produce.recordSize.mean, stop: stop, faults: faults,
                                                         onProduceInterval: onProduceInterval)
            } else {
                try fleet.waitUntilJoined()
                faults?.start()
                defer { faults?.stop() }
                fleet.startedSending()
                produced = try producers.run(stop: stop, onInterval: onProduceInterval)
            }
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
        if var figures = drain {
            figures.caughtUpAfter = BacklogDrain.caughtUp(consumers: consumed.timeline, releasedAt: releasedAt,
                                                          producers: produced.timeline)
            drain = figures
        }
        let events = ((faults?.events ?? []) + fleet.memberEvents.withLock { $0 }).sorted { $0.at < $1.at }
        return EndToEndOutcome(produce: produced, consume: consumed, integrity: integrity, run: run,
                               faults: events, backlog: drain)
    }

    /// The consumers join and hold; the producers start on a thread of their
    /// own; once about `bytes` value bytes are in the topic (records added ×
    /// the mean record size, read every 20 ms) the consumers are released,
    /// reading from the run's start; then the producers are waited for.
    /// Returns also when the release was, in seconds of the consumer timeline.
    private static func withBacklog(_ bytes: Int, producers: ProducerFleet, consumers: ConsumerFleet, admin: KafkaAdmin,
                                    topic: String, startAt: [Int32: Int64], recordBytes: Double, stop: StopSignal,
                                    faults: FaultSchedule?, onProduceInterval: (@Sendable (IntervalSnapshot) -> Void)?)
        throws -> (ProduceOutcome, BacklogDrain, Double) {
        // The consumers join first and hold their assignments (at the run's start offsets) until released.
        try consumers.waitUntilJoined(release: false)
        let began = MonotonicClock.nanoseconds()
        let outcome = Mutex<Result<ProduceOutcome, any Error>?>(nil)
        let thread = Thread.named("zb-e2e-produce") {
            let result = Result { try producers.run(stop: stop, onInterval: onProduceInterval) }
            outcome.withLock { $0 = result }
        }
        faults?.start()
        defer { faults?.stop() }
        consumers.startedSending()
        thread.start()
        let base = startAt.values.reduce(0, +)
        let wanted = Int64((Double(bytes) / max(1, recordBytes)).rounded(.up))
        var records: Int64 = 0
        while outcome.withLock({ $0 == nil }) && !stop.isStopped {
            records = ((try? admin.endOffsets(topic: topic))?.values.reduce(0, +) ?? base) - base
            if records >= wanted { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let started = MonotonicClock.nanoseconds()
        try consumers.release()
        while outcome.withLock({ $0 == nil }) { Thread.sleep(forTimeInterval: 0.01) }
        let produced = try outcome.withLock { $0! }.get()
        let drain = BacklogDrain(requestedBytes: bytes, records: records, bytes: Int64(Double(records) * recordBytes),
                                 consumersStartedAt: Double(started - began) / 1e9)
        return (produced, drain, Double(started - consumers.start) / 1e9)
    }
}
