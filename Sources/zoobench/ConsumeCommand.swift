import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// The consumer side's flags: shared by `consume` and `e2e`.
struct ConsumerOptions: ParsableArguments {
    @Option(help: "Consumers per group, each its own librdkafka handle and thread. Default 1.") var consumers: String?
    @Option(help: "Consumer group. Default a generated zoobench-… name (so reading starts fresh).") var group: String?
    @Option(help: "Independent consumer groups, each reading everything. Default 1.") var groups: String?
    @Option(help: ArgumentHelp("How long a consumer may see no record before it is done. Default 10s.",
                               valueName: "duration"))
    var idleTimeout: String?
    @Option(help: ArgumentHelp("The longest a consumer may take to join its group. Default 30s.", valueName: "duration"))
    var joinTimeout: String?
    @Option(help: ArgumentHelp("Commit synchronously this often and time each commit (group mode). "
                                   + "Default: librdkafka's auto-commit, untimed.", valueName: "duration"))
    var commitInterval: String?
    @Option(name: .customLong("consumer-props"), parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka consumer properties, verbatim; later ones win.", valueName: "key=value"))
    var consumerProperties: [PropertyArgument] = []

    /// Applies the flags given to `workload`.
    func apply(to workload: inout ConsumeWorkload, extra: [(String, String?)] = []) throws {
        let flags: [(String, String?)] = [
            ("consumers", consumers), ("group", group), ("groups", groups), ("idle-timeout", idleTimeout),
            ("join-timeout", joinTimeout), ("commit-interval", commitInterval),
        ] + extra
        for (field, value) in flags {
            if let value { try workload.set(field, to: value, label: "--\(field)") }
        }
        for property in consumerProperties { workload.properties[property.key] = property.value }
    }
}

/// `zoobench consume`: read records and measure throughput, fetch waits, lag and gaps.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Measure consumer throughput, lag and fetch waits; find missing records.",
        discussion: """
            Runs --consumers consumers, each on its own thread with its own librdkafka \
            handle: members of one consumer group (or --groups independent groups), or \
            simple consumers of --partitions. Group members read nothing until all have \
            joined. The run ends at --num-records, --duration after the first record, the \
            end of the topic as it was at the start (--until-end), or when no consumer has \
            seen a record for --idle-timeout; it never waits longer.

            Every offset read is tracked: the result says how many records between the \
            start and the end the consumers were expected to read were missing (the \
            cluster had dropped them, or never gave them) and which partitions, and how \
            many were read twice.

            --backlog first produces that many bytes (over enough partitions to fit the \
            embedded cluster's retention of a few MB per partition) and then measures the \
            drain. On the embedded cluster, with no --backlog, a 100MB backlog is made.

            Examples:
              zoobench consume --backlog 500MB --consumers 3
              zoobench consume --brokers kafka1:9092 --topic orders --until-end --groups 2
              zoobench consume --brokers kafka1:9092 --topic orders --partitions 0,1 --from 1000 --num-records 100000
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions

    @Option(help: ArgumentHelp("Simple consumers of these partitions, no group.", valueName: "0,1,…")) var partitions: String?
    @Option(help: ArgumentHelp("Where to start without a committed offset. Default earliest.",
                               valueName: "earliest|latest|offset"))
    var from: String?
    @Option(help: "Stop after this many records (per group).") var numRecords: String?
    @Option(help: ArgumentHelp("Stop this long after the first record.", valueName: "duration")) var duration: String?
    @Flag(help: "Stop at the end of the topic as it was at the start (its high watermarks).") var untilEnd = false
    @Option(help: ArgumentHelp("First produce about this many value bytes, then measure the drain (implies --until-end).",
                               valueName: "size"))
    var backlog: String?
    @Option(help: ArgumentHelp("Value size of backlog records. Default 100.", valueName: "size")) var backlogRecordSize: String?
    @Option(help: "Partitions of the backlog topic zoobench creates. Default: about 3 MiB of values each.")
    var backlogPartitions: String?
    @Option(help: ArgumentHelp("A consume workload file (YAML/JSON with these flags' names).", valueName: "file"))
    var workload: String?
    @Option(help: "Run name, used in result file names. Default consume.") var name: String?
    @Option(help: ArgumentHelp("How long to wait for the cluster. Default 10s.", valueName: "duration"))
    var connectTimeout: String?
    @Option(name: [.customShort("X")], parsing: .upToNextOption,
            help: ArgumentHelp("Same as --consumer-props.", valueName: "key=value"))
    var properties: [PropertyArgument] = []

    @Option(help: ArgumentHelp(FaultKind.flagHelp(timedFrom: "reading"), valueName: "spec"))
    var fault: [String] = []
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func makeWorkload() throws -> ConsumeWorkload {
        var workload = try self.workload.map { try WorkloadFile.loadConsume($0) } ?? ConsumeWorkload()
        try consumer.apply(to: &workload, extra: [
            ("name", name), ("topic", try target.topicName()), ("partitions", partitions), ("from", from),
            ("num-records", numRecords), ("duration", duration), ("backlog", backlog),
            ("backlog-record-size", backlogRecordSize), ("backlog-partitions", backlogPartitions),
            ("connect-timeout", connectTimeout),
            ("interval", output.interval),
        ])
        if untilEnd { workload.untilEnd = true }
        for property in properties { workload.properties[property.key] = property.value }
        try workload.validate()
        return workload
    }

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        var workload = try makeWorkload()
        let specs = try fault.map { text throws(WorkloadError) in try FaultSpec(parsing: text) }
        if !specs.isEmpty, try target.bootstrap() != nil {
            throw MeasuredRun.faultsNeedTheEmbeddedCluster
        }
        let say = output.say
        let bootstrap = try target.bootstrap()
        if bootstrap == nil && workload.backlog == nil {
            workload.backlog = 100 << 20
            say("backlog   the embedded cluster starts empty: making a 100MB backlog to drain (--backlog sets the size)")
        }
        // Enough partitions that each holds about 3 MiB of values: the embedded
        // cluster keeps 5 MB per partition, framing included.
        let backlogPartitions = workload.backlogPartitions
            ?? workload.backlog.map { Int32(clamping: max(1, ($0 + (3 << 20) - 1) / (3 << 20))) }
        let target = try BenchTarget(brokers: bootstrap, topic: workload.topic,
                                     partitions: backlogPartitions ?? 6, replicationFactor: 1,
                                     connectTimeout: workload.connectTimeout, create: workload.backlog != nil)
        TargetLines.describe(target, topic: workload.topic, say: say)
        TargetLines.adaptToEmbedded(&workload, target: target, say: say)

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }

        var backlogFigures: BacklogFigures?
        var expecting: [Int32: Int64]?
        if let bytes = workload.backlog {
            expecting = try target.admin.watermarks(topic: workload.topic).mapValues(\.high)
            var produce = ProduceWorkload()
            produce.topic = workload.topic
            produce.acks = .leader
            produce.recordSize = .fixed(workload.backlogRecordSize)
            produce.numRecords = max(1, bytes / workload.backlogRecordSize)
            produce.connectTimeout = workload.connectTimeout
            // No sticky batches: records spread evenly, so no partition outgrows the retention.
            produce.properties["sticky.partitioning.linger.ms"] = "0"
            let partitionCount = target.topic?.partitions.count ?? 0
            say("backlog   producing \(produce.numRecords!) records of \(workload.backlogRecordSize) B "
                + "over \(partitionCount) partitions")
            if target.kind == .embedded, partitionCount > 0,
               bytes / partitionCount > 3 << 20 {
                say("note      that is over 3 MiB per partition: the embedded cluster may drop some, and the gap is reported")
            }
            let produced = try ProducerFleet(workload: produce, target: target.uri).run(stop: stop)
            if produced.partial { throw Interrupt.exit }
            if produced.failed > 0 || produced.undelivered > 0 {
                throw KafkaError.deliveryFailed(count: produced.failed + produced.undelivered,
                                                reason: "while producing the backlog")
            }
            backlogFigures = BacklogFigures(records: produced.delivered, bytes: produced.deliveredBytes,
                                            partitions: partitionCount, recordSize: workload.backlogRecordSize,
                                            seconds: produced.elapsedSeconds)
            say("backlog   \(produced.delivered) records in \(NumberText.fixed(produced.elapsedSeconds, 3)) s")
        }
        say("workload  " + Self.describe(workload))

        let quietIntervals = output.quiet || output.json
        let schedule = try MeasuredRun.faultSchedule(specs, topic: workload.topic, target: target, print: !quietIntervals)
        TargetLines.faults(specs, say: say)
        let fleet = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin, expecting: expecting)
        fleet.allocationCounter = counter
        schedule?.start()
        let outcome = try fleet.run(stop: stop) { interval in
            if !quietIntervals { print(ConsumeSummary.intervalLine(interval)) }
        }
        schedule?.stop()
        let configuration = workload.consumerConfiguration()
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, groupID: fleet.groups[0])
        var result = RunResult(consume: workload, outcome: outcome,
                               environment: .current(target: target, producerConfiguration: [:],
                                                     consumerConfiguration: configuration),
                               startedAt: startedAt, backlog: backlogFigures)
        if let schedule, !schedule.events.isEmpty { result.faults = schedule.events }
        try output.finish(result) {
            ConsumeSummary.perfTestLines(result) + "\n" + ConsumeSummary.table(result)
                + (result.faults.map { "\n" + ProduceSummary.faultsLine($0) } ?? "")
        }
        if outcome.partial { throw Interrupt.exit }
        try allocations.check(result)
    }

    /// `0–63` or `0–3,7,9–10`: a partition list with runs folded.
    static func ranges(_ partitions: [Int32]) -> String {
        var parts: [String] = []
        var index = 0
        while index < partitions.count {
            var end = index
            while end + 1 < partitions.count && partitions[end + 1] == partitions[end] + 1 { end += 1 }
            parts.append(end > index + 1 ? "\(partitions[index])–\(partitions[end])"
                         : partitions[index...end].map(String.init).joined(separator: ","))
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    static func describe(_ w: ConsumeWorkload) -> String {
        var parts: [String] = []
        if let partitions = w.partitions {
            parts.append("\(w.consumers) simple consumer(s) of partitions \(Self.ranges(partitions))")
        } else {
            parts.append("\(w.consumers) consumer(s) in \(w.groups == 1 ? "group \(w.group ?? "(generated)")" : "\(w.groups) groups")")
        }
        parts.append("from \(w.from)")
        parts.append("until " + w.stopDescription)
        if let commit = w.commitInterval { parts.append("committing every \(DurationText.format(commit))") }
        return parts.joined(separator: ", ")
    }
}
