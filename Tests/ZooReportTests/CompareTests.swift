import Foundation
import Histogram
import Testing
import ZooPipe
@testable import ZooBench
@testable import ZooReport

/// A sweep of two cells (acks=1, acks=-1) whose figures are given, each cell
/// with `runs` repeats spread ±`spread` around the figures.
func craftedSweep(throughput: [Double], p99: [Double], runs: Int = 1, spread: Double = 0,
                  cluster: ClusterKind = .embedded, axes: [String] = ["1", "-1"]) -> SweepResult {
    var plan = SweepPlan(base: ProduceWorkload(), axes: [SweepAxis(name: "acks", values: axes)])
    plan.repeats = runs
    var environment = knownResult().environment
    environment.clusterKind = cluster
    var sweep = SweepResult(plan: plan, startedAt: Date(timeIntervalSince1970: 1_800_000_000), environment: environment)
    for (index, value) in axes.enumerated() {
        let figures = (0..<runs).map { run -> CellFigures in
            let offset = runs > 1 ? spread * (Double(run) / Double(runs - 1) * 2 - 1) : 0
            return CellFigures(recordsPerSecond: throughput[index] * (1 + offset), megabytesPerSecond: 1, p50: 1,
                               p95: 2, p99: p99[index] * (1 + offset), p999: 4, errors: 0, sent: 1000,
                               wireRatio: nil, cpuSecondsPerGB: nil)
        }
        sweep.cells.append(SweepCell(index: index, axisValues: [value], runs: Array(repeating: knownResult(), count: runs),
                                     runFigures: figures))
    }
    sweep.partial = false
    return sweep
}

@Suite("Compare: the regression gate")
struct CompareTests {
    func verdicts(_ baseline: SweepResult, _ current: SweepResult) throws -> [String: Verdict] {
        let comparison = try Compare.compare(baseline: .sweep(baseline), current: .sweep(current), baselineName: "a",
                                             currentName: "b", thresholds: CompareThresholds())
        return Dictionary(uniqueKeysWithValues: comparison.metrics.map { ("\($0.cell ?? "") \($0.metric)", $0.verdict) })
    }

    @Test func sameIsOK() throws {
        let sweep = craftedSweep(throughput: [1000, 2000], p99: [10, 20])
        #expect(try verdicts(sweep, sweep).values.allSatisfy { $0 == .ok })
    }

    @Test func slowerAndLaterIsARegression() throws {
        let v = try verdicts(craftedSweep(throughput: [1000, 2000], p99: [10, 20]),
                             craftedSweep(throughput: [900, 1990], p99: [10.5, 25]))
        #expect(v["acks=1 records/s"] == .regression)      // -10 % against a 5 % limit
        #expect(v["acks=-1 records/s"] == .ok)             // -0.5 %
        #expect(v["acks=1 p99 ms"] == .ok)                 // +5 %
        #expect(v["acks=-1 p99 ms"] == .regression)        // +25 % against 10 %
    }

    @Test func fasterIsAnImprovement() throws {
        let v = try verdicts(craftedSweep(throughput: [1000, 2000], p99: [10, 20]),
                             craftedSweep(throughput: [1200, 2000], p99: [5, 20]))
        #expect(v["acks=1 records/s"] == .improvement)
        #expect(v["acks=1 p99 ms"] == .improvement)
    }

    @Test func insideTheRepeatsSpreadIsNoise() throws {
        // ±20 % spreads on both sides: a 10 % drop overlaps them.
        let v = try verdicts(craftedSweep(throughput: [1000, 2000], p99: [10, 20], runs: 3, spread: 0.2),
                             craftedSweep(throughput: [900, 2000], p99: [12, 20], runs: 3, spread: 0.2))
        #expect(v["acks=1 records/s"] == .noise)
        #expect(v["acks=1 p99 ms"] == .noise)
        // Tight spreads that do not overlap: a regression after all.
        let w = try verdicts(craftedSweep(throughput: [1000, 2000], p99: [10, 20], runs: 3, spread: 0.01),
                             craftedSweep(throughput: [900, 2000], p99: [12, 20], runs: 3, spread: 0.01))
        #expect(w["acks=1 records/s"] == .regression)
        #expect(w["acks=1 p99 ms"] == .regression)
    }

