import Foundation

/// Checks that a plan's curve makes sense: as the rate asked rises, a step
/// may not pass where a lower rate failed, the achieved rate may not fall,
/// and latency may not fall by more than the noise. "More than the noise":
/// the two steps' 95 % intervals over their runs do not overlap and the
/// medians differ by more than ``minimumDrop`` (single-run steps have no
/// interval, so the drop alone decides).
public enum PlanCurve {
    public static let minimumDrop = 0.10

    /// One inconsistency between a lower-rate step and a higher-rate one.
    public struct Violation: Sendable, Hashable {
        public var lower: Int
        public var higher: Int
        public var reason: String
    }

    /// The inconsistencies among `steps`, judged on the latency `percentile`.
    public static func violations(_ steps: [PlanStep], percentile: Double) -> [Violation] {
        let sorted = steps.sorted { $0.askedRate < $1.askedRate }
        var found: [Violation] = []
        for (i, low) in sorted.enumerated() {
            for high in sorted[(i + 1)...] where high.askedRate > low.askedRate {
                if !low.passed && high.passed {
                    found.append(Violation(lower: low.index, higher: high.index,
                                           reason: "\(NumberText.rate(low.askedRate))/s failed but \(NumberText.rate(high.askedRate))/s passed"))
                }
            }
            guard i + 1 < sorted.count else { continue }
            let high = sorted[i + 1]
            let (a, b) = (achieved(low), achieved(high))
            if falls(from: a, to: b) {
                found.append(Violation(lower: low.index, higher: high.index,
                                       reason: "achieved rate falls from \(NumberText.rate(a.median)) to \(NumberText.rate(b.median))/s as the rate asked rises"))
            }
            let (x, y) = (latency(low, percentile), latency(high, percentile))
            if falls(from: x, to: y) {
                found.append(Violation(lower: low.index, higher: high.index,
                                       reason: "latency falls from \(NumberText.fixed(x.median, 2)) to \(NumberText.fixed(y.median, 2)) ms "
                                           + "as the rate rises from \(NumberText.rate(low.askedRate)) to \(NumberText.rate(high.askedRate))/s"))
            }
        }
        return found
    }

    static func achieved(_ step: PlanStep) -> Estimate { step.achievedInterval ?? Estimate([step.achievedRate]) }

    static func latency(_ step: PlanStep, _ percentile: Double) -> Estimate {
        step.latencyInterval ?? Estimate([step.figures.latency(percentile)])
    }

    static func falls(from a: Estimate, to b: Estimate) -> Bool {
        b.median < a.median * (1 - minimumDrop) && !a.overlaps(b)
    }
}
