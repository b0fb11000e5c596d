/// Stretches of time in which a consumer group consumed nothing while it
/// was reading: the pause a rebalance, a broker outage or a stalled fetch
/// makes. Each consumer notes when its queue ran dry and when records came
/// again (off the per-record path: only when it had to wait); a group is
/// paused while none of its members that read anything reads.
public struct ConsumerPauses: Sendable, Codable, Hashable {
    /// The group (nil for simple consumers).
    public var group: String?
    /// Pauses counted: none shorter than this many seconds.
    public var threshold: Double
    public var count: Int
    /// The longest pause, and when it began (seconds from the consumers' start).
    public var longest: Double
    public var longestAt: Double
    /// All pauses together, in seconds.
    public var total: Double

    /// A member's quiet spans: from its queue running dry to its next record
    /// (monotonic ns); a span still open at its end runs to its end.
    typealias Spans = [(start: UInt64, end: UInt64)]

    /// The most quiet spans a consumer keeps (a slow stream has many short ones).
    static let mostSpans = 20_000
    /// The shortest quiet span a consumer notes, in nanoseconds.
    static let shortestSpan: UInt64 = 20_000_000

    /// The group's pauses: the spans in which every member that read
    /// something was quiet, between the group's first record (before it the
    /// producers were starting) and its last (after it the run was over), at
    /// least `threshold` seconds long.
    static func merge(_ members: [Spans], group: String?, start: UInt64, firstRecord: UInt64, lastRecord: UInt64,
                      threshold: Double) -> ConsumerPauses {
        var shared: Spans? = nil
        for spans in members {
            guard let current = shared else {
                shared = spans
                continue
            }
            var both: Spans = []
            var i = 0, j = 0
            while i < current.count && j < spans.count {
                let low = max(current[i].start, spans[j].start)
                let high = min(current[i].end, spans[j].end)
                if low < high { both.append((low, high)) }
                if current[i].end < spans[j].end { i += 1 } else { j += 1 }
            }
            shared = both
        }
        let limit = UInt64(threshold * 1e9)
        let pauses = (shared ?? []).map { (max($0.start, firstRecord), $0.end) }
            .filter { $0.1 > $0.0 && $0.1 < lastRecord && $0.1 - $0.0 >= limit }.map { (start: $0.0, end: $0.1) }
        let longest = pauses.max { $0.end - $0.start < $1.end - $1.start }
        return ConsumerPauses(group: group, threshold: threshold, count: pauses.count,
                              longest: longest.map { Double($0.end - $0.start) / 1e9 } ?? 0,
                              longestAt: longest.map { Double($0.start - min(start, $0.start)) / 1e9 } ?? 0,
                              total: Double(pauses.reduce(0) { $0 + ($1.end - $1.start) }) / 1e9)
    }
}
