import Foundation
import ZooBench

/// The console lines that say how far a result can be trusted: the
/// repeats' medians with their 95 % intervals, and the run's warnings.
public enum TrustText {
    /// `repeats   3 runs: median (95% CI …)` and a line per figure; none for a single run.
    public static func repeatLines(_ result: RunResult) -> [String] {
        guard let r = result.repeats else { return [] }
        let latency = result.kind == .consume ? "fetch wait" : result.kind == .e2e ? "send→consume" : "send→ack"
        var lines = ["repeats   \(r.runs) runs: median (95% CI, \(r.method)); the figures above are the median run's"]
        lines.append("          records/s \(interval(r.recordsPerSecond, digits: 0))  MB/s \(interval(r.megabytesPerSecond, digits: 2))")
        if r.p99.median > 0 || r.p50.median > 0 {
            lines.append("          \(latency) p50 \(interval(r.p50, digits: 2)) ms  p99 \(interval(r.p99, digits: 2)) ms"
                + "  p99.9 \(interval(r.p999, digits: 2)) ms")
        }
        return lines
    }

    /// `1234567 (95% CI 1100000–1350000)`, or the value alone (`one run, no interval`).
    public static func interval(_ e: Estimate, digits: Int) -> String {
        let median = NumberText.fixed(e.median, digits)
        guard e.hasInterval else { return median + " (one run, no 95% CI)" }
        return "\(median) (95% CI \(NumberText.fixed(e.low, digits))–\(NumberText.fixed(e.high, digits)))"
    }

    /// `warning:  …; …` with every reason, and what to do; nil when there is none.
    public static func warningLine(_ result: RunResult) -> String? {
        guard let reasons = result.warnings, !reasons.isEmpty else { return nil }
        return "warning:  " + reasons.joined(separator: "; ") + ". Figures from such a run are not decision-grade: "
            + (result.repeats == nil ? "measure longer (--duration 30s) or repeat (--repeat 3)" : "measure longer (--duration 30s)")
    }

    /// The repeat lines and the warning, as they follow a run's summary (empty when neither applies).
    public static func lines(_ result: RunResult) -> String {
        let lines = repeatLines(result) + [warningLine(result)].compactMap { $0 }
        return lines.isEmpty ? "" : "\n" + lines.joined(separator: "\n")
    }
}
