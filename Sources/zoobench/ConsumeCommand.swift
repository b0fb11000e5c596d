import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

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
              zoobench consume --brokers kafka1:9092 --topic orders --partitions 0,1 \\
                --from 1000 --num-records 100000
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions
    @Option(help: .consume("partitions")) var partitions: String?
    @Option(help: .consume("from")) var from: String?
    @Option(help: .consume("num-records")) var numRecords: String?
    @Option(help: .consume("duration")) var duration: String?
    @Option(help: .consume("warmup")) var warmup: String?
    @Flag(help: .consume("until-end")) var untilEnd = false
    @Option(help: .consume("backlog")) var backlog: String?
    @Option(help: .consume("backlog-record-size")) var backlogRecordSize: String?
    @Option(help: .consume("backlog-partitions")) var backlogPartitions: String?
    @Option(help: ArgumentHelp("A consume workload file (YAML/JSON with these flags' names).", valueName: "file"))
    var workload: String?
    @Option(help: .consume("name")) var name: String?
    @Option(help: .consume("connect-timeout")) var connectTimeout: String?
    @Option(name: [.customShort("X")], parsing: .upToNextOption,
            help: ArgumentHelp("Same as --consumer-props.", valueName: "key=value"))
    var properties: [PropertyArgument] = []
    @Option(help: ArgumentHelp(FaultKind.flagHelp(timedFrom: "reading"), valueName: "spec")) var fault: [String] = []
    @OptionGroup(title: "Repeats") var repeats: RepeatOptions
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        let request = WorkloadRequest(file: workload, fields: FieldFlags.given(ConsumeWorkload.self, in: target, consumer, self, output),
                                      properties: PropertyArgument.pairs(consumer.consumerProperties + properties),
                                      uriTopic: try self.target.uriTopic())
        let brokers = try self.target.bootstrap()
        let faults = try fault.map { text throws(WorkloadError) in try FaultSpec(parsing: text) }
        try FaultSchedule.check(faults, brokers: brokers)
        var run = ConsumeRun(workload: try ConsumeWorkload.load(request), brokers: brokers)
        let say = output.say
        if run.defaultedBacklog { say(EventText.defaultBacklog) }
        let live = try metrics.start(command: "consume", say: say)  // a port that cannot be had fails before the cluster starts
        defer { live?.finish() }
        let target = try run.makeTarget(brokers: brokers)
        EventText.target(target, topic: run.workload.topic).forEach(say)
        if let note = run.adapt(to: target) { say("note      " + note) }

        run.faults = faults
        run.allocationCounter = counter
        run.onEvent = { event in
            EventText.consume(event).forEach(say)
            if case .reading = event { EventText.faults(faults).map(say) }
        }
        let name = run.workload.name, exporter = live?.exporter, showsIntervals = output.showsIntervals
        run.onInterval = {
            if showsIntervals { print(ConsumeSummary.intervalLine($0)) }
            exporter?.record($0, run: name, endToEnd: false)
        }
        run.onFault = {
            exporter?.record($0, run: name)
            if showsIntervals { printNow(EventText.fault($0)) }
        }
        let result = try repeats.run(say: say) { stop, number in
            try run.run(on: target, stop: stop, startedAt: number == 1 ? startedAt : Date())
        }
        try output.finish(result) {
            ConsumeSummary.perfTestLines(result) + "\n" + ConsumeSummary.table(result)
                + (result.faults.map { "\n" + ProduceSummary.faultsLine($0) } ?? "")
        }
        if result.partial { throw Interrupt.exit }
        try allocations.check(result)
    }
}
