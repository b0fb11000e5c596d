import Foundation
import ZooPipe

/// One fixed-rate run of a plan and the verdict on it.
public struct PlanStep: Sendable, Codable {
    /// 1-based, in the order run.
    public var index: Int
    /// `ramp` or `bisect`.
    public var phase: String
    public var askedRate: Double
    /// Records sent per second of the step's sending window: what the
    /// producers kept up with (the rate the verdict compares with the one asked).
    public var achievedRate: Double
    /// Records delivered per second from the first send to the last
    /// acknowledgement (lower on short steps: it includes the final round trip).
    public var deliveredRate: Double
    public var megabytesPerSecond: Double
    /// Latency from the intended send time (ms): send → ack, or send → consume in e2e mode.
    public var latency: LatencyPercentiles
    /// The same from the actual send, for comparison (the part that is not client queueing).
    public var rawLatency: LatencyPercentiles
    public var errors: Int
    public var sent: Int
    public var passed: Bool
    /// Why it failed (empty when it passed).
    public var reasons: [String]
    /// The median run (by the SLO's latency), whose figures the step shows.
    public var run: RunResult
    /// Every run of the step and its own verdict (the step passes when most
    /// of them do; a tie fails), with the achieved rate and the SLO's latency
    /// over them as medians with 95 % intervals.
    public var repeats: [PlanStepRun]?
    public var achievedInterval: Estimate?
    public var latencyInterval: Estimate?

    /// The figures the search judges.
    public var figures: PlanStepFigures {
        PlanStepFigures(askedRate: askedRate, achievedRate: achievedRate, latencyByPercentile: [
            50: latency.p50, 90: latency.p90, 95: latency.p95, 99: latency.p99, 99.9: latency.p999,
            99.99: latency.p9999, 100: latency.max,
        ], errors: errors, sent: sent)
    }

    /// Reads the repeated fixed-rate runs of one rate and judges them: each
    /// run against `slo`, the step by the majority of its runs (a tie fails:
    /// a rate met only half the time is not sustained).
    public init(index: Int, phase: String, askedRate: Double, runs: [RunResult], slo: SLO) {
        let judged = runs.map { PlanStep(index: index, phase: phase, askedRate: askedRate, run: $0, slo: slo) }
        let metric = slo.primaryLatency.percentile ?? 99
        self = judged[Estimate.medianIndex(of: judged.map { $0.figures.latency(metric) })]
        guard judged.count > 1 else { return }
        let passes = judged.filter(\.passed).count
        passed = passes * 2 > judged.count
        reasons = passed ? [] : ["\(judged.count - passes) of \(judged.count) runs failed: "
            + Array(Set(judged.flatMap(\.reasons))).sorted().joined(separator: "; ")]
        repeats = judged.map { PlanStepRun(achievedRate: $0.achievedRate, latency: $0.figures.latency(metric),
                                           passed: $0.passed, reasons: $0.reasons) }
        achievedInterval = Estimate(judged.map(\.achievedRate))
        latencyInterval = Estimate(judged.map { $0.figures.latency(metric) })
    }

    /// Reads a fixed-rate run (produce or e2e) and judges it against `slo`.
    public init(index: Int, phase: String, askedRate: Double, run: RunResult, slo: SLO) {
        self.index = index
        self.phase = phase
        self.askedRate = askedRate
        self.run = run
        let s = run.summary
        let window = run.workload?.duration.map(DurationText.seconds) ?? 0
        achievedRate = window > 0 ? Double(s?.sent ?? 0) / window : s?.recordsPerSecond ?? 0
        deliveredRate = s?.recordsPerSecond ?? 0
        megabytesPerSecond = s?.megabytesPerSecond ?? 0
        if run.kind == .e2e, let e = run.endToEnd {
            rawLatency = e.latency
            latency = e.correctedLatency ?? e.latency
        } else {
            rawLatency = s?.latency ?? LatencyPercentiles(.init())
            latency = s?.correctedLatency ?? rawLatency
        }
        errors = (s?.failed ?? 0) + (s?.undelivered ?? 0)
        sent = s?.sent ?? 0
        passed = false
        reasons = []
        let verdict = PlanVerdict(figures, slo: slo)
        passed = verdict.passed
        reasons = verdict.reasons
    }
}

