import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench produce`: send records and measure throughput and latency.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Measure producer throughput and latency.",
        discussion: """
            Sends records and waits for every delivery report. Latency is send → \
            acknowledgement per record in an HdrHistogram (3 significant digits); with \
            --throughput each record also has a scheduled send time and the latency from \
            it is reported too (coordinated omission corrected). The delivered count is \
            checked against the growth of the topic's end offsets on the broker.

            Flags override a --workload file; both use the same names and syntax. \
            Results go to results/<time>-<name>.json, .csv and -timeline.csv.

            Examples:
              zoobench produce --acks=-1
              zoobench produce --throughput 50000 --duration 30s --warmup 5s --record-size uniform:100-1000
              zoobench produce --workload omb-workload.yaml --brokers kafka1:9092
            """
    )

    // Target
    @Option(help: ArgumentHelp("Bootstrap brokers. Without it (or --uri) an embedded cluster is started.",
                               valueName: "host:port,…"))
    var brokers: String?
    @Option(help: ArgumentHelp("Brokers and topic as one URI.", valueName: "kafka://host:port/topic"))
    var uri: String?
    @Option(help: "Topic (created if missing). Default zoobench.") var topic: String?
    @Option(help: "Partitions when zoobench creates the topic. Default 6.") var partitions: String?
    @Option(help: "Replication factor when zoobench creates the topic. Default 1.") var replicationFactor: String?

    // Workload file and name
    @Option(help: ArgumentHelp("A workload file (zoobench YAML/JSON, or an OpenMessaging Benchmark workload).",
                               valueName: "file"))
    var workload: String?
    @Option(help: "Run name, used in result file names. Default produce.") var name: String?

    // Producer
    @Option(help: ArgumentHelp("Acknowledgements: 0, 1, -1 or all. Default -1.", valueName: "0|1|-1|all"))
    var acks: String?
    @Option(help: ArgumentHelp("batch.size in bytes (16k, 1m …).", valueName: "bytes")) var batchSize: String?
    @Option(help: ArgumentHelp("linger.ms (librdkafka default 5).", valueName: "ms")) var lingerMs: String?
    @Option(help: ArgumentHelp("none, gzip, snappy, lz4 or zstd. Default none.", valueName: "codec"))
    var compression: String?
    @Flag(help: "Idempotent producers (enable.idempotence).") var idempotence = false
    @Option(help: ArgumentHelp("Send in transactions with this id (one per producer: ID-0, ID-1 …).", valueName: "id"))
    var transactionalID: String?
    @Option(help: "Records per transaction. Default 1000.") var transactionSize: String?
    @Option(name: [.customShort("X"), .customLong("producer-props")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties, verbatim; later ones win.", valueName: "key=value"))
    var properties: [PropertyArgument] = []

    // Load shape
    @Option(help: "Producers, each its own librdkafka handle and thread. Default 1.") var producers: String?
    @Option(help: "Records to send after warm-up. Default 1000000 (unless --duration).") var numRecords: String?
    @Option(help: ArgumentHelp("Send for this long after warm-up (30s, 2m).", valueName: "duration"))
    var duration: String?
    @Option(help: ArgumentHelp("Records per second in total; -1 is unlimited (default).", valueName: "rate"))
    var throughput: String?
    @Option(help: ArgumentHelp("Warm-up time, reported apart from the main figures.", valueName: "duration"))
    var warmup: String?
    @Option(help: "Warm-up records, reported apart from the main figures.") var warmupRecords: String?

    // Records
    @Option(help: ArgumentHelp("Value size: 100, 1k, uniform:100-1000 or normal:500,50. Default 100.",
                               valueName: "size"))
    var recordSize: String?
    @Option(help: ArgumentHelp("random, text, json or file:PATH. Default random.", valueName: "kind"))
    var payload: String?
    @Option(help: ArgumentHelp("Fraction of repeated bytes in random payloads, 0.0–1.0. Default 0.",
                               valueName: "fraction"))
    var compressibility: String?
    @Option(help: ArgumentHelp("Record separator in a payload file. Default a newline.", valueName: "text"))
    var payloadDelimiter: String?
    @Option(help: ArgumentHelp("none, uniform:K, zipf:K,S or sequential. Default none.", valueName: "keys"))
    var keys: String?
    @Option(help: "Headers per record. Default 0.") var headers: String?

    // Timing and output
    @Option(help: ArgumentHelp("Delivery timeout per record. Default 30s.", valueName: "duration")) var timeout: String?
    @Option(help: ArgumentHelp("How long to wait for the cluster. Default 10s.", valueName: "duration"))
    var connectTimeout: String?
    @Option(help: ArgumentHelp("Timeline interval. Default 1s.", valueName: "duration")) var interval: String?
    @Option(help: ArgumentHelp("Folder for result files. Default results.", valueName: "dir")) var output = "results"
    @Flag(help: "Do not write result files.") var noSave = false
    @Flag(help: "Print only the summary (no interval lines); for CI.") var quiet = false
    @Flag(help: "Print the result JSON on stdout instead of the console summary.") var json = false

    func validate() throws {
        if brokers != nil && uri != nil { throw ValidationError("give --brokers or --uri, not both") }
        if let brokers, brokers.isEmpty { throw ValidationError("--brokers is empty") }
    }

    /// The workload: the file's (or the defaults), then each flag given.
    func makeWorkload() throws -> (ProduceWorkload, [String]) {
        var loaded = try workload.map { try WorkloadFile.load($0) } ?? WorkloadFile.Loaded(workload: ProduceWorkload(), notes: [])
        let flags: [(String, String?)] = [
            ("name", name), ("topic", topic), ("partitions", partitions), ("replication-factor", replicationFactor),
            ("acks", acks), ("batch-size", batchSize), ("linger-ms", lingerMs), ("compression", compression),
            ("transactional-id", transactionalID), ("transaction-size", transactionSize), ("producers", producers),
            ("num-records", numRecords), ("duration", duration), ("throughput", throughput), ("warmup", warmup),
            ("warmup-records", warmupRecords), ("record-size", recordSize), ("payload", payload),
            ("compressibility", compressibility), ("payload-delimiter", payloadDelimiter), ("keys", keys),
            ("headers", headers), ("timeout", timeout), ("connect-timeout", connectTimeout), ("interval", interval),
        ]
        for (field, value) in flags {
            if let value { try loaded.workload.set(field, to: value, label: "--\(field)") }
        }
        if idempotence { loaded.workload.idempotence = true }
        if let uri { loaded.workload.topic = try KafkaURI(uri).topic }
        // A duration on the command line replaces the default record count (but not an explicit one).
        if duration != nil && numRecords == nil { loaded.workload.numRecords = nil }
        for property in properties { loaded.workload.properties[property.key] = property.value }
        try loaded.workload.validate()
        return (loaded.workload, loaded.notes)
    }

    func run() throws {
        let startedAt = Date()
        let (workload, notes) = try makeWorkload()
        let say: (String) -> Void = json ? { _ in } : { print($0) }
        notes.forEach { say("workload  " + $0) }

        let bootstrap = try uri.map { try KafkaURI($0).bootstrapServers } ?? brokers
        let target = try BenchTarget(brokers: bootstrap, topic: workload.topic, partitions: workload.partitions,
                                     replicationFactor: workload.replicationFactor,
                                     connectTimeout: workload.connectTimeout)
        let partitionCount = target.topic?.partitions.count ?? 0
        switch target.kind {
        case .embedded:
            say("target    embedded cluster, \(target.metadata.brokers.count) brokers at \(target.uri.bootstrapServers); "
                + "topic \(workload.topic) (\(partitionCount) partitions)")
            say("note      the embedded cluster runs in this process and does not replicate: these figures measure "
                + "the client, not a cluster's capacity (acks=-1 costs what acks=1 does here)")
        case .external:
            say("target    \(target.uri.bootstrapServers), \(target.metadata.brokers.count) brokers; topic \(workload.topic) "
                + "(\(partitionCount) partitions\(target.createdTopic ? ", created" : ""))")
        }
        say("workload  " + describe(workload))

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        let before = try? target.admin.endOffsetTotal(topic: workload.topic)
        let quietIntervals = quiet || json
        let outcome = try ProducerSwarm(workload: workload, target: target.uri).run(stop: stop) { interval in
            if !quietIntervals { print(ProduceSummary.intervalLine(interval)) }
        }
        let after = try? target.admin.endOffsetTotal(topic: workload.topic)
        let growth = before.flatMap { b in after.map { $0 - b } }

        let configuration = workload.producerConfiguration(producerIndex: 0)
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, acks: workload.acks,
                                  deliveryTimeout: workload.deliveryTimeout)
        let result = RunResult(workload: workload, outcome: outcome,
                               environment: .current(target: target, producerConfiguration: configuration),
                               startedAt: startedAt, brokerOffsetGrowth: growth)
        if json {
            print(String(decoding: try ResultFiles.json(result), as: UTF8.self))
        } else {
            print(ProduceSummary.perfTestLine(result.summary))
            print(ProduceSummary.table(result))
        }
        if !noSave {
            let paths = try ResultFiles.write(result, to: output)
            say("results   " + paths.joined(separator: "  "))
        }
        if outcome.partial { throw ExitCode(130) }
        if outcome.failed > 0 || outcome.undelivered > 0 {
            throw KafkaError.deliveryFailed(
                count: outcome.failed + outcome.undelivered,
                reason: (outcome.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                    + (outcome.undelivered > 0 ? ["\(outcome.undelivered) never reported"] : []))
                    .joined(separator: ", "))
        }
    }

    private func describe(_ w: ProduceWorkload) -> String {
        var parts: [String] = []
        if let limit = w.recordLimit { parts.append("\(limit) records") }
        if let duration = w.duration { parts.append("for \(DurationText.format(duration))") }
        parts.append("of \(w.recordSize) B \(w.payload)"
            + (w.compressibility > 0 ? " (compressibility \(w.compressibility))" : ""))
        parts.append("acks=\(w.acks)")
        parts.append("\(w.producers) producer(s)")
        parts.append("compression \(w.compression)")
        if let rate = w.throughput { parts.append("at \(ProduceSummary.fixed(rate, 0)) records/s") }
        if let warmup = w.warmup { parts.append("warm-up \(DurationText.format(warmup))") }
        if let warmup = w.warmupRecords { parts.append("warm-up \(warmup) records") }
        if w.keys != .none { parts.append("keys \(w.keys)") }
        if w.headers > 0 { parts.append("\(w.headers) headers") }
        if w.idempotence { parts.append("idempotent") }
        if let id = w.transactionalID { parts.append("transactions of \(w.transactionSize ?? 1000) (\(id))") }
        return parts.joined(separator: ", ")
    }
}
