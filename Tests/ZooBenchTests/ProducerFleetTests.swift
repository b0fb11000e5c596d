import Testing
import ZooPipe
@testable import ZooBench

@Suite("Producer fleet on the embedded cluster", .serialized)
struct ProducerFleetTests {
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

    /// Several topics (OMB's `topics`): producer i writes to topic i mod N;
    /// each topic grows by its producers' share, and the run's offset check
    /// sums over all of them.
    @Test func severalTopics() throws {
        var workload = ProduceWorkload()
        workload.topic = "multi"
        workload.topics = 3
        workload.partitions = 4
        workload.producers = 5  // topics get 2, 2 and 1 producers
        workload.numRecords = 10_000  // 2,000 a producer
        workload.warmupRecords = 0
        workload.recordSize = .fixed(100)
        workload.lingerMs = 1
        let target = try BenchTarget(brokers: nil, for: workload)
        for name in workload.topicNames {
            #expect(try target.admin.describeTopic(name).partitions.count == 4, "\(name)")
        }
        let result = try MeasuredRun(mode: .produce, produce: workload).run(on: target)
        let grown = try workload.topicNames.map { try target.admin.endOffsetTotal(topic: $0) }
        #expect(grown == [4_000, 4_000, 2_000])
        #expect(result.summary?.delivered == 10_000)
        #expect(result.summary?.brokerOffsetGrowth == 10_000)
        #expect(result.workload?.topics == 3)
    }

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
        workload.recordSize = .fixed(200)
        workload.lingerMs = 1
        try workload.validate()
        let target = try BenchTarget(brokers: nil, topic: workload.topic, partitions: workload.partitions,
                                     replicationFactor: 1)
        #expect(target.kind == .embedded)
        #expect(target.topic?.partitions.count == Int(example.partitions))
        let before = try target.admin.endOffsetTotal(topic: "swarm")
        #expect(before == 0)

