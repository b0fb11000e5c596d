import Foundation

/// Why two results cannot be compared.
public enum CompareError: Error, Sendable, Equatable, CustomStringConvertible {
    case badInput(String)

    public var description: String {
        switch self {
        case .badInput(let message): return message
        }
    }
}

/// What a comparison concluded about one metric.
public enum Verdict: String, Sendable, Codable {
    /// Within the threshold.
    case ok
    /// Worse than the threshold allows.
    case regression
    /// Better by more than the threshold.
    case improvement
    /// Beyond the threshold, but the two sides' 95 % intervals overlap:
    /// within the noise of the repeats.
    case noise
}

/// One metric of one cell, compared.
public struct MetricComparison: Sendable, Codable, Hashable {
    /// The cell's axis values (`acks=1 compression=lz4`); nil for a single run.
    public var cell: String?
    /// `records/s`, `p50 ms`, `p99 ms`, `error rate` …
    public var metric: String
    public var baseline: Double
    public var current: Double
    /// Change in percent of the baseline (positive: higher).
    public var changePercent: Double
    /// The allowed change in percent (negative for throughput: a drop).
    public var limitPercent: Double
    public var verdict: Verdict
    /// The 95 % intervals of both sides, when both carry repeats.
    public var baselineInterval: Estimate?
    public var currentInterval: Estimate?
}

/// A comparison of two results.
public struct Comparison: Sendable, Codable {
    public var baseline: String
    public var current: String
    public var kind: String
    public var thresholds: CompareThresholds
    public var metrics: [MetricComparison]
    /// Whether both sides carried repeats, so that changes were judged
    /// against their 95 % intervals (false: the thresholds alone decided).
    public var noiseJudged: Bool
    /// Whether a side was a single run whose noise came from its own
    /// intervals (``RunResult/intervalSpread``): a floor on the noise.
    public var noiseFromIntervals = false

    public var regressions: [MetricComparison] { metrics.filter { $0.verdict == .regression } }
}

/// A result file compare can read: a run or a sweep.
public enum ComparedResult: Sendable {
    case run(RunResult)
    case sweep(SweepResult)

    /// Reads a run or sweep result file; other files, other kinds and other
    /// schema versions are refused with the file named.
    public static func load(_ path: String) throws(CompareError) -> ComparedResult {
        switch try ResultDocument.load(path) {
        case .run(let run): return .run(run)
        case .sweep(let sweep): return .sweep(sweep)
        case .plan: throw .badInput("'\(path)': a plan is not compared (runs and sweeps are)")
        }
    }

    var kind: String {
        switch self {
        case .run(let run): return run.kind.rawValue
        case .sweep(let sweep): return "sweep (\(sweep.mode.rawValue))"
        }
    }

    var environment: RunEnvironment {
        switch self {
        case .run(let run): return run.environment
        case .sweep(let sweep): return sweep.environment
        }
    }

    /// Cells by their label; a run is one unlabelled cell. A side with
    /// repeats gives its medians and their intervals.
    var cells: [(label: String?, figures: CellFigures, intervals: RepeatFigures?)] {
        switch self {
        case .run(let run):
            var figures = CellFigures(run, cpuSeconds: nil)
            guard let repeats = run.repeats, repeats.runs > 1 else { return [(nil, figures, run.intervalSpread)] }
            figures.recordsPerSecond = repeats.recordsPerSecond.median
            figures.megabytesPerSecond = repeats.megabytesPerSecond.median
            figures.p50 = repeats.p50.median
            figures.p99 = repeats.p99.median
            figures.p999 = repeats.p999.median
            return [(nil, figures, repeats)]
        case .sweep(let sweep):
            return sweep.cells.map { cell in
                let key = zip(sweep.axes, cell.axisValues).map { "\($0.name)=\($1)" }.sorted().joined(separator: " ")
                return (key, cell.figures, cell.runs.count > 1 ? cell.estimates : nil)
            }
        }
    }
}

