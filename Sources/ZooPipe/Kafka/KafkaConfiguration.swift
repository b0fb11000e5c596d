import Synchronization
/// How many acknowledgements a produce request waits for.
public enum Acks: Int, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// `acks=0`: the producer does not wait; losses are possible and invisible to it.
    case none = 0
    /// `acks=1`: the partition leader has written the record.
    case leader = 1
    /// `acks=-1` (also written `all`): every in-sync replica has it.
    case all = -1

    /// Parses `0`, `1`, `-1` or `all` (as Kafka's own tools accept them).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "0", "none": self = .none
        case "1", "leader": self = .leader
        case "-1", "all": self = .all
        default: return nil
        }
    }

    /// The value librdkafka's `acks` property takes.
    public var description: String { String(rawValue) }
}

/// A compression codec librdkafka applies to produced batches.
public enum CompressionCodec: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case none, gzip, snappy, lz4, zstd
    public var description: String { rawValue }
}

/// Where a consumer starts when it has no committed offset.
public enum StartPosition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The oldest record the broker still has.
    case earliest
    /// Only records produced after the consumer starts.
    case latest
    /// A given offset in every partition.
    case offset(Int64)

    public var description: String {
        switch self {
        case .earliest: return "earliest"
        case .latest: return "latest"
        case .offset(let value): return String(value)
        }
    }
}

/// Settings every client shares.
public struct KafkaClientConfiguration: Sendable, Hashable {
    /// How long a client waits for any broker to answer before it reports
    /// ``KafkaError/connectionFailed(brokers:underlying:)``. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// `client.id` sent to brokers. Default `zoobench`.
    public var clientID: String = "zoobench"
    /// librdkafka properties passed through verbatim (`-X key=value`); they are
    /// applied last, so they win over the typed settings.
    public var properties: [String: String] = [:]

    public init() {}
}

/// Typed producer settings with librdkafka's defaults unless noted.
public struct KafkaProducerConfiguration: Sendable, Hashable {
    /// Shared client settings (connect timeout, client id, passthrough properties).
    public var client = KafkaClientConfiguration()
    /// `batch.size`: the most bytes in one batch. `nil` keeps librdkafka's 1,000,000.
    public var batchSize: Int?
    /// `linger.ms`: how long to wait for a batch to fill. `nil` keeps librdkafka's 5 ms.
    public var linger: Duration?
    /// `batch.num.messages`: the most records in one batch. `nil` keeps librdkafka's 10,000.
    public var batchNumMessages: Int?
    /// `compression.codec`. Default none.
    public var compression: CompressionCodec = .none
    /// `enable.idempotence`: exactly-once per partition, in order. Default off.
    public var idempotence: Bool = false
    /// `queue.buffering.max.messages`: the most records waiting in the client.
    /// `nil` keeps librdkafka's 100,000.
    public var maxQueuedMessages: Int?
    /// Whether producing to a missing topic may create it (broker permitting).
    /// When false the adapter checks the topic exists and throws
    /// ``KafkaError/topicNotFound(_:)``. Default true, as in librdkafka.
    public var allowAutoCreateTopics: Bool = true
    /// How often librdkafka reports its statistics (`statistics.interval.ms`),
    /// which give ``KafkaOutputAdapter/wireStatistics``. Nil: never (default).
    public var statisticsInterval: Duration?

    public init() {}

    /// Checks every property (typed and passthrough) with librdkafka, without
    /// connecting: an unknown key or bad value is ``KafkaError/invalidConfiguration(_:)``.
    public func validate(acks: Acks = .all, deliveryTimeout: Duration = .seconds(30)) throws(KafkaError) {
        try RDKafkaClient.validate(properties(bootstrap: "localhost:9092", acks: acks, deliveryTimeout: deliveryTimeout))
    }

    /// The librdkafka properties this configuration sets, secrets redacted
    /// (for results and logs).
    public func librdkafkaProperties(bootstrap: String, acks: Acks, deliveryTimeout: Duration) -> [String: String] {
        redactSecrets(Dictionary(properties(bootstrap: bootstrap, acks: acks, deliveryTimeout: deliveryTimeout),
                                 uniquingKeysWith: { $1 }))
    }

