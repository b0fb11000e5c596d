import ZooPipe

/// What a `produce` run does: where, how much, how fast, which records and
/// which producer settings. Every field has the default the CLI documents.
///
/// Encoded (in results and workload files) with the CLI's flag names as keys
/// and the CLI's value syntax (`duration: 30s`, `record-size: uniform:100-1000`).
public struct ProduceWorkload: Sendable, Hashable {
    /// A name for the run, used in result file names. Default `produce`.
    public var name = "produce"
    /// Topic produced to. Default `zoobench`.
    public var topic = "zoobench"
    /// Partitions when zoobench creates the topic. Default 6.
    public var partitions: Int32 = 6
    /// Replication factor when zoobench creates the topic. Default 1.
    public var replicationFactor: Int16 = 1
    /// Acknowledgement level. Default all (-1).
    public var acks: Acks = .all
    /// Records to send after warm-up, across producers. Nil with a duration;
    /// when neither is set, 1,000,000.
    public var numRecords: Int?
    /// How long to send after warm-up. Nil: bounded by `numRecords`.
    public var duration: Duration?
    /// Records per second in total; nil (or -1 on the command line) is unlimited.
    public var throughput: Double?
    /// Warm-up time before measuring, excluded from the main figures.
    public var warmup: Duration?
    /// Warm-up records before measuring (per run, across producers).
    public var warmupRecords: Int?
    /// Value sizes. Default 100 bytes.
    public var recordSize: RecordSizeDistribution = .fixed(100)
    /// What values contain. Default random bytes.
    public var payload: PayloadKind = .random
    /// Target fraction (0–1) of repeated bytes in random payloads. Default 0.
    public var compressibility = 0.0
    /// Separator of records in a payload file. Default a newline.
    public var payloadDelimiter = "\n"
    /// Record keys. Default none.
    public var keys: KeyDistribution = .none
    /// Headers per record. Default 0.
    public var headers = 0
    /// Producers, each with its own librdkafka handle on its own thread. Default 1.
    public var producers = 1
    /// Topics the producers share out, each with ``partitions`` partitions
    /// (OMB's `topics`): ``topicNames``; producer i writes to topic i mod
    /// topics. Default 1. Produce runs only.
    public var topics = 1

    /// The topics written: ``topic``, then `topic-2` … `topic-N`.
    public var topicNames: [String] { [topic] + (topics > 1 ? (2...topics).map { "\(topic)-\($0)" } : []) }
    /// e2e (records stamped for consumers) reads one topic: its integrity
    /// ledger is kept by partition.
    public func checkOneTopic() throws(WorkloadError) {
        if topics > 1 {
            throw .invalid("topics \(topics): e2e reads one topic (its integrity ledger is by partition); produce to several with zoobench produce or sweep")
        }
    }

    /// The topic producer `index` writes to.
    public func topic(ofProducer index: Int) -> String { index % topics == 0 ? topic : "\(topic)-\(index % topics + 1)" }
    /// `linger.ms`; nil keeps librdkafka's 5 ms.
    public var lingerMs: Double?
    /// `batch.size` in bytes; nil keeps librdkafka's default.
    public var batchSize: Int?
    /// Compression codec. Default none.
    public var compression: CompressionCodec = .none
    /// `enable.idempotence`. Default off.
    public var idempotence = false
    /// A transactional id: records are sent in transactions of `transactionSize`.
    public var transactionalID: String?
    /// Records per transaction. Default 1000 when a transactional id is set.
    public var transactionSize: Int?
    /// Delivery timeout per record. Default 30 s.
    public var deliveryTimeout: Duration = .seconds(30)
    /// How long to wait for the cluster to answer. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// Timeline interval. Default 1 s.
    public var interval: Duration = .seconds(1)
    /// Faults to inject into the embedded cluster, timed from the start of
    /// sending (workload files: `fault`, a list of the `--fault` texts).
    public var faults: [FaultSpec] = []
    /// Changes of the producers' rate on the same timeline (`--fault "at=5s
    /// rate 3x for=2s"`, written with the faults); they need a fixed rate.
    public var bursts: [RateBurst] = []
    /// Consumers leaving their groups on the same timeline (e2e only:
    /// `--fault "at=5s consumer leave 1"` or `"at=8s consumer join 2"`, written with the faults).
    public var consumerChanges: [ConsumerChange] = []
    /// librdkafka properties passed verbatim (`-X key=value`); they win.
    public var properties: [String: String] = [:]

    public init() {}

    /// The largest record the producers may send: librdkafka's
    /// `message.max.bytes` as given with `-X`, or its default.
    public var messageMaxBytes: Int { properties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000 }