        let outcome = try ProducerFleet(workload: workload, target: target.uri).run()

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
        #expect(outcome.timeline.reduce(0) { $0 + $1.delivered } == example.records)
        #expect(outcome.timeline.reduce(0) { $0 + $1.sent } == example.records)
    }

    /// Transactions of 1,000 records, one transactional id per producer; every record lands.
    @Test func transactionsCommitEveryBatch() throws {
        var workload = ProduceWorkload()
        workload.topic = "tx"
        workload.producers = 2
        workload.numRecords = 10_000
        workload.transactionalID = "zoobench-test"
        workload.transactionSize = 1000
        try workload.validate()
        #expect(workload.producerConfiguration(producerIndex: 1).client.properties["transactional.id"] == "zoobench-test-1")
        #expect(workload.producerConfiguration(producerIndex: 0).idempotence)
        let target = try BenchTarget(brokers: nil, topic: "tx", partitions: 3, replicationFactor: 1)
        let outcome = try ProducerFleet(workload: workload, target: target.uri).run()
        #expect(outcome.delivered == 10_000)
        #expect(outcome.failed == 0)
        #expect(outcome.transactions == 10)
        #expect(try target.admin.endOffsetTotal(topic: "tx") >= 10_000)
    }

    /// librdkafka's own wire counters: uncompressed random values cost at
    /// least their size on the wire; zstd on 90 %-repeated values far less.
    @Test func wireBytesShowCompression() throws {
        var sizes: [CompressionCodec: (wire: Int, value: Int)] = [:]
        for codec in [CompressionCodec.none, .zstd] {
            var workload = ProduceWorkload()
            workload.topic = "wire"
            workload.numRecords = 20_000
            workload.recordSize = .fixed(1000)
            workload.compressibility = 0.9
            workload.compression = codec
            let target = try BenchTarget(brokers: nil, topic: "wire", partitions: 2, replicationFactor: 1)
            let outcome = try ProducerFleet(workload: workload, target: target.uri).run()
            let wire = try #require(outcome.wire)
            #expect(wire.messages == 20_000)
            #expect(wire.requests > 0)
            sizes[codec] = (wire.bytes, outcome.deliveredBytes)
        }
        let plain = try #require(sizes[CompressionCodec.none])
        let zstd = try #require(sizes[.zstd])
        #expect(plain.wire >= plain.value, "uncompressed: \(plain.wire) wire bytes for \(plain.value) value bytes")
        #expect(Double(zstd.wire) < 0.3 * Double(zstd.value), "zstd: \(zstd.wire) wire bytes for \(zstd.value) value bytes")
    }

    @Test func sharesDifferByAtMostOne() {
        #expect(ProducerFleet.split(10, into: 3) == [4, 3, 3])
        #expect(ProducerFleet.split(2, into: 4) == [1, 1, 0, 0])
        #expect(ProducerFleet.split(9, into: 1) == [9])
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

@Suite("Rate control and coordinated omission", .serialized)
struct ScheduleTests {
    /// At --throughput 20000 for 3 s the achieved rate is within 5 % and no
    /// full interval after the warm-up is more than twice another.
    @Test func fixedRateIsMetSmoothly() throws {
        var workload = ProduceWorkload()
        workload.topic = "rate"
        workload.numRecords = nil
        workload.duration = .seconds(3)
        workload.warmup = .milliseconds(500)
        workload.throughput = 20_000
        workload.interval = .milliseconds(500)
        let target = try BenchTarget(brokers: nil, topic: "rate", partitions: 3, replicationFactor: 1)
        let outcome = try ProducerFleet(workload: workload, target: target.uri).run()
        #expect(outcome.failed == 0)
        // The measured window follows the schedule: the records due in 3 s and
        // never one more (a producer a few ms behind at the end, on a loaded
        // machine, stops on time and leaves the last few unsent).
        #expect(outcome.sent <= 60_000 && outcome.sent >= 59_900, "sent \(outcome.sent) in 3 s")
        #expect(outcome.warmup.delivered == 10_000, "warm-up \(outcome.warmup.delivered) in 0.5 s")
        #expect(abs(outcome.recordsPerSecond - 20_000) / 20_000 < 0.05, "achieved \(outcome.recordsPerSecond)/s")
        #expect(outcome.correctedLatency != nil)
        #expect(outcome.warmup.delivered > 0)
        let full = outcome.timeline.filter { !$0.warmup && abs($0.seconds - 0.5) < 0.01 }
        #expect(full.count >= 4)
        let rates = full.map(\.recordsPerSecond)
        if let low = rates.min(), let high = rates.max() {
            #expect(high <= 2 * low, "interval rates \(rates)")
        }
    }

    /// A producer that cannot keep its schedule (one record in flight at a
    /// time, 50 ms round trips) shows the stall in the latency from the
    /// intended send time, and not in the latency from the actual send.
    @Test func stallShowsInCorrectedLatencyOnly() throws {
        var workload = ProduceWorkload()
        workload.topic = "stall"
        workload.numRecords = nil
        workload.duration = .seconds(2)
        workload.throughput = 1000
        workload.properties = ["queue.buffering.max.messages": "1", "linger.ms": "0"]
        let target = try BenchTarget(brokers: nil, topic: "stall", partitions: 1, replicationFactor: 1)
        for broker in 1...3 { try target.embedded!.setRoundTripTime(broker: Int32(broker), .milliseconds(50)) }
        let outcome = try ProducerFleet(workload: workload, target: target.uri).run()
        let raw = outcome.latency
        let corrected = try #require(outcome.correctedLatency)
        #expect(outcome.delivered > 5 && outcome.delivered < 200, "delivered \(outcome.delivered)")
        #expect(raw.valueAtPercentile(99) >= 50_000, "raw p99 reflects the 50 ms RTT")
        #expect(raw.valueAtPercentile(99) < 300_000, "raw p99 \(raw.valueAtPercentile(99)) µs")
        #expect(corrected.valueAtPercentile(99) > 1_000_000, "corrected p99 \(corrected.valueAtPercentile(99)) µs")
        #expect(corrected.valueAtPercentile(50) > raw.valueAtPercentile(99))
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
