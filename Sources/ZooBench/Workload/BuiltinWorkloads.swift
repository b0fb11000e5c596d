/// Workloads that come with zoobench, run by name (`--workload builtin:NAME`)
/// and printed as workload files (`zoobench workloads show NAME`). Each is the
/// text of a workload file, so what `show` prints is exactly what runs.
public struct BuiltinWorkload: Sendable, Hashable {
    /// The name after `builtin:`.
    public var name: String
    /// The command it is meant for: `produce` or `e2e`.
    public var command: String
    /// One line on what it measures.
    public var summary: String
    /// The workload file's fields (YAML), without the header comment.
    public var fields: String

    /// The workload file: a comment saying what it is and how to run it, then the fields.
    public var text: String {
        "# \(name): \(summary)\n# zoobench \(command) --workload builtin:\(name)\n" + fields
    }

    /// `builtin:NAME`, as `--workload` takes it.
    public static let prefix = "builtin:"

    /// The builtin a `--workload` value names, if it has the prefix; an
    /// unknown name is an error that lists the known ones.
    public static func named(_ reference: String) throws(WorkloadError) -> BuiltinWorkload? {
        guard reference.hasPrefix(prefix) else { return nil }
        let name = String(reference.dropFirst(prefix.count))
        guard let workload = all.first(where: { $0.name == name }) else {
            throw .invalid("no builtin workload '\(name)'; 'zoobench workloads' lists them: " + all.map(\.name).joined(separator: ", "))
        }
        return workload
    }

    /// Every builtin, in the order `zoobench workloads` lists them.
    public static let all: [BuiltinWorkload] = ombShapes + [
        BuiltinWorkload(
            name: "large-messages", command: "produce",
            summary: "512 KiB records, acks=all, 1 MiB batches: per-byte cost and broker request size limits",
            fields: """
                name: large-messages
                partitions: 6
                record-size: 512k
                acks: -1
                batch-size: 1048576
                linger-ms: 5
                duration: 30s
                warmup: 5s

                """),
        BuiltinWorkload(
            name: "small-messages", command: "produce",
            summary: "10-byte records in 1 MiB batches, acks=1: per-record overhead, the records/s ceiling",
            fields: """
                name: small-messages
                partitions: 6
                record-size: 10
                acks: 1
                batch-size: 1048576
                linger-ms: 10
                duration: 30s
                warmup: 5s

                """),
        BuiltinWorkload(
            name: "transactions", command: "produce",
            summary: "1 KB records in transactions of 1,000, idempotent, acks=all: the cost of exactly-once",
            fields: """
                name: transactions
                partitions: 6
                record-size: 1k
                acks: -1
                idempotence: true
                transactional-id: zoobench-tx
                transaction-size: 1000
                duration: 30s
                warmup: 5s

                """),
        BuiltinWorkload(
            name: "hot-partition", command: "produce",
            summary: "1 KB records keyed by a Zipf(1.2) draw of 1,000 keys over 16 partitions: one partition takes most",
            fields: """
                name: hot-partition
                partitions: 16
                record-size: 1k
                keys: zipf:1000,1.2
                acks: -1
                duration: 30s
                warmup: 5s

                """),
        BuiltinWorkload(
            name: "json-zstd", command: "produce",
            summary: "1 KB JSON documents compressed with zstd, acks=all: application-like traffic",
            fields: """
                name: json-zstd
                partitions: 6
                record-size: 1k
                payload: json
                compression: zstd
                acks: -1
                duration: 30s
                warmup: 5s

                """),
        BuiltinWorkload(
            name: "e2e-latency", command: "e2e",
            summary: "send -> consume latency at 10,000 records/s of 1 KB, acks=all, idempotent, 2 consumers",
            fields: """
                name: e2e-latency
                partitions: 6
                record-size: 1k
                throughput: 10000
                acks: -1
                idempotence: true
                duration: 30s
                warmup: 5s
                consume:
                  consumers: 2

                """),
        BuiltinWorkload(
            name: "backlog-drain", command: "e2e",
            summary: "consumers start 16 MB behind and catch up while 20,000 records/s of 1 KB keep coming: the drain time",
            fields: """
                name: backlog-drain
                partitions: 16
                record-size: 1k
                throughput: 20000
                acks: -1
                duration: 30s
                warmup: 0s
                consume:
                  consumers: 2
                  backlog: 16MB

                """),
        BuiltinWorkload(
            name: "rebalance-storm", command: "e2e",
            summary: "4 consumers told to rejoin, then losing a member, gaining one, told again, at 2,000 records/s: each rebalance's pause",
            fields: """
                name: rebalance-storm
                partitions: 12
                record-size: 512
                throughput: 2000
                acks: -1
                duration: 40s
                warmup: 0s
                fault:
                  - at=4s error api=Heartbeat code=REBALANCE_IN_PROGRESS count=4
                  - at=16s consumer leave 1
                  - at=22s consumer join 1
                  - at=30s error api=Heartbeat code=REBALANCE_IN_PROGRESS count=4
                consume:
                  consumers: 4
                  idle-timeout: 30s

                """),
        BuiltinWorkload(
            name: "many-producers", command: "produce",
            summary: "16 producers of 100-byte records over 64 partitions, acks=1: client count and connection fan-out",
            fields: """
                name: many-producers
                partitions: 64
                producers: 16
                record-size: 100
                acks: 1
                duration: 30s
                warmup: 5s

                """),
    ]

    /// OpenMessaging Benchmark's standard shapes: 1 topic of 1, 16 or 100
    /// partitions, 1 KB records, one producer per topic, acks=all, as fast
    /// as it goes and at fixed rates.
    static let ombShapes: [BuiltinWorkload] = [
        (1, nil, ""), (16, nil, ""), (100, nil, ""), (1, 10_000, "10,000"), (16, 50_000, "50,000"), (100, 100_000, "100,000"),
    ].map { (partitions: Int, rate: Int?, rateText: String) in
        let name = "omb-\(partitions)p-1kb-" + (rate.map { "\($0 / 1000)k" } ?? "max")
        let shape = "1 topic x \(partitions) partition\(partitions == 1 ? "" : "s") x 1 KB"
        return BuiltinWorkload(
            name: name, command: "produce",
            summary: "OMB shape, \(shape), " + (rate == nil ? "as fast as it goes" : "\(rateText) records/s") + ", acks=all",
            fields: "name: \(name)\npartitions: \(partitions)\nrecord-size: 1k\nproducers: 1\nacks: -1\n"
                + (rate.map { "throughput: \($0)\n" } ?? "") + "duration: 1m\nwarmup: 10s\n")
    }
}
