import Foundation

/// Numbers as zoobench prints them: fixed decimals whatever the locale, and
/// rates and record sizes at a glance. Results that hold a sentence (a plan's
/// summary) and every console view use the same spellings.
public enum NumberText {
    /// `value` with exactly `digits` decimals, locale-independent.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// `182k`, `1.25M`, `950`: a rate at a glance.
    public static func rate(_ value: Double) -> String {
        switch value {
        case 1e6...: return fixed(value / 1e6, 2) + "M"
        case 1e4...: return fixed(value / 1e3, 1) + "k"
        default: return fixed(value, 0)
        }
    }

    /// `1 KB`, `100 B`, `uniform:100-1000 B`.
    public static func recordSize(_ size: RecordSizeDistribution) -> String {
        if case .fixed(let bytes) = size, bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KB" }
        return "\(size) B"
    }
}
