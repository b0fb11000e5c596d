/// An e2e run with a backlog: the consumers started once about
/// `requestedBytes` value bytes were in the topic, and drained them while the
/// producers went on. `caughtUpAfter` is how long that took.
public struct BacklogDrain: Sendable, Codable, Hashable {
    /// The backlog asked for, in value bytes.
    public var requestedBytes: Int
    /// Records the producers had added when the consumers started, and their
    /// value bytes (records × the mean record size).
    public var records: Int64
    public var bytes: Int64
    /// Seconds from the producers' start to the consumers' start.
    public var consumersStartedAt: Double
    /// Seconds from the consumers' start to the end of the first interval in
    /// which their lag was at most one interval's production (they read at
    /// the head); nil when they never got there.
    public var caughtUpAfter: Double?

    public init(requestedBytes: Int, records: Int64, bytes: Int64, consumersStartedAt: Double, caughtUpAfter: Double? = nil) {
        self.requestedBytes = requestedBytes
        self.records = records
        self.bytes = bytes
        self.consumersStartedAt = consumersStartedAt
        self.caughtUpAfter = caughtUpAfter
    }

    /// The end of the first consumer interval after the release whose lag is
    /// at most what the producers deliver in one interval (their mean over
    /// the run), in seconds from the release; nil if none.
    static func caughtUp(consumers: [ConsumeIntervalSnapshot], releasedAt: Double, producers: [IntervalSnapshot]) -> Double? {
        let measured = producers.filter { $0.seconds > 0 }
        guard !measured.isEmpty else { return nil }
        let perInterval = Double(measured.reduce(0) { $0 + $1.delivered }) / Double(measured.count)
        return consumers.first { interval in
            guard let lag = interval.lag, interval.start + interval.seconds > releasedAt else { return false }
            return Double(lag) <= max(1, perInterval)
        }.map { $0.start + $0.seconds - releasedAt }
    }
}
