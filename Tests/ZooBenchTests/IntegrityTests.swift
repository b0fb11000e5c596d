import Foundation
import Testing
@testable import ZooBench
import ZooPipe

@Suite("Integrity checks on synthetic sequences")
struct IntegrityTests {
    /// A producer ledger that acknowledged `sequences`, all to `partition`.
    static func acked(_ sequences: some Sequence<Int>, partition: Int32 = 0) -> AcknowledgedLedger {
        var ledger = AcknowledgedLedger()
        for sequence in sequences { ledger.acknowledge(sequence, partition: partition) }
        return ledger
    }

    @Test func cleanRunCountsEverythingOnce() {
        var consumer = ConsumedLedger(producers: 2, partitions: 2)
        for sequence in 0..<1000 {
            consumer.record(producer: 0, partition: 0, sequence: sequence)
            consumer.record(producer: 1, partition: 1, sequence: sequence)
        }
        let report = IntegrityReport(group: "g", acknowledged: [Self.acked(0..<1000), Self.acked(0..<1000, partition: 1)],
                                     consumers: [consumer])
        #expect(report.acknowledged == 2000)
        #expect(report.consumed == 2000)
        #expect(report.lost == 0 && report.duplicated == 0 && report.reordered == 0)
        #expect(report.clean)
        #expect(report.verdict == "integrity: 2000 acknowledged, 2000 consumed, 0 lost, 0 duplicated, 0 reordered")
    }

    @Test func gapsAreLostWithTheirPartitionsAndExamples() {
        var consumer = ConsumedLedger(producers: 1, partitions: 3)
        var ledger = AcknowledgedLedger()
        for sequence in 0..<300 { ledger.acknowledge(sequence, partition: Int32(sequence % 3)) }
        // Everything but 10…19 and 250.
        for sequence in 0..<300 where !(10..<20).contains(sequence) && sequence != 250 {
            consumer.record(producer: 0, partition: Int32(sequence % 3), sequence: sequence)
        }
        let report = IntegrityReport(group: nil, acknowledged: [ledger], consumers: [consumer])
        #expect(report.lost == 11)
        #expect(report.consumed == 289)
        // 10…19 fall 4, 3, 3 on partitions 1, 2, 0 (10 % 3 = 1); 250 on partition 1.
        #expect(report.lostByPartition == ["0": 3, "1": 5, "2": 3])
        #expect(report.lostByProducer == ["0": 11])
        #expect(report.lostExamples == (10..<20).map { "0:\($0)" })
        #expect(!report.clean)
    }

