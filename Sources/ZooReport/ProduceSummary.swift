import Foundation
import Histogram
import ZooBench

/// The console view of a produce run.
public enum ProduceSummary {
    /// Percentiles shown in the table, in order.
    public static let percentiles: [(label: String, value: Double)] = [
        ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
    ]

    /// The line `kafka-producer-perf-test` users know, with latencies in ms
    /// to two decimals (the Java tool rounds them to whole ms):
    /// `N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th.`
    public static func perfTestLine(_ outcome: ProduceOutcome) -> String {
        let h = outcome.latency
        return "\(outcome.delivered) records sent, \(fixed(outcome.recordsPerSecond, 1)) records/sec "
            + "(\(fixed(outcome.megabytesPerSecond, 2)) MB/sec), \(ms(h.mean)) ms avg latency, "
            + "\(ms(Double(h.max))) ms max latency, \(ms(h.valueAtPercentile(50))) ms 50th, "
            + "\(ms(h.valueAtPercentile(95))) ms 95th, \(ms(h.valueAtPercentile(99))) ms 99th, "
            + "\(ms(h.valueAtPercentile(99.9))) ms 99.9th."
    }

    /// zoobench's fuller table: counts, then the latency percentiles in ms.
    public static func table(_ outcome: ProduceOutcome) -> String {
        var lines: [String] = []
        lines.append("records   sent \(outcome.sent)  delivered \(outcome.delivered)  failed \(outcome.failed)"
            + (outcome.queueFullRetries > 0 ? "  queue-full waits \(outcome.queueFullRetries)" : ""))
        if !outcome.failuresByError.isEmpty {
            let errors = outcome.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("failures  " + errors.joined(separator: ", "))
        }
        lines.append("rate      \(fixed(outcome.recordsPerSecond, 1)) records/s  \(fixed(outcome.megabytesPerSecond, 2)) MB/s"
            + "  over \(fixed(outcome.elapsedSeconds, 3)) s")
        let h = outcome.latency
        if h.totalCount > 0 {
            let labels = percentiles.map(\.label) + ["max", "mean"]
            let values = percentiles.map { ms(h.valueAtPercentile($0.value)) } + [ms(Double(h.max)), ms(h.mean)]
            let widths = zip(labels, values).map { max($0.count, $1.count) }
            lines.append("latency   " + zip(labels, widths).map { pad($0, $1) }.joined(separator: "  ") + "  (ms, send to ack)")
            lines.append("          " + zip(values, widths).map { pad($0, $1) }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// Microseconds as milliseconds with two decimals.
    static func ms(_ microseconds: UInt64) -> String { ms(Double(microseconds)) }
    static func ms(_ microseconds: Double) -> String { fixed(microseconds / 1000, 2) }

    /// `value` with exactly `digits` decimals, locale-independent.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
