import Foundation

/// Durations as people write them on a command line: `500ms`, `5s`, `1.5s`,
/// `2m`, `1h`, `250us`; a bare number is seconds. The one duration parser of
/// the tool: flags, workload files, faults and SLO bounds all read through it.
public enum DurationText {
    /// Parses `text`, nil if it is not a non-negative duration. A bare number
    /// is in units of `bareUnit` seconds (1: seconds; SLO bounds use 0.001).
    public static func parse(_ text: String, bareUnit: Double = 1) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            return nanoseconds(DecimalText.parse(trimmed.dropLast(unit.suffix.count)), unit.seconds)
        }
        return nanoseconds(DecimalText.parse(trimmed), bareUnit)
    }

    /// The longest duration any setting takes (a run, a warm-up, a wait, a
    /// serve): 30 days. Settings with a shorter bound say so.
    public static let longest = Duration.seconds(30 * 86_400)

    /// Parses `text` given as `label` (`--step-duration`, `field 'warmup'`);
    /// `positive` refuses 0, `atMost` a longer one (at most ``longest``
    /// always). The error names both:
    /// `--for: 'soon' is not a duration such as 10s or 500ms`.
    public static func parse(_ text: String, label: String, positive: Bool = false,
                             atMost limit: Duration? = nil) throws(WorkloadError) -> Duration {
        guard let value = parse(text) else { throw .invalid("\(label): '\(text)' is not a duration such as 10s or 500ms") }
        if positive && value <= .zero { throw .invalid("\(label): '\(text)' must be more than 0") }
        let bound = min(limit ?? longest, longest)
        if value > bound { throw .invalid("\(label): '\(text)' must be at most \(formatBound(bound))") }
        return value
    }

    /// `1h`, `10m` or `30s`: a bound in its largest whole unit.
    public static func formatBound(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds >= 86_400 && seconds % 86_400 == 0 { return "\(seconds / 86_400) days" }
        if seconds >= 3600 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds >= 60 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return format(duration)
    }

    /// `value` units of `seconds` each as a duration; nil when negative, not
    /// a number, or beyond what a duration holds (about 292 years).
    private static func nanoseconds(_ value: Double?, _ seconds: Double) -> Duration? {
        guard let value, value >= 0, value.isFinite else { return nil }
        let total = (value * seconds * 1e9).rounded()
        guard total < 9.2e18 else { return nil }
        return .nanoseconds(Int64(total))
    }

    /// `duration` in seconds, with its fraction.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `duration` the short way (`1.5s`, `500ms`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) + Double(attoseconds) / 1e18
        if total >= 1 || total == 0 {
            return total == total.rounded() ? "\(Int64(total))s" : "\(total)s"
        }
        let ms = total * 1000
        return ms == ms.rounded() ? "\(Int64(ms))ms" : "\(ms)ms"
    }
}
