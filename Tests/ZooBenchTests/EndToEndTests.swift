import Testing
import ZooPipe
@testable import ZooBench

@Suite("End-to-end runs on the embedded cluster", .serialized)
struct EndToEndTests {
    static func workloads(topic: String, rate: Double?, seconds: Int, acks: Acks = .all,
                          idempotence: Bool = true) -> (ProduceWorkload, ConsumeWorkload) {
        var produce = ProduceWorkload()
        produce.topic = topic
        produce.partitions = 4
        produce.producers = 2
        produce.acks = acks
        produce.idempotence = idempotence
        produce.throughput = rate
        produce.duration = .seconds(seconds)
        produce.numRecords = nil
        produce.recordSize = .fixed(200)
        produce.lingerMs = 1
        var consume = ConsumeWorkload()
        consume.consumers = 2
        consume.idleTimeout = .seconds(5)
        return (produce, consume)
    }

    /// A fixed-rate run: latencies present and ordered, every acknowledged
    /// record consumed exactly once.
    @Test func fixedRateIsClean() throws {
        let (produce, consume) = Self.workloads(topic: "e2e", rate: 5_000, seconds: 3)
        let target = try BenchTarget(brokers: nil, topic: "e2e", partitions: 4, replicationFactor: 1)
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)

        #expect(outcome.produce.failed == 0)
        #expect(outcome.produce.delivered >= 14_000 && outcome.produce.delivered <= 15_100)
        let latency = try #require(outcome.consume.latency)
        let corrected = try #require(outcome.consume.correctedLatency)
        #expect(latency.totalCount == UInt64(outcome.produce.delivered))
        #expect(corrected.totalCount == latency.totalCount)
        #expect(latency.valueAtPercentile(50) <= latency.valueAtPercentile(99))
        #expect(latency.valueAtPercentile(99) <= latency.max)
        #expect(latency.valueAtPercentile(50) > 0)
        let integrity = try #require(outcome.integrity.first)
        #expect(outcome.integrity.count == 1)
        #expect(integrity.acknowledged == outcome.produce.delivered)
        #expect(integrity.consumed == outcome.produce.delivered)
        #expect(integrity.lost == 0)
        #expect(integrity.duplicated == 0)
        #expect(integrity.reordered == 0)
        #expect(integrity.foreign == 0)
        #expect(integrity.clean)
        #expect(outcome.consume.consumed == outcome.produce.delivered)
        #expect(outcome.consume.end == .endOfTopic)
        #expect(outcome.consume.missing == 0)
    }
}
