import Foundation
import Testing
@testable import ZooBench
@testable import ZooReport

/// A run like `knownResult` whose timeline holds `rates` (records/s of 1 s
/// intervals, after `warmup` warm-up intervals) and whose headline is `rate`
/// at p99 `p99` ms.
func timedResult(rates: [Double], warmup: Int = 0, rate: Double = 1000, p99: Double = 10) -> RunResult {
    var result = knownResult()
    let all = Array(repeating: rates.first ?? 0, count: warmup) + rates
    result.timeline = all.enumerated().map { index, r in
        IntervalSnapshot(index: index, start: Double(index), seconds: 1, sent: Int(r), delivered: Int(r), bytes: Int(r) * 100,
                         errors: 0, inFlight: 0, warmup: index < warmup, p50: 1000, p90: 2000, p99: 3000, p999: 4000, max: 5000)
    }
    result.summary?.elapsedSeconds = Double(rates.count)
    result.summary?.recordsPerSecond = rate
    result.summary?.latency.p99 = p99
    return result
}

/// A 1 s fixed-rate run that sent `sent` records with a corrected p99 of `p99` ms.
func fixedRateRun(sent: Int, p99: Double) -> RunResult {
    var run = knownResult()
    run.workload?.duration = .seconds(1)
    run.summary?.sent = sent
    var corrected = run.summary!.latency
    corrected.p99 = p99
    run.summary?.correctedLatency = corrected
    return run
}

/// A plan of `steps` under `slo`, concluded.
func concludedPlan(_ steps: [PlanStep], slo: SLO, unstable: UnstableRegion? = nil) -> PlanResult {
    var plan = PlanResult(name: "p", startedAt: Date(), mode: .produce, slo: slo, workload: ProduceWorkload(),
                          environment: knownResult().environment,
                          search: RateSearch(minRate: 1000, maxRate: 3000), stepDuration: 1, stepWarmup: 0)
    plan.steps = steps
    plan.unstable = unstable
    plan.conclude(target: nil, codecRatio: nil)
    return plan
}

@Suite("Decision-grade figures: intervals, warnings, ties")
struct TrustTests {
    /// Known values: three runs a factor 1.1 apart are equally spaced in log
    /// space (sd = ln 1.1), so the t interval is exp(ln 110 ± 4.303 · ln 1.1 / √3).
    @Test func theIntervalIsStudentsTOverLogs() {
        let e = Estimate([100, 110, 121])
        #expect(e.median == 110)
        #expect(e.runs == 3)
        let half = 4.303 * log(1.1) / 3.0.squareRoot()
        #expect(abs(e.low - 110 * exp(-half)) < 1e-9)
        #expect(abs(e.high - 110 * exp(half)) < 1e-9)
        #expect(abs(e.low - 86.81) < 0.01 && abs(e.high - 139.39) < 0.01, "\(e.low)–\(e.high)")
        // One run: no interval. Equal runs: a zero-width one.
        #expect(!Estimate([5]).hasInterval)
        #expect(abs(Estimate([5, 5, 5]).low - 5) < 1e-12 && abs(Estimate([5, 5, 5]).high - 5) < 1e-12)
        // A zero value: the interval is taken on the values themselves.
        let linear = Estimate([0, 1, 2])
        #expect(abs(linear.high - (1 + 4.303 / 3.0.squareRoot())) < 1e-9)
        #expect(Estimate.tQuantile975(degreesOfFreedom: 1) == 12.706)
        #expect(abs(Estimate.tQuantile975(degreesOfFreedom: 120) - 1.980) < 0.001)
    }

    @Test func aShortRunWarnsAndASteadyOneDoesNot() {
        let steady = timedResult(rates: Array(repeating: 1000, count: 10), warmup: 2)
        #expect(RunQuality.warnings(steady).isEmpty)
        let short = RunQuality.warnings(timedResult(rates: [1000, 1000, 1000]))
        #expect(short == ["3 full intervals measured (fewer than 10)", "3.00 s measured (less than 5 s)"])
        // Alternating 500/1500: sd/mean = 0.53 (above 0.25), no trend.
        let jumpy = RunQuality.warnings(timedResult(rates: (0..<10).map { $0 % 2 == 0 ? 500 : 1500 }))
        #expect(jumpy.count == 1 && jumpy[0].hasPrefix("unsteady: interval rates vary by 53 %"), "\(jumpy)")
        // A ramp from 1000 to 1900: the fitted line rises 900 on a mean of 1450 (62 %).
        let (variation, trend) = RunQuality.steadiness((0..<10).map { 1000 + Double($0) * 100 })
        #expect(abs(trend - 900.0 / 1450.0) < 1e-9)
        #expect(variation > 0.2)
        let rising = RunQuality.warnings(timedResult(rates: (0..<10).map { 1000 + Double($0) * 100 }))
        #expect(rising.contains { $0.hasPrefix("a trend: interval rates rise by 62 %") }, "\(rising)")
        // The warning line names every reason once.
        let line = TrustText.warningLine(timedResult(rates: [1000]).assessed())
        #expect(line?.hasPrefix("warning:  1 full interval measured (fewer than 10); 1.00 s measured (less than 5 s).") == true)
    }