    /// Runs of one partition (keyless batching) interleaved with scattered
    /// keyed records, set out of order: every sequence reads back its partition.
    @Test func partitionMapMatchesAPlainDictionary() {
        var generator = SystemRandomNumberGenerator()
        var map = PartitionMap()
        var expected: [Int: Int32] = [:]
        var sequences: [(Int, Int32)] = []
        var next = 0
        while next < 50_000 {
            let run = Int.random(in: 1...300, using: &generator)
            let partition = Int.random(in: 0..<4, using: &generator) == 0 ? Int32.random(in: 500..<700, using: &generator) : Int32.random(in: 0..<12, using: &generator)
            let scattered = Bool.random(using: &generator)
            for sequence in next..<(next + run) {
                sequences.append((sequence, scattered ? Int32.random(in: 0..<12, using: &generator) : partition))
            }
            next += run
        }
        sequences.shuffle(using: &generator)
        for (sequence, partition) in sequences where Int.random(in: 0..<10, using: &generator) > 0 {
            map.set(sequence, partition)
            expected[sequence] = partition
        }
        for (sequence, partition) in expected { #expect(map[sequence] == partition) }
        #expect(map[next + 1_000_000] == -1)
    }

    /// Keyless batches (runs of one partition) acknowledged partition by
    /// partition: every sequence reads back, in a word per 64 sequences.
    @Test func partitionMapOfBatchesIsSmall() {
        var generator = SplitMix64(seed: 11)
        var runs: [(Range<Int>, Int32)] = []
        var next = 0
        while next < 1_000_000 {
            let length = Int.random(in: 70...400, using: &generator)
            runs.append((next..<(next + length), Int32(runs.count % 12)))
            next += length
        }
        var map = PartitionMap()
        // Acknowledgements come partition by partition, each in order.
        for partition in Int32(0)..<12 {
            for (range, p) in runs where p == partition {
                for sequence in range { map.set(sequence, p) }
            }
        }
        for (range, p) in runs {
            #expect(map[range.lowerBound] == p && map[range.upperBound - 1] == p)
        }
        #expect(map.bytes <= 1_000_000 / 64 * 4 * 2, "\(map.bytes) bytes for a million sequences")
    }

    @Test func duplicatesWithinAndAcrossConsumers() {
        var first = ConsumedLedger(producers: 1, partitions: 2)
        var second = ConsumedLedger(producers: 1, partitions: 2)
        for sequence in 0..<100 { first.record(producer: 0, partition: 0, sequence: sequence) }
        // Three re-reads in the same consumer (after a rewind) …
        for sequence in [97, 98, 99] { first.record(producer: 0, partition: 0, sequence: sequence) }
        // … and a second member that re-read 90…99 after a rebalance.
        for sequence in 90..<100 { second.record(producer: 0, partition: 0, sequence: sequence) }
        let report = IntegrityReport(group: "g", acknowledged: [Self.acked(0..<100)], consumers: [first, second])
        #expect(first.duplicates == 3)
        #expect(report.duplicated == 13)
        #expect(report.duplicatedByPartition == ["0": 13])
        #expect(report.consumed == 100)
        #expect(report.lost == 0)
        #expect(report.reordered == 0)
    }

    /// Copies read again from the same offsets (the fleet's offset check
    /// counts them) are re-reads, not duplicates in the log.
    @Test func reReadsAreToldFromDuplicates() {
        var first = ConsumedLedger(producers: 1, partitions: 1)
        for sequence in 0..<100 { first.record(producer: 0, partition: 0, sequence: sequence) }
        for sequence in 90..<100 { first.record(producer: 0, partition: 0, sequence: sequence) }  // 10 extra copies
        let report = IntegrityReport(group: "g", acknowledged: [Self.acked(0..<100)], consumers: [first],
                                     offsetsReadTwice: 7)
        #expect(report.reRead == 7)
        #expect(report.duplicated == 3)
        #expect(!report.clean)
        let allReRead = IntegrityReport(group: "g", acknowledged: [Self.acked(0..<100)], consumers: [first],
                                        offsetsReadTwice: 10)
        #expect(allReRead.duplicated == 0 && allReRead.reRead == 10)
        #expect(allReRead.clean, "re-reads are the consumer's at-least-once delivery, not lost or duplicated data")
        #expect(allReRead.verdict == "integrity: 100 acknowledged, 100 consumed, 0 lost, 0 duplicated, 0 reordered; "
            + "10 re-read from the same offsets (consumer re-delivery)")
    }

    @Test func reordersCountPerProducerAndPartition() {
        var consumer = ConsumedLedger(producers: 2, partitions: 2)
        // Producer 0 on partition 0: 0,1,2,5,3,4,6 → 3 and 4 come after 5: two reorders.
        for sequence in [0, 1, 2, 5, 3, 4, 6] { consumer.record(producer: 0, partition: 0, sequence: sequence) }
        // Producer 1 interleaves on partition 0 in its own order: no reorder.
        for sequence in 0..<7 { consumer.record(producer: 1, partition: 0, sequence: sequence) }
        // Producer 0 on partition 1 starts at 7 after partition 0 reached 6: each partition on its own.
        for sequence in [7, 8] { consumer.record(producer: 0, partition: 1, sequence: sequence) }
        #expect(consumer.reordered == 2)
        #expect(consumer.reorderedByPartition == [0: 2])
        let report = IntegrityReport(group: nil, acknowledged: [Self.acked(0..<9), Self.acked(0..<7)], consumers: [consumer])
        #expect(report.reordered == 2)
        #expect(report.lost == 0)
        #expect(report.duplicated == 0)
    }

