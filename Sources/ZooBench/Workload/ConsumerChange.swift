/// Consumers leaving their group during an e2e run, on the faults'
/// timeline: `at=5s consumer leave 1` closes one member of each group 5 s
/// after sending starts (the group then rebalances; the pause is measured,
/// see ``ConsumerPauses``). Members leave from the last one down; at least
/// one stays in each group.
public struct ConsumerChange: Sendable, Hashable, CustomStringConvertible {
    public var at: Duration
    /// Members of each group that leave.
    public var leaving: Int

    public init(at: Duration, leaving: Int) {
        self.at = at
        self.leaving = leaving
    }

    /// Whether `text` is a consumer change (it has the word `consumer`).
    public static func isConsumerChange(_ text: String) -> Bool {
        text.split(whereSeparator: \.isWhitespace).contains("consumer")
    }

    /// Parses `at=5s consumer leave 1`.
    public init(parsing text: String, label: String = "--fault") throws(WorkloadError) {
        func bad(_ why: String) -> WorkloadError { .invalid("\(label) '\(text)': \(why)") }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        var at: Duration?
        var rest: [String] = []
        for word in words {
            if word.hasPrefix("at=") {
                try FaultSpec.readTime(String(word.dropFirst(3)), into: &at, bad: bad)
            } else if word != "consumer" {
                rest.append(word)
            }
        }
        guard let at else { throw bad("it needs at=… (when, from the start of sending)") }
        if rest.first == "join" {
            throw bad("consumers joining mid-run is not supported yet; start them with --consumers and make some leave (consumer leave N)")
        }
        guard rest.count == 2, rest[0] == "leave", let count = Int(rest[1]), count >= 1 else {
            throw bad("a consumer change is at=TIME consumer leave N (N members of each group leave), e.g. at=5s consumer leave 1")
        }
        self.init(at: at, leaving: count)
    }

    public var description: String { "at=\(DurationText.format(at)) consumer leave \(leaving)" }

    /// When each member leaves, in nanoseconds from the start of sending
    /// (nil: it stays): the last members go first, and one always stays.
    static func schedule(_ changes: [ConsumerChange], members: Int) throws(WorkloadError) -> [UInt64?] {
        var leaveAt = [UInt64?](repeating: nil, count: members)
        var next = members - 1
        for change in changes.sorted(by: { $0.at < $1.at }) {
            for _ in 0..<change.leaving {
                guard next >= 1 else {
                    throw .invalid("--fault '\(change)': the groups have \(members) member(s); at least one must stay")
                }
                leaveAt[next] = nanoseconds(change.at)
                next -= 1
            }
        }
        return leaveAt
    }
}
