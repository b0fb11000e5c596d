import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench produce`: send records and measure throughput and latency.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Measure producer throughput and latency.",
        discussion: """
            Sends records and waits for every delivery report. Latency is send → \
            acknowledgement per record in an HdrHistogram (3 significant digits); with \
            --throughput each record also has a scheduled send time and the latency from \
            it is reported too (coordinated omission corrected). The delivered count is \
            checked against the growth of the topic's end offsets on the broker.

            Flags override a --workload file; both use the same names and syntax. \
            Results go to results/<time>-<name>.json, .csv and -timeline.csv.

            Examples:
              zoobench produce --acks=-1
              zoobench produce --throughput 50000 --duration 30s --warmup 5s \\
                --record-size uniform:100-1000
              zoobench produce --workload omb-workload.yaml --brokers kafka1:9092
              zoobench produce --duration 20s --fault "at=5s broker=1 down for=5s"
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Workload") var producer: ProducerOptions
    @OptionGroup(title: "Repeats") var repeats: RepeatOptions
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        let loaded = try ProduceWorkload.load(try producer.request(target: target, output: output))
        let workload = loaded.workload
        let say = output.say
        loaded.notes.forEach { say("workload  " + $0) }
        let live = try metrics.start(command: "produce", say: say)  // a port that cannot be had fails before the cluster starts
        defer { live?.finish() }
        let target = try BenchTarget(brokers: try self.target.bootstrap(), for: workload)
        EventText.target(target, topic: workload.topic, topics: workload.topics).forEach(say)
        say("workload  " + ProduceSummary.describe(workload))
        EventText.faults(workload.faults).map(say)
        EventText.bursts(workload.bursts).map(say)

        let progress = ProgressView(quiet: !output.showsIntervals, workload: workload)
        var run = MeasuredRun(mode: .produce, produce: workload)
        run.allocationCounter = counter
        let name = workload.name, exporter = live?.exporter, showsFaults = output.showsIntervals
        run.onProduceInterval = { progress.interval($0); exporter?.record($0, run: name) }
        run.onFault = {
            exporter?.record($0, run: name)
            if showsFaults { printNow(EventText.fault($0), clearingStatus: true) }
        }
        let result = try repeats.run(say: say) { stop, number in
            defer { progress.finish() }
            return try run.run(on: target, stop: stop, startedAt: number == 1 ? startedAt : Date())
        }
        try output.finish(result) {
            (result.summary.map(ProduceSummary.perfTestLine) ?? "") + "\n" + ProduceSummary.table(result)
        }
        if result.partial { throw Interrupt.exit }
        try allocations.check(result)
        try result.check()
    }
}