    @Test func unacknowledgedButDeliveredAndForeign() {
        var consumer = ConsumedLedger(producers: 1, partitions: 1)
        for sequence in 0..<10 { consumer.record(producer: 0, partition: 0, sequence: sequence) }
        consumer.record(producer: 5, partition: 0, sequence: 0)  // a producer this run does not have
        consumer.foreign += 2
        // The producer heard back about 0…7 only (8 and 9 timed out, yet arrived).
        let report = IntegrityReport(group: nil, acknowledged: [Self.acked(0..<8)], consumers: [consumer])
        #expect(report.unacknowledgedDelivered == 2)
        #expect(report.acknowledged == 8)
        #expect(report.consumed == 10)
        #expect(report.lost == 0)
        #expect(report.foreign == 3)
        #expect(report.verdict.hasSuffix(", 2 delivered unacknowledged"))
    }

    @Test func bitsetGrowsAndCounts() {
        var a = SequenceBitset()
        var b = SequenceBitset()
        let fresh = a.insert(5)
        let again = a.insert(5)
        #expect(!fresh)
        #expect(again)
        a.insert(100_000)
        b.insert(5)
        b.insert(64)
        #expect(a.count == 2)
        #expect(a.contains(100_000) && !a.contains(99_999))
        #expect(a.subtractingCount(b) == 1)
        #expect(a.intersectionCount(b) == 1)
        #expect(a.missing(from: b, limit: 10) == [100_000])
        a.formUnion(b)
        #expect(a.count == 3)
    }

    @Test func stampRoundTrips() {
        let stamp = SequenceStamp(run: 0xDEAD_BEEF, producer: 513, warmup: true, sequence: 1 << 40 | 7,
                                  intendedTime: 1_800_000_000_123_456_789, sendTime: 1_800_000_000_123_999_999)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SequenceStamp.size, alignment: 1)
        defer { buffer.deallocate() }
        stamp.write(to: buffer)
        #expect(SequenceStamp(UnsafeRawBufferPointer(buffer)) == stamp)
        #expect(buffer[0] == 0xEF && buffer[3] == 0xDE)  // little-endian run id first
        #expect(SequenceStamp(UnsafeRawBufferPointer(rebasing: buffer[0..<31])) == nil)
    }
}

@Suite("Fault specs")
struct FaultSpecTests {
    static func arguments(_ set: (inout FaultArguments) -> Void) -> FaultArguments {
        var arguments = FaultArguments()
        set(&arguments)
        return arguments
    }

