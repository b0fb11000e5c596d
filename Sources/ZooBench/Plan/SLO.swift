import Foundation

/// One bound of a service-level objective: `p99<=50ms`, `p99.9<=200ms`,
/// `error-rate<=0`, `error-rate<=0.1%`.
public struct SLOCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
        case p50, p90, p95, p99
        case p999 = "p99.9"
        case p9999 = "p99.99"
        case max
        case errorRate = "error-rate"

        /// The percentile it reads (100 for max), nil for the error rate.
        public var percentile: Double? {
            switch self {
            case .p50: return 50
            case .p90: return 90
            case .p95: return 95
            case .p99: return 99
            case .p999: return 99.9
            case .p9999: return 99.99
            case .max: return 100
            case .errorRate: return nil
            }
        }
    }

    public var metric: Metric
    /// Milliseconds for a latency; a fraction (0–1) of records sent for the error rate.
    public var bound: Double
    /// True for a strict bound (`p99<50ms`: 50 ms fails); nil or false for
    /// an inclusive one (`p99<=50ms`).
    public var strict: Bool?

    public init(_ metric: Metric, _ bound: Double, strict: Bool = false) {
        self.metric = metric
        self.bound = bound
        self.strict = strict ? true : nil
    }

    /// Whether `value` is within the bound.
    func holds(_ value: Double) -> Bool { strict == true ? value < bound : value <= bound }

    /// `<=` or `<`.
    private var relation: String { strict == true ? "<" : "<=" }

    /// Parses `METRIC<=VALUE` or the strict `METRIC<VALUE` (spaces are
    /// ignored). Latencies take a unit (`us`, `ms`, `s`; a bare number is
    /// ms); the error rate is a fraction or a percentage.
    public init?(parsing text: String) {
        let compact = text.filter { !$0.isWhitespace }.lowercased()
        let parts = compact.components(separatedBy: "<=")
        let strict = parts.count != 2
        let pair = strict ? compact.components(separatedBy: "<") : parts
        guard pair.count == 2, let metric = Metric(rawValue: pair[0]) else { return nil }
        let value = pair[1]
        if metric == .errorRate {
            // No rate is below 0: error-rate<0 could never hold.
            guard let fraction = FractionText.parse(value), fraction <= 1, !(strict && fraction == 0) else { return nil }
            self.init(metric, fraction, strict: strict)
            return
        }
        // A bare number is milliseconds here.
        guard let latency = DurationText.parse(value, bareUnit: 0.001), latency > .zero else { return nil }
        self.init(metric, DurationText.seconds(latency) * 1000, strict: strict)
    }

    /// `p99 <= 50 ms`, `error-rate <= 0`.
    public var description: String {
        switch metric {
        case .errorRate: return "error-rate \(relation) \(trim(bound * 100))%"
        default: return "\(metric.rawValue) \(relation) \(trim(bound)) ms"
        }
    }

    /// Whether `figures` meet this bound; the reason when they do not.
    public func violation(_ figures: PlanStepFigures) -> String? {
        if let percentile = metric.percentile {
            let value = figures.latency(percentile)
            return holds(value) ? nil : "\(metric.rawValue) \(String(format: "%.2f", value)) ms \(strict == true ? ">=" : ">") \(trim(bound)) ms"
        }
        let rate = figures.errorRate
        return holds(rate) ? nil : "error-rate \(String(format: "%.4g", rate * 100))% \(strict == true ? ">=" : ">") \(trim(bound * 100))%"
    }
}

/// A service-level objective: every condition must hold. Without an
/// error-rate condition, `error-rate<=0` is implied (a rate at which records
/// fail is not sustained).
public struct SLO: Sendable, Hashable, Codable, CustomStringConvertible {
    public var conditions: [SLOCondition]

    /// Parses conditions separated by commas or ` and `; an error names the bad one.
    public init(parsing texts: [String]) throws(WorkloadError) {
        var conditions: [SLOCondition] = []
        for text in texts {
            for part in text.replacingOccurrences(of: " and ", with: ",").split(separator: ",") {
                let piece = part.trimmingCharacters(in: .whitespaces)
                guard let condition = SLOCondition(parsing: piece) else {
                    throw .invalid("slo: '\(piece)' is not a bound such as p99<=50ms, p99.9<200ms or error-rate<=0")
                }
                conditions.append(condition)
            }
        }
        guard !conditions.isEmpty else { throw .invalid("slo: give at least one bound, such as --slo \"p99<=50ms\"") }
        if !conditions.contains(where: { $0.metric == .errorRate }) { conditions.append(SLOCondition(.errorRate, 0)) }
        self.conditions = conditions
    }

    public init(_ conditions: [SLOCondition]) {
        self.conditions = conditions
    }

    /// The latency the curve and the knee are drawn with: the first latency
    /// condition's metric (p99 when there is none).
    public var primaryLatency: SLOCondition.Metric {
        conditions.first { $0.metric != .errorRate }?.metric ?? .p99
    }

    public var description: String { conditions.map(\.description).joined(separator: " and ") }

    /// Every condition `figures` break (empty: the SLO is met).
    public func violations(_ figures: PlanStepFigures) -> [String] {
        conditions.compactMap { $0.violation(figures) }
    }
}
