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
            95 % of the rate asked. Latency is measured from each record's intended send \
            time (coordinated omission corrected), so a rate the client or cluster cannot \
            keep up with fails honestly instead of looking fast. Without an error-rate \
            bound, error-rate<=0 is implied. --mode e2e judges send → consume latency.

            Output: the answer (records/s and MB/s), the latency-against-throughput curve \
            (every step: rate asked and achieved, p50/p99/p99.9, errors; JSON and CSV, each \
            step's full run in the JSON), the knee of the curve, and a summary sentence. \
            With --target-rate a linear model says how many producers and partitions that \
            rate needs and the network bytes after compression (the ratio measured as \
            zoobench codecs does on the workload's own records).

            Examples:
              zoobench plan --slo "p99<=50ms" --record-size 1k --acks all --compression lz4
              zoobench plan --brokers kafka1:9092 --slo "p99<=20ms,p99.9<=100ms" --target-rate 1GB/s
              zoobench plan --mode e2e --slo "p99<=100ms" --min-rate 1000 --max-rate 50000 --steps 4
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers (the workload of every step; plan sets the rate)") var producer: ProducerOptions
    @Option(help: ArgumentHelp("The objective: p50|p90|p95|p99|p99.9|p99.99|max<=TIME, error-rate<=FRACTION|PERCENT; "
                                   + "comma-separated or repeated, all must hold.", valueName: "bound"))
    var slo: [String] = []
    @Option(help: ArgumentHelp("produce (send → ack) or e2e (send → consume). Default produce.", valueName: "produce|e2e"))
    var mode = "produce"
    @Option(help: ArgumentHelp("Lowest rate tried: records/s (20000, 20k) or bytes/s (50MB/s). Default a tenth of --max-rate.",
                               valueName: "rate"))
    var minRate: String?
    @Option(help: ArgumentHelp("Highest rate tried. Default the probe's unlimited rate.", valueName: "rate"))
    var maxRate: String?
    @Option(help: "Evenly spaced ramp steps from --min-rate to --max-rate. Default 5.") var steps = 5
    @Option(help: ArgumentHelp("Stop bisecting when passing and failing rates are this close. Default 5%.",
                               valueName: "percent"))
    var precision = "5%"
    @Option(help: ArgumentHelp("How long each step sends after its warm-up. Default 10s.", valueName: "duration"))
    var stepDuration = "10s"
    @Option(help: ArgumentHelp("Each step's warm-up (excluded from its figures). Default 2s.", valueName: "duration"))
    var stepWarmup = "2s"
    @Option(help: ArgumentHelp("How long the unlimited probe sends. Default 5s.", valueName: "duration"))
    var probeDuration = "5s"
    @Option(help: ArgumentHelp("Model the producers, partitions and wire bytes this rate needs (records/s or 1GB/s).",
                               valueName: "rate"))
    var targetRate: String?
    @Flag(help: "Keep every step's full histograms in the plan's JSON (large); by default the percentiles only.")
    var keepHistograms = false
    @OptionGroup(title: "Consumers (e2e mode)") var consumer: ConsumerOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    private func duration(_ text: String, _ label: String) throws -> Duration {
        guard let value = DurationText.parse(text), value > .zero else {
            throw ValidationError("\(label): '\(text)' is not a duration such as 10s")
        }
        return value
    }

    private func rate(_ text: String?, _ label: String) throws -> PlanRate? {
        try text.map { text in
            guard let rate = PlanRate(parsing: text) else {
                throw ValidationError("\(label): '\(text)' is not a rate such as 20000, 20k or 50MB/s")
            }
            return rate
        }
    }

    func run() throws {
        try execute { mode, workload, consume, target, environment, stop in
            try MeasuredRun.run(mode: mode, workload: workload, consume: consume, target: target,
                                environment: environment, stop: stop)
        }
    }

    /// The plan, each probe and step measured by `measure` (a swarm plan runs
    /// them on its workers); `targetTopic` names the topic the target is made
    /// for, from the mode and the base topic (default the base topic).
    func execute(targetTopic: ((RunMode, String) -> String)? = nil, measure: SweepCommand.Measure) throws {
        let startedAt = Date()
        guard let mode = RunMode(rawValue: mode) else { throw ValidationError("--mode: '\(mode)' is not produce or e2e") }
        let slo = try SLO(parsing: slo)
        if producer.throughput != nil { throw ValidationError("--throughput: plan chooses the rate of each step; give --min-rate/--max-rate") }
        if steps < 1 || steps > 100 { throw ValidationError("--steps must be 1 to 100, not \(steps)") }
        let precisionText = precision.hasSuffix("%") ? String(precision.dropLast()) : precision
        guard let percent = Double(precisionText), percent > 0, percent <= 100 else {
            throw ValidationError("--precision: '\(precision)' is not a percentage such as 5%")
        }
        let stepDuration = try duration(self.stepDuration, "--step-duration")
        let stepWarmup = try duration(self.stepWarmup, "--step-warmup")
        let probeDuration = try duration(self.probeDuration, "--probe-duration")
        let minRate = try rate(self.minRate, "--min-rate")
        let maxRate = try rate(self.maxRate, "--max-rate")
        let targetRate = try rate(self.targetRate, "--target-rate")
        var base = try producer.load(target: target, interval: output.interval, defaultName: "plan").workload
        base.numRecords = nil
        base.warmupRecords = nil
        base.duration = stepDuration
        base.warmup = stepWarmup
        try base.validate()
        var consume = ConsumeWorkload()
        try consumer.apply(to: &consume)
        try consume.validate()

        // The records' mean size (to read rates given in bytes) and, with a codec, its ratio on them.
        let pool = try PayloadPool(workload: base)
        let sample = CodecSample(pool: pool, batchSize: base.batchSize.map { min($0, 1 << 20) } ?? 64 * 1024,
                                 sampleBytes: 4 << 20)
        let recordBytes = sample.records > 0 ? Double(sample.bytes) / Double(sample.records) : 0
        var codecRatio: (ratio: Double, source: String)?
        if let setting = CodecSetting(kafka: base.compression) {
            var options = CodecBenchOptions()
            options.minTime = .milliseconds(30)
            let measured = try CodecBench(options: options).measure(setting, sample: sample)
            codecRatio = (measured.ratio, "\(setting) on \(sample.records) of these records in "
                + "\(sample.largestBatch / 1024) KiB batches, as zoobench codecs measures")
        }

        let say = output.say
        let topic = targetTopic?(mode, base.topic) ?? base.topic
        let target = try BenchTarget(brokers: try self.target.bootstrap(), topic: topic, partitions: base.partitions,
                                     replicationFactor: base.replicationFactor, connectTimeout: base.connectTimeout)
        TargetLines.describe(target, topic: topic, say: say)
        if mode == .e2e { TargetLines.adaptToEmbedded(&consume, target: target, say: say) }
        say("workload  " + ProduceCommand.describe(base))
        say("slo       \(slo) (\(mode == .e2e ? "send → consume" : "send → ack"), from the intended send time)")
        TargetLines.faults(base.faults, note: " (in every step)", say: say)

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        let environment = RunEnvironment.current(
            target: target,
            producerConfiguration: base.producerConfiguration(producerIndex: 0)
                .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, acks: base.acks, deliveryTimeout: base.deliveryTimeout),
            consumerConfiguration: mode == .e2e
                ? consume.consumerConfiguration().librdkafkaProperties(bootstrap: target.uri.bootstrapServers,
                                                                       groupID: consume.groupMode ? "(generated)" : nil)
                : nil)

        var probe: RunResult?
        var top = maxRate?.recordsPerSecond(recordBytes: recordBytes)
        if top == nil {
            var workload = base
            workload.name = "\(base.name)-probe"
            workload.duration = probeDuration
            workload.warmup = .seconds(1)
            say("probe     unlimited rate for \(DurationText.format(probeDuration)) to find the ceiling")
            let run = try measure(mode, workload, consume, target, environment, stop)
            if run.partial {
                // Stopped during the probe: keep what it measured, as a run result of its own.
                if !output.noSave { say("results   " + (try ResultFiles.write(run, to: output.output)).joined(separator: "  ")) }
                throw Interrupt.exit
            }
            let ceiling = run.summary?.recordsPerSecond ?? 0
            guard ceiling > 0 else { throw KafkaError.deliveryFailed(count: run.summary?.failed ?? 0, reason: "the probe delivered nothing") }
            say("probe     \(NumberText.rate(ceiling)) records/s unlimited (p99 \(NumberText.fixed(run.summary?.latency.p99 ?? 0, 2)) ms)")
            probe = keepHistograms ? run : run.withoutHistograms()
            top = ceiling
        }
        let high = top ?? 0
        let low = minRate?.recordsPerSecond(recordBytes: recordBytes) ?? high / 10
        guard low > 0, low <= high else {
            throw ValidationError("--min-rate (\(NumberText.rate(low))/s) must be more than 0 and at most the top of the range (\(NumberText.rate(high))/s)")
        }
        var plan = PlanResult(name: base.name, startedAt: startedAt, mode: mode, slo: slo, workload: base,
                              environment: environment,
                              search: RateSearch(minRate: low, maxRate: high, rampSteps: steps, precision: percent / 100),
                              stepDuration: DurationText.seconds(stepDuration), stepWarmup: DurationText.seconds(stepWarmup))
        plan.probe = probe
        plan.probeRecordsPerSecond = probe?.summary?.recordsPerSecond
        say("search    \(steps) step(s) from \(NumberText.rate(low)) to \(NumberText.rate(high)) records/s, then bisection to "
            + "\(precisionText)%; \(DurationText.format(stepWarmup + stepDuration)) per step")

        var paths: [String] = []
        while let rate = plan.search.next(), !stop.isStopped {
            var workload = base
            workload.name = "\(base.name)-step\(plan.steps.count + 1)"
            workload.throughput = rate
            let phase = plan.search.phase.rawValue
            let run = try measure(mode, workload, consume, target, environment, stop)
            if run.partial { break }  // Ctrl-C: an unfinished step is not judged
            let step = PlanStep(index: plan.steps.count + 1, phase: phase, askedRate: rate,
                                run: keepHistograms ? run : run.withoutHistograms(), slo: slo)
            plan.steps.append(step)
            plan.search.record(rate: rate, passed: step.passed)
            say(PlanReport.stepLine(step, of: plan.search))
            if !output.noSave {
                plan.conclude(target: targetRate, codecRatio: codecRatio)
                plan.partial = true
                paths = try PlanReport.write(plan, to: output.output)
            }
        }
        plan.partial = plan.search.phase != RateSearch.Phase.done
        plan.conclude(target: targetRate, codecRatio: codecRatio)
        if output.json {
            print(String(decoding: try PlanReport.json(plan), as: UTF8.self))
        } else {
            print(PlanReport.table(plan))
        }
        if !output.noSave {
            paths = try PlanReport.write(plan, to: output.output)
            if output.html { paths.append(try output.writeHTML(HTMLReport.plan(plan), besideJSON: paths)) }
            say("results   " + paths.joined(separator: "  "))
        }
        if plan.partial { throw Interrupt.exit }
    }
}
