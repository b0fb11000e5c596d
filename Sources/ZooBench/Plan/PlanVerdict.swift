import Foundation

/// What a plan step measured, as the search judges it: the rate asked and
/// achieved, latency from the intended send time, and errors.
public struct PlanStepFigures: Sendable, Hashable, Codable {
    public var askedRate: Double
    public var achievedRate: Double
    /// Latency percentiles in ms, corrected for coordinated omission, by percentile (100 = max).
    public var latencyByPercentile: [Double: Double]
    public var errors: Int
    public var sent: Int

    public init(askedRate: Double, achievedRate: Double, latencyByPercentile: [Double: Double], errors: Int, sent: Int) {
        self.askedRate = askedRate
        self.achievedRate = achievedRate
        self.latencyByPercentile = latencyByPercentile
        self.errors = errors
        self.sent = sent
    }

    public func latency(_ percentile: Double) -> Double { latencyByPercentile[percentile] ?? .infinity }
    public var errorRate: Double { sent > 0 ? Double(errors) / Double(sent) : 0 }
}

/// The verdict on one step: the SLO, and whether the producers kept up with the rate asked.
public struct PlanVerdict: Sendable, Hashable, Codable {
    public var passed: Bool
    public var reasons: [String]

    /// A step passes when it meets every SLO condition and achieved at least
    /// `keepUp` (95 %) of the rate asked: a rate the client cannot reach is
    /// not sustained, however good the latency of what it did send.
    public init(_ figures: PlanStepFigures, slo: SLO, keepUp: Double = 0.95) {
        var reasons = slo.violations(figures)
        if figures.achievedRate < keepUp * figures.askedRate {
            reasons.append(String(format: "achieved %.0f of %.0f records/s (under %.0f%%)", figures.achievedRate,
                                  figures.askedRate, keepUp * 100))
        }
        passed = reasons.isEmpty
        self.reasons = reasons
    }
}
