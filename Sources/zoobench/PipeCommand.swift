import ArgumentParser
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench pipe`: move records between Kafka and files (Kafka → CSV, JSONL → Kafka).
struct PipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Move records between Kafka and files.",
        discussion: """
            --from is a kafka:// URI or a .jsonl file; --to is a kafka:// URI or a .csv file.
            Reading Kafka stops after --limit records or when no record arrives for --idle-timeout.

            Examples:
              zoobench pipe --from kafka://localhost:9092/orders --to orders.csv \\
                --group audit
              zoobench pipe --from orders.jsonl --to kafka://localhost:9092/orders
            """
    )

    @Option(name: .long, help: ArgumentHelp("Source: kafka://host:port/topic or FILE.jsonl.", valueName: "source"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("Destination: kafka://host:port/topic or FILE.csv.", valueName: "destination"))
    var to: String

    @Option(name: .long, help: "Consumer group when reading Kafka (joins and commits); none: read every partition from the start.")
    var group: String?

    @Option(name: .long, help: "Stop after this many records.")
    var limit: Int?

    @Option(name: .long, help: ArgumentHelp("Stop reading Kafka when no record came for this long.", valueName: "duration"))
    var idleTimeout: DurationArgument = DurationArgument(argument: "5s")!

    @Option(name: .long, help: ArgumentHelp("How long to wait for the cluster.", valueName: "duration"))
    var connectTimeout: DurationArgument = DurationArgument(argument: "10s")!

    @Option(name: .long, help: ArgumentHelp("Acknowledgements when writing Kafka: 0, 1, -1 or all.", valueName: "0|1|-1|all"))
    var acks: Acks = .all

    @Option(name: .long, help: "JSON field used as the record key when reading JSONL.")
    var keyField: String?

    @Option(name: [.customShort("X"), .customLong("property")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties for the Kafka side(s), passed verbatim.", valueName: "key=value"))
    var properties: [PropertyArgument] = []

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if connectTimeout.duration <= .zero || connectTimeout.duration > .seconds(3_600) {
            throw ValidationError("--connect-timeout must be more than 0 and at most 1h")
        }
        if !PipeEnd.isKafka(from) && !from.hasSuffix(".jsonl") && !from.hasSuffix(".ndjson") {
            throw ValidationError("--from '\(from)' is neither a kafka:// URI nor a .jsonl file")
        }
        if !PipeEnd.isKafka(to) && !to.hasSuffix(".csv") {
            throw ValidationError("--to '\(to)' is neither a kafka:// URI nor a .csv file")
        }
        if !PipeEnd.isKafka(to) { try OutputDestination.checkFile(to, label: "--to") }
    }

    func run() throws {
        let passthrough = Dictionary(properties.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let input = try PipeEnd.input(from, group: group, keyField: keyField, properties: passthrough,
                                      connectTimeout: connectTimeout.duration, idleTimeout: idleTimeout.duration)
        let output = try PipeEnd.output(to, acks: acks, properties: passthrough, connectTimeout: connectTimeout.duration)
        let moved = try PipeEnd.move(from: input, to: output, limit: limit)
        print("moved \(moved) records from \(from) to \(to)")
    }
}
