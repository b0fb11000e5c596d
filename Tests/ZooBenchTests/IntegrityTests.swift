import Testing
@testable import ZooBench

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
    @Test func parsesDownAndRoundTrip() throws {
        let down = try FaultSpec(parsing: "at=10s broker=2 down for=5s")
        #expect(down == FaultSpec(at: .seconds(10), broker: 2, kind: .down, lasting: .seconds(5)))
        #expect(down.description == "at=10s broker=2 down for=5s")
        let slow = try FaultSpec(parsing: "at=500ms rtt broker=1 50ms")
        #expect(slow == FaultSpec(at: .milliseconds(500), broker: 1, kind: .roundTrip(.milliseconds(50)), lasting: nil))
        #expect(slow.description == "at=500ms rtt broker=1 50ms")
        let errors = try FaultSpec(parsing: "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5")
        #expect(errors.kind == .requestErrors(api: "Produce", code: "NOT_LEADER_FOR_PARTITION", count: 5))
        #expect(errors.description == "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5")
    }

    @Test(arguments: [
        ("broker=1 down", "it needs at="),
        ("at=1s down", "it needs broker="),
        ("at=1s broker=1", "say one of down, rtt or error"),
        ("at=1s error api=Produce", "error needs api=… and code=…"),
        ("at=1s error api=Nope code=NOT_LEADER_FOR_PARTITION", "api=Nope is not one of"),
        ("at=1s error api=Produce code=NOPE", "code=NOPE is not a Kafka error name"),
        ("at=1s broker=1 rtt", "rtt needs a latency"),
        ("at=soon broker=1 down", "at=soon is not a duration"),
        ("at=1s broker=0 down", "broker=0 is not a broker id"),
        ("at=1s broker=1 down when=now", "unknown key 'when'"),
        ("at=1s leader topic=t partition=0 to=3", "'leader' faults are not supported yet"),
    ])
    func rejectsWithAReason(_ text: String, _ reason: String) {
        #expect {
            _ = try FaultSpec(parsing: text)
        } throws: { error in
            (error as? WorkloadError)?.description.contains(reason) == true
                && (error as? WorkloadError)?.description.hasPrefix("--fault '\(text)': ") == true
        }
    }
}
