import Foundation
import ZooBench

/// The console view of an e2e run.
public enum EndToEndSummary {
    /// The producers' perf-test line and table (with send → consume latency
    /// rows), the consumers' line, and one integrity verdict per group.
    /// `backlog   150000 records (146.48 MiB) in the topic when the consumers started, 2.10 s after the producers; caught up 3.00 s later`
    public static func backlogLine(_ drain: BacklogDrain) -> String {
        "backlog   \(drain.records) records (\(ProduceSummary.fixed(Double(drain.bytes) / 1_048_576, 2)) MiB) in the topic when the "
            + "consumers started, \(ProduceSummary.fixed(drain.consumersStartedAt, 2)) s after the producers; "
            + (drain.caughtUpAfter.map { "caught up (lag at most one interval's records) \(ProduceSummary.fixed($0, 2)) s later" }
                ?? "not caught up by the producers' end")
    }

    public static func text(_ result: RunResult) -> String {
        typealias P = ProduceSummary
        var lines: [String] = []
        if let summary = result.summary { lines.append(P.perfTestLine(summary)) }
        lines.append(P.table(result))
        if let c = result.consume {
            lines.append("consumed  \(c.consumed) records: \(P.fixed(c.recordsPerSecond, 1)) records/s over "
                + "\(P.fixed(c.elapsedSeconds, 3)) s; ended: \(ConsumeSummary.endText(c.end))"
                + (c.joinSeconds.map { "; slowest join \(P.fixed($0, 3)) s (before producing)" } ?? ""))
            if let drain = result.backlogDrain { lines.append(backlogLine(drain)) }
            if let reRead = c.reRead {
                lines.append("re-read   \(reRead) records read again from the same offsets (consumer re-delivery): "
                    + "not in the rate above, not a fault of the data")
            }
            lines += ConsumeSummary.pauseLines(c) + ConsumeSummary.gapLines(c)
        }
        if let e2e = result.endToEnd, e2e.warmupConsumed > 0 {
            lines.append("warm-up   \(e2e.warmupConsumed) records consumed, send→consume p50 "
                + "\(P.fixed(e2e.warmupLatency.p50, 2)) ms, p99 \(P.fixed(e2e.warmupLatency.p99, 2)) ms (not above)")
        }
        for report in result.integrity ?? [] {
            var line = report.verdict + (report.group.map { "  (group \($0))" } ?? "")
            if report.foreign > 0 { line += "; \(report.foreign) records of other runs ignored" }
            lines.append(line)
            if !report.lostByPartition.isEmpty {
                lines.append("          lost by partition: " + report.lostByPartition.sorted { Int($0.key)! < Int($1.key)! }
                    .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                    + (report.lostExamples.isEmpty ? "" : "; e.g. producer:sequence " + report.lostExamples.prefix(5).joined(separator: " ")))
            }
            if !report.duplicatedByPartition.isEmpty {
                lines.append("          " + (report.duplicated == 0 ? "re-read" : "duplicated or re-read") + " by partition: "
                    + report.duplicatedByPartition.sorted { Int($0.key)! < Int($1.key)! }
                    .map { "\($0.key): \($0.value)" }.joined(separator: ", "))
            }
            if !report.reorderedByPartition.isEmpty {
                lines.append("          reordered by partition: " + report.reorderedByPartition.sorted { Int($0.key)! < Int($1.key)! }
                    .map { "\($0.key): \($0.value)" }.joined(separator: ", "))
            }
        }
        if result.integrity == nil { lines.append("integrity: not checked (--no-verify)") }
        if result.partial, let c = result.consume, c.end != .stopped {
            lines.append("partial   stopped early; the consumers still read up to the last record sent, so the verdict covers every record sent")
        }
        return lines.joined(separator: "\n")
    }
}