    @Test func repeatsKeepEveryRunAndTheMedianOne() throws {
        let runs = [timedResult(rates: [1], rate: 900, p99: 12), timedResult(rates: [1], rate: 1100, p99: 8),
                    timedResult(rates: [1], rate: 1000, p99: 10)].map { $0.assessed() }
        let combined = Repeats.combine(runs)
        #expect(combined.summary?.recordsPerSecond == 1000, "the median run's figures")
        #expect(combined.runs?.count == 3)
        #expect(combined.runs?.allSatisfy { $0.histograms == nil } == true)
        #expect(combined.repeats?.recordsPerSecond.median == 1000)
        #expect(combined.repeats?.p99.median == 10)
        #expect(combined.warnings?.last == "3 of 3 runs warned (run 1, 2, 3)")
        let lines = TrustText.repeatLines(combined)
        #expect(lines.count == 3)
        #expect(lines[1].contains("records/s 1000 (95% CI "))
        // The JSON keeps the runs and the intervals, and reads back.
        let back = try ResultJSON.decode(RunResult.self, from: try ResultJSON.encode(combined))
        #expect(back.runs?.map { $0.summary?.recordsPerSecond } == [900, 1100, 1000])
        #expect(back.repeats == combined.repeats)
        #expect(Repeats.combine([runs[0]]).repeats == nil, "one run is itself")
    }

    /// Two runs of the same settings compare clean; a shift beyond both
    /// sides' noise is a regression; one inside it is noise.
    @Test func compareJudgesRepeatsByTheirIntervals() throws {
        func repeated(_ rates: [Double], p99: [Double]) -> RunResult {
            Repeats.combine(zip(rates, p99).map { timedResult(rates: [1], rate: $0, p99: $1) })
        }
        func verdicts(_ a: RunResult, _ b: RunResult) throws -> (Comparison, [String: Verdict]) {
            let c = try Compare.compare(baseline: .run(a), current: .run(b), baselineName: "a", currentName: "b",
                                        thresholds: CompareThresholds())
            return (c, Dictionary(uniqueKeysWithValues: c.metrics.map { ($0.metric, $0.verdict) }))
        }
        let base = repeated([1000, 1050, 980], p99: [10, 11, 10.5])
        let (same, sameVerdicts) = try verdicts(base, repeated([1020, 990, 1040], p99: [10.2, 10.8, 10.4]))
        #expect(same.noiseJudged)
        #expect(same.regressions.isEmpty, "\(sameVerdicts)")
        let (_, slower) = try verdicts(base, repeated([700, 690, 710], p99: [20, 21, 20.5]))
        #expect(slower["records/s"] == .regression)
        #expect(slower["p99 ms"] == .regression)
        // 12 % slower, but the current side is noisy: its interval overlaps the baseline's.
        let (_, noisy) = try verdicts(base, repeated([600, 900, 1200], p99: [10, 10.5, 11]))
        #expect(noisy["records/s"] == .noise)
        // Single runs: the thresholds alone decide, and the text says so.
        let (single, singleVerdicts) = try verdicts(timedResult(rates: [1], rate: 1000), timedResult(rates: [1], rate: 900))
        #expect(!single.noiseJudged)
        #expect(singleVerdicts["records/s"] == .regression)
        #expect(CompareReport.text(single).contains("noise     not judged: a side holds single runs"))
        // Single runs of 10 intervals or more: their own intervals give a floor on the noise.
        let jumpy = (0..<10).map { $0 % 2 == 0 ? 800.0 : 1200.0 }
        let (own, ownVerdicts) = try verdicts(timedResult(rates: jumpy, rate: 1000), timedResult(rates: jumpy.map { $0 * 0.9 }, rate: 900))
        #expect(own.noiseJudged && own.noiseFromIntervals)
        #expect(ownVerdicts["records/s"] == .noise, "-10 % inside intervals that swing ±20 %")
        #expect(CompareReport.text(own).contains("a single run's CI is over its own intervals"))
        let (_, steadyVerdicts) = try verdicts(timedResult(rates: Array(repeating: 1000, count: 10), rate: 1000),
                                               timedResult(rates: Array(repeating: 700, count: 10), rate: 700))
        #expect(steadyVerdicts["records/s"] == .regression)
    }

    /// acks=1 at p99 131 ms against acks=-1 at 55 ms with overlapping
    /// throughput: acks=-1 beats acks=1 beyond the noise on p99, so only it is
    /// on the front, and the throughput "best" is a tie.
    @Test func paretoAndBestSeparateOnlyBeyondTheNoise() {
        let sweep = craftedSweep(throughput: [1_000_000, 980_000], p99: [131, 55], runs: 3, spread: 0.05)
        #expect(sweep.paretoFront == [1])
        #expect(sweep.bestThroughput?.index == 0)
        #expect(sweep.tiedThroughput == [1])
        #expect(sweep.tiedP99.isEmpty)
        let table = SweepReport.table(sweep, order: .cell)
        #expect(table.contains("tie: records/s"))
        #expect(table.contains("best throughput: cell 1 (acks=1) 1000000 records/s; tied within the noise: cell 2"))
        // Single runs: every difference counts, and the table says there are no intervals.
        let single = craftedSweep(throughput: [1_000_000, 980_000], p99: [131, 55])
        #expect(single.paretoFront == [0, 1])
        #expect(SweepReport.table(single, order: .cell).contains("one run per cell: no intervals"))
    }

