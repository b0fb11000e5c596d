/// A broker list and a topic, written `kafka://host:port/topic` or
/// `kafka://h1:9092,h2:9093/topic`.
///
/// Hosts are names, IPv4 addresses or IPv6 addresses in brackets
/// (`kafka://[::1]:9092/t`); a missing port means 9092. Anything else is
/// rejected with ``KafkaError/invalidURI(_:reason:)``.
public struct KafkaURI: Sendable, Hashable, CustomStringConvertible {
    /// One bootstrap broker.
    public struct Broker: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address; IPv6 addresses are kept without brackets.
        public var host: String
        /// TCP port, 1–65535.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with brackets around an IPv6 address, as librdkafka wants it.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// The port used when a broker has none.
    public static let defaultPort = 9092
    /// Kafka's limit on topic name length.
    public static let maxTopicLength = 249

    /// The bootstrap brokers, in the order given.
    public var brokers: [Broker]
    /// The topic name.
    public var topic: String

    /// The broker list as librdkafka's `bootstrap.servers` wants it.
    public var bootstrapServers: String { brokers.map(\.description).joined(separator: ",") }

    public var description: String { "kafka://\(bootstrapServers)/\(topic)" }

    public init(brokers: [Broker], topic: String) {
        self.brokers = brokers
        self.topic = topic
    }

    /// Parses `input`; throws ``KafkaError/invalidURI(_:reason:)`` naming what is wrong.
    public init(_ input: String) throws(KafkaError) {
        func fail(_ reason: String) -> KafkaError { .invalidURI(input, reason: reason) }

        if input.isEmpty { throw fail("it is empty") }
        if input.contains(where: { $0.isWhitespace }) { throw fail("it contains white space") }
        guard let schemeEnd = input.range(of: "://") else {
            throw fail("it has no scheme")
        }
        let scheme = input[..<schemeEnd.lowerBound]
        guard scheme.lowercased() == "kafka" else {
            throw fail("the scheme is '\(scheme)', not 'kafka'")
        }
        let rest = input[schemeEnd.upperBound...]
        if rest.contains("?") { throw fail("query strings are not supported") }
        if rest.contains("#") { throw fail("fragments are not supported") }
        if rest.contains("@") { throw fail("user information is not supported; pass credentials as configuration") }
        guard let slash = rest.firstIndex(of: "/") else {
            throw fail("it names no topic")
        }
        let authority = rest[..<slash]
        let topic = String(rest[rest.index(after: slash)...])
        if authority.isEmpty { throw fail("it names no broker") }

        var brokers: [Broker] = []
        for part in authority.split(separator: ",", omittingEmptySubsequences: false) {
            brokers.append(try Self.parseBroker(part, fail: fail))
        }
        try Self.validateTopic(topic, fail: fail)
        self.brokers = brokers
        self.topic = topic
    }

    /// Checks a topic name against Kafka's rules: 1–249 characters of
    /// `[a-zA-Z0-9._-]`, and not `.` or `..`.
    public static func validateTopic(_ topic: String) throws(KafkaError) {
        try validateTopic(topic) { reason in .invalidConfiguration("topic '\(topic)': \(reason)") }
    }

    private static func validateTopic(_ topic: String, fail: (String) -> KafkaError) throws(KafkaError) {
        if topic.isEmpty { throw fail("it names no topic") }
        if topic.contains("/") { throw fail("the topic contains '/'") }
        if topic.utf8.count > maxTopicLength {
            throw fail("the topic is \(topic.utf8.count) characters long; Kafka allows at most \(maxTopicLength)")
        }
        if topic == "." || topic == ".." { throw fail("'\(topic)' is not a legal topic name") }
        if let bad = topic.unicodeScalars.first(where: { !isTopicCharacter($0) }) {
            throw fail("the topic contains '\(bad)'; only letters, digits, '.', '_' and '-' are allowed")
        }
    }

    private static func isTopicCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    private static func parseBroker(_ part: Substring, fail: (String) -> KafkaError) throws(KafkaError) -> Broker {
        if part.isEmpty { throw fail("the broker list has an empty entry") }
        let host: Substring
        let portText: Substring?
        if part.hasPrefix("[") {
            guard let close = part.firstIndex(of: "]") else {
                throw fail("'\(part)' opens '[' but does not close it")
            }
            host = part[part.index(after: part.startIndex)..<close]
            let after = part[part.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                throw fail("'\(part)' has '\(after)' after the IPv6 address")
            }
            if host.isEmpty || !host.contains(":")
                || !host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
                throw fail("'\(host)' is not an IPv6 address")
            }
        } else {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            if pieces.count > 2 {
                throw fail("'\(part)' has more than one ':'; write IPv6 addresses in brackets, e.g. [::1]:9092")
            }
            host = pieces[0]
            portText = pieces.count == 2 ? pieces[1] : nil
            if host.isEmpty { throw fail("'\(part)' has no host") }
            let hostOK = host.unicodeScalars.allSatisfy { c in
                switch c {
                case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": return true
                default: return false
                }
            }
            if !hostOK || host.hasPrefix("-") || host.hasPrefix(".") {
                throw fail("'\(host)' is not a valid host name")
            }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), let value = Int(portText),
                  portText.allSatisfy(\.isNumber), (1...65535).contains(value) else {
                throw fail("the port '\(portText)' of '\(part)' is not a number from 1 to 65535")
            }
            port = value
        }
        return Broker(host: String(host), port: port)
    }
}
