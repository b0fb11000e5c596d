import ZooPipe

extension ProduceWorkload: WorkloadFieldTable, Codable {
    /// Every field of a produce workload: flags, workload files, results and
    /// sweep axes read and write it through this table (in this order).
    public static let fields: [WorkloadField<ProduceWorkload>] = [
        .text("name", \.name, help: "Run name, used in result file names."),
        .text("topic", \.topic, help: "Topic. Default zoobench."),
        WorkloadField("partitions", help: "Partitions when zoobench creates the topic. Default 6.",
                      read: { workload, input throws(WorkloadError) in
                          let value = try input.integer()
                          guard (1...Int(ProduceWorkload.mostPartitions)).contains(value) else {
                              throw .invalid("partitions must be 1 to \(ProduceWorkload.mostPartitions), not \(value)")
                          }
                          workload.partitions = Int32(value)
                      },
                      write: { .integer(Int($0.partitions)) }),
        WorkloadField("replication-factor", help: "Replication factor when zoobench creates the topic. Default 1.",
                      read: { workload, input throws(WorkloadError) in
                          let value = try input.integer()
                          guard (1...Int(Int16.max)).contains(value) else {
                              throw .invalid("replication-factor must be 1 to \(Int16.max), not \(value)")
                          }
                          workload.replicationFactor = Int16(value)
                      },
                      write: { .integer(Int($0.replicationFactor)) }),
        .parsed("acks", \.acks, valueName: "0|1|-1|all", allowed: ["0", "1", "-1", "all"], expected: "0, 1, -1 or all",
                help: "Acknowledgements: 0, 1, -1 or all. Default -1.", parse: Acks.init(parsing:),
                written: { .integer($0.rawValue) }),
        .integer("num-records", \.numRecords, help: "Records to send after warm-up. Without it or --duration a run sends for 10s after a 2s warm-up."),
        .duration("duration", \.duration, help: "Send for this long after warm-up (30s, 2m). Default 10s unless --num-records."),
        WorkloadField("throughput", valueName: "rate", help: "Records per second in total; -1 is unlimited (default).",
                      read: { workload, input throws(WorkloadError) in
                          let value = try input.number()
                          workload.throughput = value == -1 ? nil : value
                      },
                      write: { .number($0.throughput ?? -1) }),
        .duration("warmup", \.warmup, help: "Warm-up time, reported apart from the main figures. Default 2s when neither --num-records nor --duration is given."),
        .integer("warmup-records", \.warmupRecords, help: "Warm-up records, reported apart from the main figures."),
        .parsed("record-size", \.recordSize, valueName: "size", expected: "a size, uniform:MIN-MAX or normal:MEAN,SD",
                help: "Value size: 100, 1k, uniform:100-1000 or normal:500,50. Default 100.",
                parse: RecordSizeDistribution.init(parsing:)),
        .parsed("payload", \.payload, valueName: "kind", expected: "random, text, json or file:PATH",
                help: "random, text, json or file:PATH. Default random.", parse: PayloadKind.init(parsing:)),
        .number("compressibility", \.compressibility, valueName: "fraction",
                help: "Fraction of repeated bytes in random payloads, 0.0–1.0. Default 0."),
        .text("payload-delimiter", \.payloadDelimiter, valueName: "text",
              help: "Record separator in a payload file. Default a newline."),
        .parsed("keys", \.keys, valueName: "keys", expected: "none, uniform:K, zipf:K,S or sequential",
                help: "none, uniform:K, zipf:K,S or sequential. Default none.", parse: KeyDistribution.init(parsing:)),
        .integer("headers", \.headers, help: "Headers per record. Default 0."),
        .integer("producers", \.producers, help: "Producers, each its own librdkafka handle and thread. Default 1."),
        .number("linger-ms", \.lingerMs, valueName: "ms", help: "linger.ms (librdkafka default 5)."),
        .integer("batch-size", \.batchSize, valueName: "bytes", help: "batch.size in bytes (16k, 1m …)."),
        .choice("compression", \.compression, text: \.rawValue, written: { .text($0.rawValue) },
                help: "none, gzip, snappy, lz4 or zstd. Default none."),
        .flag("idempotence", \.idempotence, help: "Idempotent producers (enable.idempotence)."),
        .text("transactional-id", \.transactionalID, valueName: "id",
              help: "Send in transactions with this id (one per producer: ID-0, ID-1 …)."),
        WorkloadField("topics", valueName: "n",
                      help: "Topics to produce to, each with --partitions partitions: the topic, then TOPIC-2 … "
                        + "TOPIC-N; producer i writes to topic i mod N, so --producers must be at least N (produce runs only). Default 1.",
                      read: { workload, input throws(WorkloadError) in workload.topics = try input.integer() },
                      // Written only when several: files and results of one topic stay as they were.
                      write: { $0.topics > 1 ? .integer($0.topics) : nil }),
        .integer("transaction-size", \.transactionSize, help: "Records per transaction. Default 1000."),
        .duration("timeout", \.deliveryTimeout, help: "Delivery timeout per record. Default 30s."),
        .duration("connect-timeout", \.connectTimeout, help: "How long to wait for the cluster. Default 10s."),
        .duration("interval", \.interval, help: "Timeline interval. Default 1s."),
        WorkloadField("fault", valueName: "spec", isList: true,
                      help: FaultKind.flagHelp(timedFrom: "sending", replacingWorkloadFile: true)
                        + " Or a change of the producers' rate on any cluster: 'at=5s rate 3x for=2s' (with --throughput);"
                        + " or, in e2e, members leaving or joining each group: 'at=5s consumer leave 1', 'at=8s consumer join 2'.",
                      read: { workload, input throws(WorkloadError) in
                          if ConsumerChange.isConsumerChange(input.text) {
                              workload.consumerChanges.append(try ConsumerChange(parsing: input.text, label: input.name))
                          } else if RateBurst.isRateChange(input.text) {
                              workload.bursts.append(try RateBurst(parsing: input.text, label: input.name))
                          } else {
                              workload.faults.append(try FaultSpec(parsing: input.text, label: input.name))
                          }
                      },
                      write: { $0.faults.isEmpty && $0.bursts.isEmpty && $0.consumerChanges.isEmpty ? nil
                          : .list($0.faults.map(\.description) + $0.bursts.map(\.description) + $0.consumerChanges.map(\.description)) },
                      clear: {
                          $0.faults = []
                          $0.bursts = []
                          $0.consumerChanges = []
                      }),
    ]

    public static let propertiesKey = "producer-props"

    public init(from decoder: any Decoder) throws {
        try self.init(fieldsFrom: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeFields(to: encoder)
    }
}
