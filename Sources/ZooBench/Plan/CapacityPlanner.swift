import Foundation
import ZooPipe

/// What a capacity plan reports as it goes (the CLI prints these).
public enum PlanEvent: Sendable {
    /// The unlimited probe starts; it sends for this long.
    case probing(Duration)
    /// The probe's rate and p99 (ms).
    case probed(recordsPerSecond: Double, p99: Double)
    /// The search starts: a ramp of `steps` from `low` to `high` records/s,
    /// then a bisection to `precision` (a fraction); `perStep` each.
    case searching(low: Double, high: Double, steps: Int, precision: Double, perStep: Duration)
    /// A step has been judged.
    case stepped(PlanStep, RateSearch)
    /// The curve is inconsistent: these steps (by index) are measured again.
    case remeasuring([Int], reasons: [String])
}

/// How a plan ended.
public enum PlanOutcome: Sendable {
    /// The search ran (to its end, or until stopped: then the plan is partial).
    case planned(PlanResult)
    /// Stopped during the probe: what the probe measured, as a run of its own.
    case stoppedInProbe(RunResult)
}

/// Capacity planning: the highest rate that meets a latency SLO. A short
/// unlimited probe finds the ceiling (unless ``maxRate`` is given), a ramp of
/// fixed-rate steps climbs to it, and a bisection between the last passing
/// rate and the first failing one narrows the answer to ``precision``. Every
/// probe and step is one run of ``measure`` (here, or on a swarm's workers).
public struct CapacityPlanner {
    /// The workload of every step (the planner sets each step's rate, duration and warm-up).
    public var base: ProduceWorkload
    /// The consumers of e2e steps.
    public var consume = ConsumeWorkload()
    public var mode: RunMode = .produce
    public var slo: SLO
    /// The lowest rate tried; default a tenth of the highest.
    public var minRate: Rate?
    /// The highest rate tried; default the probe's unlimited rate.
    public var maxRate: Rate?
    /// The rate the model sizes producers and partitions for.
    public var targetRate: Rate?
    /// Evenly spaced ramp steps. Default 5.
    public var steps = 5
    /// Stop bisecting when passing and failing rates are this close (a fraction of the passing one). Default 5 %.
    public var precision = 0.05
    public var stepDuration: Duration = .seconds(10)
    public var stepWarmup: Duration = .seconds(2)
    /// Runs per step; a step whose runs disagree gets as many again. Default 2.
    public var stepRepeats = 2
    public var probeDuration: Duration = .seconds(5)
    /// Keep every step's full histograms in the result (large).
    public var keepHistograms = false
    public var measure: SweepRunner.Measure = SweepRunner.local
    public var onEvent: ((PlanEvent) -> Void)?
    /// Called after each step with the plan so far (marked partial), to write it out.
    public var onStep: ((PlanResult) throws -> Void)?

    /// `base` with a step's bounds: no record counts, each step `stepDuration` after `stepWarmup`.
    public init(base: ProduceWorkload, slo: SLO) {
        self.base = base
        self.slo = slo
    }

    /// The workload every step runs (at its own rate).
    public var stepWorkload: ProduceWorkload {
        var workload = base
        workload.numRecords = nil
        workload.warmupRecords = nil
        workload.duration = stepDuration
        workload.warmup = stepWarmup
        return workload
    }

