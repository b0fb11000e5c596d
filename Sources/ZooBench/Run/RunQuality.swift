import Foundation

/// Whether a run's figures can be trusted as they stand: enough intervals,
/// long enough, and a steady timeline. Each problem is one short reason; the
/// console prints them on one `warning:` line and the JSON keeps them
/// (`warnings`).
///
/// A timeline is unsteady when the coefficient of variation (standard
/// deviation ÷ mean) of its full measured intervals' rates is above
/// ``maximumVariation``, and trends when a least-squares line through those
/// rates changes by more than ``maximumTrend`` of the mean from the first
/// interval to the last. Warm-up intervals and a last interval shorter than
/// half the others are left out.
public enum RunQuality {
    public static let minimumIntervals = 10
    public static let minimumSeconds = 5.0
    public static let maximumVariation = 0.25
    public static let maximumTrend = 0.30

    /// The reasons to distrust `result` (empty: none).
    public static func warnings(_ result: RunResult) -> [String] {
        var reasons: [String] = []
        let interval: Double
        let seconds: Double
        let rates: [Double]
        if result.kind == .consume, let consume = result.consume {
            interval = DurationText.seconds(result.consumeWorkload?.interval ?? .seconds(1))
            seconds = consume.elapsedSeconds
            // Intervals that end before the first record (the join) are not measured.
            let first = consume.firstRecordSeconds ?? 0
            rates = consume.timeline.filter { !$0.warmup && $0.seconds >= interval / 2 && $0.start + $0.seconds > first }
                .map { Double($0.consumed) / $0.seconds }
            if result.consumeWorkload?.warmup != nil && consume.warmupSeconds == nil && consume.consumed > 0 {
                reasons.append("the run ended inside its warm-up, so the rates include it")
            }
        } else if let summary = result.summary {
            interval = DurationText.seconds(result.workload?.interval ?? .seconds(1))
            seconds = summary.elapsedSeconds
            rates = result.timeline.filter { !$0.warmup && $0.seconds >= interval / 2 }.map(\.recordsPerSecond)
        } else {
            return []
        }
        if rates.count < minimumIntervals {
            reasons.append("\(rates.count) full interval\(rates.count == 1 ? "" : "s") measured (fewer than \(minimumIntervals))")
        }
        if seconds < minimumSeconds {
            reasons.append("\(NumberText.fixed(seconds, 2)) s measured (less than \(NumberText.fixed(minimumSeconds, 0)) s)")
        }
        if rates.count >= 3 {
            let (variation, trend) = steadiness(rates)
            if variation > maximumVariation {
                reasons.append("unsteady: interval rates vary by \(percent(variation)) (coefficient of variation; "
                    + "the bound is \(percent(maximumVariation)))")
            }
            if abs(trend) > maximumTrend {
                reasons.append("a trend: interval rates \(trend < 0 ? "fall" : "rise") by \(percent(abs(trend))) "
                    + "from first to last (the bound is \(percent(maximumTrend)))")
            }
        }
        return reasons
    }

    /// The coefficient of variation of `rates` and the change of their
    /// least-squares line from first to last, both as fractions of the mean.
    public static func steadiness(_ rates: [Double]) -> (variation: Double, trend: Double) {
        guard rates.count >= 2 else { return (0, 0) }
        let n = Double(rates.count)
        let (mean, deviation) = Estimate.meanAndDeviation(rates)
        guard mean > 0 else { return (0, 0) }
        let middle = (n - 1) / 2
        var sxy = 0.0, sxx = 0.0
        for (i, rate) in rates.enumerated() {
            sxy += (Double(i) - middle) * (rate - mean)
            sxx += (Double(i) - middle) * (Double(i) - middle)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return (deviation / mean, slope * (n - 1) / mean)
    }

    private static func percent(_ fraction: Double) -> String { NumberText.fixed(fraction * 100, 0) + " %" }
}

extension RunResult {
    /// The result with its ``RunQuality`` warnings.
    public func assessed() -> RunResult {
        var copy = self
        let reasons = RunQuality.warnings(self)
        copy.warnings = reasons.isEmpty ? nil : reasons
        return copy
    }
}

extension RunResult {
    /// A single run's noise, from its own timeline: the headline figures
    /// over its full measured producer intervals (rate, MB/s, and each
    /// interval's p50, p99 and p99.9), with 95 % intervals. Nil with fewer
    /// than ``RunQuality/minimumIntervals`` of them. Intervals of one run
    /// vary less than runs do, so this is a floor on the noise, not a
    /// measure of it: repeats judge better.
    public var intervalSpread: RepeatFigures? {
        let nominal = DurationText.seconds(workload?.interval ?? .seconds(1))
        let full = timeline.filter { !$0.warmup && $0.seconds >= nominal / 2 && $0.delivered > 0 }
        guard kind == .produce, full.count >= RunQuality.minimumIntervals else { return nil }
        var spread = RepeatFigures(full.map { i in
            CellFigures(recordsPerSecond: i.recordsPerSecond, megabytesPerSecond: i.megabytesPerSecond,
                        p50: Double(i.p50) / 1000, p95: Double(i.p90) / 1000, p99: Double(i.p99) / 1000,
                        p999: Double(i.p999) / 1000, errors: i.errors, sent: i.sent, wireRatio: nil, cpuSecondsPerGB: nil)
        })
        spread.method = "Student's t over the run's own intervals"
        return spread
    }
}
