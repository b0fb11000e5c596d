import Foundation
import ZooPipe

/// Everything one run measured: the workload, the environment, the figures,
/// the timeline and the histograms. Console, CSV and JSON are views of it.
///
/// A `produce` run fills the producer fields (`workload`, `summary`,
/// `warmup`, `timeline`, `histograms`); a `consume` run fills
/// `consumeWorkload` and `consume` (and `backlog` when it made one); an
/// `e2e` run fills both plus `endToEnd` and `integrity`.
public struct RunResult: Sendable, Codable {
    /// The JSON layout's version; bumped when a field changes meaning.
    /// 2: consume and e2e runs; the producer fields became optional.
    public static let currentSchemaVersion = 2

    public var schemaVersion = RunResult.currentSchemaVersion
    /// What the run measured: producers, consumers or both.
    public var kind = RunKind.produce
    public var name: String
    public var startedAt: Date
    /// True when the run was stopped early: the figures cover what ran.
    public var partial: Bool
    /// The producer side's workload.
    public var workload: ProduceWorkload?
    /// The consumer side's workload.
    public var consumeWorkload: ConsumeWorkload?
    public var environment: RunEnvironment
    /// The producer side's figures.
    public var summary: ProduceFigures?
    public var warmup: WarmupSummary?
    /// The producer side's timeline.
    public var timeline: [IntervalSnapshot]
    public var histograms: RunHistograms?
    /// The consumer side's figures, timeline and histograms.
    public var consume: ConsumeFigures?
    /// Record latency from send to consume (e2e).
    public var endToEnd: EndToEndFigures?
    /// One verdict per consumer group (e2e with verification).
    public var integrity: [IntegrityReport]?
    /// The backlog a consume run produced before measuring the drain.
    public var backlog: BacklogFigures?
    /// An e2e run's backlog: when its consumers started, and when they caught up.
    public var backlogDrain: BacklogDrain?
    /// Faults injected into the embedded cluster, as they happened.
    public var faults: [FaultEvent]?
    /// Allocations counted over the measured window, with the zero-copy verdict (`--count-allocations`).
    public var allocations: AllocationFigures?
    /// A swarm run's workers: each one's share and figures, whether the run
    /// was degraded, and the clock-skew bound (`zoobench swarm`).
    public var workers: SwarmFigures?
    /// Why the figures are not to be trusted as they stand: too few
    /// intervals, too short, an unsteady timeline (``RunQuality``). Nil: none.
    public var warnings: [String]?
    /// With `--repeat N`: every run (this result is the one with the median
    /// records/s, with its histograms; these keep their percentiles) and the
    /// headline figures over them with 95 % intervals.
    public var repeats: RepeatFigures?
    public var runs: [RunResult]?

    public init(workload: ProduceWorkload, outcome: ProduceOutcome, environment: RunEnvironment,
                startedAt: Date, brokerOffsetGrowth: Int64?) {
        name = workload.name
        self.startedAt = startedAt
        partial = outcome.partial
        self.workload = workload
        self.environment = environment
        summary = ProduceFigures(
            sent: outcome.sent, delivered: outcome.delivered, failed: outcome.failed,
            failuresByError: outcome.failuresByError, undelivered: outcome.undelivered,
            queueFullRetries: outcome.queueFullRetries, deliveredBytes: outcome.deliveredBytes,
            elapsedSeconds: outcome.elapsedSeconds, recordsPerSecond: outcome.recordsPerSecond,
            megabytesPerSecond: outcome.megabytesPerSecond, transactions: outcome.transactions,
            latency: LatencyPercentiles(outcome.latency),
            correctedLatency: outcome.correctedLatency.map(LatencyPercentiles.init),
            brokerOffsetGrowth: brokerOffsetGrowth, wire: outcome.wire)
        warmup = WarmupSummary(delivered: outcome.warmup.delivered, seconds: outcome.warmup.seconds,
                               latency: LatencyPercentiles(outcome.warmup.latency))
        timeline = outcome.timeline
        histograms = RunHistograms(latency: outcome.latency, correctedLatency: outcome.correctedLatency,
                                   warmup: outcome.warmup.latency)
        if let counts = outcome.allocations {
            allocations = AllocationFigures(counts, payloadBytes: outcome.delivered > 0
                ? Double(outcome.deliveredBytes) / Double(outcome.delivered) : 0)
        }
    }
}

extension RunResult {
    /// A consume run's result.
    public init(consume workload: ConsumeWorkload, outcome: ConsumeOutcome, environment: RunEnvironment,
                startedAt: Date, backlog: BacklogFigures? = nil) {
        name = workload.name
        kind = .consume
        self.startedAt = startedAt
        partial = outcome.partial
        consumeWorkload = workload
        self.environment = environment
        timeline = []
        consume = ConsumeFigures(outcome)
        self.backlog = backlog
        if let counts = outcome.allocations {
            allocations = AllocationFigures(counts, payloadBytes: outcome.consumed > 0 ? Double(outcome.bytes) / Double(outcome.consumed) : 0,
                                            path: "receive")
        }
    }

    /// An e2e run's result: the producer side as in a produce run, the
    /// consumer side as in a consume run, plus latency and integrity.
    public init(endToEnd run: EndToEndRun, outcome: EndToEndOutcome, environment: RunEnvironment, startedAt: Date,
                brokerOffsetGrowth: Int64?) {
        self.init(workload: run.produce, outcome: outcome.produce, environment: environment, startedAt: startedAt,
                  brokerOffsetGrowth: brokerOffsetGrowth)
        kind = .e2e
        partial = outcome.produce.partial || outcome.consume.partial
        consumeWorkload = run.consume
        consume = ConsumeFigures(outcome.consume)
        endToEnd = EndToEndFigures(outcome.consume)
        integrity = run.verify ? outcome.integrity : nil
        // Re-reads are counted apart: the consumer rates are of first reads
        // (MB/s by the share of records, re-reads taken at the mean size).
        let reRead = outcome.integrity.reduce(0) { $0 + $1.reRead }
        if reRead > 0, var figures = consume, figures.elapsedSeconds > 0 {
            figures.reRead = reRead
            let share = Double(figures.consumed - reRead) / Double(max(1, figures.consumed))
            figures.recordsPerSecond *= share
            figures.megabytesPerSecond *= share
            consume = figures
        }
        faults = outcome.faults.isEmpty ? nil : outcome.faults
        backlogDrain = outcome.backlog
        if let counts = outcome.produce.allocations {
            let delivered = outcome.produce.delivered
            allocations = AllocationFigures(counts, payloadBytes: delivered > 0
                ? Double(outcome.produce.deliveredBytes) / Double(delivered) : 0, path: "send and receive",
                bytesJudged: false)
        }
    }
}

extension RunResult {
    /// The result without its full histograms (the percentiles stay): what a
    /// sweep keeps per run unless asked for more, so that a sweep (and a
    /// committed baseline) stays small.
    public func withoutHistograms() -> RunResult {
        var copy = self
        copy.histograms = nil
        copy.consume?.fetchWaitHistogram = nil
        copy.consume?.commitHistogram = nil
        copy.endToEnd?.histogram = nil
        copy.endToEnd?.correctedHistogram = nil
        copy.endToEnd?.warmupHistogram = nil
        copy.runs = copy.runs?.map { $0.withoutHistograms() }
        return copy
    }
}
