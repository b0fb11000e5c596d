import Foundation
import ZooPipe

/// One measured run of a produce workload on a target, alone (`produce`) or
/// with consumers reading what it sends (`e2e`): the faults scheduled, the
/// topic's end offsets read before and after, the outcome made a
/// ``RunResult`` with the environment it ran in. `zoobench produce` and `e2e`
/// are one of these; so is every sweep cell, plan step and swarm share.
public struct MeasuredRun: Sendable {
    public var mode: RunMode
    public var produce: ProduceWorkload
    /// The consumers of an e2e run (their topic is the producers').
    public var consume: ConsumeWorkload
    /// Check loss, duplication and order in e2e mode. Default true.
    public var verify = true
    /// Counts allocations over the measured window. Nil: not counted.
    public var allocationCounter: AllocationCounter?
    /// Each producer interval as it closes.
    public var onProduceInterval: (@Sendable (IntervalSnapshot) -> Void)?
    /// Each consumer interval as it closes (e2e).
    public var onConsumeInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)?
    /// Each fault as the embedded cluster makes it.
    public var onFault: (@Sendable (FaultEvent) -> Void)?

    public init(mode: RunMode, produce: ProduceWorkload, consume: ConsumeWorkload = ConsumeWorkload()) {
        self.mode = mode
        self.produce = produce.withDefaultBounds()
        self.consume = consume
    }

    /// Runs on `target` until done or `stop`; the result says whether it was
    /// stopped (partial). Failed deliveries and integrity problems are in the
    /// result, not thrown (see ``RunResult/check()``).
    public func run(on target: BenchTarget, stop: StopSignal = StopSignal(), startedAt: Date = Date()) throws -> RunResult {
        let topic = produce.topic
        if let partitions = try? target.admin.describeTopic(topic).partitions.count {
            let consumers = mode == .e2e ? (consume.consumers + ConsumerChange.joining(produce.consumerChanges)) * consume.groups : 0
            try ClientBudget.check(clients: produce.producers + consumers, partitions: partitions * produce.topics)
        }
        let schedule = try FaultSchedule.make(produce.faults, topic: topic, target: target, onEvent: onFault)
        let probe = OffsetProbe(admin: target.admin, topics: produce.topicNames)
        let before = probe.read()
        switch mode {
        case .produce:
            if let change = produce.consumerChanges.first {
                throw WorkloadError.invalid("--fault '\(change)': consumers join and leave only in e2e runs")
            }
            var fleet = ProducerFleet(workload: produce, target: target.uri)
            fleet.allocationCounter = allocationCounter
            schedule?.start()
            let outcome = try fleet.run(stop: stop, onInterval: onProduceInterval)
            schedule?.stop()
            var result = RunResult(workload: produce, outcome: outcome, environment: environment(target),
                                   startedAt: startedAt, brokerOffsetGrowth: nil)
                .checkingOffsets(probe, since: before)
            if let schedule, !schedule.events.isEmpty { result.faults = schedule.events }
            return result.assessed()
        case .e2e:
            var consume = self.consume
            consume.topic = topic
            if let backlog = consume.backlog, target.kind == .embedded,
               let partitions = target.topic?.partitions.count, backlog > partitions * ConsumeRun.backlogBytesPerPartition {
                let needed = (backlog + ConsumeRun.backlogBytesPerPartition - 1) / ConsumeRun.backlogBytesPerPartition
                throw WorkloadError.invalid("a backlog of \(backlog) bytes on the embedded cluster: it keeps about 3 MiB a partition, "
                    + "so its \(partitions) partition(s) would drop records before the consumers read them; give --partitions \(needed) "
                    + "or more, or a smaller --backlog")
            }
            var run = EndToEndRun(produce: produce, consume: consume, verify: verify)
            run.allocationCounter = allocationCounter
            let outcome = try run.run(target: target.uri, admin: target.admin, stop: stop, faults: schedule,
                                      onProduceInterval: onProduceInterval, onConsumeInterval: onConsumeInterval)
            return RunResult(endToEnd: run, outcome: outcome, environment: environment(target), startedAt: startedAt,
                             brokerOffsetGrowth: nil).checkingOffsets(probe, since: before).assessed()
        }
    }

    /// How the run's clients were configured, and where it ran (read now, so
    /// the CPU time and peak memory cover the run).
    public func environment(_ target: BenchTarget) -> RunEnvironment {
        let bootstrap = target.uri.bootstrapServers
        let producer = produce.producerConfiguration(producerIndex: 0)
            .librdkafkaProperties(bootstrap: bootstrap, acks: produce.acks, deliveryTimeout: produce.deliveryTimeout)
        guard mode == .e2e else { return .current(target: target, producerConfiguration: producer) }
        let consumer = consume.consumerConfiguration()
            .librdkafkaProperties(bootstrap: bootstrap, groupID: consume.groupMode ? "(generated)" : nil)
        return .current(target: target, producerConfiguration: producer, consumerConfiguration: consumer,
                        clockNote: endToEndClockNote)
    }

}
