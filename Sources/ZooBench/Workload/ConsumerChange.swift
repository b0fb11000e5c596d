/// Consumers joining or leaving their group during an e2e run, on the
/// faults' timeline: `at=5s consumer leave 1` closes one member of each
/// group 5 s after sending starts, `at=8s consumer join 2` starts two more
/// in each group 8 s in. The group rebalances either way; the pause is
/// measured (see ``ConsumerPauses``). Members leave from the last of the
/// starting ones down (at least one stays in each group); members that
/// join are new ones, on top of `--consumers`.
public struct ConsumerChange: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case join, leave
    }

    public var at: Duration
    public var kind: Kind
    /// Members of each group that join or leave.
    public var count: Int

    public init(at: Duration, kind: Kind, count: Int) {
        self.at = at
        self.kind = kind
        self.count = count
    }

    public init(at: Duration, leaving: Int) { self.init(at: at, kind: .leave, count: leaving) }
    public init(at: Duration, joining: Int) { self.init(at: at, kind: .join, count: joining) }

    /// Whether `text` is a consumer change (it has the word `consumer`).
    public static func isConsumerChange(_ text: String) -> Bool {
        text.split(whereSeparator: \.isWhitespace).contains("consumer")
    }

    /// Parses `at=5s consumer leave 1` and `at=5s consumer join 2`.
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
        guard rest.count == 2, let kind = Kind(rawValue: rest[0]), let count = Int(rest[1]), count >= 1 else {
            throw bad("a consumer change is at=TIME consumer join N or at=TIME consumer leave N (N members of each group), e.g. at=5s consumer leave 1")
        }
        self.init(at: at, kind: kind, count: count)
    }

    public var description: String { "at=\(DurationText.format(at)) consumer \(kind.rawValue) \(count)" }

    /// When each member of a group leaves or joins, in nanoseconds from the
    /// start of sending.
    struct Schedule: Equatable {
        /// Per starting member: when it leaves (nil: it stays). The last
        /// members go first, and one always stays.
        var leaveAt: [UInt64?]
        /// Per member that joins later (after the starting ones): when.
        var joinAt: [UInt64]
    }

    static func schedule(_ changes: [ConsumerChange], members: Int) throws(WorkloadError) -> Schedule {
        var leaveAt = [UInt64?](repeating: nil, count: members)
        var joinAt: [UInt64] = []
        var next = members - 1
        for change in changes.sorted(by: { $0.at < $1.at }) {
            if change.kind == .join {
                joinAt += Array(repeating: nanoseconds(change.at), count: change.count)
                continue
            }
            for _ in 0..<change.count {
                guard next >= 1 else {
                    throw .invalid("--fault '\(change)': the groups start with \(members) member(s); at least one must stay (members that join later do not leave)")
                }
                leaveAt[next] = nanoseconds(change.at)
                next -= 1
            }
        }
        return Schedule(leaveAt: leaveAt, joinAt: joinAt)
    }

    /// Members that join each group later, over all `changes`.
    public static func joining(_ changes: [ConsumerChange]) -> Int {
        changes.filter { $0.kind == .join }.reduce(0) { $0 + $1.count }
    }
}