    @Test func unmatchedCellsAreListed() {
        #expect(throws: CompareError.badInput("the sweeps' cells do not match; only in the baseline: [acks=-1]; only in the current result: [acks=0]")) {
            _ = try Compare.compare(baseline: .sweep(craftedSweep(throughput: [1, 2], p99: [1, 2])),
                                    current: .sweep(craftedSweep(throughput: [1, 2], p99: [1, 2], axes: ["1", "0"])),
                                    baselineName: "a", currentName: "b", thresholds: CompareThresholds())
        }
    }

    @Test func differentTargetsNeedAFlag() throws {
        let embedded = craftedSweep(throughput: [1, 2], p99: [1, 2])
        let external = craftedSweep(throughput: [1, 2], p99: [1, 2], cluster: .external)
        #expect {
            _ = try Compare.compare(baseline: .sweep(embedded), current: .sweep(external), baselineName: "a",
                                    currentName: "b", thresholds: CompareThresholds())
        } throws: { error in
            (error as? CompareError)?.description.contains("--allow-different-targets") == true
        }
        let allowed = try Compare.compare(baseline: .sweep(embedded), current: .sweep(external), baselineName: "a",
                                          currentName: "b", thresholds: CompareThresholds(), allowDifferentTargets: true)
        #expect(allowed.regressions.isEmpty)
    }

    @Test func runAgainstSweepAndOldSchemasAreRefused() throws {
        #expect(throws: CompareError.self) {
            _ = try Compare.compare(baseline: .run(knownResult()), current: .sweep(craftedSweep(throughput: [1, 2], p99: [1, 2])),
                                    baselineName: "a", currentName: "b", thresholds: CompareThresholds())
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-cmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let old = folder.appendingPathComponent("old.json")
        try #"{"kind": "produce", "schemaVersion": 1}"#.write(to: old, atomically: true, encoding: .utf8)
        #expect(throws: CompareError.badInput("'\(old.path)': schema version 1, this zoobench reads version 2 (re-run it, or compare with the zoobench that wrote it)")) {
            _ = try ComparedResult.load(old.path)
        }
        let garbage = folder.appendingPathComponent("garbage.json")
        try "not json".write(to: garbage, atomically: true, encoding: .utf8)
        #expect(throws: CompareError.badInput("'\(garbage.path)': not a zoobench result (not JSON)")) {
            _ = try ComparedResult.load(garbage.path)
        }
    }

    @Test func thresholdsParse() throws {
        #expect(FractionText.parse("5%") == 0.05)
        #expect(FractionText.parse("0.1") == 0.1)
        #expect(FractionText.parse("-1%") == nil)
        #expect(try CompareThresholds.latencyRises("p99=20%,p50=5%") == ["p99": 0.2, "p50": 0.05])
        #expect(throws: CompareError.self) { _ = try CompareThresholds.latencyRises("p98=1%") }
    }

    @Test func errorsOverTheLimitRegress() throws {
        var current = craftedSweep(throughput: [1000, 2000], p99: [10, 20])
        current.cells[0].figures.errors = 3
        let v = try verdicts(craftedSweep(throughput: [1000, 2000], p99: [10, 20]), current)
        #expect(v["acks=1 error rate"] == .regression)
        #expect(v["acks=-1 error rate"] == .ok)
    }

    @Test func histogramsRoundTripCompactly() throws {
        var histogram = LatencyHistogram.make()
        var generator = SplitMix64(seed: 7)
        for _ in 0..<50_000 { _ = histogram.record(1 + generator.next() % 200_000) }
        let data = try JSONEncoder().encode(RunHistograms(latency: histogram, correctedLatency: nil, warmup: histogram))
        #expect(data.count < 200_000, "compact form: \(data.count) bytes")
        let back = try JSONDecoder().decode(RunHistograms.self, from: data)
        #expect(back.correctedLatency == nil)
        #expect(back.latency.totalCount == histogram.totalCount)
        #expect(back.latency.max == histogram.max)
        #expect(back.latency.min == histogram.min)
        #expect(back.latency.mean == histogram.mean)
        for percentile in [50.0, 90, 99, 99.9, 99.99] {
            #expect(back.latency.valueAtPercentile(percentile) == histogram.valueAtPercentile(percentile))
        }
    }
}
