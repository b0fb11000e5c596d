import ZooPipe

/// One change to a running embedded cluster. `zoobench cluster --control`
/// reads these one per line, and fault schedules are made of them:
///
///     down 2              broker 2 closes its connections and refuses new ones (all: every broker)
///     up 2                broker 2 serves again
///     rtt 1 50ms          broker 1 delays every response by 50 ms (0ms undoes it)
///     leader bench 0 3    broker 3 leads partition 0 of topic bench
///     error Produce NOT_LEADER_FOR_PARTITION 5
///                         the next 5 Produce requests (to any broker) fail with that error
///     topic bench:4       creates topic bench with 4 partitions
public enum ClusterControl: Sendable, Hashable {
    /// Broker 0 means every broker.
    case down(broker: Int32)
    case up(broker: Int32)
    case roundTrip(broker: Int32, Duration)
    case leader(topic: String, partition: Int32, broker: Int32)
    case requestErrors(api: KafkaAPI, code: KafkaErrorCode, count: Int)
    case createTopic(String, partitions: Int32)

    /// The commands, one line each, as `help` shows them.
    public static let usage = [
        "down BROKER|all", "up BROKER|all", "rtt BROKER|all LATENCY", "leader TOPIC PARTITION BROKER",
        "error API CODE [COUNT]", "topic NAME[:PARTITIONS]",
    ]

    /// Parses one command line; the error says what is wrong with it.
    public init(parsing line: String) throws(WorkloadError) {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        func bad(_ why: String) -> WorkloadError { .invalid("'\(line)': \(why)") }
        func broker(_ text: String) throws(WorkloadError) -> Int32 {
            if text == "all" { return 0 }
            guard let id = Int32(text), id >= 1 else { throw bad("'\(text)' is not a broker id (1, 2 …) or all") }
            return id
        }
        func arguments(_ expected: ClosedRange<Int>, _ form: String) throws(WorkloadError) {
            guard expected.contains(words.count - 1) else { throw bad("write it as '\(form)'") }
        }
        guard let verb = words.first else { throw bad("empty command") }
        switch verb {
        case "down":
            try arguments(1...1, "down BROKER|all")
            self = .down(broker: try broker(words[1]))
        case "up":
            try arguments(1...1, "up BROKER|all")
            self = .up(broker: try broker(words[1]))
        case "rtt":
            try arguments(2...2, "rtt BROKER|all LATENCY")
            guard let latency = DurationText.parse(words[2]), latency <= .seconds(3600) else {
                throw bad("'\(words[2])' is not a latency such as 50ms (at most 1h)")
            }
            self = .roundTrip(broker: try broker(words[1]), latency)
        case "leader":
            try arguments(3...3, "leader TOPIC PARTITION BROKER")
            guard let partition = Int32(words[2]), partition >= 0 else { throw bad("'\(words[2])' is not a partition") }
            let id = try broker(words[3])
            guard id != 0 else { throw bad("a partition has one leader: name a broker, not all") }
            self = .leader(topic: words[1], partition: partition, broker: id)
        case "error":
            try arguments(2...3, "error API CODE [COUNT]")
            guard let api = KafkaAPI(name: words[1]) else {
                throw bad("'\(words[1])' is not one of \(KafkaAPI.allCases.map(\.name).joined(separator: ", "))")
            }
            guard let code = KafkaErrorCode(name: words[2]) else { throw bad("'\(words[2])' is not a Kafka error name") }
            let count = words.count == 4 ? Int(words[3]) : 1
            guard let count, (1...100_000).contains(count) else { throw bad("'\(words[3])' is not a count of 1 to 100000") }
            self = .requestErrors(api: api, code: code, count: count)
        case "topic":
            try arguments(1...1, "topic NAME[:PARTITIONS]")
            let parts = words[1].split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty,
                  let partitions = parts.count == 2 ? Int32(parts[1]) : 1, (1...10_000).contains(partitions) else {
                throw bad("'\(words[1])' is not NAME or NAME:PARTITIONS (1 to 10000)")
            }
            self = .createTopic(String(parts[0]), partitions: partitions)
        default:
            throw bad("unknown command '\(verb)' (\(Self.usage.joined(separator: "; ")))")
        }
    }

    /// Makes the change; returns what was done (`broker 2 down`). A broker the
    /// cluster does not have, or a change the cluster refuses, is an error.
    @discardableResult
    public func apply(to cluster: EmbeddedCluster) throws(WorkloadError) -> String {
        func brokers(_ id: Int32) throws(WorkloadError) -> [Int32] {
            guard id <= Int32(cluster.brokerCount) else {
                throw .invalid("broker \(id): the embedded cluster has brokers 1 to \(cluster.brokerCount)")
            }
            return id == 0 ? Array(1...Int32(cluster.brokerCount)) : [id]
        }
        func who(_ id: Int32) -> String { id == 0 ? "every broker" : "broker \(id)" }
        func attempt(_ body: () throws(KafkaError) -> Void) throws(WorkloadError) {
            do { try body() } catch { throw .invalid("\(self): \(error.description)") }
        }
        switch self {
        case .down(let id):
            for broker in try brokers(id) { try attempt { () throws(KafkaError) in try cluster.setBrokerDown(broker) } }
            return "\(who(id)) down"
        case .up(let id):
            for broker in try brokers(id) { try attempt { () throws(KafkaError) in try cluster.setBrokerUp(broker) } }
            return "\(who(id)) up"
        case .roundTrip(let id, let latency):
            for broker in try brokers(id) {
                try attempt { () throws(KafkaError) in try cluster.setRoundTripTime(broker: broker, latency) }
            }
            return "\(who(id)) rtt \(latency == .zero ? "0ms" : DurationText.format(latency))"
        case .leader(let topic, let partition, let id):
            _ = try brokers(id)
            try attempt { () throws(KafkaError) in try cluster.moveLeader(topic: topic, partition: partition, to: id) }
            return "leader of \(topic) partition \(partition) moved to broker \(id)"
        case .requestErrors(let api, let code, let count):
            cluster.injectErrors(api: api, error: code, count: count)
            return "next \(count) \(api.name) request(s) fail with \(code)"
        case .createTopic(let name, let partitions):
            try attempt { () throws(KafkaError) in try cluster.createTopic(name, partitions: partitions) }
            return "topic \(name) created (\(partitions) partitions)"
        }
    }
}

extension ClusterControl: CustomStringConvertible {
    /// The command line that parses back to this command.
    public var description: String {
        func broker(_ id: Int32) -> String { id == 0 ? "all" : String(id) }
        switch self {
        case .down(let id): return "down \(broker(id))"
        case .up(let id): return "up \(broker(id))"
        case .roundTrip(let id, let latency): return "rtt \(broker(id)) \(DurationText.format(latency))"
        case .leader(let topic, let partition, let id): return "leader \(topic) \(partition) \(id)"
        case .requestErrors(let api, let code, let count): return "error \(api.name) \(code) \(count)"
        case .createTopic(let name, let partitions): return "topic \(name):\(partitions)"
        }
    }
}
