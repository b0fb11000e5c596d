import Histogram
import ZooPipe

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
    /// ListOffsets against the fetch high watermark against delivered (see ``OffsetCheck``).
    public var offsetCheck: OffsetCheck?
    /// What went over the wire (warm-up included), from librdkafka's statistics.
    public var wire: KafkaWireStatistics?
}

/// The warm-up, reported apart from the main figures.
public struct WarmupSummary: Sendable, Codable, Hashable {
    public var delivered: Int
    public var seconds: Double
    public var latency: LatencyPercentiles

    /// No warm-up.
    public static var none: WarmupSummary {
        WarmupSummary(delivered: 0, seconds: 0, latency: LatencyPercentiles(LatencyHistogram.make()))
    }
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