    /// A higher rate passing where a lower one failed, and latency falling
    /// far as the rate rises, are found; a steady curve has no violation.
    @Test func thePlanCurveIsChecked() throws {
        let slo = try SLO(parsing: ["p99<=20ms"])
        func step(_ index: Int, asked: Double, p99: Double) -> PlanStep {
            PlanStep(index: index, phase: "ramp", askedRate: asked, run: fixedRateRun(sent: Int(asked), p99: p99), slo: slo)
        }
        let steady = [step(1, asked: 1000, p99: 5), step(2, asked: 2000, p99: 8), step(3, asked: 3000, p99: 30)]
        #expect(PlanCurve.violations(steady, percentile: 99).isEmpty)
        let sized = concludedPlan(steady, slo: slo)
        #expect(sized.answerRecordsPerSecond == 2000)
        #expect(sized.answerRange == AnswerRange(lowRecordsPerSecond: 2000, highRecordsPerSecond: 3000))
        #expect(sized.summary.contains("(95% interval 2000–3000/s; 3000/s failed)"), "\(sized.summary)")
        let odd = [step(1, asked: 1000, p99: 5), step(2, asked: 2000, p99: 872), step(3, asked: 3000, p99: 15)]
        let found = PlanCurve.violations(odd, percentile: 99)
        #expect(found.contains { $0.reason == "2000/s failed but 3000/s passed" })
        #expect(found.contains { $0.reason.hasPrefix("latency falls from 872.00 to 15.00 ms") })
        // The answer is the highest rate with every lower one passing, and
        // an unstable region has none.
        #expect(concludedPlan(odd, slo: slo).answerRecordsPerSecond == 1000)
        let plan = concludedPlan(odd, slo: slo, unstable: UnstableRegion(lowRecordsPerSecond: 2000, highRecordsPerSecond: 3000,
                                                                          reasons: ["2000/s failed but 3000/s passed"]))
        #expect(plan.answerRecordsPerSecond == nil)
        #expect(plan.summary.hasPrefix("No single answer for p99 <= 20 ms"))
        #expect(plan.summary.contains("the curve is unstable between 2000 and 3000 records/s"))
        #expect(PlanReport.table(plan).contains("unstable  between 2000 and 3000 records/s"))
    }

    /// A step passes by the majority of its runs; a tie fails.
    @Test func aStepIsJudgedByItsRuns() throws {
        let slo = try SLO(parsing: ["p99<=20ms"])
        func run(_ p99: Double) -> RunResult { fixedRateRun(sent: 1000, p99: p99) }
        let tie = PlanStep(index: 1, phase: "ramp", askedRate: 1000, runs: [run(10), run(30)], slo: slo)
        #expect(!tie.passed)
        #expect(tie.reasons.first?.hasPrefix("1 of 2 runs failed") == true)
        let most = PlanStep(index: 1, phase: "ramp", askedRate: 1000, runs: [run(10), run(30), run(12)], slo: slo)
        #expect(most.passed)
        #expect(most.repeats?.map(\.passed) == [true, false, true])
        #expect(most.latencyInterval?.median == 12)
    }

    /// An outage (an interval with no records) breaks the latency lines
    /// instead of drawing 0 ms; a short last interval is not drawn.
    @Test func reportPagesDoNotMislead() throws {
        var result = timedResult(rates: [1000, 1000, 0, 1000, 1000])
        result.timeline[2].p50 = 0
        result.timeline[2].p99 = 0
        result.timeline[2].p999 = 0
        result.timeline.append(IntervalSnapshot(index: 5, start: 5, seconds: 0.1, sent: 10, delivered: 10, bytes: 1000, errors: 0,
                                                inFlight: 0, warmup: false, p50: 1000, p90: 1000, p99: 1000, p999: 1000, max: 1000))
        let section = HTMLReport.latencyOverTimeSection(result)
        let paths = section.components(separatedBy: "<path d=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(paths.count == 3)
        for path in paths {
            #expect(path.filter { $0 == "M" }.count == 2, "a gap at the outage: \(path)")
            #expect(path.split(separator: " ").count == 4, "four intervals drawn, not the outage nor the 0.1 s tail: \(path)")
        }
        #expect(section.contains("latency (ms, log scale)"))
        #expect(HTMLReport.throughputSection(result).contains("partial (0.100 s, not drawn)"))
        let sweep = craftedSweep(throughput: [1000, 2000], p99: [10, 20])
        let page = try HTMLReport.sweep(sweep)
        #expect(page.contains("colour scale: records/s (higher is better, darker)"))
        #expect(page.contains(">acks</text>"), "the axis is named")
    }
}