    @Test func parsesEveryKindAndWritesItBack() throws {
        let down = try FaultSpec(parsing: "at=10s broker=2 down for=5s")
        #expect(down == FaultSpec(at: .seconds(10), change: ClusterChange("down", Self.arguments { $0.broker = 2 }),
                                  lasting: .seconds(5)))
        #expect(down.description == "at=10s broker=2 down for=5s")
        let slow = try FaultSpec(parsing: "at=500ms rtt broker=1 50ms")
        #expect(slow == FaultSpec(at: .milliseconds(500),
                                  change: ClusterChange("rtt", Self.arguments { $0.broker = 1; $0.latency = .milliseconds(50) }),
                                  lasting: nil))
        #expect(slow.description == "at=500ms rtt broker=1 50ms")
        let errors = try FaultSpec(parsing: "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5")
        #expect(errors.change == (try ClusterChange(command: "error Produce NOT_LEADER_FOR_PARTITION 5")))
        #expect(errors.description == "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5")
        #expect(try FaultSpec(parsing: "at=2s error api=fetch code=NOT_LEADER_FOR_PARTITION").description
            == "at=2s error api=Fetch code=NOT_LEADER_FOR_PARTITION count=1")
        let leader = try FaultSpec(parsing: "at=3s leader partition=1 to=3")
        #expect(leader == FaultSpec(at: .seconds(3), change: ClusterChange("leader", Self.arguments { $0.partition = 1; $0.leader = 3 }),
                                    lasting: nil))
        #expect(leader.description == "at=3s leader partition=1 to=3")
        #expect(leader.start(topic: "bench") == (try ClusterChange(command: "leader bench 1 3")))
        #expect(leader.end(topic: "bench") == nil)
        let elsewhere = try FaultSpec(parsing: "at=3s leader topic=other partition=0 to=2")
        #expect(elsewhere.start(topic: "bench") == (try ClusterChange(command: "leader other 0 2")))
        // Every spec's text parses back to the same spec, in any order of its words.
        for spec in [down, slow, errors, leader, elsewhere] { #expect(try FaultSpec(parsing: spec.description) == spec) }
        #expect(try FaultSpec(parsing: "down for=5s broker=2 at=10s") == down)
        #expect(down.end(topic: "t") == (try ClusterChange(command: "up 2")))
        #expect(slow.end(topic: "t") == (try ClusterChange(command: "rtt 1 0ms")))
        #expect(down.start(topic: "t") == (try ClusterChange(command: "down 2")))
    }

    @Test(arguments: [
        ("broker=1 down", "it needs at="),
        ("at=1s down", "it needs broker="),
        ("at=1s broker=1", "say one of down, rtt, leader or error"),
        ("at=1s broker=1 down error", "say one of down, rtt, leader or error"),
        ("at=1s error api=Produce", "error needs code=…"),
        ("at=1s error", "error needs api=… and code=…"),
        ("at=1s error api=Nope code=NOT_LEADER_FOR_PARTITION", "api=Nope is not one of"),
        ("at=1s error api=Produce code=NOPE", "code=NOPE is not a Kafka error name"),
        ("at=1s broker=1 rtt", "rtt needs a latency"),
        ("at=1s broker=1 rtt fast", "'fast' is not a latency such as 50ms"),
        ("at=soon broker=1 down", "at=soon is not a duration"),
        ("at=1s broker=0 down", "broker=0 is not a broker id"),
        ("at=1s broker=1 down when=now", "unknown key 'when'"),
        ("at=1s broker=1 explode", "unknown word 'explode'"),
        ("at=1s broker=1 down 50ms", "unknown word '50ms'"),
        ("at=1s leader topic=t partition=0", "leader needs to=…"),
        ("at=1s leader", "leader needs partition=… and to=…"),
        ("at=1s leader partition=0 to=all", "a partition has one leader"),
        ("at=1s leader partition=0 to=3 for=2s", "leader faults do not take for="),
        ("at=1s leader partition=-1 to=3", "partition=-1 is not a partition number"),
        ("at=1s leader topic= partition=0 to=3", "topic= needs a name"),
        ("at=1s error api=Produce code=NOT_LEADER_FOR_PARTITION for=2s", "error faults do not take for="),
        ("at=1s error api=Produce code=NOT_LEADER_FOR_PARTITION count=0", "count=0 is not a count of 1 to 100000"),
        ("at=1s broker=1 down count=3", "down faults do not take count="),
        ("at=1s broker=1 rtt 2h", "more than an hour"),
        ("at=1s broker=1 up", "unknown word 'up'"),
    ])
    func rejectsWithAReason(_ text: String, _ reason: String) {
        #expect {
            _ = try FaultSpec(parsing: text)
        } throws: { error in
            (error as? WorkloadError)?.description.contains(reason) == true
                && (error as? WorkloadError)?.description.hasPrefix("--fault '\(text)': ") == true
        }
    }

    /// The help and the docs are made from the catalog: every example it
    /// gives parses, and docs/reliability.md holds both tables as they are made.
    @Test func examplesParseAndTheDocsHoldTheCatalog() throws {
        for kind in FaultKind.scheduled {
            let example = try #require(kind.example, "\(kind.name) has no example")
            #expect(try FaultSpec(parsing: example).description == example)
        }
        #expect(FaultKind.flagHelp(timedFrom: "sending").contains(FaultKind.examples))
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/reliability.md")
        let page = try String(contentsOf: docs, encoding: .utf8)
        #expect(page.contains(FaultKind.timelineMarkdown), "docs/reliability.md: the spec table is not FaultKind.timelineMarkdown")
        #expect(page.contains(FaultKind.controlMarkdown), "docs/reliability.md: the command table is not FaultKind.controlMarkdown")
    }
}

