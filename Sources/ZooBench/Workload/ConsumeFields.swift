import ZooPipe

extension ConsumeWorkload: WorkloadFieldTable, Codable {
    /// Every field of a consume workload (a consume workload file, the
    /// consumer flags of consume and e2e, results), in the order written.
    public static let fields: [WorkloadField<ConsumeWorkload>] = [
        .text("name", \.name, help: "Run name, used in result file names. Default consume."),
        .text("topic", \.topic, help: "Topic. Default zoobench."),
        .integer("consumers", \.consumers, help: "Consumers per group, each its own librdkafka handle and thread. Default 1."),
        .text("group", \.group, help: "Consumer group. Default a generated zoobench-… name (so reading starts fresh)."),
        .integer("groups", \.groups, help: "Independent consumer groups, each reading everything. Default 1."),
        WorkloadField("partitions", valueName: "0,1,…", help: "Simple consumers of these partitions, no group.",
                      read: { workload, input throws(WorkloadError) in
                          var list: [Int32] = []
                          for item in input.text.split(separator: ",", omittingEmptySubsequences: false) {
                              guard let value = Int32(item.trimmingCharacters(in: .whitespaces)) else {
                                  throw input.bad("a list of partition numbers such as 0,1,2")
                              }
                              list.append(value)
                          }
                          workload.partitions = list
                      },
                      write: { $0.partitions.map { .text($0.map(String.init).joined(separator: ",")) } }),
        WorkloadField("from", valueName: "earliest|latest|offset",
                      help: "Where to start without a committed offset. Default earliest.",
                      read: { workload, input throws(WorkloadError) in
                          switch input.text {
                          case "earliest", "beginning": workload.from = .earliest
                          case "latest", "end": workload.from = .latest
                          default:
                              guard let offset = Int64(input.text), offset >= 0 else { throw input.bad("earliest, latest or an offset") }
                              workload.from = .offset(offset)
                          }
                      },
                      write: { .text($0.from.description) }),
        .integer("num-records", \.numRecords, help: "Stop after this many records (per group)."),
        .duration("duration", \.duration,
                  help: "Stop this long after the warm-up. Default 10s after a 2s warm-up, unless --num-records, --until-end or --backlog bounds the run."),
        .duration("warmup", \.warmup, help: "Read this long after the first record before measuring (counted apart). Default 2s with the default duration."),
        .flag("until-end", \.untilEnd, help: "Stop at the end of the topic as it was at the start (its high watermarks)."),
        .duration("idle-timeout", \.idleTimeout, help: "How long a consumer may see no record before it is done. Default 10s."),
        .duration("join-timeout", \.joinTimeout, help: "The longest a consumer may take to join its group. Default 30s."),
        .duration("commit-interval", \.commitInterval,
                  help: "Commit synchronously this often and time each commit (group mode). Default: librdkafka's auto-commit, untimed."),
        .duration("interval", \.interval, help: "Timeline interval. Default 1s."),
        .duration("connect-timeout", \.connectTimeout, help: "How long to wait for the cluster. Default 10s."),
        WorkloadField("backlog", valueName: "size",
                      help: "First produce about this many value bytes, then measure the drain (implies --until-end).",
                      read: { workload, input throws(WorkloadError) in
                          guard let value = ByteCount.parse(input.text) else { throw input.bad("a size such as 500MB") }
                          workload.backlog = value
                      },
                      write: { $0.backlog.map(FieldValue.integer) }),
        WorkloadField("backlog-record-size", valueName: "size", help: "Value size of backlog records. Default 100.",
                      read: { workload, input throws(WorkloadError) in
                          guard let value = ByteCount.parse(input.text) else { throw input.bad("a size such as 100 or 1k") }
                          workload.backlogRecordSize = value
                      },
                      write: { .integer($0.backlogRecordSize) }),
        WorkloadField("backlog-partitions", help: "Partitions of the backlog topic zoobench creates. Default: about 3 MiB of values each.",
                      read: { workload, input throws(WorkloadError) in
                          let value = try input.integer()
                          guard (1...Int(ConsumeWorkload.mostBacklogPartitions)).contains(value) else {
                              throw .invalid("backlog-partitions must be 1 to \(ConsumeWorkload.mostBacklogPartitions), not \(value)")
                          }
                          workload.backlogPartitions = Int32(value)
                      },
                      write: { $0.backlogPartitions.map { .integer(Int($0)) } }),
    ]

    public static let propertiesKey = "consumer-props"

    public init(from decoder: any Decoder) throws {
        try self.init(fieldsFrom: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeFields(to: encoder)
    }
}