    /// The longest duration or warm-up a run may ask for.
    public static let longestDuration = Duration.seconds(30 * 86_400)
    /// The shortest duration a run may ask for: less measures nothing.
    public static let shortestDuration = Duration.milliseconds(100)
    /// The most records a run may ask for (sent or warm-up): 10^14, more
    /// than 30 days at a billion records a second.
    public static let mostRecords = 100_000_000_000_000
    /// The most timeline intervals a run may have (each kept in memory and
    /// in the result): 11.6 days of 1 s intervals, 30 days of 3 s ones.
    public static let mostIntervals = 1_000_000
    /// The slowest rate a run may ask for: a record every 1000 s.
    public static let slowestThroughput = 0.001
    /// The most partitions zoobench creates a topic with. Measured here
    /// (debug build, embedded cluster): 10,000 take 216 MB and 9 s to set
    /// up a produce run, 20,000 took 405 MB and 23 s, 100,000 went past 9 GB.
    public static let mostPartitions: Int32 = 10_000

    /// How long a run measures when neither a count nor a duration is given.
    public static let defaultDuration = Duration.seconds(10)
    /// Its warm-up, unless a warm-up is given.
    public static let defaultWarmup = Duration.seconds(2)

    /// The record count bound in force (nil: the run is bounded by its duration).
    public var recordLimit: Int? { numRecords }

    /// The workload with the default bounds where none is given: neither a
    /// record count nor a duration measures ``defaultDuration`` after
    /// ``defaultWarmup`` (unless a warm-up is given). A sub-second run of a
    /// fixed count measures one partial interval; ten seconds give a timeline.
    public func withDefaultBounds() -> ProduceWorkload {
        guard numRecords == nil && duration == nil else { return self }
        var workload = self
        workload.duration = Self.defaultDuration
        if warmup == nil && warmupRecords == nil { workload.warmup = Self.defaultWarmup }
        return workload
    }

    /// The most bytes a record adds to its value on the way to the broker:
    /// librdkafka counts the key, the headers and 36 bytes of framing against
    /// `message.max.bytes` (`rd_kafka_msg_max_wire_size`), and so does this
    /// check; `stamped` adds the `zb.seq` header of an e2e run.
    public func largestRecordFraming(stamped: Bool) -> Int {
        let framing = 36
        let key: Int
        switch keys {
        case .none: key = 0
        case .sequential: key = 20
        case .uniform(let count), .zipf(let count, _): key = "key-\(max(0, count - 1))".utf8.count
        }
        // Each header: its name's length, name (h0…h63), value's length, 8-digit value. Counted for at
        // most the 64 headers a workload may have (validate() refuses more), so no count is too many.
        let count = min(max(0, headers), 64)
        let headerBytes = count * (1 + 2 + 1 + 8) + max(0, count - 10)
        let stamp = stamped ? 1 + SequenceStamp.headerName.utf8CodeUnitCount + 1 + SequenceStamp.size : 0
        return framing + key + headerBytes + stamp
    }

