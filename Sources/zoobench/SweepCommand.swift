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
            warm-up and --duration-per-cell, --repeat times (median and spread reported). \
            A workload file may hold the axes in a 'sweep:' section.

            Results: one JSON holding every cell's runs, one CSV row per cell, and a table \
            sorted by --sort naming the best cell for throughput and for p99 and the \
            Pareto front of the two. Ctrl-C keeps the finished cells (written as they \
            finish, marked partial).

            Examples:
              zoobench sweep --acks 1,-1 --compression none,lz4,zstd --duration-per-cell 10s
              zoobench sweep --record-size 100,1k,10k --axis linger.ms=0,5,20 --repeat 3 --sort p99
              zoobench sweep --mode e2e --throughput 10000 --acks 1,all --duration-per-cell 5s
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
    @Option(help: "Runs per cell; the median and spread are reported. Default 1.") var `repeat`: Int = 1
    @Option(help: ArgumentHelp("produce, or e2e (latency is then send → consume). Default produce.",
                               valueName: "produce|e2e"))
    var mode: String = "produce"
    @Option(help: ArgumentHelp("Order of the table. Default throughput.", valueName: "throughput|p99|cell"))
    var sort: String = "throughput"
    @Flag(help: "Keep every run's full histograms in the sweep's JSON (large); by default the percentiles only.")
    var keepHistograms = false
    @OptionGroup(title: "Consumers (e2e mode)") var consumer: ConsumerOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func makePlan() throws -> SweepPlan {
        var base: ProduceWorkload
        var axes: [SweepAxis] = []
        if let file = producer.workload {
            (base, axes) = try WorkloadFile.loadSweep(file)
        } else {
            base = ProduceWorkload()
            base.name = "sweep"
        }
        for (field, value) in producer.flagValues(target: target, interval: output.interval) {
            guard let value else { continue }
            if let values = SweepPlan.values(of: field, value) {
                axes.removeAll { $0.name == field }
                axes.append(SweepAxis(name: field, values: values))
            } else {
                try base.set(field, to: value, label: "--\(field)")
            }
        }
        if producer.idempotence { base.idempotence = true }
        if let uri = target.uri { base.topic = try KafkaURI(uri).topic }
        for property in producer.properties { base.properties[property.key] = property.value }
        try producer.applyFaults(to: &base, target: target)
        for spec in propertyAxes {
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
                throw ValidationError("--axis: '\(spec)' is not key=v1,v2,…")
            }
            let values = spec[spec.index(after: equals)...].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            axes.append(SweepAxis(name: String(spec[..<equals]), isProperty: true, values: values))
        }
        // Cells are bounded by time unless a record count was given.
        if producer.numRecords == nil {
            base.numRecords = nil
            base.duration = try durationPerCell.map { text throws(WorkloadError) in try parse(text, "--duration-per-cell") }
                ?? base.duration ?? .seconds(10)
        }
        if producer.warmupRecords == nil {
            base.warmup = try warmupPerCell.map { text throws(WorkloadError) in try parse(text, "--warmup-per-cell") }
                ?? base.warmup ?? .seconds(2)
        }
        var plan = SweepPlan(base: base, axes: axes)
        plan.name = base.name == "produce" ? "sweep" : base.name
        guard let mode = RunMode(rawValue: mode) else { throw ValidationError("--mode: '\(mode)' is not produce or e2e") }
        plan.mode = mode
        plan.repeats = self.repeat
        try plan.validate()
        return plan
    }

    private func parse(_ text: String, _ label: String) throws(WorkloadError) -> Duration {
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw .invalid("\(label): '\(text)' is not a duration such as 10s")
        }
        return duration
    }

    func run() throws {
        try execute { mode, workload, consume, target, environment, stop in
            try MeasuredRun.run(mode: mode, workload: workload, consume: consume, target: target,
                                environment: environment, stop: stop)
        }
    }

    /// Runs one cell's workload (a swarm sweep runs it on its workers).
    typealias Measure = (_ mode: RunMode, _ workload: ProduceWorkload, _ consume: ConsumeWorkload, _ target: BenchTarget,
                         _ environment: RunEnvironment, _ stop: StopSignal) throws -> RunResult

    /// The sweep, each cell measured by `measure`; `targetTopic` is the topic
    /// the target is made for (default the base workload's).
    func execute(targetTopic: ((SweepPlan) -> String)? = nil, measure: Measure) throws {
        let startedAt = Date()
        guard let order = SweepReport.Order(rawValue: sort) else {
            throw ValidationError("--sort: '\(sort)' is not throughput, p99 or cell")
        }
        let plan = try makePlan()
        var consume = ConsumeWorkload()
        try consumer.apply(to: &consume)
        try consume.validate()
        let say = output.say
        let cells = plan.cells
        let topic = targetTopic?(plan) ?? plan.base.topic
        let target = try BenchTarget(brokers: try self.target.bootstrap(), topic: topic,
                                     partitions: plan.base.partitions, replicationFactor: plan.base.replicationFactor,
                                     connectTimeout: plan.base.connectTimeout)
        TargetLines.describe(target, topic: topic, say: say)
        if plan.mode == .e2e { TargetLines.adaptToEmbedded(&consume, target: target, say: say) }
        let perCell = (plan.base.duration.map(DurationText.seconds) ?? 0) + (plan.base.warmup.map(DurationText.seconds) ?? 0)
        say("sweep     \(cells.count) cells × \(plan.repeats) run(s): "
            + plan.axes.map { "\($0.name) \($0.values.joined(separator: ","))" }.joined(separator: " × ")
            + (plan.base.duration != nil
                ? "; about \(DurationText.format(.seconds(Int64(perCell * Double(cells.count * plan.repeats))))) in all" : ""))
        let partitionAxis = plan.axes.contains { $0.name == "partitions" || $0.name == "replication-factor" || $0.name == "topic" }

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        var sweep = SweepResult(plan: plan, startedAt: startedAt,
                                environment: .current(target: target, producerConfiguration: plan.base
                                    .producerConfiguration(producerIndex: 0)
                                    .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, acks: plan.base.acks,
                                                          deliveryTimeout: plan.base.deliveryTimeout)))
        var paths: [String] = []
        // Cell lines are shown even with --quiet (a sweep is long); on a terminal they share one status line.
        let progress = Progress(quiet: false, quietInCI: false)
        let sweepStart = MonotonicClock.nanoseconds()
        var done = 0
        cellLoop: for cell in cells {
            var workload = try plan.workload(for: cell)
            if partitionAxis {
                // A cell with its own partition count needs a topic of its own.
                workload.topic = "\(plan.base.topic)-cell\(cell.index + 1)"
                try target.ensureTopic(workload.topic, partitions: workload.partitions,
                                       replicationFactor: workload.replicationFactor)
            }
            var runs: [RunResult] = []
            var figures: [CellFigures] = []
            for attempt in 0..<plan.repeats {
                let elapsed = Double(MonotonicClock.nanoseconds() - sweepStart) / 1e9
                let left = cells.count * plan.repeats - done
                let eta = done > 0 ? " (ETA \(DurationText.format(.seconds(Int64(elapsed / Double(done) * Double(left))))))" : ""
                if !output.json {
                    progress.step(done + 1, of: cells.count * plan.repeats, "cell \(cell.index + 1)/\(cells.count)"
                        + (plan.repeats > 1 ? " run \(attempt + 1)/\(plan.repeats)" : "") + ": \(plan.label(cell))\(eta)")
                }
                let cpuBefore = processCPUSeconds()
                let result = try measure(plan.mode, workload, consume, target, sweep.environment, stop)
                if result.partial { break cellLoop }  // Ctrl-C: an unfinished cell is not kept
                runs.append(keepHistograms ? result : result.withoutHistograms())
                // A swarm run's CPU is its workers' (their sum), not this coordinator's.
                let cpu = result.workers != nil ? result.environment.cpuSeconds : processCPUSeconds() - cpuBefore
                figures.append(CellFigures(result, cpuSeconds: cpu))
                done += 1
            }
            sweep.cells.append(SweepCell(index: cell.index, axisValues: cell.values, runs: runs, runFigures: figures))
            if !output.noSave {
                // Written after each cell, partial until the last: a sweep ended by an error leaves a file that says so.
                sweep.partial = true
                paths = try SweepReport.write(sweep, to: output.output)
            }
        }
        progress.finish()
        sweep.partial = sweep.cells.count < cells.count
        if output.json {
            print(String(decoding: try SweepReport.json(sweep), as: UTF8.self))
        } else {
            print(SweepReport.table(sweep, order: order))
        }
        if !output.noSave {
            paths = try SweepReport.write(sweep, to: output.output)
            if output.html { paths.append(try output.writeHTML(try HTMLReport.sweep(sweep), besideJSON: paths)) }
            say("results   " + paths.joined(separator: "  "))
        }
        if sweep.partial { throw Interrupt.exit }
    }
}