    /// The only place producer property names appear. Ordered; passthrough last.
    func properties(bootstrap: String, acks: Acks, deliveryTimeout: Duration) -> [(String, String)] {
        var list: [(String, String)] = [
            ("bootstrap.servers", bootstrap),
            ("client.id", client.clientID),
            ("acks", acks.description),
            ("message.timeout.ms", String(milliseconds(deliveryTimeout))),
            // A request on the wire is bounded by request.timeout.ms, not
            // message.timeout.ms: without this, a stalled broker holds in-flight
            // records for 30 s whatever the delivery timeout says.
            ("request.timeout.ms", String(min(milliseconds(deliveryTimeout), 30_000))),
            ("compression.codec", compression.rawValue),
            ("allow.auto.create.topics", allowAutoCreateTopics ? "true" : "false"),
        ]
        if idempotence { list.append(("enable.idempotence", "true")) }
        if let batchSize { list.append(("batch.size", String(batchSize))) }
        if let linger { list.append(("linger.ms", formatMilliseconds(linger))) }
        if let batchNumMessages { list.append(("batch.num.messages", String(batchNumMessages))) }
        if let maxQueuedMessages { list.append(("queue.buffering.max.messages", String(maxQueuedMessages))) }
        if let statisticsInterval { list.append(("statistics.interval.ms", String(milliseconds(statisticsInterval)))) }
        list += client.properties.sorted { $0.key < $1.key }
        return list
    }
}

/// Typed consumer settings.
public struct KafkaConsumerConfiguration: Sendable, Hashable {
    /// Shared client settings (connect timeout, client id, passthrough properties).
    public var client = KafkaClientConfiguration()
    /// Where to start without a committed offset (`auto.offset.reset`). Default earliest.
    public var startPosition: StartPosition = .earliest
    /// Whether subscribing may create a missing topic. Default false, as in
    /// librdkafka; then a missing topic is ``KafkaError/topicNotFound(_:)``.
    public var allowAutoCreateTopics: Bool = false
    /// Group mode: commit offsets automatically every `autoCommitInterval` and on
    /// close. Default true.
    public var autoCommit: Bool = true
    /// `auto.commit.interval.ms`. `nil` keeps librdkafka's 5 s.
    public var autoCommitInterval: Duration?
    /// Simple-consumer mode only: the partitions to read. Nil reads every
    /// partition of the topic; a partition the topic lacks is an error.
    public var partitions: [Int32]?
    /// Where to start in given partitions, overriding ``startPosition``. In
    /// simple-consumer mode always; in a group, for the first assignment
    /// when ``holdAssignments`` is on (later rebalances use committed offsets).
    public var startOffsets: [Int32: Int64] = [:]
    /// Group mode: the partitions the group assigns are held back (the
    /// assignment is accepted but not applied, so nothing is fetched) until
    /// ``KafkaInputAdapter/resume()``. A fleet uses it to let every member
    /// join before any reads. Default false.
    public var holdAssignments = false

    public init() {}

    /// Checks every property with librdkafka, without connecting: an unknown
    /// key or bad value is ``KafkaError/invalidConfiguration(_:)``.
    public func validate(groupID: String?) throws(KafkaError) {
        try RDKafkaClient.validate(properties(bootstrap: "localhost:9092", groupID: groupID))
    }

    /// The librdkafka properties a consumer gets, secrets redacted (for results).
    public func librdkafkaProperties(bootstrap: String, groupID: String?) -> [String: String] {
        redactSecrets(Dictionary(properties(bootstrap: bootstrap, groupID: groupID), uniquingKeysWith: { $1 }))
    }

