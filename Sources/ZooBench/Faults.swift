import Foundation
import Synchronization
import ZooPipe

/// A fault to inject into the embedded cluster during a run, written as
/// `at=2s broker=1 down for=2s`, `at=1s rtt broker=2 20ms for=5s` or
/// `at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5`.
/// (`leader` faults are not supported yet.)
public struct FaultSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, Codable {
        /// The broker closes its connections and refuses new ones.
        case down
        /// Every response of the broker is delayed by this much.
        case roundTrip(Duration)
        /// The next `count` requests of `api` (to any broker) fail with `code`
        /// (names as Kafka writes them: `Produce`, `NOT_LEADER_FOR_PARTITION`).
        case requestErrors(api: String, code: String, count: Int)
    }

    /// When, from the start of sending.
    public var at: Duration
    /// The broker, for `down` and `rtt`; 0 means every broker (`broker=all`;
    /// also for `error`, which any broker answers).
    public var broker: Int32
    public var kind: Kind
    /// How long before it is undone; nil: until the run ends.
    public var lasting: Duration?

    public init(at: Duration, broker: Int32, kind: Kind, lasting: Duration?) {
        self.at = at
        self.broker = broker
        self.kind = kind
        self.lasting = lasting
    }

    /// Parses the text form; the error says what is wrong with it.
    public init(parsing text: String) throws(WorkloadError) {
        func bad(_ why: String) -> WorkloadError { .invalid("--fault '\(text)': \(why)") }
        var at: Duration?
        var broker: Int32?
        var lasting: Duration?
        var down = false
        var rtt = false
        var error = false
        var api: String?
        var code: String?
        var count = 1
        var latency: Duration?
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
                        throw bad("api=\(value) is not one of \(KafkaAPI.allCases.map { "\($0)" }.joined(separator: ", "))")
                    }
                    api = value
                case "code":
                    guard KafkaErrorCode(name: value) != nil else { throw bad("code=\(value) is not a Kafka error name") }
                    code = value
                case "count":
                    guard let n = Int(value), (1...100_000).contains(n) else { throw bad("count=\(value) is not 1 to 100000") }
                    count = n
                default:
                    throw bad("unknown key '\(key)' (at, broker, for, api, code, count)")
                }
            } else if token == "down" {
                down = true
            } else if token == "rtt" {
                rtt = true
            } else if token == "error" {
                error = true
            } else if rtt, latency == nil, let duration = DurationText.parse(token) {
                latency = duration
            } else if token == "leader" {
                throw bad("'\(token)' faults are not supported yet (down and rtt are)")
            } else {
                throw bad("unknown word '\(token)'")
            }
        }
        guard let at else { throw bad("it needs at=… (when, from the start of sending)") }
        switch (down, rtt, error) {
        case (true, false, false): kind = .down
        case (false, true, false):
            guard let latency else { throw bad("rtt needs a latency, e.g. 'rtt broker=1 50ms'") }
            kind = .roundTrip(latency)
        case (false, false, true):
            guard let api, let code else { throw bad("error needs api=… and code=…") }
            guard lasting == nil else { throw bad("error faults take count=…, not for=…") }
            kind = .requestErrors(api: api, code: code, count: count)
        default: throw bad("say one of down, rtt or error")
        }
        if case .requestErrors = kind {
            self.broker = 0
        } else {
            guard let broker else { throw bad("it needs broker=…") }
            self.broker = broker
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
        case .requestErrors(let api, let code, let count): text += " error api=\(api) code=\(code) count=\(count)"
        }
        if let lasting { text += " for=\(DurationText.format(lasting))" }
        return text
    }
}

/// A fault as it happened: what, and when from the start of sending.
public struct FaultEvent: Sendable, Hashable, Codable {
    /// Seconds from the start of sending.
    public var at: Double
    /// `broker 1 down`, `broker 1 up`, `broker 2 rtt 20ms`, `broker 2 rtt 0ms`.
    public var action: String
}

/// Applies faults to an embedded cluster on a timeline, on a thread of its
/// own, and keeps what it did.
public final class FaultSchedule: Sendable {
    private let faults: [FaultSpec]
    private let cluster: EmbeddedCluster
    private let done = Atomic<Bool>(false)
    private let log = Mutex<[FaultEvent]>([])
    private let onEvent: (@Sendable (FaultEvent) -> Void)?

    /// Checks every fault names a broker the cluster has.
    public init(_ faults: [FaultSpec], cluster: EmbeddedCluster,
                onEvent: (@Sendable (FaultEvent) -> Void)? = nil) throws(WorkloadError) {
        for fault in faults where fault.broker > Int32(cluster.brokerCount) {
            throw .invalid("--fault '\(fault)': the embedded cluster has brokers 1 to \(cluster.brokerCount)")
        }
        self.faults = faults
        self.cluster = cluster
        self.onEvent = onEvent
    }

    /// Starts the timeline now (the start of sending).
    public func start() {
        let start = MonotonicClock.nanoseconds()
        var steps: [(UInt64, FaultSpec, Bool)] = []
        for fault in faults {
            steps.append((nanoseconds(fault.at), fault, true))
            if let lasting = fault.lasting { steps.append((nanoseconds(fault.at + lasting), fault, false)) }
        }
        steps.sort { $0.0 < $1.0 }
        let thread = Thread { [self, steps] in
            for (offset, fault, apply) in steps {
                while MonotonicClock.nanoseconds() < start + offset {
                    if done.load(ordering: .relaxed) { return }
                    Thread.sleep(forTimeInterval: 0.002)
                }
                if done.load(ordering: .relaxed) { return }
                let action: String
                let brokers = fault.broker == 0 ? Array(1...Int32(cluster.brokerCount)) : [fault.broker]
                let who = fault.broker == 0 ? "every broker" : "broker \(fault.broker)"
                switch (fault.kind, apply) {
                case (.down, true):
                    for id in brokers { try? cluster.setBrokerDown(id) }
                    action = "\(who) down"
                case (.down, false):
                    for id in brokers { try? cluster.setBrokerUp(id) }
                    action = "\(who) up"
                case (.roundTrip(let latency), true):
                    for id in brokers { try? cluster.setRoundTripTime(broker: id, latency) }
                    action = "\(who) rtt \(DurationText.format(latency))"
                case (.roundTrip, false):
                    for id in brokers { try? cluster.setRoundTripTime(broker: id, .zero) }
                    action = "\(who) rtt 0ms"
                case (.requestErrors(let api, let code, let count), _):
                    if let kind = KafkaAPI(name: api), let error = KafkaErrorCode(name: code) {
                        cluster.injectErrors(api: kind, error: error, count: count)
                    }
                    action = "next \(count) \(api) request(s) fail with \(code)"
                }
                let event = FaultEvent(at: Double(MonotonicClock.nanoseconds() - start) / 1e9, action: action)
                log.withLock { $0.append(event) }
                onEvent?(event)
            }
        }
        thread.name = "zoobench-faults"
        thread.start()
    }

    /// Stops applying faults (those not yet due are skipped).
    public func stop() { done.store(true, ordering: .relaxed) }

    /// What was applied so far, in order.
    public var events: [FaultEvent] { log.withLock { $0 } }
}
