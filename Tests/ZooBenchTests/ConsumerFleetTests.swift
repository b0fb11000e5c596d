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
        // A partition per record, not per batch: every partition gets records.
        produce.properties["sticky.partitioning.linger.ms"] = "0"
        let outcome = try ProducerFleet(workload: produce, target: target.uri).run()
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
            #expect(mark.high > mark.low, "every partition should have records")
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

    /// More than the embedded cluster keeps in one partition: the records it
    /// dropped are reported as a gap from offset 0, and the run ends.
    @Test func droppedRecordsAreAGap() throws {
        let target = try Self.filledTarget(topic: "overflow", partitions: 1, records: 100_000, size: 100)
        let marks = try #require(try target.admin.watermarks(topic: "overflow")[0])
        #expect(marks.low > 0, "the mock should have dropped the oldest records")
        var workload = ConsumeWorkload()
        workload.topic = "overflow"
        workload.partitions = [0]
        workload.untilEnd = true
        workload.idleTimeout = .seconds(3)
        // Expect every record produced (as a backlog run does).
        let outcome = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin,
                                        expecting: [0: 0]).run()
        #expect(outcome.end == .endOfTopic)
        let partition = try #require(outcome.partitions.first)
        #expect(partition.missing == marks.low)
        #expect(partition.gaps == [OffsetRange(0, marks.low)])
        #expect(outcome.consumed == Int(marks.high - marks.low))
        #expect(Int64(outcome.consumed) + outcome.missing == 100_000)
    }

    /// Reading a partition that does not exist is one clear error.
    @Test func missingPartitionIsAnError() throws {
        let target = try Self.filledTarget(topic: "small", partitions: 2, records: 10)
        var workload = ConsumeWorkload()
        workload.topic = "small"
        workload.partitions = [0, 7]
        #expect(throws: KafkaError.invalidConfiguration("topic 'small' has no partition 7 (it has 2: 0–1)")) {
            _ = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin)
        }
    }

    /// Synchronous commits every interval are timed, and the group's committed
    /// offsets end at the high watermarks.
    @Test func commitsAreTimed() throws {
        let target = try Self.filledTarget(topic: "commits", partitions: 2, records: 30_000)
        var workload = ConsumeWorkload()
        workload.topic = "commits"
        workload.group = "committers"
        workload.untilEnd = true
        workload.commitInterval = .milliseconds(10)
        workload.idleTimeout = .seconds(3)
        let outcome = try ConsumerFleet(workload: workload, target: target.uri, admin: target.admin).run()
        #expect(outcome.consumed == 30_000)
        let commits = try #require(outcome.commitLatency)
        #expect(commits.totalCount > 0)
        #expect(outcome.commitFailures.isEmpty)
        #expect(outcome.timeline.reduce(0) { $0 + $1.commits } == Int(commits.totalCount))
    }
}