    /// The only place consumer property names appear. Ordered; passthrough last.
    /// Without a group, librdkafka still wants a `group.id` for its consumer
    /// API: a private one is set that never joins (partitions are assigned)
    /// and never commits.
    func properties(bootstrap: String, groupID: String?) -> [(String, String)] {
        var list: [(String, String)] = [
            ("bootstrap.servers", bootstrap),
            ("client.id", client.clientID),
            ("allow.auto.create.topics", allowAutoCreateTopics ? "true" : "false"),
            ("enable.partition.eof", "false"),
        ]
        switch startPosition {
        case .earliest, .offset: list.append(("auto.offset.reset", "earliest"))
        case .latest: list.append(("auto.offset.reset", "latest"))
        }
        if let groupID {
            list.append(("group.id", groupID))
            list.append(("enable.auto.commit", autoCommit ? "true" : "false"))
            if let autoCommitInterval {
                list.append(("auto.commit.interval.ms", String(milliseconds(autoCommitInterval))))
            }
        } else {
            list.append(("group.id", "zoobench-simple-\(UInt64.random(in: 1...UInt64.max))"))
            list.append(("enable.auto.commit", "false"))
            list.append(("enable.auto.offset.store", "false"))
        }
        list += client.properties.sorted { $0.key < $1.key }
        return list
    }
}

/// Whole milliseconds in `duration` (rounded up so a short timeout never becomes 0).
func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    if ms == 0, attoseconds > 0 { return 1 }
    return ms
}

/// `duration` in milliseconds with a fraction where it has one (`linger.ms` takes 0.5).
func formatMilliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
    return ms == ms.rounded() ? String(Int64(ms)) : String(ms)
}

/// Property names whose values are secrets though their names do not say
/// so: private keys in PEM (`ssl.key.pem`, and `ssl_key` as the C API sets it)
/// and the OAUTHBEARER configuration, which holds the token's principal and
/// extensions (`sasl.oauthbearer.config`).
public let secretPropertyNames: Set<String> = ["ssl.key.pem", "ssl_key", "sasl.oauthbearer.config"]

/// Whether a property's value is a secret: its name contains `password`,
/// `secret` or `token`, or it is one of ``secretPropertyNames``.
public func isSecretProperty(_ name: String) -> Bool {
    let lower = name.lowercased()
    return secretPropertyNames.contains(lower) || ["password", "secret", "token"].contains { lower.contains($0) }
}

/// The values of secret properties zoobench has configured, so a message
/// that quotes one (a librdkafka log or error line) can be scrubbed.
public enum SecretValues {
    private static let known = Mutex<Set<String>>([])

    /// Remembers the secret values among `properties`.
    public static func remember(_ properties: some Sequence<(String, String)>) {
        let secrets = properties.filter { isSecretProperty($0.0) && $0.1.count >= 4 }.map(\.1)
        guard !secrets.isEmpty else { return }
        known.withLock { $0.formUnion(secrets) }
    }

    /// `text` with every remembered secret value replaced by `[redacted]`.
    public static func scrub(_ text: String) -> String {
        let text = redactingUserInfo(text)
        let secrets = known.withLock { $0 }
        guard !secrets.isEmpty else { return text }
        // Longest first, so a secret that contains another is replaced whole.
        return secrets.sorted { $0.count > $1.count }.reduce(text) {
            $0.replacingOccurrences(of: $1, with: "[redacted]")
        }
    }
}

/// `text` with the user information of every URI in it (`user:password@`
/// after `scheme://`) replaced by `[redacted]@`: a password typed into a
/// URI is never echoed, whichever message the URI ends up in.
public func redactingUserInfo(_ text: String) -> String {
    guard text.contains("@"), text.contains("://") else { return text }
    var result = ""
    var rest = Substring(text)
    while let scheme = rest.range(of: "://") {
        result += rest[..<scheme.upperBound]
        rest = rest[scheme.upperBound...]
        // The authority ends at the first '/', whitespace or quote; user information ends at its last '@'.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0.isWhitespace || $0 == "'" || $0 == "\"" } ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            result += "[redacted]@"
            rest = rest[rest.index(after: at)...]
        }
    }
    return result + rest
}

/// `properties` with the values of secret keys replaced by `[redacted]`.
public func redactSecrets(_ properties: [String: String]) -> [String: String] {
    properties.reduce(into: [:]) { result, entry in
        result[entry.key] = isSecretProperty(entry.key) ? "[redacted]" : entry.value
    }
}