@Suite("Cluster control commands")
struct ClusterControlTests {
    @Test(arguments: [
        ("down 2", "down", FaultSpecTests.arguments { $0.broker = 2 }),
        ("up all", "up", FaultSpecTests.arguments { $0.broker = 0 }),
        ("rtt 1 50ms", "rtt", FaultSpecTests.arguments { $0.broker = 1; $0.latency = .milliseconds(50) }),
        ("rtt all 0ms", "rtt", FaultSpecTests.arguments { $0.broker = 0; $0.latency = .zero }),
        ("leader bench 0 3", "leader", FaultSpecTests.arguments { $0.topic = "bench"; $0.partition = 0; $0.leader = 3 }),
        ("error Produce NOT_LEADER_FOR_PARTITION 5", "error", FaultSpecTests.arguments {
            $0.api = .produce; $0.code = KafkaErrorCode(name: "NOT_LEADER_FOR_PARTITION"); $0.count = 5 }),
        ("error fetch UNKNOWN_TOPIC_OR_PART", "error", FaultSpecTests.arguments {
            $0.api = .fetch; $0.code = KafkaErrorCode(name: "UNKNOWN_TOPIC_OR_PART"); $0.count = 1 }),
        ("topic t:4", "topic", FaultSpecTests.arguments { $0.newTopic = "t"; $0.newTopicPartitions = 4 }),
        ("topic t", "topic", FaultSpecTests.arguments { $0.newTopic = "t"; $0.newTopicPartitions = 1 }),
        ("  down   3  ", "down", FaultSpecTests.arguments { $0.broker = 3 }),
    ])
    func parses(_ line: String, _ kind: String, _ arguments: FaultArguments) throws {
        let command = try ClusterChange(command: line)
        #expect(command == ClusterChange(kind, arguments))
        #expect(try ClusterChange(command: command.description) == command)
    }

    @Test(arguments: [
        ("", "empty command"), ("reboot 1", "unknown command 'reboot'"), ("down", "write it as 'down BROKER|all'"),
        ("down 0", "'0' is not a broker id"), ("down x", "'x' is not a broker id"), ("rtt 1", "write it as"),
        ("rtt 1 fast", "'fast' is not a latency"), ("leader t 0 all", "name a broker, not all"),
        ("leader t -1 2", "'-1' is not a partition"), ("error Produce", "write it as"),
        ("error Nope NOT_LEADER_FOR_PARTITION", "'Nope' is not one of Produce, Fetch"),
        ("error Produce NOPE", "'NOPE' is not a Kafka error name"), ("error Produce NOT_LEADER_FOR_PARTITION 0", "1 to 100000"),
        ("topic :3", "is not NAME or NAME:PARTITIONS"), ("topic t:0", "is not NAME or NAME:PARTITIONS"),
        ("down 1 2", "write it as 'down BROKER|all'"),
    ])
    func rejects(_ line: String, _ reason: String) {
        #expect {
            _ = try ClusterChange(command: line)
        } throws: { error in
            (error as? WorkloadError)?.description.contains(reason) == true
        }
    }

    /// On a real embedded cluster: each change is made (the broker's metadata
    /// shows the moved leader), and a broker or partition it lacks is refused.
    @Test func appliesToTheEmbeddedCluster() throws {
        let target = try BenchTarget(brokers: nil, topic: "ctl", partitions: 2, replicationFactor: 1)
        let cluster = try #require(target.embedded)
        let moved = try ClusterChange(command: "leader ctl 1 3").apply(to: cluster)
        #expect(moved == "leader of ctl partition 1 moved to broker 3")
        #expect(try target.admin.describeTopic("ctl").partitions.first { $0.id == 1 }?.leader == 3)
        #expect(try ClusterChange(command: "rtt all 40ms").apply(to: cluster) == "every broker rtt 40ms")
        #expect(try ClusterChange(command: "down 2").apply(to: cluster) == "broker 2 down")
        #expect(try ClusterChange(command: "up 2").apply(to: cluster) == "broker 2 up")
        #expect(throws: WorkloadError.self) { try ClusterChange(command: "down 4").apply(to: cluster) }
        #expect(throws: WorkloadError.self) { try ClusterChange(command: "leader ctl 7 1").apply(to: cluster) }
    }
}
