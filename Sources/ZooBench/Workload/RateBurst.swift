/// A change of the producers' rate for a while, on the run's timeline:
/// `at=5s rate 3x for=2s` sends three times the rate from 5 s to 7 s after
/// sending starts (`0.5x` halves it). Given with `--fault`, beside the
/// cluster's faults, but made by the producers' own schedule, so it works on
/// any cluster; it needs a fixed rate (`--throughput`).
public struct RateBurst: Sendable, Hashable, CustomStringConvertible {
    public var at: Duration
    public var lasting: Duration
    /// The rate's multiple while it lasts.
    public var factor: Double

    public init(at: Duration, lasting: Duration, factor: Double) {
        self.at = at
        self.lasting = lasting
        self.factor = factor
    }

    /// The largest multiple a burst may ask for.
    public static let largestFactor = 100.0

    /// Whether `text` is a rate change (it has the word `rate`), to be parsed here rather than as a cluster fault.
    public static func isRateChange(_ text: String) -> Bool {
        text.split(whereSeparator: \.isWhitespace).contains("rate")
    }

    /// Parses `at=5s rate 3x for=2s`; the error names the text as `label` gave it.
    public init(parsing text: String, label: String = "--fault") throws(WorkloadError) {
        func bad(_ why: String) -> WorkloadError { .invalid("\(label) '\(text)': \(why)") }
        var at: Duration?
        var lasting: Duration?
        var factor: Double?
        for token in text.split(whereSeparator: \.isWhitespace).map(String.init) where token != "rate" {
            if token.hasPrefix("at=") {
                try FaultSpec.readTime(String(token.dropFirst(3)), into: &at, bad: bad)
            } else if token.hasPrefix("for=") {
                guard lasting == nil else { throw bad("for= is given twice") }
                guard let value = DurationText.parse(String(token.dropFirst(4))), value >= .milliseconds(100),
                      value <= ProduceWorkload.longestDuration else {
                    throw bad("\(token) is not a duration from 100ms to 30 days")
                }
                lasting = value
            } else if token.hasSuffix("x"), factor == nil, let value = DecimalText.parse(token.dropLast()) {
                guard value > 0, value <= Self.largestFactor else {
                    throw bad("\(token): the rate's multiple must be above 0 and at most \(trim(Self.largestFactor))")
                }
                factor = value
            } else {
                throw bad("unknown word '\(token)' (a rate change is at=TIME rate Nx for=DURATION, e.g. at=5s rate 3x for=2s)")
            }
        }
        guard let at else { throw bad("it needs at=… (when, from the start of sending)") }
        guard let factor else { throw bad("it needs the rate's multiple, e.g. 3x (or 0.5x)") }
        guard let lasting else { throw bad("it needs for=… (how long the rate changes)") }
        self.init(at: at, lasting: lasting, factor: factor)
    }

    public var description: String {
        "at=\(DurationText.format(at)) rate \(trim(factor))x for=\(DurationText.format(lasting))"
    }

    /// Bursts must not overlap (the error names the two), and a run that
    /// sends them needs a rate (`requireRate`: a plan's base gets its rate per step).
    static func check(_ bursts: [RateBurst], throughput: Double?, requireRate: Bool) throws(WorkloadError) {
        guard !bursts.isEmpty else { return }
        guard throughput != nil || !requireRate else {
            throw .invalid("--fault '\(bursts[0])': a rate change needs a fixed rate (--throughput)")
        }
        let sorted = bursts.sorted { $0.at < $1.at }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.at + earlier.lasting > later.at {
            throw .invalid("--fault '\(earlier)' and '\(later)' overlap; one rate change at a time")
        }
    }
}

/// When a producer at a fixed rate sends each record: its sequence number
/// times its interval, except in bursts, where the interval is divided by
/// the burst's multiple.
struct SendPacing {
    /// Nanoseconds between records at the base rate.
    let interval: Double
    /// Bursts in nanoseconds from the start, in order: start, end, multiple.
    let bursts: [(start: Double, end: Double, factor: Double)]

    init(interval: Double, bursts: [RateBurst]) {
        self.interval = interval
        self.bursts = bursts.sorted { $0.at < $1.at }.map {
            (Double(nanoseconds($0.at)), Double(nanoseconds($0.at + $0.lasting)), $0.factor)
        }
    }

    /// Nanoseconds from the start at which record `sequence` is due.
    @inline(__always)
    func offset(_ sequence: Int) -> Double {
        let wanted = Double(sequence)
        guard !bursts.isEmpty else { return wanted * interval }
        var time = 0.0
        var records = 0.0
        for burst in bursts {
            let before = (burst.start - time) / interval
            if wanted <= records + before { return time + (wanted - records) * interval }
            records += before
            time = burst.start
            let inside = (burst.end - burst.start) * burst.factor / interval
            if wanted <= records + inside { return time + (wanted - records) * interval / burst.factor }
            records += inside
            time = burst.end
        }
        return time + (wanted - records) * interval
    }
}
