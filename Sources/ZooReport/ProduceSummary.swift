import Foundation
import ZooBench

/// The console view of a produce run.
public enum ProduceSummary {
    /// The line `kafka-producer-perf-test` users know, with latencies in ms
    /// to two decimals (the Java tool rounds them to whole ms):
    /// `N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th.`
    public static func perfTestLine(_ figures: ProduceFigures) -> String {
        let l = figures.latency
        return "\(figures.delivered) records sent, \(fixed(figures.recordsPerSecond, 1)) records/sec "
            + "(\(fixed(figures.megabytesPerSecond, 2)) MB/sec), \(fixed(l.mean, 2)) ms avg latency, "
            + "\(fixed(l.max, 2)) ms max latency, \(fixed(l.p50, 2)) ms 50th, \(fixed(l.p95, 2)) ms 95th, "
            + "\(fixed(l.p99, 2)) ms 99th, \(fixed(l.p999, 2)) ms 99.9th."
    }

    /// The workload in one line: `1000000 records, of 100 B random, acks=-1, …`.
    public static func describe(_ w: ProduceWorkload) -> String {
        var parts: [String] = []
        if let limit = w.recordLimit { parts.append("\(limit) records") }
        if let duration = w.duration { parts.append("for \(DurationText.format(duration))") }
        parts.append("of \(w.recordSize) B \(w.payload)"
            + (w.compressibility > 0 ? " (compressibility \(w.compressibility))" : ""))
        parts.append("acks=\(w.acks)")
        parts.append("\(w.producers) producer(s)" + (w.topics > 1 ? " over \(w.topics) topics" : ""))
        parts.append("compression \(w.compression)")
        if let rate = w.throughput { parts.append("at \(fixed(rate, 0)) records/s") }
        if let warmup = w.warmup { parts.append("warm-up \(DurationText.format(warmup))") }
        if let warmup = w.warmupRecords { parts.append("warm-up \(warmup) records") }
        if w.keys != .none { parts.append("keys \(w.keys)") }
        if w.headers > 0 { parts.append("\(w.headers) headers") }
        if w.idempotence { parts.append("idempotent") }
        if let id = w.transactionalID { parts.append("transactions of \(w.transactionSize ?? 1000) (\(id))") }
        return parts.joined(separator: ", ")
    }

    /// `faults    2.00s every broker down, 4.00s every broker up`: what the faults did, and when.
    public static func faultsLine(_ events: [FaultEvent]) -> String {
        "faults    " + events.map { "\(fixed($0.at, 2))s \($0.action)" }.joined(separator: ", ")
    }

    /// zoobench's fuller table: counts, rates, latency percentiles (raw and,
    /// with a rate, corrected), the warm-up and the broker check.
    public static func table(_ result: RunResult) -> String {
        guard let s = result.summary, let workload = result.workload else { return "" }
        let warmup = result.warmup ?? WarmupSummary.none
        var lines: [String] = []
        lines.append("records   sent \(s.sent)  delivered \(s.delivered)  failed \(s.failed)"
            + (s.undelivered > 0 ? "  unreported \(s.undelivered)" : "")
            + (s.queueFullRetries > 0 ? "  queue-full waits \(s.queueFullRetries)" : "")
            + (s.transactions > 0 ? "  transactions \(s.transactions)" : ""))
        if !s.failuresByError.isEmpty {
            lines.append("failures  " + s.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
        }
        lines.append("rate      \(fixed(s.recordsPerSecond, 1)) records/s  \(fixed(s.megabytesPerSecond, 2)) MB/s"
            + "  over \(fixed(s.elapsedSeconds, 3)) s"
            + (workload.throughput.map { "  (target \(fixed($0, 0)) records/s)" } ?? ""))
        var rows: [(String, LatencyPercentiles)] = [("send→ack", s.latency)]
        if let corrected = s.correctedLatency { rows.append(("scheduled", corrected)) }
        if let e2e = result.endToEnd {
            rows.append(("send→consume", e2e.latency))
            if let corrected = e2e.correctedLatency { rows.append(("sched→consume", corrected)) }
        }
        if s.latency.count > 0 {
            lines += latencyTable(rows)
        }
        if warmup.delivered > 0 {
            lines.append("warm-up   \(warmup.delivered) records over \(fixed(warmup.seconds, 3)) s, "
                + "p50 \(fixed(warmup.latency.p50, 2)) ms, p99 \(fixed(warmup.latency.p99, 2)) ms "
                + "(not in the figures above)")
        }
        if let wire = s.wire, wire.bytes > 0 {
            var line = "wire      \(wire.bytes) bytes in \(wire.requests) requests (librdkafka statistics"
            if warmup.delivered > 0 {
                line += ", warm-up included)"
            } else {
                line += ")"
                if s.deliveredBytes > 0 {
                    line += ", \(fixed(100 * Double(wire.bytes) / Double(s.deliveredBytes), 1)) % of the value bytes"
                }
            }
            lines.append(line)
            let resent = max(0, wire.messages - s.sent - warmup.delivered)
            if resent > 0 || wire.retries > 0 || wire.errors > 0 || wire.timeouts > 0 || wire.disconnects > 0
                || result.faults != nil {
                lines.append("retries   \(resent) records sent again, \(wire.retries) requests retried, "
                    + "\(wire.errors) request errors, \(wire.timeouts) timeouts, \(wire.disconnects) disconnects "
                    + "(librdkafka statistics)")
            }
        }
        if let faults = result.faults { lines.append(faultsLine(faults)) }
        if let line = OffsetCheckText.line(result) {
            lines.append("check     " + line)
        }
        if let allocations = result.allocations {
            lines.append(allocations.verdictLine)
            lines.append(allocations.detailLine)
        }
        if result.partial {
            lines.append("partial   the run was stopped early; the figures cover what ran")
        }
        return lines.joined(separator: "\n")
    }

    /// Rows of latency percentiles in ms under one header, columns aligned.
    static func latencyTable(_ rows: [(String, LatencyPercentiles)]) -> [String] {
        var lines: [String] = []
        let labels = ["p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max", "mean"]
        let values = rows.map { row in
            [row.1.p50, row.1.p75, row.1.p90, row.1.p95, row.1.p99, row.1.p999, row.1.p9999, row.1.max, row.1.mean]
                .map { fixed($0, 2) }
        }
        let widths = labels.indices.map { i in max(labels[i].count, values.map { $0[i].count }.max() ?? 0) }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        lines.append("latency   " + pad("ms", nameWidth) + "  "
            + zip(labels, widths).map { pad($0, $1) }.joined(separator: "  "))
        for (row, value) in zip(rows, values) {
            lines.append("          " + pad(row.0, nameWidth) + "  "
                + zip(value, widths).map { pad($0, $1) }.joined(separator: "  "))
        }
        return lines
    }

    /// One timeline line: `   3.0s  2913422 rec/s  277.85 MB/s  p50 4.91 ms  p99 11.02 ms  errors 0  in-flight 1834`.
    public static func intervalLine(_ i: IntervalSnapshot) -> String {
        "\(pad(fixed(i.start + i.seconds, 2) + "s", 8))  \(pad(fixed(i.recordsPerSecond, 0), 8)) rec/s  "
            + "\(pad(fixed(i.megabytesPerSecond, 2), 8)) MB/s  p50 \(fixed(Double(i.p50) / 1000, 2)) ms  "
            + "p99 \(fixed(Double(i.p99) / 1000, 2)) ms  errors \(i.errors)  in-flight \(i.inFlight)"
            + (i.warmup ? "  [warm-up]" : "")
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { NumberText.fixed(value, digits) }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
