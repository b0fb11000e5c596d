import Foundation
import ZooPipe

/// What a consume run reports before it reads (the CLI prints these).
public enum ConsumeRunEvent: Sendable {
    /// The backlog is being produced: records of `recordSize` bytes over
    /// `partitions`; `overRetention` when that is more per partition than the
    /// embedded cluster keeps (the gap is then reported, not hidden).
    case producingBacklog(records: Int, recordSize: Int, partitions: Int, overRetention: Bool)
    /// The backlog is in the topic.
    case backlogReady(records: Int, seconds: Double)
    /// The consumers start reading, with this workload.
    case reading(ConsumeWorkload)
}

/// A consume run: the fleet of consumers of ``workload`` and, when it asks
/// for one, the backlog it first produces and then drains. On the embedded
/// cluster, which starts empty, a run with no backlog gets one of
/// ``defaultEmbeddedBacklog`` bytes.
public struct ConsumeRun {
    /// The embedded cluster keeps 5 MB per partition, framing included: a
    /// backlog topic zoobench creates holds about this many value bytes per partition.
    public static let backlogBytesPerPartition = 3 << 20
    /// The backlog an embedded-cluster run gets when it names none: 100 MB.
    public static let defaultEmbeddedBacklog = 100 << 20

    public private(set) var workload: ConsumeWorkload
    /// Whether ``workload``'s backlog is the embedded cluster's default.
    public let defaultedBacklog: Bool
    /// Faults on a timeline from the start of reading.
    public var faults: [FaultSpec] = []
    public var allocationCounter: AllocationCounter?
    public var onEvent: ((ConsumeRunEvent) -> Void)?
    public var onInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)?
    public var onFault: (@Sendable (FaultEvent) -> Void)?

    /// `brokers` nil is the embedded cluster (see ``defaultEmbeddedBacklog``).
    public init(workload: ConsumeWorkload, brokers: String?) {
        var workload = workload
        defaultedBacklog = brokers == nil && workload.backlog == nil
        if defaultedBacklog { workload.backlog = Self.defaultEmbeddedBacklog }
        self.workload = workload.withDefaultBounds()
    }

    /// Partitions of the topic zoobench creates: enough that each holds about
    /// ``backlogBytesPerPartition`` of the backlog, or as the workload says.
    public var topicPartitions: Int32 {
        workload.backlogPartitions ?? workload.backlog.map {
            Int32(clamping: max(1, ($0 + Self.backlogBytesPerPartition - 1) / Self.backlogBytesPerPartition))
        } ?? 6
    }

    /// The cluster and topic: the topic is created only for a backlog (a
    /// missing one is ``KafkaError/topicNotFound(_:)`` otherwise).
    public func makeTarget(brokers: String?) throws -> BenchTarget {
        try BenchTarget(brokers: brokers, topic: workload.topic, partitions: topicPartitions, replicationFactor: 1,
                        connectTimeout: workload.connectTimeout, create: workload.backlog != nil)
    }

    /// Adapts the consumers to `target` (see ``ConsumeWorkload/adapt(to:)``); the note to show, if any.
    public mutating func adapt(to target: BenchTarget) -> String? { workload.adapt(to: target) }

    /// Produces the backlog (if any), then reads until the workload's end;
    /// throws ``RunStopped`` when stopped while making the backlog.
    public func run(on target: BenchTarget, stop: StopSignal = StopSignal(), startedAt: Date = Date()) throws -> RunResult {
        if let partitions = try? target.admin.describeTopic(workload.topic).partitions.count {
            try ClientBudget.check(clients: workload.consumers * workload.groups, partitions: partitions)
        }
        var backlog: BacklogFigures?
        var expecting: [Int32: Int64]?
        if let bytes = workload.backlog {
            expecting = try target.admin.endOffsets(topic: workload.topic)
            backlog = try produceBacklog(bytes, on: target, stop: stop)
        }
        onEvent?(.reading(workload))
        let schedule = try FaultSchedule.make(faults, topic: workload.topic, target: target, onEvent: onFault)
        let fleet = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin, expecting: expecting)
        fleet.allocationCounter = allocationCounter
        schedule?.start()
        let outcome = try fleet.run(stop: stop, onInterval: onInterval)
        schedule?.stop()
        let configuration = workload.consumerConfiguration()
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, groupID: fleet.groups[0])
        var result = RunResult(consume: workload, outcome: outcome,
                               environment: .current(target: target, producerConfiguration: [:],
                                                     consumerConfiguration: configuration),
                               startedAt: startedAt, backlog: backlog)
        if let schedule, !schedule.events.isEmpty { result.faults = schedule.events }
        return result.assessed()
    }

    private func produceBacklog(_ bytes: Int, on target: BenchTarget, stop: StopSignal) throws -> BacklogFigures {
        var produce = ProduceWorkload()
        produce.topic = workload.topic
        produce.acks = .leader
        produce.recordSize = .fixed(workload.backlogRecordSize)
        produce.numRecords = max(1, bytes / workload.backlogRecordSize)
        produce.connectTimeout = workload.connectTimeout
        // No sticky batches: records spread evenly, so no partition outgrows the retention.
        produce.properties["sticky.partitioning.linger.ms"] = "0"
        let partitions = target.topic?.partitions.count ?? 0
        onEvent?(.producingBacklog(records: produce.numRecords ?? 0, recordSize: workload.backlogRecordSize,
                                   partitions: partitions,
                                   overRetention: target.kind == .embedded && partitions > 0
                                       && bytes / partitions > Self.backlogBytesPerPartition))
        let produced = try ProducerFleet(workload: produce, target: target.uri).run(stop: stop)
        if produced.partial { throw RunStopped() }
        if produced.failed > 0 || produced.undelivered > 0 {
            throw KafkaError.deliveryFailed(count: produced.failed + produced.undelivered, reason: "while producing the backlog")
        }
        onEvent?(.backlogReady(records: produced.delivered, seconds: produced.elapsedSeconds))
        return BacklogFigures(records: produced.delivered, bytes: produced.deliveredBytes, partitions: partitions,
                              recordSize: workload.backlogRecordSize, seconds: produced.elapsedSeconds)
    }
}

extension ConsumeWorkload {
    /// The embedded cluster answers a fetch only when fetch.wait.max.ms has
    /// passed, even with data waiting (a real broker answers as soon as
    /// fetch.min.bytes are there). Unless the workload chose a value,
    /// consumers on it wait 5 ms, so latency shows the client, not that
    /// quirk. Returns the note to show when it did so.
    public mutating func adapt(to target: BenchTarget) -> String? {
        guard target.kind == .embedded, properties["fetch.wait.max.ms"] == nil else { return nil }
        properties["fetch.wait.max.ms"] = "5"
        return "the embedded cluster holds every fetch for fetch.wait.max.ms, data or not: consumers use 5 ms "
            + "here (librdkafka's default is 500; --consumer-props fetch.wait.max.ms=… overrides)"
    }
}