/// Compares results against a baseline: the CI gate.
public enum Compare {
    /// Compares `current` with `baseline` metric by metric. Throws for
    /// inputs that cannot be compared (kinds, targets, unmatched cells).
    public static func compare(baseline: ComparedResult, current: ComparedResult, baselineName: String,
                               currentName: String, thresholds: CompareThresholds,
                               allowDifferentTargets: Bool = false) throws(CompareError) -> Comparison {
        guard baseline.kind == current.kind else {
            throw .badInput("cannot compare a \(baseline.kind) result with a \(current.kind) one")
        }
        let a = baseline.environment.clusterKind
        let b = current.environment.clusterKind
        if a != b && !allowDifferentTargets {
            throw .badInput("the baseline measured an \(a.rawValue) cluster and the current result an \(b.rawValue) one: "
                + "embedded-cluster figures describe the client, not a cluster, so they do not compare "
                + "(--allow-different-targets compares them anyway)")
        }
        let baseCells = Dictionary(baseline.cells.map { ($0.label ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        let currentCells = current.cells
        let currentKeys = Set(currentCells.map { $0.label ?? "" })
        let onlyBaseline = baseCells.keys.filter { !currentKeys.contains($0) }.sorted()
        let onlyCurrent = currentKeys.filter { baseCells[$0] == nil }.sorted()
        if !onlyBaseline.isEmpty || !onlyCurrent.isEmpty {
            var parts: [String] = []
            if !onlyBaseline.isEmpty { parts.append("only in the baseline: " + onlyBaseline.map { "[\($0)]" }.joined(separator: ", ")) }
            if !onlyCurrent.isEmpty { parts.append("only in the current result: " + onlyCurrent.map { "[\($0)]" }.joined(separator: ", ")) }
            throw .badInput("the sweeps' cells do not match; " + parts.joined(separator: "; "))
        }
        var metrics: [MetricComparison] = []
        for cell in currentCells {
            guard let base = baseCells[cell.label ?? ""] else { continue }
            let label = cell.label
            // A change beyond the threshold is a regression (or improvement)
            // only when the two sides' 95 % intervals do not overlap; single
            // runs carry no interval, so the threshold alone decides.
            func add(_ name: String, _ old: Double, _ new: Double, limit: Double, higherIsBetter: Bool,
                     intervals: (Estimate, Estimate)?) {
                let change = old != 0 ? (new - old) / old : (new == 0 ? 0 : .infinity)
                let worse = higherIsBetter ? -change : change
                var verdict: Verdict = worse > limit ? .regression : (-worse > limit ? .improvement : .ok)
                if verdict != .ok, let (x, y) = intervals, x.overlaps(y) { verdict = .noise }
                metrics.append(MetricComparison(cell: label, metric: name, baseline: old, current: new,
                                                changePercent: change * 100,
                                                limitPercent: (higherIsBetter ? -limit : limit) * 100, verdict: verdict,
                                                baselineInterval: intervals?.0, currentInterval: intervals?.1))
            }
            let old = base.figures
            let new = cell.figures
            let both = base.intervals.flatMap { x in cell.intervals.map { (x, $0) } }
            if old.recordsPerSecond > 0 || new.recordsPerSecond > 0 {
                add("records/s", old.recordsPerSecond, new.recordsPerSecond, limit: thresholds.maxThroughputDrop,
                    higherIsBetter: true, intervals: both.map { ($0.0.recordsPerSecond, $0.1.recordsPerSecond) })
            }
            for percentile in CompareThresholds.percentiles {
                guard let limit = thresholds.maxLatencyRise[percentile] else { continue }
                let (o, n): (Double, Double)
                switch percentile {
                case "p50": (o, n) = (old.p50, new.p50)
                case "p95": (o, n) = (old.p95, new.p95)
                case "p99": (o, n) = (old.p99, new.p99)
                default: (o, n) = (old.p999, new.p999)
                }
                if o == 0 && n == 0 { continue }
                let intervals = both.flatMap { pair in pair.0.latency(percentile).flatMap { x in pair.1.latency(percentile).map { (x, $0) } } }
                add("\(percentile == "p999" ? "p99.9" : percentile) ms", o, n, limit: limit, higherIsBetter: false,
                    intervals: intervals)
            }
            let rate = new.errorRate
            metrics.append(MetricComparison(
                cell: label, metric: "error rate", baseline: old.errorRate, current: rate,
                changePercent: (rate - old.errorRate) * 100, limitPercent: thresholds.maxErrorRate * 100,
                verdict: rate > thresholds.maxErrorRate ? .regression : .ok, baselineInterval: nil, currentInterval: nil))
        }
        let repeated = baseline.cells.contains { $0.intervals != nil } && currentCells.contains { $0.intervals != nil }
        var comparison = Comparison(baseline: baselineName, current: currentName, kind: current.kind,
                                    thresholds: thresholds, metrics: metrics, noiseJudged: repeated)
        comparison.noiseFromIntervals = repeated && [baseline, current].contains { side in
            if case .run(let run) = side { return (run.repeats?.runs ?? 1) < 2 }
            return false
        }
        return comparison
    }
}
