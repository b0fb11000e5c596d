import CRdKafka
import Synchronization

/// Cluster administration: metadata, topic creation and description, and the
/// partition watermarks that message counts are checked against.
public final class KafkaAdmin: @unchecked Sendable {
    let client: RDKafkaClient
    let timeout: Duration
    let bootstrapServers: String
    let configuration: KafkaClientConfiguration
    /// A consumer outside any group that finds partition ends by fetching
    /// (``readToEnd(topic:from:timeout:)``), made on first use.
    let endReader = Mutex<RDKafkaClient?>(nil)

    /// Connects to `bootstrapServers` (`host:port,…`). Throws
    /// ``KafkaError/connectionFailed(brokers:underlying:)`` if no broker answers
    /// within `configuration.connectTimeout`.
    public init(bootstrapServers: String, configuration: KafkaClientConfiguration = .init()) throws(KafkaError) {
        var list: [(String, String)] = [("bootstrap.servers", bootstrapServers), ("client.id", configuration.clientID)]
        list += configuration.properties.sorted { $0.key < $1.key }
        client = try RDKafkaClient(kind: .producer, properties: list)
        self.bootstrapServers = bootstrapServers
        self.configuration = configuration
        timeout = configuration.connectTimeout
        _ = try client.metadata(timeout: timeout)
    }

    deinit {
        endReader.withLock { reader in
            if let reader { rd_kafka_consumer_close(reader.handle) }
            reader?.destroy()
        }
    }

    /// Brokers, topics, partitions and leaders as the cluster reports them now.
    public func metadata() throws(KafkaError) -> ClusterMetadata {
        try client.metadata(timeout: timeout)
    }

    /// The topic's partitions and leaders; ``KafkaError/topicNotFound(_:)`` if absent.
    public func describeTopic(_ name: String) throws(KafkaError) -> ClusterMetadata.Topic {
        guard let topic = try metadata().topic(name) else { throw .topicNotFound(name) }
        return topic
    }

    /// Whether the cluster has a topic called `name`.
    public func topicExists(_ name: String) throws(KafkaError) -> Bool {
        try metadata().topic(name) != nil
    }

