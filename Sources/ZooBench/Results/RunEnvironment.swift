import Foundation
import ZooPipe

/// Where and with what a run was measured.
public struct RunEnvironment: Sendable, Codable, Hashable {
    public var zoobenchVersion: String
    public var librdkafkaVersion: String
    /// The linked librdkafka's `builtin.features` (absent in results written
    /// before zoobench recorded them).
    public var librdkafkaFeatures: [String]?
    /// The allocator serving the process's malloc, e.g. `mimalloc 2.0.9`
    /// (``ProcessAllocator``; absent in results written before zoobench recorded it).
    public var allocator: String?
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

extension RunEnvironment {
    /// Reads the host and process figures now; the cluster ones come from `target`.
    public static func current(target: BenchTarget, producerConfiguration: [String: String],
                               consumerConfiguration: [String: String]? = nil,
                               clockNote: String? = nil) -> RunEnvironment {
        let cpu = processCPUSeconds()
        let info = ProcessInfo.processInfo
        return RunEnvironment(
            zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: KafkaVersion.librdkafka,
            librdkafkaFeatures: KafkaVersion.builtinFeatures, allocator: ProcessAllocator.name,
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
