import Foundation
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
        consume.idleTimeout = .seconds(10)
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

    /// Latency reflects an injected round-trip time: every record of a topic
    /// led by the slowed broker takes at least that long, and nothing is lost.
    @Test func roundTripTimeShowsInLatency() throws {
        var (produce, consume) = Self.workloads(topic: "slow", rate: 400, seconds: 2)
        produce.partitions = 1
        produce.producers = 1
        consume.partitions = [0]
        consume.consumers = 1
        let target = try BenchTarget(brokers: nil, topic: "slow", partitions: 1, replicationFactor: 1)
        let cluster = try #require(target.embedded)
        try cluster.moveLeader(topic: "slow", partition: 0, to: 2)
        try cluster.setRoundTripTime(broker: 2, .milliseconds(20))
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        #expect(outcome.produce.failed == 0)
        #expect(outcome.produce.latency.valueAtPercentile(50) >= 20_000, "send→ack p50 in µs")
        let latency = try #require(outcome.consume.latency)
        #expect(latency.valueAtPercentile(50) >= 20_000, "send→consume p50 in µs")
        #expect(latency.totalCount == UInt64(outcome.produce.delivered))
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.lost == 0 && integrity.duplicated == 0 && integrity.reordered == 0)
        #expect(integrity.acknowledged == outcome.produce.delivered)
    }

    /// A leader broker down for 2 s mid-run: the run completes, the producers
    /// retry, and with acks=all and idempotence nothing is lost or duplicated.
    @Test func brokerDownMidRunLosesNothing() throws {
        var (produce, consume) = Self.workloads(topic: "outage", rate: 2_000, seconds: 6)
        consume.partitions = [0, 1, 2, 3]
        let target = try BenchTarget(brokers: nil, topic: "outage", partitions: 4, replicationFactor: 1)
        let cluster = try #require(target.embedded)
        let leader = try #require(target.topic?.partitions.first?.leader)
        produce.deliveryTimeout = .seconds(30)
        let fault = Thread {
            Thread.sleep(forTimeInterval: 2)
            try? cluster.setBrokerDown(leader)
            Thread.sleep(forTimeInterval: 2)
            try? cluster.setBrokerUp(leader)
        }
        fault.start()
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        #expect(outcome.produce.failed == 0)
        #expect(outcome.produce.delivered >= 10_000)
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.acknowledged == outcome.produce.delivered)
        #expect(integrity.lost == 0)
        #expect(integrity.duplicated == 0)
        #expect(integrity.reordered == 0)
        #expect(outcome.consume.end == .endOfTopic)
        // The outage shows: some records waited about as long as the broker was down.
        let latency = try #require(outcome.consume.latency)
        #expect(latency.max >= 1_000_000, "max send→consume \(latency.max) µs")
    }

    /// With acks=0, what the producers could not know about is still counted:
    /// the verdict's acknowledged count equals what was sent, and any loss shows.
    @Test func acksZeroReportsWhatItSees() throws {
        var (produce, consume) = Self.workloads(topic: "fire", rate: 3_000, seconds: 2, acks: .none, idempotence: false)
        consume.partitions = [0, 1, 2, 3]
        let target = try BenchTarget(brokers: nil, topic: "fire", partitions: 4, replicationFactor: 1)
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.acknowledged == outcome.produce.delivered)
        #expect(integrity.consumed + integrity.lost == integrity.acknowledged + integrity.unacknowledgedDelivered)
        let marks = try target.admin.watermarks(topic: "fire")
        #expect(Int64(integrity.consumed) == marks.values.reduce(0) { $0 + $1.high })
    }
}
