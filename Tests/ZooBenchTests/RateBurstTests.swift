import Foundation
import Testing
import ZooPipe
@testable import ZooBench

/// `--fault "at=5s rate 3x for=2s"`: the producers' own schedule changes rate.
@Suite("Rate bursts")
struct RateBurstTests {
    @Test func pacingFollowsTheBurst() {
        // 5,000 records/s: 200 µs apart; three times as fast from 3 s to 5 s.
        let pacing = SendPacing(interval: 200_000, bursts: [RateBurst(at: .seconds(3), lasting: .seconds(2), factor: 3)])
        #expect(pacing.offset(0) == 0)
        #expect(pacing.offset(15_000) == 3e9)               // 3 s at 5,000/s
        #expect(abs(pacing.offset(30_000) - 4e9) < 1)       // 1 s into the burst at 15,000/s
        #expect(abs(pacing.offset(45_000) - 5e9) < 1)       // its end
        #expect(abs(pacing.offset(50_000) - 6e9) < 1)       // 5,000/s again
        let plain = SendPacing(interval: 200_000, bursts: [])
        #expect(plain.offset(50_000) == 1e10)
        var last = -1.0
        for sequence in stride(from: 0, to: 60_000, by: 7) {
            let offset = pacing.offset(sequence)
            #expect(offset > last)
            last = offset
        }
        // A dip: half the rate for 1 s from 1 s.
        let dip = SendPacing(interval: 1e6, bursts: [RateBurst(at: .seconds(1), lasting: .seconds(1), factor: 0.5)])
        #expect(abs(dip.offset(1_500) - 2e9) < 1 && abs(dip.offset(2_500) - 3e9) < 1)
    }

    @Test func parsingAndItsErrors() throws {
        let burst = try RateBurst(parsing: "at=5s rate 3x for=2s")
        #expect(burst == RateBurst(at: .seconds(5), lasting: .seconds(2), factor: 3))
        #expect(burst.description == "at=5s rate 3x for=2s")
        #expect(try RateBurst(parsing: burst.description) == burst)
        for (text, expected) in [("at=5s rate 3x", "it needs for="), ("rate 3x for=2s", "it needs at="), ("at=1s rate for=1s", "multiple, e.g. 3x"),
                                 ("at=1s rate 0x for=1s", "above 0 and at most 100"), ("at=1s rate 101x for=1s", "at most 100"),
                                 ("at=1s rate 2x for=1s now", "unknown word 'now'"), ("at=1s rate 2x for=10ms", "100ms to 30 days")] {
            #expect(throws: WorkloadError.self) { try RateBurst(parsing: text) }
            do { _ = try RateBurst(parsing: text) } catch { #expect("\(error)".contains(expected), "\(text): \(error)") }
        }
    }

    /// Through the workload loader: it needs a rate, bursts may not overlap,
    /// it works with an external cluster (no embedded cluster needed), and a
    /// workload file keeps it beside the faults.
    @Test func throughTheWorkloadLoader() throws {
        let given = WorkloadRequest(fields: [("throughput", "100"), ("fault", "at=1s rate 2x for=1s"),
                                             ("fault", "at=2s broker=1 down for=1s")])
        let workload = try ProduceWorkload.load(given).workload
        #expect(workload.bursts == [RateBurst(at: .seconds(1), lasting: .seconds(1), factor: 2)])
        #expect(workload.faults.count == 1)
        let text = try WorkloadFile.yaml(workload)
        #expect(text.contains("at=1s rate 2x for=1s"))
        #expect(try WorkloadFile.parse(text, source: "w.yaml").workload == workload)

        let external = WorkloadRequest(fields: [("throughput", "100"), ("fault", "at=1s rate 2x for=1s")], brokers: "kafka1:9092")
        #expect(try ProduceWorkload.load(external).workload.bursts.count == 1)
        #expect {
            _ = try ProduceWorkload.load(WorkloadRequest(fields: [("fault", "at=1s rate 2x for=1s")]))
        } throws: { "\($0)".contains("a rate change needs a fixed rate (--throughput)") }
        #expect {
            _ = try ProduceWorkload.load(WorkloadRequest(fields: [("throughput", "100"), ("fault", "at=1s rate 2x for=2s"),
                                                                  ("fault", "at=2s rate 3x for=1s")]))
        } throws: { "\($0)".contains("overlap") }
    }

    /// A real run: the burst's intervals carry three times the records, and
    /// the total is the base rate's plus the burst's extra.
    @Test func aRunSendsTheBurst() throws {
        var workload = ProduceWorkload()
        workload.topic = "burst"
        workload.throughput = 2_000
        workload.numRecords = nil
        workload.duration = .seconds(4)
        workload.bursts = [RateBurst(at: .seconds(1), lasting: .seconds(2), factor: 3)]
        let target = try BenchTarget(brokers: nil, for: workload)
        let outcome = try ProducerFleet(workload: workload, target: target.uri).run()
        // 2,000/s for 4 s, plus 2 × 2,000 more in each of the 2 burst seconds.
        #expect(abs(outcome.delivered - 16_000) <= 2, "\(outcome.delivered)")
        let perInterval = outcome.timeline.filter { $0.seconds > 0.5 }.map(\.delivered)
        #expect(perInterval.count == 4)
        if perInterval.count == 4 {
            // Acknowledgements, not sends, fill intervals: on a loaded machine some cross a boundary late.
            #expect(perInterval[0] <= 3_000 && perInterval[3] <= 3_000, "\(perInterval)")
            #expect(perInterval[1] >= 4_500 && perInterval[2] >= 4_500, "\(perInterval)")
            #expect(abs(perInterval[1] + perInterval[2] - 12_000) <= 1_000, "\(perInterval)")
        }
    }
}

