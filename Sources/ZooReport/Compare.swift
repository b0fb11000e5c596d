import Foundation
import ZooPipe
import Yams
import ZooBench

/// How much worse a current result may be than its baseline.
public struct CompareThresholds: Sendable, Codable, Hashable {
    /// Largest allowed drop of records/s, as a fraction (0.05 = 5 %).
    public var maxThroughputDrop = 0.05
    /// Largest allowed rise per latency percentile (`p50`, `p95`, `p99`, `p999`), as fractions.
    public var maxLatencyRise: [String: Double] = ["p50": 0.10, "p99": 0.10]
    /// Largest allowed share of failed records (0: none may fail).
    public var maxErrorRate = 0.0

    public init() {}

    /// Percentiles that can be given, in the order they are reported.
    public static let percentiles = ["p50", "p95", "p99", "p999"]

    /// `5%` or `0.05` as a fraction.
    public static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            return Double(trimmed.dropLast()).flatMap { $0 >= 0 && $0.isFinite ? $0 / 100 : nil }
        }
        return Double(trimmed).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
    }

    /// Parses `p99=10%,p50=10%`.
    public static func latencyRises(_ text: String) throws(CompareError) -> [String: Double] {
        var result: [String: Double] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, percentiles.contains(parts[0]), let value = fraction(parts[1]) else {
                throw .badInput("--max-latency-rise: '\(item)' is not PERCENTILE=PERCENT with PERCENTILE one of "
                    + percentiles.joined(separator: ", "))
            }
            result[parts[0]] = value
        }
        return result
    }

    /// Reads a thresholds file: `throughput-drop: 5%`, `latency-rise: {p99: 10%}`, `error-rate: 0`.
    public static func load(_ path: String) throws(CompareError) -> CompareThresholds {
        let text: String
        do {
            text = try WorkloadFile.read(path, what: "thresholds file")
        } catch {
            throw .badInput(error.description)
        }
        guard let fields = (try? Yams.load(yaml: text)) as? [String: Any] else {
            throw .badInput("thresholds file '\(path)': expected a mapping (throughput-drop, latency-rise, error-rate)")
        }
        var thresholds = CompareThresholds()
        for (key, value) in fields {
            switch key {
            case "throughput-drop":
                guard let f = fraction("\(value)") else { throw .badInput("thresholds file '\(path)': throughput-drop '\(value)' is not a percentage") }
                thresholds.maxThroughputDrop = f
            case "error-rate":
                guard let f = fraction("\(value)") else { throw .badInput("thresholds file '\(path)': error-rate '\(value)' is not a number") }
                thresholds.maxErrorRate = f
            case "latency-rise":
                guard let map = value as? [String: Any] else {
                    throw .badInput("thresholds file '\(path)': latency-rise must map percentiles to percentages")
                }
                thresholds.maxLatencyRise = try latencyRises(map.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","))
            default:
                throw .badInput("thresholds file '\(path)': unknown key '\(key)' (throughput-drop, latency-rise, error-rate)")
            }
        }
        return thresholds
    }
}

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
    /// Beyond the threshold, but inside the spread of the repeats on both sides.
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
}

/// A comparison of two results.
public struct Comparison: Sendable, Codable {
    public var baseline: String
    public var current: String
    public var kind: String
    public var thresholds: CompareThresholds
    public var metrics: [MetricComparison]

    public var regressions: [MetricComparison] { metrics.filter { $0.verdict == .regression } }
}

/// Any result file zoobench writes that can be read back: a run, a sweep or
/// a plan, told apart by its `kind` and checked against its schema version.
public enum ResultDocument: Sendable {
    case run(RunResult)
    case sweep(SweepResult)
    case plan(PlanResult)

    /// Reads `path`; every problem is a ``CompareError`` naming the file.
    public static func load(_ path: String) throws(CompareError) -> ResultDocument {
        let data: Data
        switch FileProblem.contents(of: path) {
        case .failure(let reason): throw .badInput("'\(path)': cannot read it (\(reason))")
        case .success(let bytes): data = bytes
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badInput("'\(path)': not a zoobench result (not JSON)")
        }
        guard let name = object["kind"] as? String, let version = object["schemaVersion"] as? Int else {
            throw .badInput("'\(path)': not a zoobench result (no kind or schemaVersion)")
        }
        guard let kind = ResultKind(rawValue: name), kind != .codecs else {
            throw .badInput("'\(path)': unknown kind '\(name)'")
        }
        let expected = kind == .plan ? PlanResult.currentSchemaVersion : RunResult.currentSchemaVersion
        guard version == expected else {
            throw .badInput("'\(path)': schema version \(version), this zoobench reads version \(expected) "
                + "(re-run it, or compare with the zoobench that wrote it)")
        }
        do {
            switch kind {
            case .sweep: return .sweep(try SweepReport.decode(data))
            case .plan: return .plan(try PlanReport.decode(data))
            case .produce, .consume, .e2e, .codecs:
                let run = try ResultFiles.decode(data)
                let complete = kind == .consume ? run.consume != nil : run.summary != nil
                guard complete else {
                    throw CompareError.badInput("'\(path)': a \(name) result without its \(kind == .consume ? "consume" : "summary") section")
                }
                return .run(run)
            }
        } catch let error as CompareError {
            throw error
        } catch {
            throw .badInput("'\(path)': a \(kind) result zoobench cannot read (\(error))")
        }
    }
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

