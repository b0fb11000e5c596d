import ZooPipe

/// How many librdkafka clients one zoobench process may run, and over how
/// many partitions: each client (a producer, or a consumer of each group)
/// is a handle with its own threads and buffers, and each keeps state for
/// every partition of the topic it knows. Measured here (release build,
/// embedded cluster): about 1.5 MB per handle and 12 KB per handle and
/// partition (one producer over 10,000 partitions 198 MB, four 607 MB, 256
/// producers over 6 partitions 412 MB, an e2e run of 256 producers and 256
/// consumers 1010 MB); 64 producers over 10,000 partitions went past 13 GB.
/// The bounds keep a run under about a gigabyte; beyond them, spread the
/// clients over processes (`zoobench swarm`).
public enum ClientBudget {
    /// The most clients in one process.
    public static let mostClients = 384
    /// The most client-partition pairs in one process.
    public static let mostClientPartitions = 50_000

    /// Checks `clients` handles over a topic of `partitions` partitions fit.
    public static func check(clients: Int, partitions: Int) throws(WorkloadError) {
        guard clients <= mostClients else {
            throw .invalid("\(clients) clients in one process; at most \(mostClients) (spread them over workers with zoobench swarm)")
        }
        guard clients * max(1, partitions) <= mostClientPartitions else {
            throw .invalid("\(clients) client(s) over \(partitions) partitions keep \(clients * partitions) client-partitions "
                + "of state; at most \(mostClientPartitions) in one process (about 12 KB each): use fewer clients or "
                + "partitions, or spread the clients over workers with zoobench swarm")
        }
    }
}
