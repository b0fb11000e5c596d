import Foundation
import ZooBench

/// Views of a ``Comparison``: the console text, a Markdown table and JSON.
public enum CompareReport {
    /// The comparison for people: one line per metric, then the verdict.
    public static func text(_ c: Comparison) -> String {
        var lines = ["compare   \(c.kind): baseline \(c.baseline) → current \(c.current)"]
        var lastCell: String?? = .none
        let rows = c.metrics.map { m -> [String] in
            [m.metric, format(m.baseline) + interval(m.baselineInterval), format(m.current) + interval(m.currentInterval),
             signed(m.changePercent) + " %", verdictText(m.verdict) + " (limit \(signed(m.limitPercent)) %)"]
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
        lines.append(noiseLine(c))
        return lines.joined(separator: "\n")
    }

    /// How the noise was judged.
    static func noiseLine(_ c: Comparison) -> String {
        c.noiseFromIntervals
            ? "noise     a change beyond its limit is a regression only when the two sides' 95% CIs [in brackets] do not overlap; "
                + "a single run's CI is over its own intervals, which vary less than runs do (repeat runs for a firmer gate)"
            : c.noiseJudged
            ? "noise     a change beyond its limit is a regression only when the two sides' 95% CIs [in brackets] do not overlap"
            : "noise     not judged: a side holds single runs (no interval), so the limits alone decide; repeat runs (--repeat 3) for a noise-aware gate"
    }

    static func interval(_ e: Estimate?) -> String {
        guard let e, e.hasInterval else { return "" }
        return " [\(format(e.low))–\(format(e.high))]"
    }

    /// A Markdown table, for a pull-request comment.
    public static func markdown(_ c: Comparison) -> String {
        var lines = ["**zoobench compare** (\(c.kind)): `\(c.baseline)` → `\(c.current)`", "",
                     "| cell | metric | baseline | current | change | verdict |", "| --- | --- | ---: | ---: | ---: | --- |"]
        for m in c.metrics {
            lines.append("| \(m.cell ?? "—") | \(m.metric) | \(format(m.baseline))\(interval(m.baselineInterval)) | "
                + "\(format(m.current))\(interval(m.currentInterval)) | "
                + "\(signed(m.changePercent)) % | \(m.verdict == .regression ? "**regression**" : verdictText(m.verdict)) |")
        }
        lines.append("")
        lines.append(summary(c))
        lines.append("")
        lines.append(noiseLine(c))
        return lines.joined(separator: "\n")
    }

    public static func json(_ c: Comparison) throws -> Data {
        try ResultJSON.encode(c)
    }

    static func summary(_ c: Comparison) -> String {
        let regressions = c.regressions.count
        let noise = c.metrics.filter { $0.verdict == .noise }.count
        let better = c.metrics.filter { $0.verdict == .improvement }.count
        return "verdict   " + (regressions == 0 ? "no regression" : "\(regressions) regression(s)")
            + " in \(c.metrics.count) metrics" + (better > 0 ? ", \(better) improvement(s)" : "")
            + (noise > 0 ? ", \(noise) change(s) beyond the limit but within the repeats' 95% CIs (noise)" : "")
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
        abs(value) >= 1000 ? NumberText.fixed(value, 0) : (abs(value) < 0.01 && value != 0 ? String(format: "%.2e", value) : NumberText.fixed(value, 2))
    }

    static func signed(_ value: Double) -> String {
        value.isFinite ? (value >= 0 ? "+" : "") + NumberText.fixed(value, 1) : "+inf"
    }
}
