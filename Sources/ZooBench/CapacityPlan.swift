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

    public init(_ metric: Metric, _ bound: Double) {
        self.metric = metric
        self.bound = bound
    }

    /// Parses `METRIC<=VALUE` (`<` is read as `<=`; spaces are ignored).
    /// Latencies take a unit (`us`, `ms`, `s`; a bare number is ms); the error
    /// rate is a fraction or a percentage.
    public init?(parsing text: String) {
        let compact = text.filter { !$0.isWhitespace }.lowercased()
        let parts = compact.components(separatedBy: "<=")
        let pair = parts.count == 2 ? parts : compact.components(separatedBy: "<")
        guard pair.count == 2, let metric = Metric(rawValue: pair[0]) else { return nil }
        let value = pair[1]
        if metric == .errorRate {
            let fraction = value.hasSuffix("%") ? Double(value.dropLast()).map { $0 / 100 } : Double(value)
            guard let fraction, (0...1).contains(fraction) else { return nil }
            self.init(metric, fraction)
            return
        }
        let units: [(String, Double)] = [("us", 0.001), ("µs", 0.001), ("ms", 1), ("s", 1000)]
        var milliseconds: Double?
        for (suffix, scale) in units where value.hasSuffix(suffix) {
            milliseconds = Double(value.dropLast(suffix.count)).map { $0 * scale }
            break
        }
        if milliseconds == nil { milliseconds = Double(value) }
        guard let milliseconds, milliseconds > 0, milliseconds.isFinite else { return nil }
        self.init(metric, milliseconds)
    }

    /// `p99 <= 50 ms`, `error-rate <= 0`.
    public var description: String {
        switch metric {
        case .errorRate: return "error-rate <= \(trim(bound * 100))%"
        default: return "\(metric.rawValue) <= \(trim(bound)) ms"
        }
    }

    /// Whether `figures` meet this bound; the reason when they do not.
    public func violation(_ figures: PlanStepFigures) -> String? {
        if let percentile = metric.percentile {
            let value = figures.latency(percentile)
            return value <= bound ? nil : "\(metric.rawValue) \(String(format: "%.2f", value)) ms > \(trim(bound)) ms"
        }
        let rate = figures.errorRate
        return rate <= bound ? nil : "error-rate \(String(format: "%.4g", rate * 100))% > \(trim(bound * 100))%"
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
                    throw .invalid("slo: '\(piece)' is not a bound such as p99<=50ms, p99.9<=200ms or error-rate<=0")
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

/// The rates a plan tries: a ramp of evenly spaced steps from `minRate` to
/// `maxRate`, stopped at the first that fails, then a bisection between the
/// last passing rate and the first failing one until they are within
/// `precision` of each other (relative to the passing one).
///
/// A pure state machine, so the search is tested against a known curve:
/// call ``next()`` for the rate to run, then ``record(rate:passed:)``.
public struct RateSearch: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        case ramp, bisect, done
    }

    public var minRate: Double
    public var maxRate: Double
    public var rampSteps: Int
    public var precision: Double
    public private(set) var phase = Phase.ramp
    /// The highest rate that passed, nil while none has.
    public private(set) var highestPassing: Double?
    /// The lowest rate that failed, nil while none has.
    public private(set) var lowestFailing: Double?
    private var rampIndex = 0

    public init(minRate: Double, maxRate: Double, rampSteps: Int = 5, precision: Double = 0.05) {
        self.minRate = minRate
        self.maxRate = maxRate
        self.rampSteps = max(1, rampSteps)
        self.precision = precision
    }

    /// The rate to try next, nil when the search is over.
    public func next() -> Double? {
        switch phase {
        case .ramp:
            if rampSteps == 1 || maxRate <= minRate { return minRate }
            return minRate + (maxRate - minRate) * Double(rampIndex) / Double(rampSteps - 1)
        case .bisect:
            guard let pass = highestPassing, let fail = lowestFailing else { return nil }
            return (pass + fail) / 2
        case .done:
            return nil
        }
    }

    /// Records the verdict on `rate` and moves the search on.
    public mutating func record(rate: Double, passed: Bool) {
        if passed {
            highestPassing = max(highestPassing ?? rate, rate)
        } else {
            lowestFailing = min(lowestFailing ?? rate, rate)
        }
        switch phase {
        case .ramp:
            rampIndex += 1
            if !passed {
                phase = highestPassing == nil ? .done : .bisect
            } else if rampIndex >= rampSteps || maxRate <= minRate {
                phase = .done
            }
        case .bisect, .done:
            break
        }
        if phase == .bisect, let pass = highestPassing, let fail = lowestFailing, fail - pass <= precision * pass {
            phase = .done
        }
    }

    /// The answer once done: the highest rate that met the SLO (nil: none did).
    public var answer: Double? { highestPassing }

    /// True when even the top of the range passed: the real limit may be higher.
    public var limitedByRange: Bool { phase == .done && lowestFailing == nil && highestPassing != nil }
}

