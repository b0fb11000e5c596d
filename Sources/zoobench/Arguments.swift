import ArgumentParser
import ZooBench
import ZooPipe

extension Acks: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["0", "1", "-1", "all"] }
}

extension CompressionCodec: ExpressibleByArgument {}

/// A duration flag value such as `5s`, `500ms` or `2m`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init?(argument: String) {
        guard let duration = DurationText.parse(argument) else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String { DurationText.format(duration) }
}

/// A `key=value` librdkafka property (`-X linger.ms=5`).
struct PropertyArgument: ExpressibleByArgument, Sendable {
    var key: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }
}

/// Where a run goes: an external cluster or, by default, the embedded one.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Bootstrap brokers (host:port,…). Without it (and without --uri) an embedded cluster is started.",
        valueName: "host:port,…"))
    var brokers: String?

    @Option(name: .long, help: ArgumentHelp("Broker list and topic as one URI.", valueName: "kafka://host:port/topic"))
    var uri: String?

    @Option(name: .long, help: "Topic to use (created if missing).")
    var topic: String = "zoobench"

    @Option(name: .long, help: "Partitions when zoobench creates the topic.")
    var partitions: Int32 = 6

    @Option(name: .long, help: "Replication factor when zoobench creates the topic.")
    var replicationFactor: Int16 = 1

    func validate() throws {
        if brokers != nil && uri != nil {
            throw ValidationError("give --brokers or --uri, not both")
        }
        if let brokers, brokers.isEmpty { throw ValidationError("--brokers is empty") }
    }

    /// Bootstrap list (nil: embedded) and topic, from --uri or --brokers/--topic.
    func resolved() throws -> (brokers: String?, topic: String) {
        if let uri {
            let parsed = try KafkaURI(uri)
            return (parsed.bootstrapServers, parsed.topic)
        }
        return (brokers, topic)
    }
}
