import Foundation
import Histogram
import ZooBench
import ZooPipe

/// Latency percentiles in milliseconds.
public struct LatencyPercentiles: Sendable, Codable, Hashable {
    public var count: UInt64
    public var p50: Double
    public var p75: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var p9999: Double
    public var max: Double
    public var mean: Double

    /// Reads the percentiles of a microsecond histogram.
    public init(_ histogram: Histogram<UInt64>) {
        func ms(_ percentile: Double) -> Double { Double(histogram.percentileOrZero(percentile)) / 1000 }
        let empty = histogram.totalCount == 0
        count = histogram.totalCount
        p50 = ms(50)
        p75 = ms(75)
        p90 = ms(90)
        p95 = ms(95)
        p99 = ms(99)
        p999 = ms(99.9)
        p9999 = ms(99.99)
        max = empty ? 0 : Double(histogram.max) / 1000
        mean = empty ? 0 : histogram.mean / 1000
    }
}

/// Where and with what a run was measured.
public struct RunEnvironment: Sendable, Codable, Hashable {
    public var zoobenchVersion: String
    public var librdkafkaVersion: String
    public var host: String
    public var cores: Int
    public var operatingSystem: String
    /// `embedded` or `external`.
    public var clusterKind: ClusterKind
    /// What the figures describe, in words (the embedded-cluster caveat).
    public var clusterNote: String?
    public var bootstrapServers: String
    public var brokers: [ClusterMetadata.Broker]
    public var topicPartitions: Int
    /// librdkafka properties of the first producer, secrets redacted (empty for consume runs).
    public var producerConfiguration: [String: String]
    /// librdkafka properties of the first consumer, secrets redacted (consume and e2e runs).
    public var consumerConfiguration: [String: String]?
    /// How end-to-end latency was timed (e2e runs): which clocks, and the skew risk.
    public var clockNote: String?
    /// Process CPU time (user + system) over the whole command, in seconds.
    public var cpuSeconds: Double
    /// Peak resident memory of the process, in bytes.
    public var peakRSSBytes: Int
}

/// The summary figures of a produce run (warm-up excluded).
public struct ProduceFigures: Sendable, Codable, Hashable {
    public var sent: Int
    public var delivered: Int
    public var failed: Int
    public var failuresByError: [String: Int]
    public var undelivered: Int
    public var queueFullRetries: Int
    public var deliveredBytes: Int
    public var elapsedSeconds: Double
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    public var transactions: Int
    /// Send → acknowledgement, from the actual send.
    public var latency: LatencyPercentiles
    /// From the intended send time (coordinated omission corrected); nil without a rate.
    public var correctedLatency: LatencyPercentiles?
    /// Growth of the topic's end offsets over the run (warm-up included), when it could be read.
    public var brokerOffsetGrowth: Int64?
    /// What went over the wire (warm-up included), from librdkafka's statistics.
    public var wire: KafkaWireStatistics?
}

/// The warm-up, reported apart from the main figures.
public struct WarmupSummary: Sendable, Codable, Hashable {
    public var delivered: Int
    public var seconds: Double
    public var latency: LatencyPercentiles
}

/// The full histograms, for exact merging and `.hgrm` export.
public struct RunHistograms: Sendable, Codable {
    @CompactHistogram public var latency: Histogram<UInt64>
    @CompactOptionalHistogram public var correctedLatency: Histogram<UInt64>?
    @CompactHistogram public var warmup: Histogram<UInt64>

    public init(latency: Histogram<UInt64>, correctedLatency: Histogram<UInt64>?, warmup: Histogram<UInt64>) {
        self.latency = latency
        self.correctedLatency = correctedLatency
        self.warmup = warmup
    }
}

/// What a run measured: `produce` (producers), `consume` (consumers) or
/// `e2e` (both, with send → consume latency and the integrity check).
public enum RunKind: String, Sendable, Codable, CaseIterable {
    case produce, consume, e2e
}

/// What a result file holds, as its `kind` field says: a run of one of the
/// ``RunKind``s, a sweep, a plan or a codec measurement.
public enum ResultKind: String, Sendable, Codable, CaseIterable {
    case produce, consume, e2e, sweep, plan, codecs
}

/// Everything one run measured: the workload, the environment, the figures,
/// the timeline and the histograms. Console, CSV and JSON are views of it.
///
/// A `produce` run fills the producer fields (`workload`, `summary`,
/// `warmup`, `timeline`, `histograms`); a `consume` run fills
/// `consumeWorkload` and `consume` (and `backlog` when it made one); an
/// `e2e` run fills both plus `endToEnd` and `integrity`.
public struct RunResult: Sendable, Codable {
    /// The JSON layout's version; bumped when a field changes meaning.
    /// 2: consume and e2e runs; the producer fields became optional.
    public static let currentSchemaVersion = 2

