import Foundation

/// One figure over repeated runs: the median run's value and a 95 %
/// confidence interval for the typical run.
///
/// The interval is Student's t over the logarithms of the runs' values
/// (`exp(mean ± t₀.₉₇₅,ₙ₋₁ · sd / √n)`): throughput and latency are positive
/// and vary by ratios, so the interval is multiplicative and never goes
/// below zero. With one run there is no interval (`low == high == median`,
/// ``hasInterval`` false); with values of zero or less the t interval is
/// taken on the values themselves.
public struct Estimate: Sendable, Codable, Hashable {
    public var median: Double
    public var low: Double
    public var high: Double
    /// The runs it is computed from.
    public var runs: Int

    /// How the interval is computed, for help texts, reports and docs.
    public static let method = "Student's t over the runs' logarithms"

    public init(median: Double, low: Double, high: Double, runs: Int) {
        self.median = median
        self.low = low
        self.high = high
        self.runs = runs
    }

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        runs = finite.count
        median = Self.median(of: finite)
        guard finite.count >= 2 else {
            (low, high) = (median, median)
            return
        }
        let logs = finite.allSatisfy { $0 > 0 }
        let xs = logs ? finite.map { Foundation.log($0) } : finite
        let (mean, deviation) = Self.meanAndDeviation(xs)
        let half = Self.tQuantile975(degreesOfFreedom: xs.count - 1) * deviation / Double(xs.count).squareRoot()
        if logs {
            (low, high) = (Foundation.exp(mean - half), Foundation.exp(mean + half))
        } else {
            (low, high) = (mean - half, mean + half)
        }
        // The median run lies inside its own interval (a skewed set can put it just outside).
        low = Swift.min(low, median)
        high = Swift.max(high, median)
    }

    /// Whether there is an interval (two runs or more).
    public var hasInterval: Bool { runs >= 2 }

    /// Whether the two intervals share any value: a difference between them
    /// is then within the noise of the runs.
    public func overlaps(_ other: Estimate) -> Bool { low <= other.high && other.low <= high }

    /// The interval's half-width as a fraction of the median (0 without an interval).
    public var relativeHalfWidth: Double { median != 0 ? (high - low) / 2 / Swift.abs(median) : 0 }

    /// The mean and the sample standard deviation (n − 1) of `values` (two or more).
    static func meanAndDeviation(_ values: [Double]) -> (mean: Double, deviation: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot())
    }

    /// The index of the median of `values` (the lower one of an even count): the median run.
    public static func medianIndex(of values: [Double]) -> Int {
        let order = values.indices.sorted { values[$0] < values[$1] }
        return order[(order.count - 1) / 2]
    }

    public static func median(of values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The 97.5th percentile of Student's t distribution with `degreesOfFreedom`.
    static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= table.count { return table[df - 1] }
        // Beyond 30: the normal quantile with the first terms of its expansion in 1/df.
        let z = 1.959964, d = Double(Swift.max(df, 1))
        return z + (z * z * z + z) / (4 * d) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d)
    }
}

/// The headline figures of repeated runs, each with its 95 % interval.
public struct RepeatFigures: Sendable, Codable, Hashable {
    public var runs: Int
    public var recordsPerSecond: Estimate
    public var megabytesPerSecond: Estimate
    /// Latency in ms: send → acknowledgement, or send → consume (e2e), or
    /// the fetch wait of a consume run.
    public var p50: Estimate
    public var p99: Estimate
    public var p999: Estimate
    /// ``Estimate/method``.
    public var method = Estimate.method

    public init(_ figures: [CellFigures]) {
        runs = figures.count
        recordsPerSecond = Estimate(figures.map(\.recordsPerSecond))
        megabytesPerSecond = Estimate(figures.map(\.megabytesPerSecond))
        p50 = Estimate(figures.map(\.p50))
        p99 = Estimate(figures.map(\.p99))
        p999 = Estimate(figures.map(\.p999))
    }

    /// The estimate of a latency percentile by name (`p50`, `p99`, `p999`); nil for others.
    public func latency(_ percentile: String) -> Estimate? {
        switch percentile {
        case "p50": return p50
        case "p99": return p99
        case "p999": return p999
        default: return nil
        }
    }
}
