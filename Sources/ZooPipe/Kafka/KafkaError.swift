import CRdKafka

/// Every failure ZooPipe reports. One type, with cases people can act on.
///
/// The `description` of each case is one line that names the input and, where
/// there is one, the fix; the CLI prints it as it is.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `kafka://` URI that does not parse; `reason` says what is wrong.
    case invalidURI(String, reason: String)
    /// A configuration value or property librdkafka (or zoobench) rejected.
    case invalidConfiguration(String)
    /// No broker of `brokers` answered within the connect timeout.
    case connectionFailed(brokers: String, underlying: String)
    /// A broker answered but the client cannot talk to it (e.g. the ApiVersions
    /// handshake failed); `broker` names it, `reason` says why.
    case incompatibleBroker(broker: String, reason: String)
    /// The topic does not exist and automatic creation is off.
    case topicNotFound(String)
    /// Messages were not delivered: `count` failed since the last flush, the
    /// first with `reason`.
    case deliveryFailed(count: Int, reason: String)
    /// An operation did not finish in time.
    case timeout(operation: String, seconds: Double)
    /// Any other librdkafka error: its symbolic name (e.g. `_TRANSPORT`) and text.
    case librdkafka(name: String, message: String)

    public var description: String {
        switch self {
        case .invalidURI(let input, let reason):
            return "invalid Kafka URI '\(redactingUserInfo(input))': \(reason) (expected kafka://host:port/topic or kafka://h1:9092,h2:9092/topic)"
        case .invalidConfiguration(let message):
            return "invalid configuration: \(message)"
        case .connectionFailed(let brokers, let underlying):
            return "cannot reach Kafka at \(brokers): \(underlying) (is a broker running there? check --brokers / the URI)"
        case .incompatibleBroker(let broker, let reason):
            return "broker \(broker) is not compatible with librdkafka \(KafkaVersion.librdkafka): \(reason)"
        case .topicNotFound(let topic):
            return "topic '\(topic)' does not exist and automatic topic creation is off (create it first, or allow auto-creation)"
        case .deliveryFailed(let count, let reason):
            return "\(count) message(s) were not delivered: \(reason)"
        case .timeout(let operation, let seconds):
            return "\(operation) did not finish within \(formatSeconds(seconds))"
        case .librdkafka(let name, let message):
            return "librdkafka error \(name): \(message)"
        }
    }

    /// Builds the wrapped-librdkafka case from a response error code.
    static func from(_ code: rd_kafka_resp_err_t) -> KafkaError {
        .librdkafka(name: rdErrorName(code), message: rdErrorText(code))
    }
}

/// The symbolic name librdkafka gives `code` (for example `_MSG_TIMED_OUT`).
func rdErrorName(_ code: rd_kafka_resp_err_t) -> String {
    String(cString: rd_kafka_err2name(code))
}

/// The human text librdkafka gives `code`.
func rdErrorText(_ code: rd_kafka_resp_err_t) -> String {
    String(cString: rd_kafka_err2str(code))
}

private func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
}

/// Versions of the libraries zoobench is built on.
public enum KafkaVersion {
    /// The librdkafka version linked at run time, e.g. `2.0.2`.
    public static var librdkafka: String { String(cString: rd_kafka_version_str()) }

    /// The linked librdkafka's version as (major, minor, revision), from
    /// `rd_kafka_version()` (hex `MMmmrrxx`).
    public static var librdkafkaNumber: (major: Int, minor: Int, revision: Int) {
        let hex = Int(rd_kafka_version())
        return ((hex >> 24) & 0xff, (hex >> 16) & 0xff, (hex >> 8) & 0xff)
    }

    /// Whether the linked librdkafka is at least `major.minor.revision`.
    public static func librdkafkaAtLeast(_ major: Int, _ minor: Int, _ revision: Int = 0) -> Bool {
        let v = librdkafkaNumber
        return (v.major, v.minor, v.revision) >= (major, minor, revision)
    }

    /// What the linked librdkafka was built with (its `builtin.features`
    /// property: `gzip`, `snappy`, `ssl`, `sasl_oauthbearer`, `zstd`, `lz4`,
    /// `http`, …), read once from a fresh configuration.
    public static let builtinFeatures: [String] = {
        guard let conf = rd_kafka_conf_new() else { return [] }
        defer { rd_kafka_conf_destroy(conf) }
        var size = 0
        guard rd_kafka_conf_get(conf, "builtin.features", nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, "builtin.features", &buffer, &size) == RD_KAFKA_CONF_OK else { return [] }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.split(separator: ",").map(String.init)
    }()

    /// Whether the linked librdkafka was built with `feature` (see `builtinFeatures`).
    public static func has(_ feature: String) -> Bool { builtinFeatures.contains(feature) }
}
