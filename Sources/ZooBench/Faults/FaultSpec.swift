import Foundation
import ZooPipe

/// A fault to inject into the embedded cluster during a run: a
/// ``ClusterChange`` made `at` a time from the start of sending and, for the
/// kinds that can be undone, undone after `lasting`. Written as
/// `at=2s broker=1 down for=2s`, `at=1s rtt broker=2 20ms for=5s`,
/// `at=3s leader topic=zoobench partition=0 to=3` or
/// `at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5`
/// (every kind's form is in ``FaultKind/all``).
public struct FaultSpec: Sendable, Hashable, CustomStringConvertible {
    /// When, from the start of sending.
    public var at: Duration
    /// What changes. A leader move without a topic moves the run's.
    public var change: ClusterChange
    /// How long before it is undone; nil: until the run ends (a leader move
    /// is never undone: schedule a second one to move it back).
    public var lasting: Duration?

    public init(at: Duration, change: ClusterChange, lasting: Duration?) {
        self.at = at
        self.change = change
        self.lasting = lasting
    }

    /// Parses the text form; the error names it as `label` and says what is wrong.
    public init(parsing text: String, label: String = "--fault") throws(WorkloadError) {
        func bad(_ why: String) -> WorkloadError { .invalid("\(label) '\(text)': \(why)") }
        var at: Duration?
        var lasting: Duration?
        var named: [String] = []
        var arguments = FaultArguments()
        var bare: [String] = []
        for token in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            guard let equals = token.firstIndex(of: "=") else {
                bare.append(token)
                continue
            }
            let key = String(token[..<equals])
            let value = String(token[token.index(after: equals)...])
            switch key {
            case "at":
                try Self.readTime(value, into: &at, bad: bad)
            case "for":
                guard lasting == nil else { throw bad("for= is given twice") }
                guard let duration = DurationText.parse(value), duration > .zero else { throw bad("for=\(value) is not a duration") }
                guard duration >= Self.shortest else { throw bad("for=\(value) is shorter than \(DurationText.format(Self.shortest))") }
                guard duration <= ProduceWorkload.longestDuration else { throw bad("for=\(value) is longer than 30 days") }
                lasting = duration
            default:
                guard let parameter = FaultParameter.byKey[key] else {
                    throw bad("unknown key '\(key)' (\(FaultKind.timelineKeys.joined(separator: ", ")))")
                }
                if let reason = parameter.read(value, &arguments) { throw bad(FaultParameter.complaint("\(key)=\(value)", reason)) }
                named.append(key)
            }
        }
        let kinds = bare.compactMap { word in FaultKind.scheduled.first { $0.name == word } }
        let words = bare.filter { word in !kinds.contains { $0.name == word } }
        if kinds.isEmpty, let word = words.first { throw bad("unknown word '\(word)'") }
        guard let at else { throw bad("it needs at=… (when, from the start of sending)") }
        guard kinds.count == 1, let kind = kinds.first, let template = kind.timeline else {
            throw bad("say one of \(FaultKind.scheduledNames)")
        }
        if let extra = named.first(where: { !template.takes(key: $0) }) {
            throw bad("\(kind.name) faults do not take \(extra)=…")
        }
        if lasting != nil && !kind.lasts { throw bad("\(kind.name) faults do not take for=…") }
        let read = try template.read(arguments, positional: words, kind: kind.name, example: kind.example, bad: bad)
        self.init(at: at, change: ClusterChange(kind.name, read), lasting: lasting)
    }

    /// Reads the `at=` of a timeline entry (a fault, a rate change, a
    /// consumer change) into `at`: once, a duration, at most 30 days.
    static func readTime(_ value: String, into at: inout Duration?, bad: (String) -> WorkloadError) throws(WorkloadError) {
        guard at == nil else { throw bad("at= is given twice") }
        guard let duration = DurationText.parse(value) else { throw bad("at=\(value) is not a duration") }
        guard duration <= ProduceWorkload.longestDuration else { throw bad("at=\(value) is later than 30 days") }
        at = duration
    }

    /// The shortest fault that is undone (`for=`): the cluster needs a few
    /// milliseconds to make a change.
    public static let shortest = Duration.milliseconds(10)
    /// The most faults one run may schedule.
    public static let most = 100
    /// The most changes (a fault, and its undoing) in any one second of a run.
    public static let mostPerSecond = 10

    /// Checks a run's faults fit the bounds: at most ``most`` of them, and at
    /// most ``mostPerSecond`` changes in any second. Denser schedules fall
    /// behind (each change waits for the cluster's thread), and the mock
    /// cluster was seen to stop answering under hundreds of them.
    public static func checkTimeline(_ faults: [FaultSpec]) throws(WorkloadError) {
        guard faults.count <= most else {
            throw .invalid("\(faults.count) faults; a run takes at most \(most)")
        }
        var times = faults.map(\.at)
        times += faults.compactMap { fault in fault.lasting.map { fault.at + $0 } }
        times.sort()
        for (index, time) in times.enumerated() where index + mostPerSecond < times.count {
            if times[index + mostPerSecond] < time + .seconds(1) {
                throw .invalid("more than \(mostPerSecond) fault changes (starts and ends) within a second from "
                    + "\(DurationText.format(time)); space them out")
            }
        }
    }

    public var description: String {
        "at=\(DurationText.format(at)) " + (change.entry.timeline?.text(change.arguments) ?? change.description)
            + (lasting.map { " for=\(DurationText.format($0))" } ?? "")
    }

    /// The change that makes the fault, with `runTopic` where it names no topic.
    public func start(topic runTopic: String) -> ClusterChange {
        var made = change
        if made.arguments.topic == nil, made.entry.control.parameters.contains(where: { $0.0.id == "TOPIC" }) {
            made.arguments.topic = runTopic
        }
        return made
    }

    /// The change that ends it after ``lasting``; nil when it is not undone.
    public func end(topic runTopic: String) -> ClusterChange? {
        change.entry.undo.map { undo in undo(start(topic: runTopic).arguments) }
    }
}

extension FaultSpec: Codable {
    /// Stored as its text form, as workload files write it.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text, label: "fault")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
