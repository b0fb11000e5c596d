import Foundation
import ZooPipe

/// How a coordinator runs its swarm.
public struct SwarmSettings: Sendable {
    /// Workers a run needs.
    public var workers: Int
    /// How long to wait for them. Default 30 s.
    public var wait: Duration = .seconds(30)
    /// How long after publishing a run it starts (workers must have it by then). Default 3 s.
    public var startDelay: Duration = .seconds(3)
    /// A worker silent this long is lost. Default 5 s.
    public var heartbeatTimeout: Duration = .seconds(5)
    /// Where the swarm talks.
    public var topics: SwarmTopics

    public init(workers: Int, topics: SwarmTopics) {
        self.workers = workers
        self.topics = topics
    }
}

/// What a swarm session reports as it goes (the CLI prints these).
public enum SwarmSessionEvent: Sendable {
    /// Waiting up to `wait` for `workers` workers on the control topic.
    case waiting(workers: Int, topic: String, wait: Duration)
    /// Each worker's clock against the coordinator's (nil: it never answered a ping).
    case clocks([SwarmWorkerInfo], [String: SwarmClock])
    /// Secret properties that stay behind: each worker's own `-X` applies.
    case secretsLeftBehind([String])
    /// The producers were raised to one per worker.
    case producersRaised(from: Int, to: Int)
    /// One worker's share of the run.
    case share(SwarmShare, RunMode)
    /// The run is published; it starts after `delay` on `workers` workers.
    case starting(runID: String, delay: Duration, workers: Int)
    /// What the coordinator saw of the workers.
    case worker(SwarmEvent)
}

/// A swarm run that lost, refused or failed a worker: its result is written, marked degraded.
public struct SwarmDegraded: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { "swarm run degraded: " + problems.joined(separator: "; ") }
}

/// The coordinator's side of a swarm, for one run or a sweep's or plan's
/// many: gathers the workers, measures their clocks, splits the workload,
/// publishes the run, collects what each sends and merges it into one
/// ``RunResult`` (see ``RunResult/swarm(spec:outcomes:requested:late:environment:startedAt:brokerOffsetGrowth:stopped:)``).
public final class SwarmSession: @unchecked Sendable {
    public let settings: SwarmSettings
    public let coordinator: SwarmCoordinator
    /// Degraded runs of a sweep or plan, a line per problem (see ``measure``).
    public private(set) var problems: [String] = []
    private var runs = 0
    private let events: (@Sendable (SwarmSessionEvent) -> Void)?

    /// Opens the swarm's link (its clients of the control and results topics).
    public init(settings: SwarmSettings, onEvent: (@Sendable (SwarmSessionEvent) -> Void)? = nil) throws(KafkaError) {
        self.settings = settings
        events = onEvent
        coordinator = SwarmCoordinator(link: try SwarmLink(settings.topics, readResults: true))
        coordinator.heartbeatTimeout = settings.heartbeatTimeout
        coordinator.onEvent = { event in onEvent?(.worker(event)) }
    }

    /// The topic the coordinator's target is made for: e2e workers use
    /// `TOPIC.w1` …, each its own, not `TOPIC`.
    public static func firstTopic(mode: RunMode, base: String) -> String {
        mode == .e2e ? SwarmSplit.topic(base, worker: 1) : base
    }

    /// The secret properties of `workload` and `consume` that are not sent to workers.
    public static func secrets(_ workload: ProduceWorkload, _ consume: ConsumeWorkload?) -> [String] {
        (workload.properties.keys.filter(isSecretProperty) + (consume?.properties.keys.filter(isSecretProperty) ?? [])).sorted()
    }

    /// A sweep's or plan's measuring step: every cell, probe or step a swarm
    /// run. The first run reports its notes; degraded runs are kept in ``problems``.
    public func measure(_ mode: RunMode, _ workload: ProduceWorkload, _ consume: ConsumeWorkload, _ target: BenchTarget,
                        _ stop: StopSignal) throws -> RunResult {
        if runs == 0 {
            let secrets = Self.secrets(workload, nil)
            if !secrets.isEmpty { events?(.secretsLeftBehind(secrets)) }
            if workload.producers < settings.workers {
                events?(.producersRaised(from: workload.producers, to: settings.workers))
            }
        }
        let result = try run(mode: mode, workload: workload, consume: mode == .e2e ? consume : nil, target: target,
                             stop: stop, verbose: false)
        runs += 1
        if let figures = result.workers, figures.degraded {
            problems += figures.problems.map { "run \(runs) (\(result.name)): \($0)" }
        }
        return result
    }

    /// One run on ``SwarmSettings/workers`` workers: gather them, measure
    /// their clocks, split the workload, publish, collect, merge. Throws
    /// ``RunStopped`` when stopped before the run began. `verbose` reports
    /// the gathering, clocks and shares.
    /// What a swarm cannot split: refused before any topic is made.
    public static func check(_ workload: ProduceWorkload) throws(WorkloadError) {
        if workload.topics > 1 {
            throw .invalid("topics \(workload.topics): a swarm splits producers over workers, not topics; produce to several topics with zoobench produce or sweep")
        }
    }

    public func run(mode: RunMode, workload: ProduceWorkload, consume: ConsumeWorkload?, target: BenchTarget,
                    stop: StopSignal, startedAt: Date = Date(), verbose: Bool = true) throws -> RunResult {
        // Faults need the embedded cluster in this process; workers run elsewhere.
        if !workload.faults.isEmpty { throw FaultSchedule.needsEmbeddedCluster }
        try Self.check(workload)
        let say: (SwarmSessionEvent) -> Void = { event in if verbose { self.events?(event) } }
        say(.waiting(workers: settings.workers, topic: settings.topics.control, wait: settings.wait))
        guard let workers = try coordinator.gather(count: settings.workers, timeout: settings.wait, stop: stop) else {
            throw RunStopped()
        }
        let clocks = coordinator.measureClocks(workers)
        say(.clocks(workers, clocks))

        let shares = SwarmSplit.shares(of: workload, consume: consume, mode: mode, workers: workers.map(\.id),
                                       clockOffsets: clocks.mapValues(\.offset))
        let measured = mode == .e2e ? shares.map(\.workload.topic) : [workload.topic]
        for name in measured where name != target.uri.topic {
            try target.ensureTopic(name, partitions: workload.partitions, replicationFactor: workload.replicationFactor)
        }
        if workload.producers < workers.count { say(.producersRaised(from: workload.producers, to: workers.count)) }
        for share in shares { say(.share(share, mode)) }
        let probe = OffsetProbe(admin: target.admin, topics: measured)
        let before = probe.read()
        let runID = "run-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        let spec = SwarmRunSpec(runID: runID, mode: mode,
                                startAt: Date().timeIntervalSince1970 + DurationText.seconds(settings.startDelay),
                                workload: SwarmSplit.withoutSecrets(workload), shares: shares)
        say(.starting(runID: runID, delay: settings.startDelay, workers: workers.count))
        var outcomes = try coordinator.run(spec, workers: workers, clocks: clocks, stop: stop)
        outcomes.sort { $0.share.index < $1.share.index }

        // The merge takes the clients' configurations from the workers' results.
        return RunResult.swarm(
            spec: spec, outcomes: outcomes, requested: settings.workers, late: coordinator.late.map(\.id),
            environment: MeasuredRun(mode: .produce, produce: workload).environment(target),
            startedAt: startedAt, brokerOffsetGrowth: nil, stopped: stop.isStopped)
            .checkingOffsets(probe, since: before)
    }
}