    /// Runs the probe and the search on `target` until done or `stop`.
    public func run(on target: BenchTarget, stop: StopSignal = StopSignal(), startedAt: Date = Date()) throws -> PlanOutcome {
        let base = stepWorkload
        try base.validate()
        guard (1...Repeats.most).contains(stepRepeats) else {
            throw WorkloadError.invalid("step-repeat must be 1 to \(Repeats.most), not \(stepRepeats)")
        }
        let (recordBytes, codecRatio) = try Self.records(of: base)
        let environment = MeasuredRun(mode: mode, produce: base, consume: consume).environment(target)

        var probe: RunResult?
        var top = maxRate?.recordsPerSecond(recordBytes: recordBytes)
        if top == nil {
            var workload = base
            workload.name = "\(base.name)-probe"
            workload.duration = probeDuration
            workload.warmup = .seconds(1)
            workload.bursts = []  // the probe has no rate to change; the steps keep their bursts
            onEvent?(.probing(probeDuration))
            let run = try measure(mode, workload, consume, target, stop)
            if run.partial { return .stoppedInProbe(run) }
            let ceiling = run.summary?.recordsPerSecond ?? 0
            guard ceiling > 0 else { throw KafkaError.deliveryFailed(count: run.summary?.failed ?? 0, reason: "the probe delivered nothing") }
            onEvent?(.probed(recordsPerSecond: ceiling, p99: run.summary?.latency.p99 ?? 0))
            probe = keepHistograms ? run : run.withoutHistograms()
            top = ceiling
        }
        let high = top ?? 0
        let low = minRate?.recordsPerSecond(recordBytes: recordBytes) ?? high / 10
        let slowest = ProduceWorkload.slowestThroughput
        guard low >= slowest, high >= slowest else {
            throw WorkloadError.invalid("the rates to try (\(NumberText.rate(low)) to \(NumberText.rate(high)) records/s of "
                + "\(trim(recordBytes)) B records) go below \(trim(slowest)) records/s, the slowest rate zoobench sends")
        }
        guard low > 0, low <= high else {
            throw WorkloadError.invalid("--min-rate (\(NumberText.rate(low))/s) must be more than 0 and at most the top of the "
                + "range (\(NumberText.rate(high))/s)")
        }
        var plan = PlanResult(name: base.name, startedAt: startedAt, mode: mode, slo: slo, workload: base,
                              environment: environment,
                              search: RateSearch(minRate: low, maxRate: high, rampSteps: steps, precision: precision),
                              stepDuration: DurationText.seconds(stepDuration), stepWarmup: DurationText.seconds(stepWarmup))
        plan.probe = probe
        plan.probeRecordsPerSecond = probe?.summary?.recordsPerSecond
        onEvent?(.searching(low: low, high: high, steps: steps, precision: precision, perStep: stepWarmup + stepDuration))

        plan.stepRepeats = stepRepeats
        var runs: [Int: [RunResult]] = [:]  // each step's runs, by index
        /// Runs step `index` at `rate` `count` more times; false when stopped part-way.
        func measureStep(_ index: Int, rate: Double, phase: String, count: Int) throws -> Bool {
            var workload = base
            workload.name = "\(base.name)-step\(index)"
            workload.throughput = rate
            for _ in 0..<count {
                let run = try measure(mode, workload, consume, target, stop)
                if run.partial { return false }  // an unfinished run is not judged
                runs[index, default: []].append(keepHistograms ? run : run.withoutHistograms())
            }
            var step = PlanStep(index: index, phase: phase, askedRate: rate, runs: runs[index] ?? [], slo: slo)
            // Runs that disagree get as many again (once), so that a majority decides.
            if let repeats = step.repeats, Set(repeats.map(\.passed)).count > 1, repeats.count == stepRepeats {
                guard try measureStep(index, rate: rate, phase: phase, count: stepRepeats) else { return false }
                step = PlanStep(index: index, phase: phase, askedRate: rate, runs: runs[index] ?? [], slo: slo)
            }
            if let position = plan.steps.firstIndex(where: { $0.index == index }) {
                plan.steps[position] = step
            } else {
                plan.steps.append(step)
            }
            return true
        }
        func save() throws {
            guard let onStep else { return }
            plan.conclude(target: targetRate, codecRatio: codecRatio)
            plan.partial = true
            try onStep(plan)
        }

        var stopped = false
        while let rate = plan.search.next(), !stop.isStopped {
            let index = plan.steps.count + 1
            guard try measureStep(index, rate: rate, phase: plan.search.phase.rawValue, count: stepRepeats) else {
                stopped = true
                break
            }
            let step = plan.steps[plan.steps.count - 1]
            plan.search.record(rate: rate, passed: step.passed)
            onEvent?(.stepped(step, plan.search))
            try save()
        }
        // The curve is checked; an inconsistency is measured again, and one that stays is an unstable region.
        let percentile = slo.primaryLatency.percentile ?? 99
        let violations = PlanCurve.violations(plan.steps, percentile: percentile)
        if !stopped && !stop.isStopped && !violations.isEmpty {
            let involved = Array(Set(violations.flatMap { [$0.lower, $0.higher] })).sorted()
            onEvent?(.remeasuring(involved, reasons: violations.map(\.reason)))
            for index in involved where !stopped {
                guard let step = plan.steps.first(where: { $0.index == index }) else { continue }
                stopped = try !measureStep(index, rate: step.askedRate, phase: step.phase, count: stepRepeats)
                if let again = plan.steps.first(where: { $0.index == index }) { onEvent?(.stepped(again, plan.search)) }
            }
            let remaining = PlanCurve.violations(plan.steps, percentile: percentile)
            if !stopped && !remaining.isEmpty {
                let rates = remaining.flatMap { v in plan.steps.filter { $0.index == v.lower || $0.index == v.higher }.map(\.askedRate) }
                plan.unstable = UnstableRegion(lowRecordsPerSecond: rates.min() ?? 0, highRecordsPerSecond: rates.max() ?? 0,
                                               reasons: Array(Set(remaining.map(\.reason))).sorted())
            }
        }
        plan.partial = stopped || plan.search.phase != RateSearch.Phase.done
        plan.conclude(target: targetRate, codecRatio: codecRatio)
        return .planned(plan)
    }

    /// The records' mean size (to read rates given in bytes) and, with a
    /// codec, its ratio on them, measured as `zoobench codecs` does.
    static func records(of workload: ProduceWorkload) throws -> (bytes: Double, ratio: (ratio: Double, source: String)?) {
        let pool = try PayloadPool(workload: workload)
        let sample = CodecSample(pool: pool, batchSize: workload.batchSize.map { min($0, 1 << 20) } ?? 64 * 1024,
                                 sampleBytes: 4 << 20)
        let recordBytes = sample.records > 0 ? Double(sample.bytes) / Double(sample.records) : 0
        guard let setting = CodecSetting(kafka: workload.compression) else { return (recordBytes, nil) }
        var options = CodecBenchOptions()
        options.minTime = .milliseconds(30)
        let measured = try CodecBench(options: options).measure(setting, sample: sample)
        return (recordBytes, (measured.ratio, "\(setting) on \(sample.records) of these records in "
            + "\(sample.largestBatch / 1024) KiB batches, as zoobench codecs measures"))
    }
}