    /// Cells by their label; a run is one unlabelled cell.
    var cells: [(label: String?, figures: CellFigures, throughput: Spread?, p99: Spread?)] {
        switch self {
        case .run(let run):
            return [(nil, CellFigures(run, cpuSeconds: nil), nil, nil)]
        case .sweep(let sweep):
            return sweep.cells.map { cell in
                let key = zip(sweep.axes, cell.axisValues).map { "\($0.name)=\($1)" }.sorted().joined(separator: " ")
                let repeated = cell.runs.count > 1
                return (key, cell.figures, repeated ? cell.throughputSpread : nil, repeated ? cell.p99Spread : nil)
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
            func add(_ name: String, _ old: Double, _ new: Double, limit: Double, higherIsBetter: Bool,
                     spreads: (Spread, Spread)?) {
                let change = old != 0 ? (new - old) / old : (new == 0 ? 0 : .infinity)
                let worse = higherIsBetter ? -change : change
                var verdict: Verdict = worse > limit ? .regression : (-worse > limit ? .improvement : .ok)
                if verdict != .ok, let (x, y) = spreads, x.overlaps(y) { verdict = .noise }
                metrics.append(MetricComparison(cell: label, metric: name, baseline: old, current: new,
                                                changePercent: change * 100,
                                                limitPercent: (higherIsBetter ? -limit : limit) * 100, verdict: verdict))
            }
            let old = base.figures
            let new = cell.figures
            if old.recordsPerSecond > 0 || new.recordsPerSecond > 0 {
                add("records/s", old.recordsPerSecond, new.recordsPerSecond, limit: thresholds.maxThroughputDrop,
                    higherIsBetter: true, spreads: base.throughput.flatMap { x in cell.throughput.map { (x, $0) } })
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
                let spreads = percentile == "p99" ? base.p99.flatMap { x in cell.p99.map { (x, $0) } } : nil
                add("\(percentile == "p999" ? "p99.9" : percentile) ms", o, n, limit: limit, higherIsBetter: false,
                    spreads: spreads)
            }
            let rate = new.errorRate
            metrics.append(MetricComparison(
                cell: label, metric: "error rate", baseline: old.errorRate, current: rate,
                changePercent: (rate - old.errorRate) * 100, limitPercent: thresholds.maxErrorRate * 100,
                verdict: rate > thresholds.maxErrorRate ? .regression : .ok))
        }
        return Comparison(baseline: baselineName, current: currentName, kind: current.kind, thresholds: thresholds,
                          metrics: metrics)
    }

    /// The comparison for people: one line per metric, then the verdict.
    public static func text(_ c: Comparison) -> String {
        var lines = ["compare   \(c.kind): baseline \(c.baseline) → current \(c.current)"]
        var lastCell: String?? = .none
        let rows = c.metrics.map { m -> [String] in
            [m.metric, format(m.baseline), format(m.current), signed(m.changePercent) + " %",
             verdictText(m.verdict) + " (limit \(signed(m.limitPercent)) %)"]
        }
        let widths = (0..<5).map { i in rows.map { $0[i].count }.max() ?? 0 }
        for (m, row) in zip(c.metrics, rows) {
            if lastCell != .some(m.cell) {
                if let cell = m.cell { lines.append("cell      \(cell)") }
                lastCell = .some(m.cell)
            }
            lines.append("  " + ProduceSummary.pad(row[0], widths[0]) + "  " + ProduceSummary.pad(row[1], widths[1])
                + " → " + ProduceSummary.pad(row[2], widths[2]) + "  " + ProduceSummary.pad(row[3], widths[3]) + "  " + row[4])
        }
        lines.append(summary(c))
        return lines.joined(separator: "\n")
    }

    /// A Markdown table, for a pull-request comment.
    public static func markdown(_ c: Comparison) -> String {
        var lines = ["**zoobench compare** (\(c.kind)): `\(c.baseline)` → `\(c.current)`", "",
                     "| cell | metric | baseline | current | change | verdict |", "| --- | --- | ---: | ---: | ---: | --- |"]
        for m in c.metrics {
            lines.append("| \(m.cell ?? "—") | \(m.metric) | \(format(m.baseline)) | \(format(m.current)) | "
                + "\(signed(m.changePercent)) % | \(m.verdict == .regression ? "**regression**" : verdictText(m.verdict)) |")
        }
        lines.append("")
        lines.append(summary(c))
        return lines.joined(separator: "\n")
    }

    public static func json(_ c: Comparison) throws -> Data {
        try ResultFiles.encoder().encode(c)
    }

    static func summary(_ c: Comparison) -> String {
        let regressions = c.regressions.count
        let noise = c.metrics.filter { $0.verdict == .noise }.count
        let better = c.metrics.filter { $0.verdict == .improvement }.count
        return "verdict   " + (regressions == 0 ? "no regression" : "\(regressions) regression(s)")
            + " in \(c.metrics.count) metrics" + (better > 0 ? ", \(better) improvement(s)" : "")
            + (noise > 0 ? ", \(noise) change(s) within the repeats' spread (noise)" : "")
    }

    static func verdictText(_ verdict: Verdict) -> String {
        switch verdict {
        case .ok: return "ok"
        case .regression: return "REGRESSION"
        case .improvement: return "improvement"
        case .noise: return "noise"
        }
    }

    static func format(_ value: Double) -> String {
        abs(value) >= 1000 ? ProduceSummary.fixed(value, 0) : (abs(value) < 0.01 && value != 0 ? String(format: "%.2e", value) : ProduceSummary.fixed(value, 2))
    }

    static func signed(_ value: Double) -> String {
        value.isFinite ? (value >= 0 ? "+" : "") + ProduceSummary.fixed(value, 1) : "+inf"
    }
}