/// One run of a plan step, as judged.
public struct PlanStepRun: Sendable, Codable, Hashable {
    public var achievedRate: Double
    /// The SLO's latency percentile, ms.
    public var latency: Double
    public var passed: Bool
    public var reasons: [String]
}

/// The answer's interval: between the highest rate that met the SLO beyond
/// the noise (every run passed, and the 95 % interval of its SLO latency is
/// inside the bound, as for every lower rate) and the lowest that failed
/// beyond it (every run failed, and that interval is outside the bound, or
/// the failure was not latency). Either end is nil when no tested rate is
/// beyond the noise on that side.
public struct AnswerRange: Sendable, Codable, Hashable {
    public var lowRecordsPerSecond: Double?
    public var highRecordsPerSecond: Double?

    /// `590.2k–742.0k/s`, with the open ends named.
    public var text: String {
        (lowRecordsPerSecond.map { NumberText.rate($0) } ?? "below the lowest rate tried") + "–"
            + (highRecordsPerSecond.map { NumberText.rate($0) + "/s" } ?? "above the highest rate tried")
    }
}

/// Rates where the curve makes no sense even after re-measuring: a higher
/// rate passing where a lower one failed, achieved rate falling as the rate
/// asked rises, or latency falling beyond the noise as the rate rises.
public struct UnstableRegion: Sendable, Codable, Hashable {
    public var lowRecordsPerSecond: Double
    public var highRecordsPerSecond: Double
    public var reasons: [String]
}

/// The model's figures for a target rate, from the measured answer.
public struct PlanModel: Sendable, Codable, Hashable {
    /// The rate asked for, in records/s and MB/s of values.
    public var targetRecordsPerSecond: Double
    public var targetMegabytesPerSecond: Double
    /// Sustained records/s per producer and per partition in the measured answer.
    public var recordsPerSecondPerProducer: Double
    public var recordsPerSecondPerPartition: Double
    public var producersNeeded: Int
    public var partitionsNeeded: Int
    /// Compressed ÷ uncompressed bytes used for the wire figure, and where it came from.
    public var compressionRatio: Double
    public var compressionRatioSource: String
    /// Network MB/s from producers to the leaders at the target (values after compression).
    public var wireMegabytesPerSecond: Double
    /// The model's assumptions, in words.
    public var assumptions: [String]
}

/// What `zoobench plan` found: the answer, the curve, the knee and the model.
public struct PlanResult: Sendable, Codable {
    public static let currentSchemaVersion = 1

    public var schemaVersion = PlanResult.currentSchemaVersion
    public var kind = ResultKind.plan
    public var name: String
    public var startedAt: Date
    /// True when Ctrl-C stopped the search: the steps run are kept, the answer may be low.
    public var partial = false
    /// `produce` (latency send → ack) or `e2e` (send → consume).
    public var mode: RunMode
    public var slo: SLO
    public var workload: ProduceWorkload
    public var environment: RunEnvironment
    public var search: RateSearch
    public var stepDuration: Double
    public var stepWarmup: Double
    /// The unlimited run that set the search range (nil when --max-rate was given).
    public var probe: RunResult?
    public var probeRecordsPerSecond: Double?
    public var steps: [PlanStep] = []
    /// The highest rate that met the SLO, records/s; nil when none did.
    public var answerRecordsPerSecond: Double?
    public var answerMegabytesPerSecond: Double?
    /// The step with the knee of the latency curve (1-based), and its achieved rate.
    public var kneeStep: Int?
    public var kneeRecordsPerSecond: Double?
    public var model: PlanModel?
    /// How far the answer can be trusted, from the steps' 95 % intervals.
    public var answerRange: AnswerRange?
    /// Runs per step (more where a step's runs disagree).
    public var stepRepeats: Int?
    /// Where the curve stayed inconsistent after re-measuring; there is then no single answer.
    public var unstable: UnstableRegion?
    /// The plain-language summary.
    public var summary: String = ""

