import Foundation
import ZooPipe
import Prometheus
import Synchronization
import ZooBench

/// A run's figures as Prometheus metrics, updated once per timeline interval
/// from the intervals the engine already merges (the per-record path does not
/// change): counters of records and bytes, gauges of in-flight records and
/// consumer lag, the interval's exact latency percentiles and a cumulative
/// latency histogram. Every series carries `run`, `role` and `worker` labels.
///
/// ``text()`` is the Prometheus text exposition format; ``MetricsServer``
/// serves it at `/metrics`.
public final class MetricsExporter: Sendable {
    /// The names and help of every metric exported, for docs and for the
    /// dashboard's test (each query names only these).
    public static let metrics: [(name: String, type: String, help: String)] = [
        (Name.info, "gauge", "1, labelled with the command, zoobench and librdkafka versions of the process."),
        (Name.intervals, "counter", "Timeline intervals closed (the metrics below change once per interval)."),
        (Name.warmup, "gauge", "1 while the last closed interval was (partly) in the warm-up, else 0."),
        (Name.sent, "counter", "Records handed to librdkafka (warm-up included)."),
        (Name.delivered, "counter", "Records acknowledged by the broker (warm-up included); the topic's offsets grow by this."),
        (Name.deliveredBytes, "counter", "Value bytes acknowledged."),
        (Name.errors, "counter", "Records or operations that failed, by error."),
        (Name.inFlight, "gauge", "Records sent but not yet acknowledged or failed, at the end of the last interval."),
        (Name.consumed, "counter", "Records consumed (warm-up included)."),
        (Name.consumedBytes, "counter", "Value bytes consumed."),
        (Name.lag, "gauge", "Consumer lag at the end of the last interval: high watermark minus position, summed over partitions."),
        (Name.commits, "counter", "Synchronous commits made (consume --commit-interval)."),
        (Name.faults, "counter", "Faults made in the embedded cluster."),
        (Name.intervalLatency, "gauge", "The last interval's latency percentile (exact, HdrHistogram 3 digits), by path and quantile."),
        (Name.latency, "histogram", "Latency by path (send_ack: send to acknowledgement; send_consume: send to consume, e2e), "
            + "from the intended send time when a rate is set."),
    ]

    /// Metric names, as exported.
    public enum Name {
        public static let info = "zoobench_info"
        public static let intervals = "zoobench_intervals_total"
        public static let warmup = "zoobench_warmup"
        public static let sent = "zoobench_records_sent_total"
        public static let delivered = "zoobench_records_delivered_total"
        public static let deliveredBytes = "zoobench_bytes_delivered_total"
        public static let errors = "zoobench_errors_total"
        public static let inFlight = "zoobench_records_in_flight"
        public static let consumed = "zoobench_records_consumed_total"
        public static let consumedBytes = "zoobench_bytes_consumed_total"
        public static let lag = "zoobench_consumer_lag_records"
        public static let commits = "zoobench_commits_total"
        public static let faults = "zoobench_faults_total"
        public static let intervalLatency = "zoobench_interval_latency_seconds"
        public static let latency = "zoobench_latency_seconds"
    }

    /// The latency paths (`path` label).
    public enum Path: String, Sendable {
        case sendAck = "send_ack"
        case sendConsume = "send_consume"
    }

    /// The quantiles of ``Name/intervalLatency`` (1 is the interval's maximum).
    public static let quantiles = ["0.5", "0.9", "0.99", "0.999", "1"]

    /// The percentiles both kinds of interval have, in microseconds, in the order of ``quantiles``.
    struct IntervalFigures {
        var p50, p90, p99, p999, max: UInt64
        var values: [UInt64] { [p50, p90, p99, p999, max] }
    }

    private let registry = PrometheusCollectorRegistry()
    /// The `worker` label: a swarm worker's id, or this host's name.
    public let worker: String
    private let histograms = Mutex<[HistogramKey: LatencyBuckets]>([:])

    private struct HistogramKey: Hashable {
        var run: String
        var role: String
        var path: String
    }

    public init(command: String, worker: String = ProcessInfo.processInfo.hostName) {
        self.worker = worker
        gauge(Name.info, [("command", command), ("version", ZooBenchVersion.current), ("librdkafka", KafkaVersion.librdkafka),
                          ("worker", worker)]).set(to: 1)
    }

    // MARK: Recording, once per interval

    /// A producer interval of run `run`.
    public func record(_ interval: IntervalSnapshot, run: String) {
        let labels = closed(run, role: "producer", warmup: interval.warmup)
        counter(Name.sent, labels).increment(by: Int64(interval.sent))
        counter(Name.delivered, labels).increment(by: Int64(interval.delivered))
        counter(Name.deliveredBytes, labels).increment(by: Int64(interval.bytes))
        counter(Name.errors, labels + [("error", "delivery")]).increment(by: Int64(interval.errors))
        gauge(Name.inFlight, labels).set(to: Double(interval.inFlight))
        latency(run: run, role: "producer", path: .sendAck, interval.latencyBuckets,
                IntervalFigures(p50: interval.p50, p90: interval.p90, p99: interval.p99, p999: interval.p999, max: interval.max))
    }

