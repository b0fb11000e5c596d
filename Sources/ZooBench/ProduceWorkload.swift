import ZooPipe

/// What a `produce` run does: where, how much, and with which producer settings.
public struct ProduceWorkload: Sendable, Hashable, Codable {
    /// Topic produced to. Default `zoobench`.
    public var topic = "zoobench"
    /// Partitions when zoobench creates the topic. Default 6.
    public var partitions: Int32 = 6
    /// Replication factor when zoobench creates the topic. Default 1 (3 on the
    /// embedded cluster is accepted but it does not replicate).
    public var replicationFactor: Int16 = 1
    /// Acknowledgement level. Default all (-1).
    public var acks: Acks = .all
    /// Records to send in total, across producers. Default 1,000,000.
    public var numRecords = 1_000_000
    /// Bytes per record value. Default 100.
    public var recordSize = 100
    /// Producers, each with its own librdkafka handle on its own thread. Default 1.
    public var producers = 1
    /// `linger.ms`; nil keeps librdkafka's 5 ms.
    public var linger: Duration?
    /// `batch.size` in bytes; nil keeps librdkafka's default.
    public var batchSize: Int?
    /// Compression codec. Default none.
    public var compression: CompressionCodec = .none
    /// Delivery timeout per record. Default 30 s.
    public var deliveryTimeout: Duration = .seconds(30)
    /// How long to wait for the cluster to answer. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// librdkafka properties passed verbatim (`-X key=value`); they win.
    public var properties: [String: String] = [:]

    public init() {}

    /// Checks the numbers make sense and librdkafka accepts every property;
    /// the message names the setting.
    public func validate() throws(WorkloadError) {
        do {
            try producerConfiguration.validate(acks: acks, deliveryTimeout: deliveryTimeout)
        } catch {
            throw .invalid(error.description)
        }
        if numRecords < 1 { throw .invalid("--num-records must be at least 1, not \(numRecords)") }
        if recordSize < 0 { throw .invalid("--record-size must be 0 or more, not \(recordSize)") }
        if recordSize > 100 * 1024 * 1024 { throw .invalid("--record-size \(recordSize) is over 100 MiB") }
        if producers < 1 || producers > 256 { throw .invalid("--producers must be 1 to 256, not \(producers)") }
        if partitions < 1 { throw .invalid("--partitions must be at least 1, not \(partitions)") }
        if replicationFactor < 1 { throw .invalid("--replication-factor must be at least 1, not \(replicationFactor)") }
        do {
            try KafkaURI.validateTopic(topic)
        } catch {
            throw .invalid(error.description)
        }
    }

    /// The typed producer configuration this workload asks for.
    public var producerConfiguration: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration()
        configuration.client.clientID = "zoobench"
        configuration.client.connectTimeout = connectTimeout
        configuration.client.properties = properties
        configuration.linger = linger
        configuration.batchSize = batchSize
        configuration.compression = compression
        return configuration
    }
}

/// A workload that does not make sense; the message names the setting.
public enum WorkloadError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}