/// `--fault "at=5s consumer leave 1"`: members leave their group during e2e.
@Suite("Consumer changes")
struct ConsumerChangeTests {
    @Test func parsingAndTheSchedule() throws {
        let change = try ConsumerChange(parsing: "at=5s consumer leave 2")
        #expect(change == ConsumerChange(at: .seconds(5), leaving: 2))
        #expect(try ConsumerChange(parsing: change.description) == change)
        #expect(try ConsumerChange(parsing: "at=1.5s consumer join 2") == ConsumerChange(at: .milliseconds(1500), joining: 2))
        for (text, expected) in [("at=1s consumer arrive 2", "at=TIME consumer join N"),
                                 ("consumer leave 1", "it needs at="), ("at=1s consumer leave", "at=TIME consumer leave N"),
                                 ("at=1s consumer leave 0", "at=TIME consumer leave N"), ("at=1s consumer join -1", "consumer join N")] {
            do {
                _ = try ConsumerChange(parsing: text)
                Issue.record("\(text) parsed")
            } catch { #expect("\(error)".contains(expected), "\(text): \(error)") }
        }
        let leaves = try ConsumerChange.schedule([ConsumerChange(at: .seconds(6), leaving: 1), ConsumerChange(at: .seconds(3), leaving: 1)],
                                                 members: 3)
        #expect(leaves.leaveAt == [nil, 6_000_000_000, 3_000_000_000] && leaves.joinAt.isEmpty)
        let both = try ConsumerChange.schedule([ConsumerChange(at: .seconds(4), joining: 2), ConsumerChange(at: .seconds(2), leaving: 1),
                                                ConsumerChange(at: .seconds(1), joining: 1)], members: 2)
        #expect(both.leaveAt == [nil, 2_000_000_000] && both.joinAt == [1_000_000_000, 4_000_000_000, 4_000_000_000])
        #expect(throws: WorkloadError.self) { try ConsumerChange.schedule([ConsumerChange(at: .seconds(1), leaving: 3)], members: 3) }
    }

    /// One of three members leaves 2 s into sending: the departure is an
    /// event, the group's rebalance shows as a pause, nothing is lost.
    @Test func aMemberLeavesAndTheGroupGoesOn() throws {
        var (produce, consume) = EndToEndTests.workloads(topic: "leave", rate: 2_000, seconds: 6)
        consume.consumers = 3
        produce.consumerChanges = [ConsumerChange(at: .seconds(2), leaving: 1)]
        let target = try BenchTarget(brokers: nil, topic: "leave", partitions: 6, replicationFactor: 1)
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        let departure = try #require(outcome.faults.first)
        #expect(outcome.faults.count == 1 && departure.action.hasPrefix("consumer 2 left group"))
        #expect(abs(departure.at - 2) < 0.5, "\(departure.at)")
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.lost == 0 && integrity.duplicated == 0 && integrity.consumed == outcome.produce.delivered)
        let pauses = try #require(outcome.consume.pauses.first)
        #expect(pauses.count >= 1 && pauses.longest >= 0.2, "\(pauses)")
    }

