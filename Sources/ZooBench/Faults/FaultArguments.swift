import ZooPipe

/// The values a fault or a cluster command takes. Which of them a kind uses,
/// and how they are written, its ``FaultKind`` entry says.
public struct FaultArguments: Sendable, Hashable {
    /// `BROKER`: a broker id, 0 for every broker (`all`).
    public var broker: Int32?
    /// `LEADER`: the partition's new leader (one broker, never all).
    public var leader: Int32?
    /// `LATENCY`: how late every response is.
    public var latency: Duration?
    /// `TOPIC`: the topic of a partition; nil in a fault means the run's topic.
    public var topic: String?
    /// `PARTITION`: a partition number.
    public var partition: Int32?
    /// `API`: the Kafka request that fails.
    public var api: KafkaAPI?
    /// `CODE`: the error it fails with.
    public var code: KafkaErrorCode?
    /// `COUNT`: how many requests fail (1 unless given).
    public var count: Int?
    /// `NEWTOPIC`: a topic to create, `NAME[:PARTITIONS]`.
    public var newTopic: String?
    public var newTopicPartitions: Int32?

    public init() {}

    /// The broker ids named, for checking them against a cluster (0, every broker, is not one).
    public var brokerIDs: [Int32] { [broker, leader].compactMap { $0 }.filter { $0 > 0 } }
}
