import Foundation

/// A workload as a command line asks for it: a workload file (or none), the
/// fields given as flags, librdkafka properties, and where the run goes.
/// Every command that runs a workload reads it through one of the loaders
/// here, so a flag means the same in produce, e2e, sweep, plan and swarm.
public struct WorkloadRequest: Sendable {
    /// A workload file: zoobench YAML/JSON, or an OpenMessaging Benchmark workload.
    public var file: String?
    /// Fields given as flags, by field name, in the order given (a list field may repeat).
    public var fields: [(field: String, text: String)]
    /// librdkafka properties given as flags (`-X`); later ones win.
    public var properties: [(key: String, value: String)]
    /// The topic of a `kafka://…/topic` URI; it wins over a `topic` field.
    public var uriTopic: String?
    /// The brokers given; nil for the embedded cluster (faults need it).
    public var brokers: String?
    /// The run's name when no file names it (`e2e`, `plan`).
    public var defaultName: String?
    /// Whether the caller sets the rate itself later (a plan, per step), so
    /// rate changes (`at=… rate 3x`) need no --throughput here.
    public var rateSetLater = false

    public init(file: String? = nil, fields: [(field: String, text: String)] = [], properties: [(key: String, value: String)] = [],
                uriTopic: String? = nil, brokers: String? = nil, defaultName: String? = nil) {
        self.file = file
        self.fields = fields
        self.properties = properties
        self.uriTopic = uriTopic
        self.brokers = brokers
        self.defaultName = defaultName
    }

    /// Whether the field was given as a flag.
    public func gives(_ field: String) -> Bool { fields.contains { $0.field == field } }
}

extension ProduceWorkload {
    /// The workload `request` describes: the file's (or the defaults), each
    /// field given set, the properties added; checked. A duration given
    /// replaces the default record count (not one given too); faults are
    /// refused for an external cluster before anything connects.
    public static func load(_ request: WorkloadRequest) throws(WorkloadError) -> WorkloadFile.Loaded {
        var loaded = try request.file.map { path throws(WorkloadError) in try WorkloadFile.load(path) }
            ?? WorkloadFile.Loaded(workload: ProduceWorkload())
        if let name = request.defaultName, request.file == nil { loaded.workload.name = name }
        try loaded.workload.apply(request)
        try FaultSchedule.check(loaded.workload.faults, brokers: request.brokers)
        if request.gives("duration") && !request.gives("num-records") { loaded.workload.numRecords = nil }
        loaded.workload = loaded.workload.withDefaultBounds()
        try loaded.workload.validate()
        if !request.rateSetLater {
            try RateBurst.check(loaded.workload.bursts, throughput: loaded.workload.throughput, requireRate: true)
        }
        return loaded
    }
}

extension ConsumeWorkload {
    /// The consume workload `request` describes: a consume workload file's
    /// (or the defaults), each field given set, the properties added; checked.
    public static func load(_ request: WorkloadRequest) throws(WorkloadError) -> ConsumeWorkload {
        var workload = try request.file.map { path throws(WorkloadError) in try WorkloadFile.loadConsume(path) } ?? ConsumeWorkload()
        if let name = request.defaultName, request.file == nil { workload.name = name }
        try workload.apply(request)
        try workload.validate()
        return workload
    }
}

extension EndToEndRun {
    /// The producer and consumer workloads of an e2e run: `request` for the
    /// producers, `consumer` for the consumers (its fields and properties),
    /// with notes on what an OMB file's fields became. An OMB workload's
    /// subscriptions are consumer groups, its consumers per subscription the
    /// members of each (consumer flags given win), and a zoobench file's
    /// `consume` section is where the consumers start; the consumers share the
    /// producers' name, topic, interval and connect timeout.
    public static func workloads(_ request: WorkloadRequest, consumer: WorkloadRequest) throws(WorkloadError)
        -> (produce: ProduceWorkload, consume: ConsumeWorkload, notes: [String]) {
        let loaded = try ProduceWorkload.load(request)
        let produce = loaded.workload
        try produce.checkOneTopic()  // before any topic is made
        // e2e uses the consumer fields an OMB file has; the rest stay unused.
        var notes = loaded.notes(for: "e2e", uses: ["subscriptionsPerTopic", "consumerPerSubscription", "consumerBacklogSizeGB", "consume"])
        var consume = loaded.consume ?? ConsumeWorkload()
        if let groups = loaded.consumerGroups, !consumer.gives("groups"), !consumer.gives("partitions") {
            consume.groups = max(1, groups)
            notes.append("OMB subscriptionsPerTopic \(groups) → \(consume.groups) consumer group(s)")
        }
        if let members = loaded.consumersPerGroup, !consumer.gives("consumers") {
            consume.consumers = max(1, members)
            notes.append("OMB consumerPerSubscription \(members) → \(consume.consumers) consumer(s) per group")
        }
        if let backlog = loaded.consumerBacklogBytes, !consumer.gives("backlog") {
            consume.backlog = backlog
            notes.append("OMB consumerBacklogSizeGB → consumers start once about \(backlog) value bytes are in the topic (--backlog)")
        }
        consume.name = produce.name
        consume.topic = produce.topic
        consume.interval = produce.interval
        consume.connectTimeout = produce.connectTimeout
        try consume.apply(consumer)
        try consume.validate()
        return (produce, consume, notes)
    }
}
