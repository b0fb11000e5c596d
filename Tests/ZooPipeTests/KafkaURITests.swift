import Testing
@testable import ZooPipe

@Suite("KafkaURI")
struct KafkaURITests {
    struct Good: Sendable, CustomTestStringConvertible {
        var input: String
        var brokers: [String]
        var topic: String
        var testDescription: String { input }
    }

    static let good: [Good] = [
        Good(input: "kafka://localhost:9092/orders", brokers: ["localhost:9092"], topic: "orders"),
        Good(input: "kafka://localhost/orders", brokers: ["localhost:9092"], topic: "orders"),
        Good(input: "kafka://h1:9092,h2:9093/t", brokers: ["h1:9092", "h2:9093"], topic: "t"),
        Good(input: "kafka://h1,h2,h3:1/t", brokers: ["h1:9092", "h2:9092", "h3:1"], topic: "t"),
        Good(input: "kafka://127.0.0.1:65535/a.b_c-d", brokers: ["127.0.0.1:65535"], topic: "a.b_c-d"),
        Good(input: "kafka://[::1]:9092/t", brokers: ["[::1]:9092"], topic: "t"),
        Good(input: "kafka://[::1]/t", brokers: ["[::1]:9092"], topic: "t"),
        Good(input: "kafka://[fe80::1:2]:19092,broker-2.example.com:9094/T1",
             brokers: ["[fe80::1:2]:19092", "broker-2.example.com:9094"], topic: "T1"),
        Good(input: "KAFKA://Host:1234/x", brokers: ["Host:1234"], topic: "x"),
        Good(input: "kafka://b:9092/" + String(repeating: "a", count: 249),
             brokers: ["b:9092"], topic: String(repeating: "a", count: 249)),
        Good(input: "kafka://my_host:9092/__consumer_offsets", brokers: ["my_host:9092"], topic: "__consumer_offsets"),
        Good(input: "kafka://b:9092/...", brokers: ["b:9092"], topic: "..."),
    ]

    @Test(arguments: good)
    func parsesGoodURIs(_ example: Good) throws {
        let uri = try KafkaURI(example.input)
        #expect(uri.brokers.map(\.description) == example.brokers)
        #expect(uri.topic == example.topic)
        #expect(uri.bootstrapServers == example.brokers.joined(separator: ","))
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var input: String
        var reason: String
        var testDescription: String { input.isEmpty ? "(empty)" : input }
    }

    static let bad: [Bad] = [
        Bad(input: "", reason: "empty"),
        Bad(input: "localhost:9092/t", reason: "no scheme"),
        Bad(input: "http://localhost:9092/t", reason: "scheme is 'http'"),
        Bad(input: "kafkas://localhost:9092/t", reason: "scheme is 'kafkas'"),
        Bad(input: "kafka://localhost:9092", reason: "no topic"),
        Bad(input: "kafka://localhost:9092/", reason: "no topic"),
        Bad(input: "kafka:///t", reason: "no broker"),
        Bad(input: "kafka://localhost:0/t", reason: "port '0'"),
        Bad(input: "kafka://localhost:65536/t", reason: "port '65536'"),
        Bad(input: "kafka://localhost:abc/t", reason: "port 'abc'"),
        Bad(input: "kafka://localhost:/t", reason: "port ''"),
        Bad(input: "kafka://localhost:-1/t", reason: "port '-1'"),
        Bad(input: "kafka://localhost:9092/my topic", reason: "white space"),
        Bad(input: " kafka://localhost:9092/t", reason: "white space"),
        Bad(input: "kafka://localhost:9092/t?acks=all", reason: "query strings"),
        Bad(input: "kafka://localhost:9092/t#frag", reason: "fragments"),
        Bad(input: "kafka://user:pw@localhost:9092/t", reason: "user information"),
        Bad(input: "kafka://localhost:9092/a/b", reason: "contains '/'"),
        Bad(input: "kafka://localhost:9092/t$x", reason: "contains '$'"),
        Bad(input: "kafka://localhost:9092/tö", reason: "contains 'ö'"),
        Bad(input: "kafka://localhost:9092/.", reason: "not a legal topic"),
        Bad(input: "kafka://localhost:9092/..", reason: "not a legal topic"),
        Bad(input: "kafka://b:9092/" + String(repeating: "a", count: 250), reason: "250 characters"),
        Bad(input: "kafka://h1:9092,,h2:9092/t", reason: "empty entry"),
        Bad(input: "kafka://h1:9092,/t", reason: "empty entry"),
        Bad(input: "kafka://::1:9092/t", reason: "brackets"),
        Bad(input: "kafka://[::1/t", reason: "does not close"),
        Bad(input: "kafka://[::1]x/t", reason: "after the IPv6"),
        Bad(input: "kafka://[]:9092/t", reason: "not an IPv6"),
        Bad(input: "kafka://[zz::1]:9092/t", reason: "not an IPv6"),
        Bad(input: "kafka://:9092/t", reason: "no host"),
        Bad(input: "kafka://-bad:9092/t", reason: "not a valid host"),
        Bad(input: "kafka://ho%st:9092/t", reason: "not a valid host"),
        Bad(input: "kafka://localhost:9092:1/t", reason: "more than one ':'"),
    ]

