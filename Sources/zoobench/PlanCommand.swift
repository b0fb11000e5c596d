import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench plan`: the highest rate a target sustains under a latency SLO.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Find the highest rate that meets a latency SLO (capacity planning).",
        discussion: """
            A short unlimited run (--probe-duration) estimates the ceiling, unless \
            --max-rate is given. Then fixed-rate steps ramp from --min-rate (default a \
            tenth of the ceiling) to --max-rate in --steps even steps, each with its own \
            warm-up and duration; at the first failing step a bisection between the last \
            passing rate and it narrows the answer to --precision.

            A step passes when every SLO bound holds and the producers achieved at least \
            95 % of the rate asked, in most of its --step-repeat runs (default 2; a tie \
            fails, and runs that disagree get as many again). Afterwards the curve is \
            checked: a higher rate passing where a lower one failed, an achieved rate \
            that falls as the rate asked rises, or latency that falls beyond the noise \
            as the rate rises is measured again, and if it stays the plan reports an \
            unstable region instead of an answer. Latency is measured from each record's intended send \
            time (coordinated omission corrected), so a rate the client or cluster cannot \
            keep up with fails honestly instead of looking fast. Without an error-rate \
            bound, error-rate<=0 is implied. --mode e2e judges send → consume latency.

            Output: the answer (records/s and MB/s, with the 95% CI of its achieved \
            rate over the step's runs), the latency-against-throughput curve \
            (every step: rate asked and achieved, p50/p99/p99.9, errors; JSON and CSV, each \
            step's full run in the JSON), the knee of the curve, and a summary sentence. \
            With --target-rate a linear model says how many producers and partitions that \
            rate needs and the network bytes after compression (the ratio measured as \
            zoobench codecs does on the workload's own records).

            Examples:
              zoobench plan --slo "p99<=50ms" --record-size 1k --acks all \\
                --compression lz4
              zoobench plan --brokers kafka1:9092 --slo "p99<=20ms,p99.9<=100ms" \\
                --target-rate 1GB/s
              zoobench plan --mode e2e --slo "p99<=100ms" --min-rate 1000 \\
                --max-rate 50000 --steps 4
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers (the workload of every step; plan sets the rate)") var producer: ProducerOptions
    @Option(help: ArgumentHelp("The objective: p50|p90|p95|p99|p99.9|p99.99|max<=TIME, error-rate<=FRACTION|PERCENT "
                                   + "(< for a strict bound); comma-separated or repeated, all must hold.", valueName: "bound"))
    var slo: [String] = []
    @Option(help: ArgumentHelp("Lowest rate tried: records/s (20000, 20k) or bytes/s (50MB/s). Default a tenth of --max-rate.",
                               valueName: "rate"))
    var minRate: String?
    @Option(help: ArgumentHelp("Highest rate tried. Default the probe's unlimited rate.", valueName: "rate"))
    var maxRate: String?
    @Option(help: "Evenly spaced ramp steps from --min-rate to --max-rate.") var steps = 5
    @Option(help: ArgumentHelp("Stop bisecting when passing and failing rates are this close.",
                               valueName: "percent"))
    var precision = "5%"
    @Option(help: ArgumentHelp("How long each step sends after its warm-up.", valueName: "duration"))
    var stepDuration = "10s"
    @Option(help: ArgumentHelp("Each step's warm-up (excluded from its figures).", valueName: "duration"))
    var stepWarmup = "2s"
    @Option(name: .customLong("step-repeat"),
            help: ArgumentHelp("Runs per step; the step passes when most of them do (a tie fails), and a step whose runs "
                + "disagree gets as many again. Default 2.", valueName: "N"))
    var stepRepeat: Int?
    @Option(help: ArgumentHelp("How long the unlimited probe sends.", valueName: "duration"))
    var probeDuration = "5s"
    @Option(help: ArgumentHelp("Model the producers, partitions and wire bytes this rate needs (records/s or 1GB/s).",
                               valueName: "rate"))
    var targetRate: String?
    @OptionGroup(title: "Mode") var mode: ModeOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func validate() throws {
        if steps < 1 || steps > 100 { throw ValidationError("--steps must be 1 to 100, not \(steps)") }
        guard let precision = FractionText.parse(precision, barePercent: true), precision > 0, precision <= 1 else {
            throw ValidationError("--precision: '\(precision)' is not a percentage such as 5%")
        }
        if producer.throughput != nil {
            throw ValidationError("--throughput: plan chooses the rate of each step; give --min-rate/--max-rate")
        }
    }

    /// The planner the flags describe, each probe and step measured by `measure`.
    func planner(measure: @escaping SweepRunner.Measure) throws -> CapacityPlanner {
        var request = try producer.request(target: target, output: output, defaultName: "plan")
        request.rateSetLater = true  // each step's rate is the plan's
        let base = try ProduceWorkload.load(request).workload
        var planner = CapacityPlanner(base: base, slo: try SLO(parsing: slo))
        planner.mode = mode.runMode
        planner.consume = try mode.consumer.workload()
        planner.steps = steps
        planner.precision = FractionText.parse(precision, barePercent: true) ?? 0.05
        planner.stepDuration = try DurationText.parse(stepDuration, label: "--step-duration", positive: true)
        planner.stepWarmup = try DurationText.parse(stepWarmup, label: "--step-warmup")
        planner.stepRepeats = stepRepeat ?? planner.stepRepeats
        planner.probeDuration = try DurationText.parse(probeDuration, label: "--probe-duration", positive: true)
        planner.minRate = try minRate.map { text throws(WorkloadError) in try Rate(parsing: text, label: "--min-rate") }
        planner.maxRate = try maxRate.map { text throws(WorkloadError) in try Rate(parsing: text, label: "--max-rate") }
        planner.targetRate = try targetRate.map { text throws(WorkloadError) in try Rate(parsing: text, label: "--target-rate") }
        planner.keepHistograms = mode.keepHistograms
        planner.measure = measure
        return planner
    }

    func run() throws {
        let live = try metrics.start(command: "plan", say: output.say)
        defer { live?.finish() }
        try execute(measure: live?.measuring() ?? SweepRunner.local)
    }

    /// The plan, each probe and step measured by `measure` (a swarm plan runs
    /// them on its workers); `targetTopic` names the topic the target is made
    /// for, from the mode and the base topic (default the base topic).
    func execute(targetTopic: ((RunMode, String) -> String)? = nil, measure: @escaping SweepRunner.Measure) throws {
        let startedAt = Date()
        var planner = try planner(measure: measure)
        let base = planner.stepWorkload
        try base.validate()
        let say = output.say
        let topic = targetTopic?(planner.mode, base.topic) ?? base.topic
        let target = try BenchTarget(brokers: try self.target.bootstrap(), for: base, topic: topic)
        EventText.target(target, topic: topic, topics: base.topics).forEach(say)
        if planner.mode == .e2e, let note = planner.consume.adapt(to: target) { say("note      " + note) }
        say("workload  " + ProduceSummary.describe(base))
        say("slo       \(planner.slo) (\(planner.mode == .e2e ? "send → consume" : "send → ack"), from the intended send time)")
        EventText.faults(base.faults, note: " (in every step)").map(say)

        planner.onEvent = { say(EventText.plan($0)) }
        // Each step's snapshot is a copy for safety; one that cannot be written does not stop the plan (the end says where it went).
        if !output.noSave { planner.onStep = { plan in _ = try? PlanReport.write(plan, to: output.output) } }
        switch try Interrupt.during({ stop in try planner.run(on: target, stop: stop, startedAt: startedAt) }) {
        case .stoppedInProbe(let probe):
            // Stopped during the probe: what it measured is kept, as a run result of its own.
            if !output.noSave { say("results   " + (try ResultFiles.writing(to: output.output) { try ResultFiles.write(probe, to: $0) }).joined(separator: "  ")) }
            throw Interrupt.exit
        case .planned(let plan):
            try output.finish(json: { try PlanReport.json(plan) }, console: { PlanReport.table(plan) },
                              write: { try PlanReport.write(plan, to: $0) }, html: { HTMLReport.plan(plan) })
            if plan.partial { throw Interrupt.exit }
        }
    }
}
