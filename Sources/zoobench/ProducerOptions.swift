import ArgumentParser
import ZooBench

/// The producer side's flags (produce, e2e, sweep, plan, swarm): one per
/// field of the engine's produce workload table, which gives each its help
/// and reads its text (``FieldFlags`` finds the ones given).
struct ProducerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A workload file (zoobench YAML/JSON, or an OpenMessaging Benchmark workload), or builtin:NAME (see zoobench workloads).",
                               valueName: "file"))
    var workload: String?
    @Option(help: .produce("name")) var name: String?
    @Option(help: .produce("partitions")) var partitions: String?
    @Option(help: .produce("topics")) var topics: String?
    @Option(help: .produce("replication-factor")) var replicationFactor: String?
    @Option(help: .produce("acks")) var acks: String?
    @Option(help: .produce("batch-size")) var batchSize: String?
    @Option(help: .produce("linger-ms")) var lingerMs: String?
    @Option(help: .produce("compression")) var compression: String?
    @Flag(help: .produce("idempotence")) var idempotence = false
    @Option(help: .produce("transactional-id")) var transactionalID: String?
    @Option(help: .produce("transaction-size")) var transactionSize: String?
    @Option(name: [.customShort("X"), .customLong("producer-props")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka producer properties, verbatim; later ones win.", valueName: "key=value"))
    var properties: [PropertyArgument] = []
    @Option(help: .produce("producers")) var producers: String?
    @Option(help: .produce("num-records")) var numRecords: String?
    @Option(help: .produce("duration")) var duration: String?
    @Option(help: .produce("throughput")) var throughput: String?
    @Option(help: .produce("warmup")) var warmup: String?
    @Option(help: .produce("warmup-records")) var warmupRecords: String?
    @Option(help: .produce("record-size")) var recordSize: String?
    @Option(help: .produce("payload")) var payload: String?
    @Option(help: .produce("compressibility")) var compressibility: String?
    @Option(help: .produce("payload-delimiter")) var payloadDelimiter: String?
    @Option(help: .produce("keys")) var keys: String?
    @Option(help: .produce("headers")) var headers: String?
    @Option(help: .produce("timeout")) var timeout: String?
    @Option(help: .produce("connect-timeout")) var connectTimeout: String?
    @Option(help: .produce("fault")) var fault: [String] = []

    /// The workload these flags (with the target's and output's) ask for.
    func request(target: TargetOptions, output: OutputOptions, defaultName: String? = nil) throws -> WorkloadRequest {
        WorkloadRequest(file: workload, fields: FieldFlags.given(ProduceWorkload.self, in: target, self, output),
                        properties: PropertyArgument.pairs(properties), uriTopic: try target.uriTopic(),
                        brokers: try target.bootstrap(), defaultName: defaultName)
    }
}

/// The consumer side's flags (consume, e2e, and e2e sweeps and plans), one
/// per field of the engine's consume workload table.
struct ConsumerOptions: ParsableArguments {
    @Option(help: .consume("consumers")) var consumers: String?
    @Option(help: .consume("group")) var group: String?
    @Option(help: .consume("groups")) var groups: String?
    @Option(help: .consume("idle-timeout")) var idleTimeout: String?
    @Option(help: .consume("join-timeout")) var joinTimeout: String?
    @Option(help: .consume("commit-interval")) var commitInterval: String?
    @Option(name: .customLong("consumer-props"), parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka consumer properties, verbatim; later ones win.", valueName: "key=value"))
    var consumerProperties: [PropertyArgument] = []

    /// These flags, and `extra` fields given under other names (e2e's --assign), as a request.
    func request(extra: [(field: String, text: String?)] = []) -> WorkloadRequest {
        WorkloadRequest(fields: FieldFlags.given(ConsumeWorkload.self, in: self) + extra.compactMap { field, text in text.map { (field, $0) } },
                        properties: PropertyArgument.pairs(consumerProperties))
    }

    /// The consumers of e2e cells and steps: these flags on the defaults.
    func workload() throws -> ConsumeWorkload { try ConsumeWorkload.load(request()) }
}

/// How a sweep's cells or a plan's steps run: producers alone, or with
/// consumers (e2e), and how much of each run the result keeps.
struct ModeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("produce (latency send → ack) or e2e (send → consume).", valueName: "produce|e2e"))
    var mode = "produce"
    @Flag(help: "Keep every run's full histograms in the JSON (large); by default the percentiles only.")
    var keepHistograms = false
    @OptionGroup(title: "Consumers (e2e mode)") var consumer: ConsumerOptions

    var runMode: RunMode { RunMode(rawValue: mode) ?? .produce }

    func validate() throws {
        if RunMode(rawValue: mode) == nil { throw ValidationError("--mode: '\(mode)' is not produce or e2e") }
    }
}