    /// An interval of `role` in run `run` closed: counted, with whether it
    /// was in the warm-up; the labels of its series.
    private func closed(_ run: String, role: String, warmup: Bool) -> [(String, String)] {
        let labels = labels(run, role: role)
        counter(Name.intervals, labels).increment()
        gauge(Name.warmup, labels).set(to: warmup ? 1 : 0)
        return labels
    }

    /// A consumer interval of run `run`; `endToEnd` when its records carry send times (e2e).
    public func record(_ interval: ConsumeIntervalSnapshot, run: String, endToEnd: Bool) {
        let labels = closed(run, role: "consumer", warmup: interval.warmup)
        counter(Name.consumed, labels).increment(by: Int64(interval.consumed))
        counter(Name.consumedBytes, labels).increment(by: Int64(interval.bytes))
        counter(Name.commits, labels).increment(by: Int64(interval.commits))
        if let lag = interval.lag { gauge(Name.lag, labels).set(to: Double(lag)) }
        if endToEnd {
            latency(run: run, role: "consumer", path: .sendConsume, interval.latencyBuckets,
                    IntervalFigures(p50: interval.p50, p90: interval.p90, p99: interval.p99, p999: interval.p999, max: interval.max))
        }
    }

    /// A fault the embedded cluster made during run `run`.
    public func record(_ fault: FaultEvent, run: String) {
        counter(Name.faults, labels(run, role: "cluster")).increment()
    }

    /// A failure that ended run `run` (its kind, e.g. `cluster_unreachable`).
    public func recordError(_ kind: String, run: String, role: String) {
        counter(Name.errors, labels(run, role: role) + [("error", kind)]).increment()
    }

    private func labels(_ run: String, role: String) -> [(String, String)] {
        [("run", run), ("role", role), ("worker", worker)]
    }

    private func latency(run: String, role: String, path: Path, _ buckets: LatencyBuckets, _ figures: IntervalFigures) {
        histograms.withLock { $0[HistogramKey(run: run, role: role, path: path.rawValue), default: LatencyBuckets()].add(buckets) }
        guard buckets.count > 0 else { return }
        let labels = labels(run, role: role) + [("path", path.rawValue)]
        for (quantile, value) in zip(Self.quantiles, figures.values) {
            gauge(Name.intervalLatency, labels + [("quantile", quantile)]).set(to: Double(value) / 1e6)
        }
    }

    private func help(_ name: String) -> String { Self.metrics.first { $0.name == name }?.help ?? "" }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help(name)), labels: labels)
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help(name)), labels: labels)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        // The descriptor joins its parts with "_"; the whole name as the metric name keeps it as written.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // MARK: Exposition

    /// Every metric in the Prometheus text format (version 0.0.4).
    public func text() -> String {
        var text = registry.emitToString()
        let histograms = histograms.withLock { $0 }
        guard !histograms.isEmpty else { return text }
        text += "# HELP \(Name.latency) \(help(Name.latency))\n# TYPE \(Name.latency) histogram\n"
        for (key, buckets) in histograms.sorted(by: { ($0.key.run, $0.key.role, $0.key.path) < ($1.key.run, $1.key.role, $1.key.path) }) {
            let labels = "run=\"\(Self.escaped(key.run))\",role=\"\(key.role)\",worker=\"\(Self.escaped(worker))\",path=\"\(key.path)\""
            var cumulative: UInt64 = 0
            for (index, bound) in LatencyBuckets.bounds.enumerated() {
                cumulative += buckets.counts[index]
                text += "\(Name.latency)_bucket{\(labels),le=\"\(Self.seconds(bound))\"} \(cumulative)\n"
            }
            text += "\(Name.latency)_bucket{\(labels),le=\"+Inf\"} \(buckets.count)\n"
            text += "\(Name.latency)_sum{\(labels)} \(buckets.sum / 1e6)\n"
            text += "\(Name.latency)_count{\(labels)} \(buckets.count)\n"
        }
        return text
    }

    /// Microseconds as seconds, as short as exact: 100 → `0.0001`, 2_500_000 → `2.5`.
    static func seconds(_ microseconds: UInt64) -> String {
        let whole = microseconds / 1_000_000
        var fraction = String(microseconds % 1_000_000)
        guard fraction != "0" else { return "\(whole)" }
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }

    /// A label value escaped as the text format asks (backslash, quote, newline).
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
