import Testing
import ZooPipe
@testable import ZooBench

@Suite("Producer swarm on the embedded cluster", .serialized)
struct ProducerSwarmTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var producers: Int
        var partitions: Int32
        var acks: Acks
        var codec: CompressionCodec
        var records: Int
        var testDescription: String { "\(producers) producers, \(partitions) partitions, acks=\(acks), \(codec)" }
    }

    static let cases: [Case] = [
        Case(producers: 1, partitions: 1, acks: .leader, codec: .none, records: 20_000),
        Case(producers: 3, partitions: 6, acks: .all, codec: .lz4, records: 30_001),
        Case(producers: 2, partitions: 4, acks: .none, codec: .zstd, records: 10_000),
        Case(producers: 4, partitions: 3, acks: .all, codec: .gzip, records: 8_003),
        Case(producers: 2, partitions: 2, acks: .leader, codec: .snappy, records: 5_000),
    ]

    /// Delivered equals the growth of the broker's end offsets, summed over partitions.
    @Test(arguments: cases)
    func deliveredMatchesBrokerOffsets(_ example: Case) throws {
        var workload = ProduceWorkload()
        workload.topic = "swarm"
        workload.partitions = example.partitions
        workload.producers = example.producers
        workload.acks = example.acks
        workload.compression = example.codec
        workload.numRecords = example.records
        workload.recordSize = 200
        workload.linger = .milliseconds(1)
        try workload.validate()
        let target = try BenchTarget(brokers: nil, topic: workload.topic, partitions: workload.partitions,
                                     replicationFactor: 1)
        #expect(target.kind == .embedded)
        #expect(target.topic?.partitions.count == Int(example.partitions))
        let before = try target.admin.endOffsetTotal(topic: "swarm")
        #expect(before == 0)

        let outcome = try ProducerSwarm(workload: workload, target: target.uri).run()

        let marks = try target.admin.watermarks(topic: "swarm")
        #expect(marks.count == Int(example.partitions))
        let total = marks.values.reduce(0) { $0 + $1.high }
        #expect(outcome.sent == example.records)
        #expect(outcome.delivered == example.records)
        #expect(outcome.failed == 0)
        #expect(total == Int64(outcome.delivered))
        #expect(outcome.deliveredBytes == example.records * 200)
        #expect(outcome.latency.totalCount == UInt64(example.records))
        #expect(outcome.elapsedSeconds > 0)
        #expect(outcome.latency.valueAtPercentile(50) <= outcome.latency.valueAtPercentile(99))
        #expect(outcome.latency.valueAtPercentile(99) <= outcome.latency.max)
    }

    @Test func sharesDifferByAtMostOne() {
        #expect(ProducerSwarm.split(10, into: 3) == [4, 3, 3])
        #expect(ProducerSwarm.split(2, into: 4) == [1, 1, 0, 0])
        #expect(ProducerSwarm.split(9, into: 1) == [9])
    }

    @Test func unknownPropertyIsRejectedBeforeConnecting() {
        var workload = ProduceWorkload()
        workload.properties = ["not.a.property": "1"]
        #expect(throws: WorkloadError.invalid("invalid configuration: unknown librdkafka property 'not.a.property'")) {
            try workload.validate()
        }
        workload.properties = [:]
        workload.numRecords = 0
        #expect(throws: WorkloadError.self) { try workload.validate() }
        workload.numRecords = 1
        workload.topic = "bad topic"
        #expect(throws: WorkloadError.self) { try workload.validate() }
    }
}

@Suite("Payloads and durations")
struct PayloadAndDurationTests {
    @Test func poolSlicesAreStableAndDistinct() {
        let pool = PayloadPool(recordSize: 100, records: 1000)
        #expect(pool.slotCount == 1000)
        let a = Array(pool.payload(3))
        #expect(a.count == 100)
        #expect(Array(pool.payload(1003)) == a)
        #expect(Array(pool.payload(4)) != a)
        let again = PayloadPool(recordSize: 100, records: 1000)
        #expect(Array(again.payload(3)) == a, "same seed, same bytes")
    }

    @Test func poolIsCappedForLargeRecords() {
        let pool = PayloadPool(recordSize: 4 * 1024 * 1024, records: 100)
        #expect(pool.slotCount == 4)
        let empty = PayloadPool(recordSize: 0, records: 10)
        #expect(empty.payload(5).count == 0)
    }

    @Test(arguments: [
        ("5s", Duration.seconds(5)), ("500ms", .milliseconds(500)), ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)), ("1h", .seconds(3600)), ("250us", .microseconds(250)), ("3", .seconds(3)),
    ])
    func parsesDurations(_ text: String, _ expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test func rejectsBadDurations() {
        for text in ["", "s", "-1s", "5 parsecs", "abc", "inf"] {
            #expect(DurationText.parse(text) == nil, "\(text)")
        }
        #expect(DurationText.format(.seconds(30)) == "30s")
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
    }
}
