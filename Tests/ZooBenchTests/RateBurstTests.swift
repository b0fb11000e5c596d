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
            #expect(abs(perInterval[0] - 2_000) <= 50 && abs(perInterval[3] - 2_000) <= 50, "\(perInterval)")
            #expect(abs(perInterval[1] - 6_000) <= 50 && abs(perInterval[2] - 6_000) <= 50, "\(perInterval)")
        }
    }
}
