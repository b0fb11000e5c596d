import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench swarm`: one benchmark run by many workers, coordinated through the cluster.
struct SwarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Run a benchmark on many 'zoobench worker' processes at once, coordinated through Kafka.",
        discussion: """
            The coordinator waits for --workers live workers on the control topic, \
            measures each one's clock against its own (ping round trips over the topic), \
            splits the workload among them and publishes the run with a start time \
            --start-delay ahead. Workers send their intervals and results to the results \
            topic; the coordinator merges them into one result: counters add up, latency \
            histograms merge exactly, the timeline is aligned by interval. The result is an \
            ordinary run result with a "workers" section, so compare and report read it.

            Totals are split: --producers (at least one per worker), --throughput, \
            --num-records and --warmup-records go to the workers in proportion to their \
            producers; --duration and the record shape apply to each. In e2e each worker \
            produces to and consumes from its own topic (TOPIC.w1, TOPIC.w2 …), so its \
            integrity check sees all its records and latency is timed on one clock.

            A worker that stops heartbeating for --heartbeat-timeout is lost: the run goes \
            on, its interval figures are kept, and the result is marked degraded (exit 6). \
            Fewer workers than --workers within --wait: exit 6. Ctrl-C sends a stop to \
            every worker and saves what they sent, marked partial.

            'swarm sweep' and 'swarm plan' run every cell, probe and step that way.

            Needs --brokers: the workers must reach the same cluster ('zoobench cluster' \
            serves one on this machine). See docs/scale-out.md.

            Examples:
              zoobench swarm produce --workers 4 --brokers kafka1:9092 \\
                --throughput 400000 --duration 60s
              zoobench swarm e2e --workers 8 --brokers kafka1:9092 \\
                --throughput 80000 --duration 2m --acks=all --idempotence
            """,
        subcommands: [SwarmProduceCommand.self, SwarmEndToEndCommand.self, SwarmSweepCommand.self, SwarmPlanCommand.self]
    )
}

/// How the coordinator runs the swarm.
struct SwarmOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Workers the run needs.", valueName: "n")) var workers: Int
    @Option(help: ArgumentHelp("How long to wait for them. Default 30s.", valueName: "duration")) var wait: DurationArgument?
    @Option(help: ArgumentHelp("Start the run this long after publishing it. Default 3s.", valueName: "duration"))
    var startDelay: DurationArgument?
    @Option(help: ArgumentHelp("A worker silent this long is lost. Default 5s.", valueName: "duration"))
    var heartbeatTimeout: DurationArgument?
    @OptionGroup(title: "Swarm topics") var swarmTopics: SwarmTopicOptions
    @Option(name: .customLong("swarm-props"), parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties for the coordinator's clients of the swarm topics (security …).",
                               valueName: "key=value"))
    var swarmProperties: [PropertyArgument] = []

    func validate() throws {
        if !(1...10_000).contains(workers) { throw ValidationError("--workers must be 1 to 10000, not \(workers)") }
        if let wait, wait.duration <= .zero || wait.duration > .seconds(86_400) {
            throw ValidationError("--wait must be above 0 and at most 24h")
        }
        if let startDelay, startDelay.duration < .milliseconds(500) || startDelay.duration > .seconds(600) {
            throw ValidationError("--start-delay must be 500ms to 10m")
        }
        if let heartbeatTimeout, heartbeatTimeout.duration < .seconds(2) || heartbeatTimeout.duration > .seconds(600) {
            throw ValidationError("--heartbeat-timeout must be 2s to 10m (workers beat every second)")
        }
    }
}

struct SwarmProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "A produce run split over the swarm's workers (every produce flag applies).")

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Workload") var producer: ProducerOptions
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let (workload, notes) = try producer.makeWorkload(target: target, interval: output.interval)
        try SwarmRun(mode: .produce, workload: workload, consume: nil, notes: notes, target: target,
                     options: swarm, output: output).run()
    }
}

struct SwarmEndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "An e2e run split over the swarm's workers, each on its own topic (every e2e flag applies).")

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers") var producer: ProducerOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let (produce, consume, notes) = try EndToEndCommand.workloads(producer: producer, consumer: consumer, assign: nil,
                                                                      target: target, interval: output.interval)
        try SwarmRun(mode: .e2e, workload: produce, consume: consume, notes: notes, target: target,
                     options: swarm, output: output).run()
    }
}

struct SwarmSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "A sweep whose every cell is a run on the swarm's workers (every sweep flag applies).",
        discussion: """
            The workers are gathered (and their clocks measured) again for each cell, \
            so a worker lost in one cell is missed in the next: the sweep then stops with \
            exit 6, the finished cells saved. A degraded cell is kept and named; the sweep \
            exits 6 at its end.
            """)

    @OptionGroup var sweep: SweepCommand
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions

    func run() throws {
        let session = try SwarmSession(options: swarm, brokers: try SwarmSession.brokers(sweep.target),
                                       connectTimeout: try sweep.makePlan().base.connectTimeout,
                                       silent: sweep.output.json, progress: Progress(quiet: true))
        try sweep.execute(targetTopic: { SwarmSession.firstTopic(mode: $0.mode, base: $0.base.topic) },
                          measure: session.measure(silent: sweep.output.json))
        if !session.problems.isEmpty { throw SwarmDegraded(problems: session.problems) }
    }
}

struct SwarmPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "A capacity plan whose probe and every step is a run on the swarm's workers (every plan flag applies).",
        discussion: """
            For rates one machine cannot send: the probe's unlimited rate and each step's \
            rate are split over the workers. A degraded step is judged as it ran and named; \
            the plan exits 6 at its end. Workers are gathered again for each step.
            """)

    @OptionGroup var plan: PlanCommand
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions

    func run() throws {
        let session = try SwarmSession(options: swarm, brokers: try SwarmSession.brokers(plan.target),
                                       connectTimeout: .seconds(10), silent: plan.output.json,
                                       progress: Progress(quiet: true))
        try plan.execute(targetTopic: { SwarmSession.firstTopic(mode: $0, base: $1) },
                         measure: session.measure(silent: plan.output.json))
        if !session.problems.isEmpty { throw SwarmDegraded(problems: session.problems) }
    }
}

/// A swarm run lost, refused or failed a worker: the result is written, marked degraded.
struct SwarmDegraded: Error, CustomStringConvertible {
    var problems: [String]
    var description: String { "swarm run degraded: " + problems.joined(separator: "; ") }
}

/// The coordinator's run, for either mode.
struct SwarmRun {
    var mode: RunMode
    var workload: ProduceWorkload
    var consume: ConsumeWorkload?
    var notes: [String]
    var target: TargetOptions
    var options: SwarmOptions
    var output: OutputOptions

    func run() throws {
        let startedAt = Date()
        let brokers = try SwarmSession.brokers(target)
        let silent = output.json
        let say: (String) -> Void = { line in if !silent { printNow(line) } }
        notes.forEach { say("workload  " + $0) }

        // e2e workers have topics of their own (TOPIC.w1 …); the base topic is not used.
        let firstTopic = SwarmSession.firstTopic(mode: mode, base: workload.topic)
        let target = try BenchTarget(brokers: brokers, topic: firstTopic, partitions: workload.partitions,
                                     replicationFactor: workload.replicationFactor, connectTimeout: workload.connectTimeout)
        TargetLines.describe(target, topic: firstTopic, say: say)
        SwarmSession.noteSecrets(workload, consume, say: say)
        let progress = Progress(quiet: output.quiet || output.json, workload: workload)
        let session = try SwarmSession(options: options, brokers: brokers, connectTimeout: workload.connectTimeout,
                                       silent: silent, progress: progress)
        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        guard let result = try session.run(mode: mode, workload: workload, consume: consume, target: target, stop: stop,
                                           startedAt: startedAt, say: say) else { throw Interrupt.exit }
        progress.finish()
        try output.finish(result) {
            (mode == .e2e ? EndToEndSummary.text(result) : ProduceSummary.table(result)) + "\n" + SwarmSummary.text(result)
        }
        if stop.isStopped { throw Interrupt.exit }
        if let figures = result.workers, figures.degraded { throw SwarmDegraded(problems: figures.problems) }
        if let summary = result.summary, summary.failed > 0 || summary.undelivered > 0 {
            throw KafkaError.deliveryFailed(
                count: summary.failed + summary.undelivered,
                reason: summary.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                    .joined(separator: ", "))
        }
        if let bad = result.integrity?.first(where: { !$0.clean }) { throw IntegrityFailure(report: bad) }
    }
}

/// The coordinator's link and workers, for one run or a sweep's many.
final class SwarmSession {
    let options: SwarmOptions
    let brokers: String
    let topics: SwarmTopics
    let coordinator: SwarmCoordinator
    /// Degraded runs of a sweep or plan, one line per problem (see ``measure(silent:)``).
    private(set) var problems: [String] = []
    private var runs = 0

    /// The bootstrap list a swarm needs (no embedded cluster: workers elsewhere must reach it).
    static func brokers(_ target: TargetOptions) throws -> String {
        guard let brokers = try target.bootstrap() else {
            throw ValidationError("swarm needs --brokers (or --uri): every worker must reach the same cluster "
                                  + "('zoobench cluster' serves one on this machine)")
        }
        return brokers
    }

    /// The topic the coordinator's target is made for: e2e workers use TOPIC.w1 …, not TOPIC.
    static func firstTopic(mode: RunMode, base: String) -> String {
        mode == .e2e ? SwarmSplit.topic(base, worker: 1) : base
    }

    /// Says when the producers were raised to one per worker.
    static func noteProducers(_ workload: ProduceWorkload, workers: Int, say: (String) -> Void) {
        if workload.producers < workers {
            say("workload  --producers \(workload.producers) raised to \(workers): one per worker at least")
        }
    }

    /// Says which secret properties stay behind.
    static func noteSecrets(_ workload: ProduceWorkload, _ consume: ConsumeWorkload?, say: (String) -> Void) {
        let dropped = (workload.properties.keys.filter(isSecretProperty)
            + (consume?.properties.keys.filter(isSecretProperty) ?? [])).sorted()
        if !dropped.isEmpty {
            say("secrets   not sent to workers: \(dropped.joined(separator: ", ")) (each worker's own -X applies)")
        }
    }

    /// Opens the link. Events print as they come unless `silent`; merged
    /// intervals go to `progress`.
    init(options: SwarmOptions, brokers: String, connectTimeout: Duration, silent: Bool, progress: Progress) throws {
        self.options = options
        self.brokers = brokers
        let properties = Dictionary(options.swarmProperties.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        SecretValues.remember(properties.map { ($0.key, $0.value) })
        topics = options.swarmTopics.topics(brokers: brokers, properties: properties, connectTimeout: connectTimeout)
        coordinator = SwarmCoordinator(link: try SwarmLink(topics, readResults: true))
        if let timeout = options.heartbeatTimeout { coordinator.heartbeatTimeout = timeout.duration }
        // On a terminal an event line first clears the live status line.
        let clear = isatty(STDOUT_FILENO) == 1 && !silent ? "\r\u{1B}[2K" : ""
        coordinator.onEvent = { event in
            Self.show(event, progress: progress) { line in if !silent { printNow(clear + line) } }
        }
    }

    /// A sweep's or plan's measuring step: every cell, probe or step a swarm
    /// run. The first run's notes are printed; degraded runs are kept in ``problems``.
    func measure(silent: Bool) -> SweepCommand.Measure {
        { [self] mode, workload, consume, target, _, stop in
            if runs == 0 {
                let say: (String) -> Void = { line in if !silent { printNow(line) } }
                Self.noteSecrets(workload, nil, say: say)
                Self.noteProducers(workload, workers: options.workers, say: say)
            }
            guard let result = try run(mode: mode, workload: workload, consume: mode == .e2e ? consume : nil,
                                       target: target, stop: stop, startedAt: Date(), say: { _ in })
            else { throw Interrupt.exit }
            runs += 1
            if let figures = result.workers, figures.degraded {
                problems += figures.problems.map { "run \(runs) (\(result.name)): \($0)" }
            }
            return result
        }
    }

    /// One run on `options.workers` workers: gather them, measure their
    /// clocks, split the workload, publish, collect, merge. Nil if stopped
    /// before the run began.
    func run(mode: RunMode, workload: ProduceWorkload, consume: ConsumeWorkload?, target: BenchTarget,
             stop: StopSignal, startedAt: Date, say: (String) -> Void) throws -> RunResult? {
        // Faults need the embedded cluster in this process; workers run elsewhere.
        if !workload.faults.isEmpty { throw MeasuredRun.faultsNeedTheEmbeddedCluster }
        let wait = options.wait?.duration ?? .seconds(30)
        say("swarm     waiting for \(options.workers) worker(s) on \(topics.control) (up to \(DurationText.format(wait)))")
        guard let workers = try coordinator.gather(count: options.workers, timeout: wait, stop: stop) else { return nil }
        let clocks = coordinator.measureClocks(workers)
        say("clock     " + workers.map { worker in
            clocks[worker.id].map { String(format: "%@ %+.1f ±%.1f ms", worker.id, $0.offset * 1000, $0.uncertainty * 1000) }
                ?? "\(worker.id) unmeasured"
        }.joined(separator: ", "))

        let shares = SwarmSplit.shares(of: workload, consume: consume, mode: mode, workers: workers.map(\.id),
                                       clockOffsets: clocks.mapValues(\.offset))
        let topicsMeasured = mode == .e2e ? shares.map(\.workload.topic) : [workload.topic]
        for name in topicsMeasured where name != target.uri.topic {
            try target.ensureTopic(name, partitions: workload.partitions, replicationFactor: workload.replicationFactor)
        }
        Self.noteProducers(workload, workers: workers.count, say: say)
        for share in shares {
            say("share     w\(share.index) \(share.worker): " + ProduceSummary.describe(share.workload)
                + (mode == .e2e ? " → " + ConsumeCommand.describe(share.consume ?? ConsumeWorkload()) : ""))
        }
        let before = try? topicsMeasured.reduce(Int64(0)) { $0 + (try target.admin.endOffsetTotal(topic: $1)) }
        let delay = options.startDelay?.duration ?? .seconds(3)
        let runID = "run-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        let spec = SwarmRunSpec(runID: runID, mode: mode, startAt: Date().timeIntervalSince1970 + DurationText.seconds(delay),
                                workload: SwarmSplit.withoutSecrets(workload), shares: shares)
        say("run       \(runID) starts in \(DurationText.format(delay)) on \(workers.count) worker(s)")
        var outcomes = try coordinator.run(spec, workers: workers, clocks: clocks, stop: stop)
        let after = try? topicsMeasured.reduce(Int64(0)) { $0 + (try target.admin.endOffsetTotal(topic: $1)) }
        let growth = before.flatMap { b in after.map { $0 - b } }
        outcomes.sort { $0.share.index < $1.share.index }

        let configuration = workload.producerConfiguration(producerIndex: 0)
            .librdkafkaProperties(bootstrap: brokers, acks: workload.acks, deliveryTimeout: workload.deliveryTimeout)
        return RunResult.swarm(
            spec: spec, outcomes: outcomes, requested: options.workers, late: coordinator.late.map(\.id),
            environment: .current(target: target, producerConfiguration: configuration),
            startedAt: startedAt, brokerOffsetGrowth: growth, stopped: stop.isStopped)
    }

    private static func show(_ event: SwarmEvent, progress: Progress, say: (String) -> Void) {
        switch event {
        case .joined(let info):
            say("worker    \(info.id) on \(info.host) (\(info.cores) cores, zoobench \(info.zoobenchVersion))")
        case let .ignored(info, reason): say("worker    \(info.id) not used: \(reason)")
        case .accepted: break
        case let .refused(id, reason): say("worker    \(id) refused the run: \(reason)")
        case .interval(let snapshot): progress.interval(snapshot)
        case let .lost(id, silentFor): say(String(format: "worker    %@ lost: silent for %.1f s", id, silentFor))
        case let .done(id, status): if status != .complete { say("worker    \(id) ended \(status.rawValue)") }
        case let .failed(id, reason): say("worker    \(id) failed: \(SecretValues.scrub(reason))")
        case .late(let info): say("worker    \(info.id) arrived after the start: not part of this run")
        case .stopping: say("swarm     stop sent to every worker; waiting for their results")
        }
    }
}