    public init(name: String, startedAt: Date, mode: RunMode, slo: SLO, workload: ProduceWorkload,
                environment: RunEnvironment, search: RateSearch, stepDuration: Double, stepWarmup: Double) {
        self.name = name
        self.startedAt = startedAt
        self.mode = mode
        self.slo = slo
        self.workload = workload
        self.environment = environment
        self.search = search
        self.stepDuration = stepDuration
        self.stepWarmup = stepWarmup
    }

    /// The highest rate that passed with every lower rate passing too (nil: none).
    public var consistentAnswer: Double? {
        var answer: Double?
        for step in steps.sorted(by: { $0.askedRate < $1.askedRate }) {
            guard step.passed else { break }
            answer = step.askedRate
        }
        return answer
    }

    /// The answer's ``AnswerRange``, from the steps' runs and intervals.
    func range() -> AnswerRange {
        let metric = slo.primaryLatency
        let bound = slo.conditions.first { $0.metric == metric }?.bound
        let percentile = metric.percentile ?? 99
        func latency(_ step: PlanStep) -> Estimate { step.latencyInterval ?? Estimate([step.figures.latency(percentile)]) }
        func allRuns(_ step: PlanStep, passed: Bool) -> Bool { (step.repeats?.map(\.passed) ?? [step.passed]).allSatisfy { $0 == passed } }
        var low: Double?
        for step in steps.sorted(by: { $0.askedRate < $1.askedRate }) {
            guard allRuns(step, passed: true), bound.map({ latency(step).high <= $0 }) ?? true else { break }
            low = step.askedRate
        }
        let high = steps.filter { step in
            guard allRuns(step, passed: false) else { return false }
            guard let bound else { return true }
            let l = latency(step)
            return l.low > bound || l.median <= bound  // beyond the noise, or failing on something else every time
        }.map(\.askedRate).min()
        return AnswerRange(lowRecordsPerSecond: low, highRecordsPerSecond: high)
    }

    /// The lowest rate that failed (nil: none did).
    public var lowestFailing: Double? { steps.filter { !$0.passed }.map(\.askedRate).min() }

    /// Mean bytes per record value over the steps run (the workload's sizes).
    public var meanRecordBytes: Double {
        let runs = steps.compactMap { $0.run.summary }.filter { $0.delivered > 0 }
        let delivered = runs.reduce(0) { $0 + $1.delivered }
        return delivered > 0 ? Double(runs.reduce(0) { $0 + $1.deliveredBytes }) / Double(delivered) : 0
    }

