import ZooPipe

/// One value a fault kind takes (`BROKER`, `LATENCY` …): how it is read from
/// text, how it is written back, and what it is called in each grammar.
struct FaultParameter: Sendable {
    /// Its name in the kinds' templates (`BROKER`).
    let id: String
    /// Its key in a timeline spec (`broker` of `broker=1`); nil when it is
    /// written bare there (the latency of `rtt broker=1 50ms`).
    let key: String?
    /// How a control command's usage shows it (`BROKER|all`).
    let usage: String
    /// Reads `text` into the arguments; returns why it cannot, worded to
    /// follow the quoted text (`is not a broker id (1, 2 …) or all`).
    let read: @Sendable (_ text: String, _ into: inout FaultArguments) -> String?
    /// Its text, when the arguments hold it.
    let write: @Sendable (FaultArguments) -> String?
    /// What to say when a kind that needs it does not have it, if not
    /// `<kind> needs key=…`.
    var missing: String? = nil
    /// Sets its default when it is optional and not given.
    var fill: (@Sendable (inout FaultArguments) -> Void)? = nil

    /// `quoted` (`broker=0`, `'0'`) with `reason` after it.
    static func complaint(_ quoted: String, _ reason: String) -> String {
        reason.hasPrefix("is ") || reason.hasPrefix("needs ") ? "\(quoted) \(reason)" : "\(quoted): \(reason)"
    }

    /// Sets a broker id read from `text` with `set`; `reason` when it is not one.
    static func brokerID(_ text: String, or reason: String, _ set: (Int32) -> Void) -> String? {
        guard let id = Int32(text), id >= 1 else { return reason }
        set(id)
        return nil
    }

    /// Every parameter, by template name.
    static let byID: [String: FaultParameter] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The parameters with a timeline key, by key.
    static let byKey: [String: FaultParameter] = Dictionary(uniqueKeysWithValues: all.compactMap { p in p.key.map { ($0, p) } })

    static let all: [FaultParameter] = [
        FaultParameter(
            id: "BROKER", key: "broker", usage: "BROKER|all",
            read: { text, arguments in
                if text == "all" { arguments.broker = 0; return nil }
                return brokerID(text, or: "is not a broker id (1, 2 …) or all") { arguments.broker = $0 }
            },
            write: { $0.broker.map { $0 == 0 ? "all" : String($0) } },
            missing: "it needs broker=… (a broker id, or all)"),
        FaultParameter(
            id: "LEADER", key: "to", usage: "BROKER",
            read: { text, arguments in
                if text == "all" { return "a partition has one leader: name a broker, not all" }
                return brokerID(text, or: "is not a broker id (1, 2 …)") { arguments.leader = $0 }
            },
            write: { $0.leader.map(String.init) }),
        FaultParameter(
            id: "LATENCY", key: nil, usage: "LATENCY",
            read: { text, arguments in
                guard let latency = DurationText.parse(text) else { return "is not a latency such as 50ms" }
                guard latency <= .seconds(3600) else { return "is more than an hour (at most 1h)" }
                arguments.latency = latency
                return nil
            },
            write: { $0.latency.map(DurationText.format) }),
        FaultParameter(
            id: "TOPIC", key: "topic", usage: "TOPIC",
            read: { text, arguments in
                guard !text.isEmpty else { return "needs a name" }
                arguments.topic = text
                return nil
            },
            write: { $0.topic }),
        FaultParameter(
            id: "PARTITION", key: "partition", usage: "PARTITION",
            read: { text, arguments in
                guard let partition = Int32(text), partition >= 0 else { return "is not a partition number" }
                arguments.partition = partition
                return nil
            },
            write: { $0.partition.map(String.init) }),
        FaultParameter(
            id: "API", key: "api", usage: "API",
            read: { text, arguments in
                guard let api = KafkaAPI(name: text) else {
                    return "is not one of \(KafkaAPI.allCases.map(\.name).joined(separator: ", "))"
                }
                arguments.api = api
                return nil
            },
            write: { $0.api?.name }),
        FaultParameter(
            id: "CODE", key: "code", usage: "CODE",
            read: { text, arguments in
                guard let code = KafkaErrorCode(name: text) else { return "is not a Kafka error name" }
                arguments.code = code
                return nil
            },
            write: { $0.code?.description }),
        FaultParameter(
            id: "COUNT", key: "count", usage: "COUNT",
            read: { text, arguments in
                guard let count = Int(text), (1...100_000).contains(count) else { return "is not a count of 1 to 100000" }
                arguments.count = count
                return nil
            },
            write: { $0.count.map(String.init) },
            fill: { arguments in if arguments.count == nil { arguments.count = 1 } }),
        FaultParameter(
            id: "NEWTOPIC", key: nil, usage: "NAME[:PARTITIONS]",
            read: { text, arguments in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2, !parts[0].isEmpty,
                      let partitions = parts.count == 2 ? Int32(parts[1]) : 1, (1...10_000).contains(partitions) else {
                    return "is not NAME or NAME:PARTITIONS (1 to 10000)"
                }
                arguments.newTopic = String(parts[0])
                arguments.newTopicPartitions = partitions
                return nil
            },
            write: { arguments in arguments.newTopic.map { "\($0):\(arguments.newTopicPartitions ?? 1)" } }),
    ]
}