/// The knee of a latency-against-throughput curve: the point after which
/// latency rises faster than throughput. Latency is first made an envelope
/// (at each throughput, the highest latency seen at or below it: a noisy
/// low reading further right must not look like a knee); then both axes are
/// scaled to 0–1 and the knee is the point furthest below the straight line
/// from the first point to the last (the "Kneedle" construction). Returns the
/// index into `points`; nil with fewer than three points, a curve that does
/// not bend upwards, or one whose latency never rises to `minimumRise` times
/// its first value (a flat curve has no knee; noise would pick one).
public func curveKnee(_ points: [(throughput: Double, latency: Double)], minimumRise: Double = 1.5) -> Int? {
    let order = points.indices.sorted { points[$0].throughput < points[$1].throughput }
    guard order.count >= 3, let first = order.first, let last = order.last else { return nil }
    var envelope: [Double] = []
    for index in order { envelope.append(max(envelope.last ?? -.infinity, points[index].latency)) }
    let x0 = points[first].throughput, x1 = points[last].throughput
    let y0 = envelope.first ?? 0, y1 = envelope.last ?? 0
    guard x1 > x0, y1 > y0, y1 >= minimumRise * y0 else { return nil }
    var best: (index: Int, gap: Double)?
    for (position, index) in order.enumerated() {
        let x = (points[index].throughput - x0) / (x1 - x0)
        let y = (envelope[position] - y0) / (y1 - y0)
        if x - y > (best?.gap ?? 0) { best = (index, x - y) }
    }
    return best?.index
}

/// A rate such as `200000`, `200k` (records/s), `50MB/s` or `1GB/s` (bytes/s).
public enum PlanRate: Sendable, Hashable, Codable, CustomStringConvertible {
    case records(Double)
    case bytes(Double)

    /// Parses `20000`, `20k`, `1.5m`, `50MB/s`; nil for anything else, and
    /// for rates above 1e9 records/s or 1 TB/s.
    public init?(parsing text: String) {
        guard let rate = Self.parse(text) else { return nil }
        switch rate {
        case .records(let value) where value > 1e9: return nil
        case .bytes(let value) where value > 1e12: return nil
        default: self = rate
        }
    }

    private static func parse(_ text: String) -> PlanRate? {
        var body = text.trimmingCharacters(in: .whitespaces).lowercased()
        if body.hasSuffix("/s") { body.removeLast(2) }
        for (suffix, scale) in [("records", 1.0), ("k", 1e3), ("m", 1e6)] where body.hasSuffix(suffix) && !body.hasSuffix("b") {
            guard let value = Double(body.dropLast(suffix.count)), value > 0, value.isFinite else { return nil }
            return .records(value * scale)
        }
        if body.hasSuffix("b"), let bytes = ByteCount.parse(body), bytes > 0 {
            return .bytes(Double(bytes))
        }
        guard let value = Double(body), value > 0, value.isFinite else { return nil }
        return .records(value)
    }

    /// Records per second, given the mean record size.
    public func recordsPerSecond(recordBytes: Double) -> Double {
        switch self {
        case .records(let value): return value
        case .bytes(let value): return recordBytes > 0 ? value / recordBytes : 0
        }
    }

    public var description: String {
        switch self {
        case .records(let value): return "\(trim(value)) records/s"
        case .bytes(let value): return "\(String(format: "%.1f", value / 1_048_576)) MB/s"
        }
    }
}
