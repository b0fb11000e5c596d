import Histogram

/// Send → consume latency of an e2e run.
public struct EndToEndFigures: Sendable, Codable {
    /// From the actual send (warm-up excluded).
    public var latency: LatencyPercentiles
    /// From the intended send time (coordinated omission corrected), with a rate.
    public var correctedLatency: LatencyPercentiles?
    /// Warm-up records consumed, and their latency.
    public var warmupConsumed: Int
    public var warmupLatency: LatencyPercentiles
    /// Full histograms (µs); nil in sweep cells.
    @CompactOptionalHistogram public var histogram: Histogram<UInt64>?
    @CompactOptionalHistogram public var correctedHistogram: Histogram<UInt64>?
    @CompactOptionalHistogram public var warmupHistogram: Histogram<UInt64>?

    public init?(_ outcome: ConsumeOutcome) {
        guard let latency = outcome.latency else { return nil }
        self.latency = LatencyPercentiles(latency)
        correctedLatency = outcome.correctedLatency.map(LatencyPercentiles.init)
        warmupConsumed = outcome.warmupConsumed
        let warmup = outcome.warmupLatency ?? LatencyHistogram.make()
        warmupLatency = LatencyPercentiles(warmup)
        histogram = latency
        correctedHistogram = outcome.correctedLatency
        warmupHistogram = warmup
    }
}

/// The clock assumption of e2e latency, stated in every e2e result.
public let endToEndClockNote = "send and consume times come from one process's clock (monotonic, carried as wall time "
    + "in the zb.seq header): exact on one host; across hosts the latency also holds their clock skew"
