import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench sweep`: run the cartesian product of producer settings, cell by cell.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every combination of producer settings and compare them (throughput, latency, cost).",
        discussion: """
            Any producer flag given a comma-separated list becomes an axis \
            (--acks 0,1,-1 --compression none,lz4,zstd --record-size 100,1k); --axis \
            key=v1,v2 makes any librdkafka property one. The cartesian product is run \
            cell by cell in a stable order (first axis slowest), each cell with its own \
            warm-up and --duration-per-cell, --repeat times (default 3: medians with 95% \
            CIs; cells whose intervals overlap are ties, and only a difference beyond \
            the noise puts a cell off the Pareto front). \
            A workload file may hold the axes in a 'sweep:' section.

            Results: one JSON holding every cell's runs, one CSV row per cell, and a table \
            sorted by --sort naming the best cell for throughput and for p99 and the \
            Pareto front of the two. Ctrl-C keeps the finished cells (written as they \
            finish, marked partial).

            Examples:
              zoobench sweep --acks 1,-1 --compression none,lz4,zstd \\
                --duration-per-cell 10s
              zoobench sweep --record-size 100,1k,10k --axis linger.ms=0,5,20 \\
                --repeat 3 --sort p99
              zoobench sweep --mode e2e --throughput 10000 --acks 1,all \\
                --duration-per-cell 5s
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers (a list makes an axis)") var producer: ProducerOptions
    @Option(name: .customLong("axis"), help: ArgumentHelp("A librdkafka property as an axis (repeatable).",
                                                          valueName: "key=v1,v2,…"))
    var propertyAxes: [String] = []
    @Option(help: ArgumentHelp("How long each cell sends after its warm-up. Default 10s.", valueName: "duration"))
    var durationPerCell: String?
    @Option(help: ArgumentHelp("Each cell's warm-up (reported apart). Default 2s.", valueName: "duration"))
    var warmupPerCell: String?
    @Option(help: "Runs per cell; medians and 95% CIs are reported.") var `repeat`: Int = SweepPlan.defaultRepeats
    @Option(help: ArgumentHelp("Order of the table.", valueName: "throughput|p99|cell"))
    var sort: String = "throughput"
    @OptionGroup(title: "Mode") var mode: ModeOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func validate() throws {
        if SweepReport.Order(rawValue: sort) == nil { throw ValidationError("--sort: '\(sort)' is not throughput, p99 or cell") }
    }

    /// The sweep the flags describe (a flag given a list of values is an axis).
    func plan() throws -> SweepPlan {
        try SweepPlan.load(try producer.request(target: target, output: output), propertyAxes: propertyAxes,
                           durationPerCell: durationPerCell, warmupPerCell: warmupPerCell,
                           mode: mode.runMode, repeats: self.repeat)
    }

    func run() throws {
        let live = try metrics.start(command: "sweep", say: output.say)
        defer { live?.finish() }
        try execute(measure: live?.measuring() ?? SweepRunner.local)
    }

    /// The sweep, each cell measured by `measure`; `targetTopic` is the topic
    /// the target is made for (default the base workload's).
    func execute(targetTopic: ((SweepPlan) -> String)? = nil, measure: @escaping SweepRunner.Measure) throws {
        let startedAt = Date()
        let plan = try plan()
        var runner = SweepRunner(plan: plan, consume: try mode.consumer.workload())
        let say = output.say
        let topic = targetTopic?(plan) ?? plan.base.topic
        let target = try BenchTarget(brokers: try self.target.bootstrap(), for: plan.base, topic: topic)
        EventText.target(target, topic: topic, topics: plan.base.topics).forEach(say)
        if plan.mode == .e2e, let note = runner.consume.adapt(to: target) { say("note      " + note) }
        say(EventText.sweep(plan))

        // Cell lines are shown even with --quiet (a sweep is long); on a terminal they share one status line.
        let progress = ProgressView(quiet: false, quietInCI: false)
        runner.keepHistograms = mode.keepHistograms
        runner.measure = measure
        if !output.json { runner.onRun = { progress.step($0.run, of: $0.runs, EventText.sweepRun($0)) } }
        // Each cell's snapshot is a copy for safety; one that cannot be written does not stop the sweep (the end says where it went).
        if !output.noSave { runner.onCell = { sweep in _ = try? SweepReport.write(sweep, to: output.output) } }
        let sweep = try Interrupt.during { stop in try runner.run(on: target, stop: stop, startedAt: startedAt) }
        progress.finish()
        try output.finish(json: { try SweepReport.json(sweep) },
                          console: { SweepReport.table(sweep, order: SweepReport.Order(rawValue: sort) ?? .throughput) },
                          write: { try SweepReport.write(sweep, to: $0) }, html: { try HTMLReport.sweep(sweep) })
        if sweep.partial { throw Interrupt.exit }
    }
}