    /// Fills the answer, the knee and the summary from the steps and the search.
    public mutating func conclude(target: Rate?, codecRatio: (ratio: Double, source: String)?) {
        answerRecordsPerSecond = unstable == nil ? consistentAnswer : nil
        answerRange = answerRecordsPerSecond == nil ? nil : range()
        let recordBytes = meanRecordBytes
        answerMegabytesPerSecond = answerRecordsPerSecond.map { $0 * recordBytes / 1_048_576 }
        let metric = slo.primaryLatency.percentile ?? 99
        let points = steps.map { (throughput: $0.achievedRate, latency: $0.figures.latency(metric)) }
        if let knee = curveKnee(points) {
            kneeStep = steps[knee].index
            kneeRecordsPerSecond = steps[knee].achievedRate
        }
        if let target, let answer = answerRecordsPerSecond, answer > 0 {
            let targetRecords = target.recordsPerSecond(recordBytes: recordBytes)
            let perProducer = answer / Double(workload.producers)
            let perPartition = answer / Double(max(1, environment.topicPartitions))
            let ratio = codecRatio ?? (1, "no compression")
            model = PlanModel(
                targetRecordsPerSecond: targetRecords, targetMegabytesPerSecond: targetRecords * recordBytes / 1_048_576,
                recordsPerSecondPerProducer: perProducer, recordsPerSecondPerPartition: perPartition,
                producersNeeded: Int((targetRecords / perProducer).rounded(.up)),
                partitionsNeeded: Int((targetRecords / perPartition).rounded(.up)),
                compressionRatio: ratio.ratio, compressionRatioSource: ratio.source,
                wireMegabytesPerSecond: targetRecords * recordBytes * ratio.ratio / 1_048_576,
                assumptions: [
                    "throughput grows in proportion to producers and to partitions (no broker, disk or network limit is reached first)",
                    "the same records (\(workload.recordSize) B \(workload.payload)"
                        + (workload.compressibility > 0 ? ", compressibility \(workload.compressibility)" : "")
                        + "), acks=\(workload.acks), compression "
                        + "\(workload.compression), linger and batch settings as measured",
                    "producer machines like this one (\(environment.cores) cores); partitions spread evenly over brokers",
                    "wire bytes are values after compression; Kafka's record and request framing adds a few percent",
                ] + (environment.clusterKind == .embedded
                    ? ["measured on the embedded cluster: the per-producer figure is this client's, the per-partition figure says nothing of a real broker"]
                    : []))
        }
        summary = Self.sentence(self)
    }

    static func sentence(_ plan: PlanResult) -> String {
        let w = plan.workload
        let what = "of \(NumberText.recordSize(w.recordSize)) \(w.payload) records with acks=\(w.acks == .all ? "all" : w.acks.description)"
            + (w.compression == .none ? "" : ", \(w.compression)") + ", \(w.producers) producer(s)"
        let latency = plan.mode == .e2e ? "send → consume" : "send → ack"
        if let region = plan.unstable {
            return "No single answer for \(plan.slo) (\(latency)) for records \(what): the curve is unstable between "
                + "\(NumberText.rate(region.lowRecordsPerSecond)) and \(NumberText.rate(region.highRecordsPerSecond)) records/s "
                + "even after re-measuring (\(region.reasons.joined(separator: "; "))). Re-run with longer steps "
                + "(--step-duration 30s) or more repeats (--step-repeat 4)."
                + (plan.environment.clusterKind == .embedded ? " Measured on the embedded cluster: this is the client, not a cluster." : "")
        }
        guard let answer = plan.answerRecordsPerSecond else {
            let lowest = plan.steps.min { $0.askedRate < $1.askedRate }
            return "No rate meets \(plan.slo) (\(latency)) for records \(what): even \(NumberText.rate(plan.search.minRate)) "
                + "records/s failed" + (lowest.map { " (\($0.reasons.joined(separator: "; ")))" } ?? "") + "."
        }
        var text = "At \(plan.slo) (\(latency)) this target sustains \(NumberText.rate(answer)) records/s "
            + "(\(String(format: "%.1f", plan.answerMegabytesPerSecond ?? 0)) MB/s) \(what)"
        if let range = plan.answerRange {
            text += " (95% interval " + range.text + (plan.lowestFailing.map { "; \(NumberText.rate($0))/s failed" } ?? "") + ")"
        }
        if let knee = plan.kneeRecordsPerSecond { text += "; the knee is at \(NumberText.rate(knee))/s" }
        text += "."
        if plan.search.limitedByRange {
            text += " Every step passed, up to the top of the range: the limit is at least this (raise --max-rate)."
        }
        if plan.environment.clusterKind == .embedded {
            text += " Measured on the embedded cluster, which runs in the client's process and does not replicate: "
                + "this is what the client sustains, not what a cluster can take."
        }
        return text
    }
}
