import Foundation
import ZooPipe

/// A fault to inject into the embedded cluster during a run, written as
/// `at=2s broker=1 down for=2s`, `at=1s rtt broker=2 20ms for=5s`,
/// `at=3s leader topic=zoobench partition=0 to=3` or
/// `at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5`.
public struct FaultSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, Codable {
        /// The broker closes its connections and refuses new ones.
        case down
        /// Every response of the broker is delayed by this much.
        case roundTrip(Duration)
        /// Broker `broker` becomes the leader of the partition (of the run's
        /// topic when `topic` is nil).
        case leader(topic: String?, partition: Int32)
        /// The next `count` requests of `api` (to any broker) fail with `code`
        /// (names as Kafka writes them: `Produce`, `NOT_LEADER_FOR_PARTITION`).
        case requestErrors(api: String, code: String, count: Int)
    }

    /// When, from the start of sending.
    public var at: Duration
    /// The broker, for `down` and `rtt`; 0 means every broker (`broker=all`;
    /// also for `error`, which any broker answers). For `leader`, the new leader.
    public var broker: Int32
    public var kind: Kind
    /// How long before it is undone; nil: until the run ends (a leader move
    /// is never undone: schedule a second one to move it back).
    public var lasting: Duration?

    public init(at: Duration, broker: Int32, kind: Kind, lasting: Duration?) {
        self.at = at
        self.broker = broker
        self.kind = kind
        self.lasting = lasting
    }

    /// Parses the text form; the error names it as `label` and says what is wrong.
    public init(parsing text: String, label: String = "--fault") throws(WorkloadError) {
        func bad(_ why: String) -> WorkloadError { .invalid("\(label) '\(text)': \(why)") }
        var at: Duration?
        var broker: Int32?
        var lasting: Duration?
        var words: [String] = []
        var api: String?
        var code: String?
        var count: Int?
        var latency: Duration?
        var topic: String?
        var partition: Int32?
        var leader: Int32?
        for token in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if let equals = token.firstIndex(of: "=") {
                let key = String(token[..<equals])
                let value = String(token[token.index(after: equals)...])
                switch key {
                case "at":
                    guard let duration = DurationText.parse(value) else { throw bad("at=\(value) is not a duration") }
                    at = duration
                case "for":
                    guard let duration = DurationText.parse(value), duration > .zero else {
                        throw bad("for=\(value) is not a duration")
                    }
                    lasting = duration
                case "broker":
                    if value == "all" {
                        broker = 0
                    } else {
                        guard let id = Int32(value), id >= 1 else { throw bad("broker=\(value) is not a broker id (1, 2 …) or all") }
                        broker = id
                    }
                case "api":
                    guard KafkaAPI(name: value) != nil else {
                        throw bad("api=\(value) is not one of \(KafkaAPI.allCases.map(\.name).joined(separator: ", "))")
                    }
                    api = value
                case "code":
                    guard KafkaErrorCode(name: value) != nil else { throw bad("code=\(value) is not a Kafka error name") }
                    code = value
                case "count":
                    guard let n = Int(value), (1...100_000).contains(n) else { throw bad("count=\(value) is not 1 to 100000") }
                    count = n
                case "topic":
                    guard !value.isEmpty else { throw bad("topic= needs a name") }
                    topic = value
                case "partition":
                    guard let n = Int32(value), n >= 0 else { throw bad("partition=\(value) is not a partition number") }
                    partition = n
                case "to":
                    guard let id = Int32(value), id >= 1 else { throw bad("to=\(value) is not a broker id (1, 2 …)") }
                    leader = id
                default:
                    throw bad("unknown key '\(key)' (at, broker, for, api, code, count, topic, partition, to)")
                }
            } else if ["down", "rtt", "error", "leader"].contains(token) {
                words.append(token)
            } else if words == ["rtt"], latency == nil, let duration = DurationText.parse(token) {
                guard duration <= .seconds(3600) else { throw bad("rtt \(token) is more than an hour") }
                latency = duration
            } else {
                throw bad("unknown word '\(token)'")
            }
        }
        guard let at else { throw bad("it needs at=… (when, from the start of sending)") }
        func only(_ allowed: Set<String>, in kind: String) throws(WorkloadError) {
            let given: [(String, Bool)] = [("broker", broker != nil), ("for", lasting != nil), ("api", api != nil),
                                           ("code", code != nil), ("count", count != nil), ("topic", topic != nil),
                                           ("partition", partition != nil), ("to", leader != nil)]
            if let extra = given.first(where: { $0.1 && !allowed.contains($0.0) }) {
                throw bad("\(kind) faults do not take \(extra.0)=…")
            }
        }
        guard words.count == 1 else { throw bad("say one of down, rtt, leader or error") }
        switch words[0] {
        case "down":
            try only(["broker", "for"], in: "down")
            guard let broker else { throw bad("it needs broker=…") }
            kind = .down
            self.broker = broker
        case "rtt":
            try only(["broker", "for"], in: "rtt")
            guard let latency else { throw bad("rtt needs a latency, e.g. 'rtt broker=1 50ms'") }
            guard let broker else { throw bad("it needs broker=…") }
            kind = .roundTrip(latency)
            self.broker = broker
        case "leader":
            try only(["topic", "partition", "to"], in: "leader")
            guard let partition, let leader else { throw bad("leader needs partition=… and to=… (the new leader)") }
            kind = .leader(topic: topic, partition: partition)
            self.broker = leader
        default:
            try only(["api", "code", "count"], in: "error")
            guard let api, let code else { throw bad("error needs api=… and code=…") }
            kind = .requestErrors(api: api, code: code, count: count ?? 1)
            self.broker = 0
        }
        self.at = at
        self.lasting = lasting
    }

    public var description: String {
        var text = "at=\(DurationText.format(at))"
        let brokerText = broker == 0 ? "all" : String(broker)
        switch kind {
        case .down: text += " broker=\(brokerText) down"
        case .roundTrip(let latency): text += " rtt broker=\(brokerText) \(DurationText.format(latency))"
        case .leader(let topic, let partition):
            text += " leader" + (topic.map { " topic=\($0)" } ?? "") + " partition=\(partition) to=\(broker)"
        case .requestErrors(let api, let code, let count): text += " error api=\(api) code=\(code) count=\(count)"
        }
        if let lasting { text += " for=\(DurationText.format(lasting))" }
        return text
    }

    /// The cluster changes that make the fault (`undo` false) and end it (true);
    /// nil when there is nothing to undo. `topic` is the run's topic.
    public func control(undo: Bool, topic runTopic: String) -> ClusterControl? {
        switch (kind, undo) {
        case (.down, false): return .down(broker: broker)
        case (.down, true): return .up(broker: broker)
        case (.roundTrip(let latency), false): return .roundTrip(broker: broker, latency)
        case (.roundTrip, true): return .roundTrip(broker: broker, .zero)
        case (.leader(let topic, let partition), false):
            return .leader(topic: topic ?? runTopic, partition: partition, broker: broker)
        case (.requestErrors(let api, let code, let count), false):
            guard let api = KafkaAPI(name: api), let code = KafkaErrorCode(name: code) else { return nil }
            return .requestErrors(api: api, code: code, count: count)
        case (.leader, true), (.requestErrors, true): return nil
        }
    }
}
