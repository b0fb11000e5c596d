import Testing
import ZooPipe
@testable import ZooBench

@Suite("Consumer fleet on the embedded cluster", .serialized)
struct ConsumerFleetTests {
    /// Produces `records` records of `size` bytes into a fresh topic of
    /// `partitions` partitions on a new embedded cluster.
    static func filledTarget(topic: String, partitions: Int32, records: Int, size: Int = 100) throws -> BenchTarget {
        let target = try BenchTarget(brokers: nil, topic: topic, partitions: partitions, replicationFactor: 1)
        var produce = ProduceWorkload()
        produce.topic = topic
        produce.numRecords = records
        produce.recordSize = .fixed(size)
        produce.acks = .leader
        produce.lingerMs = 1
        let outcome = try ProducerSwarm(workload: produce, target: target.uri).run()
        #expect(outcome.delivered == records)
        return target
    }

    /// Simple consumers read a known backlog to its end: counts, bytes and
    /// final offsets equal the broker's watermarks, with no gap and no duplicate.
    @Test func untilEndMatchesWatermarks() throws {
        let target = try Self.filledTarget(topic: "fill", partitions: 4, records: 20_003, size: 150)
        var workload = ConsumeWorkload()
        workload.topic = "fill"
        workload.partitions = [0, 1, 2, 3]
        workload.consumers = 2
        workload.untilEnd = true
        workload.idleTimeout = .seconds(5)
        let fleet = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin)
        let outcome = try fleet.run()

        let marks = try target.admin.watermarks(topic: "fill")
        #expect(outcome.end == .endOfTopic)
        #expect(outcome.consumed == 20_003)
        #expect(outcome.bytes == 20_003 * 150)
        #expect(outcome.missing == 0)
        #expect(outcome.partitions.count == 4)
        for figures in outcome.partitions {
            let mark = try #require(marks[figures.partition])
            #expect(figures.firstOffset == mark.low)
            #expect(figures.nextOffset == mark.high)
            #expect(figures.consumed == mark.high - mark.low)
            #expect(figures.duplicated == 0)
            #expect(figures.gaps.isEmpty)
        }
        #expect(outcome.consumers.count == 2)
        #expect(outcome.consumers.reduce(0) { $0 + $1.consumed } == 20_003)
        #expect(outcome.consumers.allSatisfy { $0.partitions == 2 })
        #expect(outcome.timeline.reduce(0) { $0 + $1.consumed } == 20_003)
        #expect(outcome.timeline.reduce(0) { $0 + $1.bytes } == 20_003 * 150)
        #expect(outcome.elapsedSeconds > 0)
        #expect(outcome.fetchWait.totalCount > 0)
        #expect(outcome.joinSeconds == nil)
    }

    /// A group of three consumers splits six partitions and together reads
    /// every record exactly once; --num-records stops at exactly N.
    @Test func groupSplitsPartitions() throws {
        let target = try Self.filledTarget(topic: "grouped", partitions: 6, records: 12_000)
        var workload = ConsumeWorkload()
        workload.topic = "grouped"
        workload.consumers = 3
        workload.untilEnd = true
        workload.idleTimeout = .seconds(5)
        let outcome = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin).run()
        #expect(outcome.end == .endOfTopic)
        #expect(outcome.consumed == 12_000)
        #expect(outcome.missing == 0)
        #expect(outcome.partitions.allSatisfy { $0.duplicated == 0 })
        #expect(outcome.consumers.count == 3)
        // Each member read something and held two partitions at the end.
        #expect(outcome.consumers.allSatisfy { $0.consumed > 0 && $0.partitions == 2 })
        #expect(outcome.consumers.allSatisfy { ($0.joinSeconds ?? -1) >= 0 })
        #expect(outcome.joinSeconds != nil)

        var limited = workload
        limited.untilEnd = false
        limited.numRecords = 5_000
        limited.consumers = 2
        let counted = try ConsumerFleet(workload: limited, target: target.uri, admin: target.admin).run()
        #expect(counted.end == .numRecords)
        #expect(counted.consumed == 5_000)
        #expect(counted.consumers.reduce(0) { $0 + $1.consumed } == 5_000)
    }
}