    public var schemaVersion = RunResult.currentSchemaVersion
    /// What the run measured: producers, consumers or both.
    public var kind = RunKind.produce
    public var name: String
    public var startedAt: Date
    /// True when the run was stopped early: the figures cover what ran.
    public var partial: Bool
    /// The producer side's workload.
    public var workload: ProduceWorkload?
    /// The consumer side's workload.
    public var consumeWorkload: ConsumeWorkload?
    public var environment: RunEnvironment
    /// The producer side's figures.
    public var summary: ProduceFigures?
    public var warmup: WarmupSummary?
    /// The producer side's timeline.
    public var timeline: [IntervalSnapshot]
    public var histograms: RunHistograms?
    /// The consumer side's figures, timeline and histograms.
    public var consume: ConsumeFigures?
    /// Record latency from send to consume (e2e).
    public var endToEnd: EndToEndFigures?
    /// One verdict per consumer group (e2e with verification).
    public var integrity: [IntegrityReport]?
    /// The backlog a consume run produced before measuring the drain.
    public var backlog: BacklogFigures?
    /// Faults injected into the embedded cluster, as they happened.
    public var faults: [FaultEvent]?
    /// Allocations counted over the measured window, with the zero-copy verdict (`--count-allocations`).
    public var allocations: AllocationFigures?
    /// A swarm run's workers: each one's share and figures, whether the run
    /// was degraded, and the clock-skew bound (`zoobench swarm`).
    public var workers: SwarmFigures?

    public init(workload: ProduceWorkload, outcome: ProduceOutcome, environment: RunEnvironment,
                startedAt: Date, brokerOffsetGrowth: Int64?) {
        name = workload.name
        self.startedAt = startedAt
        partial = outcome.partial
        self.workload = workload
        self.environment = environment
        summary = ProduceFigures(
            sent: outcome.sent, delivered: outcome.delivered, failed: outcome.failed,
            failuresByError: outcome.failuresByError, undelivered: outcome.undelivered,
            queueFullRetries: outcome.queueFullRetries, deliveredBytes: outcome.deliveredBytes,
            elapsedSeconds: outcome.elapsedSeconds, recordsPerSecond: outcome.recordsPerSecond,
            megabytesPerSecond: outcome.megabytesPerSecond, transactions: outcome.transactions,
            latency: LatencyPercentiles(outcome.latency),
            correctedLatency: outcome.correctedLatency.map(LatencyPercentiles.init),
            brokerOffsetGrowth: brokerOffsetGrowth, wire: outcome.wire)
        warmup = WarmupSummary(delivered: outcome.warmup.delivered, seconds: outcome.warmup.seconds,
                               latency: LatencyPercentiles(outcome.warmup.latency))
        timeline = outcome.timeline
        histograms = RunHistograms(latency: outcome.latency, correctedLatency: outcome.correctedLatency,
                                   warmup: outcome.warmup.latency)
        if let counts = outcome.allocations {
            allocations = AllocationFigures(counts, payloadBytes: outcome.delivered > 0
                ? Double(outcome.deliveredBytes) / Double(outcome.delivered) : 0)
        }
    }
}

extension RunEnvironment {
    /// Reads the host and process figures now; the cluster ones come from `target`.
    public static func current(target: BenchTarget, producerConfiguration: [String: String],
                               consumerConfiguration: [String: String]? = nil,
                               clockNote: String? = nil) -> RunEnvironment {
        let cpu = processCPUSeconds()
        let info = ProcessInfo.processInfo
        return RunEnvironment(
            zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: KafkaVersion.librdkafka,
            host: info.hostName, cores: info.activeProcessorCount,
            operatingSystem: info.operatingSystemVersionString,
            clusterKind: target.kind,
            clusterNote: target.kind == .embedded
                ? "embedded cluster (librdkafka mock, in this process, no replication): figures describe the client, not a cluster's capacity"
                : nil,
            bootstrapServers: target.uri.bootstrapServers, brokers: target.metadata.brokers,
            topicPartitions: target.topic?.partitions.count ?? 0,
            producerConfiguration: redactSecrets(producerConfiguration),
            consumerConfiguration: consumerConfiguration.map(redactSecrets), clockNote: clockNote,
            cpuSeconds: cpu, peakRSSBytes: processPeakRSSBytes())
    }
}

/// This process's CPU time so far (user + system), in seconds.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// The most resident memory this process has had, in bytes.
public func processPeakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}
