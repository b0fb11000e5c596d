import ZooPipe

/// Whether a run measured the embedded cluster or a real one.
public enum ClusterKind: String, Sendable, Codable {
    /// librdkafka's in-process mock cluster: figures describe the client only.
    case embedded
    /// A cluster given with `--brokers` or a URI.
    case external
}

/// The cluster and topic a run talks to, resolved and ready: the embedded
/// cluster started (when no brokers were given), the topic created if missing.
public final class BenchTarget: @unchecked Sendable {
    /// Where producers and consumers connect.
    public let uri: KafkaURI
    public let kind: ClusterKind
    /// The embedded cluster, kept alive for the run; nil for an external one.
    public let embedded: EmbeddedCluster?
    /// The cluster's metadata once the topic exists.
    public let metadata: ClusterMetadata
    /// Whether zoobench created the topic.
    public let createdTopic: Bool
    /// Admin connection for watermark checks.
    public let admin: KafkaAdmin

    /// The topic's partitions as the cluster reports them.
    public var topic: ClusterMetadata.Topic? { metadata.topic(uri.topic) }

    /// With `brokers` nil, starts an embedded cluster of `embeddedBrokers`
    /// brokers. Creates `topic` with `partitions` and `replicationFactor` if
    /// the cluster does not have it (unless `create` is false: then a missing
    /// topic is ``KafkaError/topicNotFound(_:)``).
    public init(brokers: String?, topic: String, partitions: Int32, replicationFactor: Int16,
                embeddedBrokers: Int = 3, connectTimeout: Duration = .seconds(10), create: Bool = true) throws(KafkaError) {
        var clientConfiguration = KafkaClientConfiguration()
        clientConfiguration.connectTimeout = connectTimeout
        let bootstrap: String
        if let brokers {
            uri = try KafkaURI("kafka://\(brokers)/\(topic)")
            bootstrap = uri.bootstrapServers
            embedded = nil
            kind = .external
        } else {
            try KafkaURI.validateTopic(topic)
            let cluster = try EmbeddedCluster(brokers: embeddedBrokers)
            embedded = cluster
            uri = cluster.uri(topic: topic)
            bootstrap = cluster.bootstrapServers
            kind = .embedded
        }
        admin = try KafkaAdmin(bootstrapServers: bootstrap, configuration: clientConfiguration)
        if try admin.topicExists(topic) {
            createdTopic = false
        } else if !create {
            throw .topicNotFound(topic)
        } else {
            if let embedded {
                try embedded.createTopic(topic, partitions: partitions, replicationFactor: Int32(replicationFactor))
                try admin.waitForTopic(topic, partitions: Int(partitions))
            } else {
                try admin.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor, ifNotExists: true)
            }
            createdTopic = true
        }
        metadata = try admin.metadata()
    }

    /// The target a produce workload runs on: its topic (or `topic`, for a
    /// run that measures another) made with its partitions and replication
    /// factor, within its connect timeout.
    /// With several topics (``ProduceWorkload/topics``) the others are made too.
    public convenience init(brokers: String?, for workload: ProduceWorkload, topic: String? = nil) throws(KafkaError) {
        try self.init(brokers: brokers, topic: topic ?? workload.topic, partitions: workload.partitions,
                      replicationFactor: workload.replicationFactor, connectTimeout: workload.connectTimeout)
        for name in workload.topicNames.dropFirst() {
            try KafkaURI.validateTopic(name)
            try ensureTopic(name, partitions: workload.partitions, replicationFactor: workload.replicationFactor)
        }
    }

    /// Creates `name` if the cluster lacks it (a sweep cell with its own
    /// partition count gets a topic of its own).
    public func ensureTopic(_ name: String, partitions: Int32, replicationFactor: Int16) throws(KafkaError) {
        if try admin.topicExists(name) { return }
        if let embedded {
            try embedded.createTopic(name, partitions: partitions, replicationFactor: Int32(replicationFactor))
            try admin.waitForTopic(name, partitions: Int(partitions))
        } else {
            try admin.createTopic(name, partitions: partitions, replicationFactor: replicationFactor, ifNotExists: true)
        }
    }
}
