import Foundation
import ZooPipe

/// The two topics a swarm talks over, and how to reach them.
public struct SwarmTopics: Sendable, Hashable {
    public static let defaultControl = "__zoobench_control"
    public static let defaultResults = "__zoobench_results"

    public var brokers: String
    public var control = SwarmTopics.defaultControl
    public var results = SwarmTopics.defaultResults
    /// librdkafka properties for every client of the link (TLS, SASL …).
    public var properties: [String: String] = [:]
    public var connectTimeout: Duration = .seconds(10)

    public init(brokers: String) {
        self.brokers = brokers
    }
}

/// Where a message travels.
public enum SwarmChannel: Sendable {
    case control, results
}

/// The clients of one swarm member: a producer per topic, and a reader of
/// the control topic (and of the results topic, for a coordinator) that
/// starts at the topics' ends as they were when the link opened. Sending is
/// safe from any thread; receiving belongs to one thread.
public final class SwarmLink: @unchecked Sendable {
    public let topics: SwarmTopics
    private let controlOut: KafkaOutputAdapter
    private let resultsOut: KafkaOutputAdapter
    /// Held while either producer is used.
    private let sending = NSLock()
    private let controlIn: KafkaInputAdapter
    private let resultsIn: KafkaInputAdapter?
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    /// Alternates the reader polled first, so neither topic starves the other.
    private var readResultsFirst = false
    /// Records that were not swarm messages (another tool writing to the topic).
    public private(set) var unreadable = 0

    /// Opens the link: creates the topics if the cluster lacks them (one
    /// partition each, replicated as far as the cluster allows), connects the
    /// producers, and starts reading at the current ends.
    public init(_ topics: SwarmTopics, readResults: Bool) throws(KafkaError) {
        self.topics = topics
        var client = KafkaClientConfiguration()
        client.connectTimeout = topics.connectTimeout
        client.clientID = "zoobench-swarm"
        client.properties = topics.properties
        let admin = try KafkaAdmin(bootstrapServers: topics.brokers, configuration: client)
        let brokers = try admin.metadata().brokers.count
        // A cluster that creates topics on first use (the embedded one) makes
        // them from a metadata request; otherwise CreateTopics does.
        for name in [topics.control, topics.results] where !(try admin.topicExists(name)) {
            if try admin.requestTopic(name) { continue }
            try admin.createTopic(name, partitions: 1, replicationFactor: Int16(min(3, max(1, brokers))), ifNotExists: true)
        }

        func producer(_ topic: String, compressed: Bool) throws(KafkaError) -> KafkaOutputAdapter {
            var configuration = KafkaProducerConfiguration()
            configuration.client = client
            configuration.linger = .zero
            configuration.idempotence = true
            // Results carry histograms and timelines (up to a few MB as JSON): librdkafka checks a
            // record's size before compression, the broker the compressed batch (1 MB by default).
            if compressed {
                configuration.compression = .zstd
                configuration.client.properties["message.max.bytes"] = configuration.client.properties["message.max.bytes"] ?? "67108864"
            }
            return try KafkaOutputAdapter(uri: KafkaURI("kafka://\(topics.brokers)/\(topic)"), acks: .all,
                                          timeout: .seconds(30), configuration: configuration)
        }
        func reader(_ topic: String) throws(KafkaError) -> KafkaInputAdapter {
            var configuration = KafkaConsumerConfiguration()
            configuration.client = client
            // A fetch that finds nothing waits this long on a broker: short enough for timely
            // pings and stops, long enough that idle readers cost a cluster little (10 requests/s each).
            configuration.client.properties["fetch.wait.max.ms"] = configuration.client.properties["fetch.wait.max.ms"] ?? "100"
            configuration.startOffsets = try admin.endOffsets(topic: topic)
            configuration.startPosition = .latest
            return try KafkaInputAdapter(uri: KafkaURI("kafka://\(topics.brokers)/\(topic)"), groupID: nil,
                                         generateIDs: false, configuration: configuration)
        }
        controlOut = try producer(topics.control, compressed: false)
        resultsOut = try producer(topics.results, compressed: true)
        controlIn = try reader(topics.control)
        resultsIn = readResults ? try reader(topics.results) : nil
    }

    /// Sends `message`, keyed by its sender. Delivery is checked by ``flush(timeout:)``.
    public func send(_ message: SwarmMessage, to channel: SwarmChannel) throws(SwarmError) {
        let data: Data
        do {
            data = try encoder.encode(message)
        } catch {
            throw .message("cannot encode a \(message.kind) message: \(error)")
        }
        let out = channel == .control ? controlOut : resultsOut
        sending.lock()
        defer { sending.unlock() }
        do {
            try out.send(bytes: Array(data), key: Array(message.from.utf8))
            out.poll()
        } catch {
            throw .message("cannot send a \(message.kind) message (\(data.count) bytes): \(error.description)")
        }
    }

    /// Waits until everything sent has been acknowledged by the cluster.
    public func flush(timeout: Duration = .seconds(15)) throws(SwarmError) {
        sending.lock()
        defer { sending.unlock() }
        for out in [controlOut, resultsOut] {
            do {
                try out.flush(timeout: timeout)
            } catch {
                throw .message("swarm messages were not acknowledged: \(error.description)")
            }
        }
    }

    /// The next message from either topic, waiting up to about `timeout`.
    public func receive(timeout: Duration) -> (SwarmChannel, SwarmMessage)? {
        sending.withLock {
            controlOut.poll()
            resultsOut.poll()
        }
        guard let resultsIn else { return read(controlIn, timeout: timeout).map { (.control, $0) } }
        readResultsFirst.toggle()
        let half = timeout / 2
        if readResultsFirst {
            if let message = read(resultsIn, timeout: .zero) { return (.results, message) }
            if let message = read(controlIn, timeout: half) { return (.control, message) }
            return read(resultsIn, timeout: half).map { (.results, $0) }
        } else {
            if let message = read(controlIn, timeout: .zero) { return (.control, message) }
            if let message = read(resultsIn, timeout: half) { return (.results, message) }
            return read(controlIn, timeout: half).map { (.control, $0) }
        }
    }

    private func read(_ input: KafkaInputAdapter, timeout: Duration) -> SwarmMessage? {
        // Errors that pass are counted by the adapter; fatal ones end the read like silence.
        while let record = try? input.poll(timeout: timeout) {
            let value = record.value
            if let message = try? decoder.decode(SwarmMessage.self, from: Data(value)) { return message }
            unreadable += 1
            if timeout == .zero { continue }
        }
        return nil
    }
}
