import Foundation
import Testing
@testable import ZooBench
@testable import ZooMetrics

/// The exporter's text: counters add intervals up, the histogram is
/// cumulative and ends with its count, labels are escaped.
@Suite("Metrics exporter")
struct MetricsExporterTests {
    func interval(_ index: Int, delivered: Int, latencies: [UInt64]) -> IntervalSnapshot {
        var histogram = LatencyHistogram.make()
        for value in latencies { histogram.record(value) }
        return IntervalSnapshot(index: index, start: Double(index), seconds: 1, sent: delivered + 1, delivered: delivered,
                                bytes: delivered * 100, errors: 1, inFlight: 7, warmup: index == 0,
                                p50: histogram.percentileOrZero(50), p90: histogram.percentileOrZero(90),
                                p99: histogram.percentileOrZero(99), p999: histogram.percentileOrZero(99.9), max: histogram.max,
                                latencyBuckets: LatencyBuckets(histogram))
    }

    /// The value of the one line starting with `series` (name and labels).
    func value(_ text: String, _ series: String) -> Double? {
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(series + " ") }
        #expect(lines.count <= 1, "\(series) appears \(lines.count) times")
        return lines.first.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func twoIntervalsAddUp() {
        let exporter = MetricsExporter(command: "produce", worker: "w1")
        exporter.record(interval(0, delivered: 3, latencies: [90, 400, 3_000]), run: "r")
        exporter.record(interval(1, delivered: 2, latencies: [2_000, 20_000_000]), run: "r")
        let text = exporter.text()
        let labels = #"run="r",role="producer",worker="w1""#
        #expect(value(text, "zoobench_records_delivered_total{\(labels)}") == 5)
        #expect(value(text, "zoobench_records_sent_total{\(labels)}") == 7)
        #expect(value(text, "zoobench_bytes_delivered_total{\(labels)}") == 500)
        #expect(value(text, #"zoobench_errors_total{run="r",role="producer",worker="w1",error="delivery"}"#) == 2)
        #expect(value(text, "zoobench_records_in_flight{\(labels)}") == 7)
        #expect(value(text, "zoobench_warmup{\(labels)}") == 0)
        #expect(value(text, "zoobench_intervals_total{\(labels)}") == 2)
        #expect(text.contains("# TYPE zoobench_latency_seconds histogram"))
        let histogram = labels + #",path="send_ack""#
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"0.0001\"}") == 1)
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"0.0005\"}") == 2)
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"0.0025\"}") == 3)
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"0.005\"}") == 4)
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"10\"}") == 4)
        #expect(value(text, "zoobench_latency_seconds_bucket{\(histogram),le=\"+Inf\"}") == 5)
        #expect(value(text, "zoobench_latency_seconds_count{\(histogram)}") == 5)
        let sum = value(text, "zoobench_latency_seconds_sum{\(histogram)}") ?? 0
        #expect(abs(sum - 20.00549) < 0.02)
        // The last interval's maximum, as its quantile 1.
        let max = value(text, "zoobench_interval_latency_seconds{\(histogram),quantile=\"1\"}") ?? 0
        #expect(abs(max - 20) < 0.02)
    }

    @Test func secondsAreWrittenShortAndExact() {
        #expect(MetricsExporter.seconds(100) == "0.0001")
        #expect(MetricsExporter.seconds(2_500) == "0.0025")
        #expect(MetricsExporter.seconds(1_000_000) == "1")
        #expect(MetricsExporter.seconds(2_500_000) == "2.5")
        #expect(MetricsExporter.escaped("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }

    @Test func aConsumerIntervalOutsideE2EHasNoLatency() {
        let exporter = MetricsExporter(command: "consume", worker: "w")
        exporter.record(ConsumeIntervalSnapshot(index: 0, start: 0, seconds: 1, consumed: 10, bytes: 1000, lag: 5, commits: 1,
                                                commitMax: 0, fetchWaitP99: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, warmup: false),
                        run: "c", endToEnd: false)
        let text = exporter.text()
        #expect(value(text, #"zoobench_records_consumed_total{run="c",role="consumer",worker="w"}"#) == 10)
        #expect(value(text, #"zoobench_consumer_lag_records{run="c",role="consumer",worker="w"}"#) == 5)
        #expect(!text.contains("zoobench_latency_seconds"))
    }
}
