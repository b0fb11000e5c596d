import CRdKafka

/// What the cluster says of itself: brokers, topics, partitions and leaders.
public struct ClusterMetadata: Sendable, Hashable, Codable {
    /// One broker.
    public struct Broker: Sendable, Hashable, Codable {
        public var id: Int32
        public var host: String
        public var port: Int32

        public init(id: Int32, host: String, port: Int32) {
            self.id = id
            self.host = host
            self.port = port
        }
    }

    /// One partition of a topic.
    public struct Partition: Sendable, Hashable, Codable {
        public var id: Int32
        /// Broker id of the leader, -1 when there is none.
        public var leader: Int32
        public var replicas: [Int32]
        public var inSyncReplicas: [Int32]
    }

    /// One topic.
    public struct Topic: Sendable, Hashable, Codable {
        public var name: String
        public var partitions: [Partition]
        /// The broker's error for this topic (e.g. `UNKNOWN_TOPIC_OR_PART`), if any.
        public var error: String?
    }

    public var brokers: [Broker]
    public var topics: [Topic]
    /// Id of the broker that answered.
    public var originatingBroker: Int32

    /// The topic called `name`, if the cluster has it without error.
    public func topic(_ name: String) -> Topic? {
        topics.first { $0.name == name && $0.error == nil }
    }

    init(_ raw: rd_kafka_metadata) {
        brokers = (0..<Int(raw.broker_cnt)).map { i in
            let b = raw.brokers[i]
            return Broker(id: b.id, host: String(cString: b.host), port: b.port)
        }.sorted { $0.id < $1.id }
        topics = (0..<Int(raw.topic_cnt)).map { i in
            let t = raw.topics[i]
            let partitions = (0..<Int(t.partition_cnt)).map { j in
                let p = t.partitions[j]
                return Partition(
                    id: p.id, leader: p.leader,
                    replicas: (0..<Int(p.replica_cnt)).map { p.replicas[$0] },
                    inSyncReplicas: (0..<Int(p.isr_cnt)).map { p.isrs[$0] })
            }.sorted { $0.id < $1.id }
            return Topic(name: String(cString: t.topic), partitions: partitions,
                         error: t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : rdErrorName(t.err))
        }.sorted { $0.name < $1.name }
        originatingBroker = raw.orig_broker_id
    }
}

/// Low and high watermark of one partition: the first offset still kept and
/// the offset the next record will get.
public struct Watermarks: Sendable, Hashable, Codable {
    public var low: Int64
    public var high: Int64
    /// Records the partition holds now.
    public var count: Int64 { high - low }

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}