    /// A member joins 2 s into sending: it subscribes then (an event), is
    /// given partitions once the group has rebalanced (a second event), and
    /// reads; the rebalance shows as a pause; nothing is lost.
    @Test func aMemberJoinsAndReads() throws {
        var (produce, consume) = EndToEndTests.workloads(topic: "join", rate: 2_000, seconds: 8)
        consume.consumers = 1
        produce.consumerChanges = [ConsumerChange(at: .seconds(2), joining: 1)]
        let target = try BenchTarget(brokers: nil, topic: "join", partitions: 4, replicationFactor: 1)
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        let joins = try #require(outcome.faults.first { $0.action.hasPrefix("consumer 1 joins group") }, "\(outcome.faults)")
        #expect(abs(joins.at - 2) < 0.5, "\(joins.at)")
        let assigned = try #require(outcome.faults.first { $0.action.hasPrefix("consumer 1 has joined group") }, "\(outcome.faults)")
        #expect(assigned.at > joins.at && assigned.action.hasSuffix("partition(s) assigned"), "\(assigned)")
        let reads = try #require(outcome.faults.first { $0.action.hasPrefix("consumer 1 reads its first record") }, "\(outcome.faults)")
        #expect(reads.at >= assigned.at && reads.action.hasSuffix("(2 partition(s) assigned)"), "\(reads)")
        #expect(outcome.consume.consumers.count == 2)
        #expect(outcome.consume.consumers[1].consumed > 0 && outcome.consume.consumers[1].joinSeconds != nil)
        // The slowest join is the starting member's, before producing.
        #expect(outcome.consume.joinSeconds == outcome.consume.consumers[0].joinSeconds)
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.lost == 0 && integrity.duplicated == 0 && integrity.consumed == outcome.produce.delivered)
        let pauses = try #require(outcome.consume.pauses.first)
        #expect(pauses.count >= 1 && pauses.longest >= 0.2, "\(pauses)")
    }

    /// A member due to join after the run is over never starts a consumer
    /// and holds nothing open: the run ends when the records are read.
    @Test func aJoinAfterTheEndDoesNotHoldTheRun() throws {
        var (produce, consume) = EndToEndTests.workloads(topic: "late-join", rate: 2_000, seconds: 1)
        produce.consumerChanges = [ConsumerChange(at: .seconds(60), joining: 2)]
        let target = try BenchTarget(brokers: nil, topic: "late-join", partitions: 2, replicationFactor: 1)
        let began = ContinuousClock.now
        let outcome = try EndToEndRun(produce: produce, consume: consume).run(target: target.uri, admin: target.admin)
        #expect(ContinuousClock.now - began < .seconds(30))
        #expect(outcome.faults.isEmpty, "\(outcome.faults)")
        #expect(outcome.consume.consumers.map(\.consumed).dropFirst(consume.consumers).allSatisfy { $0 == 0 })
        #expect(outcome.consume.end == .endOfTopic)
        let integrity = try #require(outcome.integrity.first)
        #expect(integrity.lost == 0 && integrity.consumed == outcome.produce.delivered)
        // The members waiting to join publish (empty) intervals like the others.
        #expect(outcome.consume.timeline.count >= 2)
    }

    @Test func produceRefusesThem() throws {
        var workload = ProduceWorkload()
        workload.consumerChanges = [ConsumerChange(at: .seconds(1), leaving: 1)]
        workload.numRecords = 10
        let target = try BenchTarget(brokers: nil, for: workload)
        #expect {
            _ = try MeasuredRun(mode: .produce, produce: workload).run(on: target)
        } throws: { "\($0)".contains("consumers join and leave only in e2e runs") }
    }
}