    /// Checks the numbers make sense and librdkafka accepts every property;
    /// the message names the setting. `stamped`: the records carry an e2e
    /// run's `zb.seq` header.
    public func validate(stamped: Bool = false) throws(WorkloadError) {
        try RateBurst.check(bursts, throughput: throughput, requireRate: false)
        // zoobench's own bounds first, so an out-of-range value is named as given, not as librdkafka sees it.
        if partitions < 1 || partitions > Self.mostPartitions {
            throw .invalid("partitions must be 1 to \(Self.mostPartitions), not \(partitions)")
        }
        if let batchSize, !(1...Int(Int32.max)).contains(batchSize) {
            throw .invalid("batch-size must be 1 to 2147483647 bytes, not \(batchSize)")
        }
        if let duration, duration > Self.longestDuration { throw .invalid("duration must be at most 30 days") }
        if let warmup, warmup > Self.longestDuration { throw .invalid("warmup must be at most 30 days") }
        if let warmup, warmup < .zero { throw .invalid("warmup must be 0 or more") }
        if deliveryTimeout <= .zero || deliveryTimeout > .seconds(86_400) {
            throw .invalid("timeout must be more than 0 and at most 24h, not \(DurationText.format(deliveryTimeout))")
        }
        if connectTimeout <= .zero || connectTimeout > .seconds(3_600) {
            throw .invalid("connect-timeout must be more than 0 and at most 1h, not \(DurationText.format(connectTimeout))")
        }
        if interval > .seconds(3_600) { throw .invalid("interval must be at most 1h") }
        if let throughput, throughput > 1e9 { throw .invalid("throughput must be at most 1e9 records/s, not \(throughput)") }
        if let transactionalID, transactionalID.isEmpty { throw .invalid("transactional-id must not be empty") }
        if properties["transactional.id"] != nil {
            throw .invalid("transactional.id is set with --transactional-id ID (and --transaction-size N), not -X: "
                + "zoobench begins and commits the transactions, one id per producer")
        }
        if let lingerMs, !(0...900_000).contains(lingerMs) { throw .invalid("linger-ms must be 0 to 900000, not \(lingerMs)") }
        do {
            try producerConfiguration(producerIndex: 0).validate(acks: acks, deliveryTimeout: deliveryTimeout)
        } catch {
            throw .invalid(error.description)
        }
        if let numRecords, numRecords < 1 || numRecords > Self.mostRecords {
            throw .invalid("num-records must be 1 to \(Self.mostRecords), not \(numRecords)")
        }
        if let duration, duration < Self.shortestDuration {
            throw .invalid("duration must be at least \(DurationText.format(Self.shortestDuration)), not \(DurationText.format(duration))")
        }
        if let throughput, !(throughput >= Self.slowestThroughput && throughput.isFinite) {
            throw .invalid("throughput must be at least \(trim(Self.slowestThroughput)) records/s (or -1 for unlimited), not \(throughput)")
        }
        if let warmupRecords, warmupRecords < 0 || warmupRecords > Self.mostRecords {
            throw .invalid("warmup-records must be 0 to \(Self.mostRecords), not \(warmupRecords)")
        }
        if warmup != nil && warmupRecords != nil { throw .invalid("give warmup or warmup-records, not both") }
        if recordSize.maximum > 100 * 1024 * 1024 { throw .invalid("record-size \(recordSize) can exceed 100 MiB") }
        if case .uniform(let low, _) = recordSize, low < 0 { throw .invalid("record-size must be 0 or more") }
        if case .fixed(let size) = recordSize, size < 0 { throw .invalid("record-size must be 0 or more") }
        if !(0...1).contains(compressibility) { throw .invalid("compressibility must be 0.0 to 1.0, not \(compressibility)") }
        if payloadDelimiter.isEmpty { throw .invalid("payload-delimiter must not be empty") }
        if headers < 0 || headers > 64 { throw .invalid("headers must be 0 to 64, not \(headers)") }
        let framing = largestRecordFraming(stamped: stamped)
        if recordSize.maximum + framing > messageMaxBytes {
            throw .invalid("record-size \(recordSize) plus up to \(framing) bytes of key, headers and framing can exceed "
                + "message.max.bytes (\(messageMaxBytes)); raise it with -X message.max.bytes=… or send at most "
                + "\(messageMaxBytes - framing) bytes")
        }
        if producers < 1 || producers > 256 { throw .invalid("producers must be 1 to 256, not \(producers)") }
        if topics < 1 || topics > 256 { throw .invalid("topics must be 1 to 256, not \(topics)") }
        if producers < topics {
            throw .invalid("\(topics) topics need at least as many producers (each writes to one topic), not \(producers)")
        }
        if stamped { try checkOneTopic() }
        if topics > 1 && Int(partitions) * topics > Int(Self.mostPartitions) {
            throw .invalid("\(topics) topics of \(partitions) partitions are \(Int(partitions) * topics) partitions; at most \(Self.mostPartitions)")
        }
        if replicationFactor < 1 { throw .invalid("replication-factor must be at least 1, not \(replicationFactor)") }
        if let batchSize, batchSize < 1 { throw .invalid("batch-size must be at least 1") }
        if let transactionSize, transactionSize < 1 { throw .invalid("transaction-size must be at least 1") }
        if transactionSize != nil && transactionalID == nil { throw .invalid("transaction-size needs a transactional-id") }
        if interval < .milliseconds(10) { throw .invalid("interval must be at least 10ms") }
        // A count sent at a rate takes a known time: at most what a duration may be.
        if let throughput, let numRecords, Double(numRecords + (warmupRecords ?? 0)) / throughput > DurationText.seconds(Self.longestDuration) {
            throw .invalid("\(numRecords) records at \(trim(throughput)) records/s take more than 30 days")
        }
        if let duration, (duration + (warmup ?? .zero)) / interval > Double(Self.mostIntervals) {
            throw .invalid("\(DurationText.formatBound(duration + (warmup ?? .zero))) of \(DurationText.format(interval)) intervals is more than "
                + "\(Self.mostIntervals) intervals; use a longer interval")
        }
        if let problem = RunName.problem(name) { throw .invalid(problem) }
        do {
            try KafkaURI.validateTopic(topic)
        } catch {
            throw .invalid(error.description)
        }
    }

    /// The typed producer configuration of producer number `producerIndex`
    /// (each transactional producer needs an id of its own).
    public func producerConfiguration(producerIndex: Int) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration()
        configuration.client.clientID = "zoobench"
        configuration.client.connectTimeout = connectTimeout
        configuration.client.properties = properties
        configuration.linger = lingerMs.map { .nanoseconds(Int64($0 * 1_000_000)) }
        configuration.batchSize = batchSize
        configuration.compression = compression
        configuration.idempotence = idempotence || transactionalID != nil
        // librdkafka's own counters of what went over the wire, read at the end of the run.
        configuration.statisticsInterval = .milliseconds(250)
        if let transactionalID {
            configuration.client.properties["transactional.id"] = producers == 1 ? transactionalID : "\(transactionalID)-\(producerIndex)"
        }
        return configuration
    }
}