    @Test(arguments: bad)
    func rejectsBadURIs(_ example: Bad) {
        do {
            let uri = try KafkaURI(example.input)
            Issue.record("accepted \(uri)")
        } catch {
            guard case .invalidURI(let input, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(input == example.input)
            #expect(reason.contains(example.reason), "reason was: \(reason)")
            #expect(error.description.contains("expected kafka://host:port/topic"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func acksParsing() {
        #expect(Acks(parsing: "0") == Acks.none)
        #expect(Acks(parsing: "1") == .leader)
        #expect(Acks(parsing: "-1") == .all)
        #expect(Acks(parsing: "all") == .all)
        #expect(Acks(parsing: "ALL") == .all)
        #expect(Acks(parsing: "2") == nil)
        #expect(Acks(parsing: "") == nil)
    }

    @Test func secretsAreRedacted() {
        let shown = redactSecrets(["sasl.password": "hunter2", "acks": "all", "ssl.key.password": "x"])
        #expect(shown == ["sasl.password": "[redacted]", "acks": "all", "ssl.key.password": "[redacted]"])
    }

    @Test func lingerKeepsFractions() {
        var configuration = KafkaProducerConfiguration()
        configuration.linger = .microseconds(500)
        let list = configuration.properties(bootstrap: "b:1", acks: .all, deliveryTimeout: .seconds(30))
        #expect(list.first { $0.0 == "linger.ms" }?.1 == "0.5")
        #expect(list.first { $0.0 == "message.timeout.ms" }?.1 == "30000")
        #expect(list.first { $0.0 == "acks" }?.1 == "-1")
    }

    /// librdkafka's secret properties by their real names are redacted;
    /// ordinary ones (a key's file path, the user name) are not.
    @Test func secretPropertiesByRealName() {
        for name in ["sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem", "ssl_key",
                     "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret", "sasl.oauthbearer.token.endpoint.url",
                     "SASL.PASSWORD"] {
            #expect(isSecretProperty(name), "\(name) is not redacted")
        }
        for name in ["acks", "bootstrap.servers", "ssl.key.location", "sasl.username", "sasl.mechanism",
                     "ssl.ca.location", "client.id"] {
            #expect(!isSecretProperty(name), "\(name) is redacted")
        }
    }
}

@Suite("Secret values")
struct SecretValuesTests {
    @Test func scrubsRememberedSecretsOnly() {
        SecretValues.remember([("sasl.password", "pw-hunter2-xyz"), ("client.id", "visible-client"),
                               ("sasl.oauthbearer.config", "principal=pw-hunter2-xyz-long"), ("ssl.key.password", "abc")])
        let line = "auth failed for principal=pw-hunter2-xyz-long with pw-hunter2-xyz as visible-client (abc)"
        #expect(SecretValues.scrub(line) == "auth failed for [redacted] with [redacted] as visible-client (abc)")
    }
}
