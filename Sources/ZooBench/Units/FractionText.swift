import Foundation

/// Shares as people write them: `5%` or `0.05`. The one fraction parser of
/// the tool (compare's thresholds, SLO error rates, plan's precision).
public enum FractionText {
    /// `5%` → 0.05; a bare number is a fraction (`0.05`), or a percentage
    /// when `barePercent` (plan's `--precision 5`). Nil when negative or not a number.
    public static func parse(_ text: String, barePercent: Bool = false) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let percent = trimmed.hasSuffix("%")
        guard let value = DecimalText.parse(percent ? String(trimmed.dropLast()) : trimmed), value >= 0, value.isFinite else { return nil }
        return percent || barePercent ? value / 100 : value
    }
}
