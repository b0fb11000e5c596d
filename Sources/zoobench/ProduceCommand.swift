import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench produce`: send records as fast as the client can and measure
/// throughput and send-to-acknowledgement latency.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Measure producer throughput and latency.",
        discussion: """
            Sends --num-records records of --record-size bytes and waits for every \
            delivery report. Latency is send → acknowledgement per record, recorded in \
            an HdrHistogram (3 significant digits). The delivered count is checked \
            against the growth of the topic's end offsets on the broker.

            Example: zoobench produce --acks=-1 --num-records 1000000
            """
    )

    @OptionGroup var target: TargetOptions

    @Option(name: .long, help: ArgumentHelp("Acknowledgements: 0, 1, -1 or all.", valueName: "0|1|-1|all"))
    var acks: Acks = .all

    @Option(name: .long, help: "Records to send, across all producers.")
    var numRecords: Int = 1_000_000

    @Option(name: .long, help: ArgumentHelp("Bytes per record value.", valueName: "bytes"))
    var recordSize: Int = 100

    @Option(name: .long, help: "Producers, each with its own librdkafka handle and thread.")
    var producers: Int = 1

    @Option(name: .long, help: ArgumentHelp("linger.ms (librdkafka default 5).", valueName: "ms"))
    var lingerMs: Double?

    @Option(name: .long, help: ArgumentHelp("batch.size in bytes (librdkafka default 1000000).", valueName: "bytes"))
    var batchSize: Int?

    @Option(name: .long, help: "Compression codec.")
    var compression: CompressionCodec = .none

    @Option(name: [.customShort("X"), .customLong("producer-props")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties passed verbatim; later ones win.", valueName: "key=value"))
    var properties: [PropertyArgument] = []

    @Option(name: .long, help: ArgumentHelp("Delivery timeout per record (message.timeout.ms).", valueName: "duration"))
    var timeout: DurationArgument = DurationArgument(argument: "30s")!

    @Option(name: .long, help: ArgumentHelp("How long to wait for the cluster to answer.", valueName: "duration"))
    var connectTimeout: DurationArgument = DurationArgument(argument: "10s")!

    func validate() throws {
        if let lingerMs, !(0...900_000).contains(lingerMs) {
            throw ValidationError("--linger-ms must be 0 to 900000, not \(lingerMs)")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if timeout.duration <= .zero { throw ValidationError("--timeout must be more than 0") }
    }

    func run() throws {
        let (brokers, topic) = try target.resolved()
        var workload = ProduceWorkload()
        workload.topic = topic
        workload.partitions = target.partitions
        workload.replicationFactor = target.replicationFactor
        workload.acks = acks
        workload.numRecords = numRecords
        workload.recordSize = recordSize
        workload.producers = producers
        workload.linger = lingerMs.map { .nanoseconds(Int64($0 * 1_000_000)) }
        workload.batchSize = batchSize
        workload.compression = compression
        workload.deliveryTimeout = timeout.duration
        workload.connectTimeout = connectTimeout.duration
        for property in properties { workload.properties[property.key] = property.value }
        try workload.validate()

        let bench = try BenchTarget(brokers: brokers, topic: workload.topic, partitions: workload.partitions,
                                    replicationFactor: workload.replicationFactor,
                                    connectTimeout: workload.connectTimeout)
        let partitionCount = bench.topic?.partitions.count ?? 0
        switch bench.kind {
        case .embedded:
            print("target    embedded cluster, \(bench.metadata.brokers.count) brokers at \(bench.uri.bootstrapServers); "
                + "topic \(topic) (\(partitionCount) partitions)")
            print("note      the embedded cluster runs in this process and does not replicate: these figures measure "
                + "the client, not a cluster's capacity (acks=-1 costs what acks=1 does here)")
        case .external:
            print("target    \(bench.uri.bootstrapServers), \(bench.metadata.brokers.count) brokers; topic \(topic) "
                + "(\(partitionCount) partitions\(bench.createdTopic ? ", created" : ""))")
        }
        print("workload  \(workload.numRecords) records of \(workload.recordSize) B, acks=\(workload.acks), "
            + "\(workload.producers) producer(s), compression \(workload.compression)")

        let before = try bench.admin.endOffsetTotal(topic: topic)
        let outcome = try ProducerSwarm(workload: workload, target: bench.uri).run()
        let after = try bench.admin.endOffsetTotal(topic: topic)

        print(ProduceSummary.perfTestLine(outcome))
        print(ProduceSummary.table(outcome))
        let growth = after - before
        if growth == Int64(outcome.delivered) {
            print("check     broker end offsets grew by \(growth): matches records delivered")
        } else {
            print("check     broker end offsets grew by \(growth) but \(outcome.delivered) records were delivered"
                + (acks == .none ? " (acks=0: the client cannot know what the broker kept)" : ""))
        }
        if outcome.failed > 0 {
            throw KafkaError.deliveryFailed(
                count: outcome.failed,
                reason: outcome.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                    .joined(separator: ", "))
        }
    }
}
