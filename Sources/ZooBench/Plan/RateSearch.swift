import Foundation

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