    /// Asks for `name`'s metadata alone, which makes a broker with topic
    /// auto-creation create it (with the broker's default partitions and
    /// replication, as librdkafka's mock cluster does). Returns whether the
    /// topic exists afterwards.
    public func requestTopic(_ name: String) throws(KafkaError) -> Bool {
        try KafkaURI.validateTopic(name)
        guard let handle = rd_kafka_topic_new(client.handle, name, nil) else { throw .from(rd_kafka_last_error()) }
        defer { rd_kafka_topic_destroy(handle) }
        var raw: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(client.handle, 0, handle, &raw, Int32(clamping: milliseconds(timeout)))
        if let raw { rd_kafka_metadata_destroy(raw) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { throw .from(err) }
        let deadline = MonotonicClock.nanoseconds() + 2_000_000_000
        while MonotonicClock.nanoseconds() < deadline {
            if let topic = try metadata().topic(name), !topic.partitions.isEmpty,
               topic.partitions.allSatisfy({ $0.leader >= 0 }) {
                return true
            }
            rd_kafka_poll(client.handle, 50)
        }
        return false
    }

    /// Creates a topic with the CreateTopics API and waits until its metadata
    /// shows every partition with a leader. An existing topic is an error
    /// unless `ifNotExists` is set.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int16 = 1,
                            ifNotExists: Bool = false) throws(KafkaError) {
        try KafkaURI.validateTopic(name)
        // Kafka refuses this with INVALID_REPLICATION_FACTOR; some brokers
        // (Tansu) create the topic with fewer replicas than asked and say
        // nothing, so the figures would describe another topic than asked.
        let brokers = try metadata().brokers.count
        if Int(replicationFactor) > brokers {
            throw .invalidConfiguration("replication factor \(replicationFactor) needs at least \(replicationFactor) brokers; "
                + "the cluster at \(bootstrapServers) has \(brokers)")
        }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(name, partitions, Int32(replicationFactor), &errstr, errstr.count) else {
            throw .invalidConfiguration(string(fromCBuffer: errstr))
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        guard let queue = rd_kafka_queue_new(client.handle) else { throw .invalidConfiguration("no queue") }
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, Int32(clamping: milliseconds(timeout)), &errstr, errstr.count)
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(client.handle, &topics, 1, options, queue)

        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: milliseconds(timeout) + 1000)) else {
            throw .timeout(operation: "creating topic '\(name)'", seconds: Double(milliseconds(timeout)) / 1000)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventErr = rd_kafka_event_error(event)
        if eventErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw client.classifyConnectionError(eventErr)
        }
        if let result = rd_kafka_event_CreateTopics_result(event) {
            var count = 0
            if let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] {
                let err = rd_kafka_topic_result_error(first)
                if err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, ifNotExists { return }
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let message = rd_kafka_topic_result_error_string(first).map { String(cString: $0) } ?? rdErrorText(err)
                    throw .librdkafka(name: rdErrorName(err), message: "creating topic '\(name)': \(message)")
                }
            }
        }
        try waitForTopic(name, partitions: Int(partitions))
    }

    /// Waits until `topic` shows at least `partitions` partitions, each with a leader.
    public func waitForTopic(_ topic: String, partitions: Int) throws(KafkaError) {
        let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(timeout)) * 1_000_000
        while true {
            if let t = try metadata().topic(topic), t.partitions.count >= partitions,
               t.partitions.allSatisfy({ $0.leader >= 0 }) {
                return
            }
            if MonotonicClock.nanoseconds() > deadline {
                throw .timeout(operation: "waiting for topic '\(topic)' to have leaders", seconds: Double(milliseconds(timeout)) / 1000)
            }
            rd_kafka_poll(client.handle, 50)
        }
    }

    /// Low and high watermarks of one partition, asked of its leader.
    public func watermarks(topic: String, partition: Int32) throws(KafkaError) -> Watermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(client.handle, topic, partition, &low, &high,
                                                   Int32(clamping: milliseconds(timeout)))
        if err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { throw .topicNotFound(topic) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw client.classifyConnectionError(err) }
        return Watermarks(low: low, high: high)
    }

    /// Watermarks of every partition of `topic`, by partition id.
    public func watermarks(topic: String) throws(KafkaError) -> [Int32: Watermarks] {
        var result: [Int32: Watermarks] = [:]
        for partition in try describeTopic(topic).partitions {
            result[partition.id] = try watermarks(topic: topic, partition: partition.id)
        }
        return result
    }

    /// The sum of high watermarks over all partitions: how many records the
    /// topic has ever received (its end offsets).
    public func endOffsetTotal(topic: String) throws(KafkaError) -> Int64 {
        try watermarks(topic: topic).values.reduce(0) { $0 + $1.high }
    }

    /// Commits `offsets` (partition → next offset to read) for consumer group
    /// `group` on `topic`, as a client outside the group: the group's members
    /// then start there. Used to start a fresh group at chosen offsets (an
    /// end-to-end run starts at the ends it saw before producing).
    public func commitOffsets(group: String, topic: String, offsets: [Int32: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        var properties: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers), ("client.id", configuration.clientID),
            ("group.id", group), ("enable.auto.commit", "false"),
        ]
        properties += configuration.properties.sorted { $0.key < $1.key }
        let consumer = try RDKafkaClient(kind: .consumer, properties: properties)
        defer { consumer.destroy() }
        guard let list = rd_kafka_topic_partition_list_new(Int32(offsets.count)) else {
            throw .invalidConfiguration("librdkafka could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        }
        let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(timeout)) * 1_000_000
        while true {
            var err = rd_kafka_commit(consumer.handle, list, 0)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                // A commit can succeed as a whole and fail for single partitions.
                let failed = (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0].err }
                    .first { $0 != RD_KAFKA_RESP_ERR_NO_ERROR }
                guard let failed else { return }
                err = failed
            }
            // The coordinator may not be known yet right after start; retry briefly.
            if MonotonicClock.nanoseconds() > deadline { throw client.classifyConnectionError(err) }
            rd_kafka_poll(consumer.handle, 100)
        }
    }
}
