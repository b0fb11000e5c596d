import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench e2e`: producers and consumers together; send → consume latency and integrity.
struct EndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Measure send → consume latency and check that every record arrives once, in order.",
        discussion: """
            Consumers join first and start at the topic's current end; then producers \
            send (every produce flag applies). Each record carries a 32-byte zb.seq header: \
            run id, producer, sequence number, and the intended and actual send times. \
            Consumers record send → consume latency in HdrHistogram, raw and (with \
            --throughput) from the intended send time. When the producers are done, \
            consumers read up to the ends the producers left, then the stamps are checked:

              integrity: N acknowledged, N consumed, 0 lost, 0 duplicated, 0 reordered

            lost = acknowledged but never consumed; duplicated = held twice by the log (the \
            same producer and sequence at two offsets: a retry not deduplicated); reordered \
            = consumed after a later record of the same producer in the same partition. \
            Records read again from the same offsets (re-read, after a rebalance or a \
            fault) are reported apart: they do not fail the run and are not in the rate. With acks=all and idempotence all three should be 0; \
            with acks=0 losses are possible and are reported. A result that is not clean \
            exits 1.

            Clocks: send and consume times come from this process's clock, so the latency \
            is exact here; consumers on other hosts would add their clock skew.

            Examples:
              zoobench e2e --throughput 20000 --duration 30s --acks=all --idempotence
              zoobench e2e --brokers kafka1:9092 --consumers 3 --groups 2 \\
                --compression lz4
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers") var producer: ProducerOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions
    @Option(help: ArgumentHelp("Simple consumers of these partitions instead of a group.", valueName: "0,1,…"))
    var assign: String?
    @Option(help: ArgumentHelp("Consumers start once about this many value bytes are in the topic, then drain that backlog "
                               + "while the producers go on (OMB's consumerBacklogSizeGB).", valueName: "size"))
    var backlog: String?
    @Flag(help: "Skip the integrity check (loss, duplicates, order).") var noVerify = false
    @OptionGroup(title: "Repeats") var repeats: RepeatOptions
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        var (produce, consume, notes) = try EndToEndRun.workloads(
            try producer.request(target: target, output: output, defaultName: "e2e"),
            consumer: consumer.request(extra: [("partitions", assign), ("backlog", backlog)]))
        let say = output.say
        notes.forEach { say("workload  " + $0) }
        let live = try metrics.start(command: "e2e", say: say)  // a port that cannot be had fails before the cluster starts
        defer { live?.finish() }
        let target = try BenchTarget(brokers: try self.target.bootstrap(), for: produce)
        EventText.target(target, topic: produce.topic).forEach(say)
        if let note = consume.adapt(to: target) { say("note      " + note) }
        say("producers " + ProduceSummary.describe(produce))
        say("consumers " + ConsumeSummary.describeEndToEnd(consume))
        say("clock     " + endToEndClockNote)
        EventText.faults(produce.faults).map(say)
        EventText.bursts(produce.bursts).map(say)
        EventText.consumerChanges(produce.consumerChanges).map(say)

        let progress = ProgressView(quiet: !output.showsIntervals, workload: produce)
        var run = MeasuredRun(mode: .e2e, produce: produce, consume: consume)
        run.verify = !noVerify
        run.allocationCounter = counter
        let name = produce.name, exporter = live?.exporter, showsFaults = output.showsIntervals
        run.onProduceInterval = { progress.interval($0, prefix: "produce "); exporter?.record($0, run: name) }
        run.onConsumeInterval = {
            progress.consumeInterval($0, endToEnd: true, prefix: "consume ")
            exporter?.record($0, run: name, endToEnd: true)
        }
        run.onFault = {
            exporter?.record($0, run: name)
            if showsFaults { printNow(EventText.fault($0), clearingStatus: true) }
        }
        let result = try repeats.run(say: say) { stop, number in
            defer { progress.finish() }
            return try run.run(on: target, stop: stop, startedAt: number == 1 ? startedAt : Date())
        }
        try output.finish(result) { EndToEndSummary.text(result) }
        if result.partial { throw Interrupt.exit }
        try allocations.check(result)
        try result.check()
    }
}
