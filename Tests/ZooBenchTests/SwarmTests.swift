import Foundation
import Testing
import ZooPipe
@testable import ZooBench

@Suite("Swarm: shares, clocks and messages")
struct SwarmTests {
    @Test func sharesAddUpToTheTotals() {
        var workload = ProduceWorkload()
        workload.producers = 7
        workload.throughput = 70_000
        workload.numRecords = 1_000_003
        workload.warmupRecords = 10
        workload.transactionalID = "tx"
        let ids = ["a", "b", "c"]
        let shares = SwarmSplit.shares(of: workload, consume: nil, mode: .produce, workers: ids)
        #expect(shares.map(\.worker) == ids)
        #expect(shares.map(\.index) == [1, 2, 3])
        #expect(shares.map(\.workload.producers) == [3, 2, 2])
        #expect(shares.reduce(0) { $0 + $1.workload.numRecords! } == 1_000_003)
        #expect(shares.reduce(0) { $0 + $1.workload.warmupRecords! } == 10)
        #expect(shares.map { $0.workload.throughput! } == [30_000, 20_000, 20_000])
        // Records follow producers: 3/7 of the total, to within one.
        #expect(abs(shares[0].workload.numRecords! - 1_000_003 * 3 / 7) <= 1)
        #expect(shares.map { $0.workload.transactionalID! } == ["tx-w1", "tx-w2", "tx-w3"])
        #expect(shares.allSatisfy { $0.workload.topic == workload.topic && $0.consume == nil })
    }

    @Test func everyWorkerGetsAProducerAndLargeTotalsDoNotOverflow() {
        var workload = ProduceWorkload()
        workload.producers = 1
        workload.numRecords = Int.max - 5
        let shares = SwarmSplit.shares(of: workload, consume: nil, mode: .produce, workers: ["a", "b", "c", "d"])
        #expect(shares.map(\.workload.producers) == [1, 1, 1, 1])
        #expect(shares.reduce(0) { $0 + $1.workload.numRecords! } == Int.max - 5)
        #expect(SwarmSplit.divide(10, by: [1, 1, 1]) == [4, 3, 3])
        #expect(SwarmSplit.divide(2, by: [1, 1, 1]) == [1, 1, 0])
        #expect(SwarmSplit.divide(0, by: [2, 5]) == [0, 0])
    }

    @Test func e2eSharesHaveTopicsAndGroupsOfTheirOwn() {
        var workload = ProduceWorkload()
        workload.topic = "orders"
        var consume = ConsumeWorkload()
        consume.group = "readers"
        consume.consumers = 2
        let shares = SwarmSplit.shares(of: workload, consume: consume, mode: .e2e, workers: ["x", "y"])
        #expect(shares.map(\.workload.topic) == ["orders.w1", "orders.w2"])
        #expect(shares.map { $0.consume!.topic } == ["orders.w1", "orders.w2"])
        #expect(shares.map { $0.consume!.group! } == ["readers-w1", "readers-w2"])
        #expect(shares.allSatisfy { $0.consume!.consumers == 2 })
    }

    @Test func noSecretTravelsInARunSpec() throws {
        var workload = ProduceWorkload()
        workload.properties = ["sasl.password": "hunter2-secret", "ssl.key.password": "k3y-secret", "linger.ms": "5"]
        var consume = ConsumeWorkload()
        consume.properties = ["sasl.password": "hunter2-secret", "fetch.wait.max.ms": "10"]
        let shares = SwarmSplit.shares(of: workload, consume: consume, mode: .e2e, workers: ["w"],
                                       clockOffsets: ["w": 0.25])
        var message = SwarmMessage(.run, from: "c", runID: "r")
        message.spec = SwarmRunSpec(runID: "r", mode: .e2e, startAt: 1, workload: SwarmSplit.withoutSecrets(workload),
                                    shares: shares)
        let text = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        #expect(!text.contains("secret"))
        #expect(text.contains("linger.ms") && text.contains("fetch.wait.max.ms"))
        let decoded = try JSONDecoder().decode(SwarmMessage.self, from: Data(text.utf8))
        #expect(decoded.kind == .run)
        #expect(decoded.spec?.share(of: "w")?.clockOffset == 0.25)
        #expect(decoded.spec?.share(of: "w")?.workload.properties["linger.ms"] == "5")
        #expect(decoded.spec?.share(of: "nobody") == nil)
    }

    /// A worker whose clock is 250 ms ahead answers pings after random,
    /// uneven delays on each way: every estimate's interval holds the true
    /// offset, and the kept one is the one of the shortest round trip.
    @Test func clockEstimateBoundsTheTrueOffset() {
        var generator = SplitMix64(seed: 7)
        let trueOffset = 0.25
        var clock = SwarmClock(offset: 0, uncertainty: 0, samples: 0)
        var shortest = Double.infinity
        for round in 0..<50 {
            let sent = 1_000.0 + Double(round)
            let out = Double(generator.next() % 200) / 1000 + 0.001
            let back = Double(generator.next() % 200) / 1000 + 0.001
            let answered = sent + out + trueOffset  // the worker's clock when it answers
            let received = sent + out + back
            shortest = min(shortest, out + back)
            let single = SwarmClock(offset: 0, uncertainty: 0, samples: 0).adding(sent: sent, answered: answered, received: received)
            #expect(abs(single.offset - trueOffset) <= single.uncertainty + 1e-9)
            clock = clock.adding(sent: sent, answered: answered, received: received)
        }
        #expect(clock.samples == 50)
        #expect(abs(clock.uncertainty - shortest / 2) < 1e-9)
        #expect(abs(clock.offset - trueOffset) <= clock.uncertainty + 1e-9)
    }

    @Test func intervalsAcrossWorkersAddCountsAndBoundPercentiles() {
        func interval(_ delivered: Int, p50: UInt64, p99: UInt64, max: UInt64, seconds: Double = 1) -> IntervalSnapshot {
            IntervalSnapshot(index: 3, start: 3, seconds: seconds, sent: delivered + 1, delivered: delivered, bytes: delivered * 100,
                             errors: 1, inFlight: 2, warmup: false, p50: p50, p90: p99, p99: p99, p999: max, max: max)
        }
        let merged = IntervalSnapshot.acrossWorkers([interval(100, p50: 10, p99: 50, max: 90),
                                                     interval(300, p50: 30, p99: 40, max: 70, seconds: 1.02)])
        #expect(merged.delivered == 400 && merged.sent == 402 && merged.bytes == 40_000)
        #expect(merged.errors == 2 && merged.inFlight == 4)
        #expect(merged.p50 == 30 && merged.p99 == 50 && merged.max == 90)
        #expect(merged.seconds == 1.02 && merged.index == 3)
    }
}

extension SwarmTests {
    /// The run spec is one record on the control topic: for the 100 workers
    /// docs/scale-out.md sizes, it must fit a broker's default 1 MB message
    /// limit with room to spare (and so must a share's heartbeat).
    @Test func runSpecForAHundredWorkersFitsInOneRecord() throws {
        var workload = ProduceWorkload()
        workload.producers = 400
        workload.throughput = 4_000_000
        workload.properties = ["linger.ms": "5", "batch.size": "1000000", "security.protocol": "SASL_SSL"]
        let ids = (1...100).map { "zoobench-worker-\($0)-7f9c8d6b5-x2k4q" }
        var message = SwarmMessage(.run, from: "coordinator", runID: "run-1")
        message.spec = SwarmRunSpec(runID: "run-1", mode: .e2e, startAt: 1_800_000_000, workload: workload,
                                    shares: SwarmSplit.shares(of: workload, consume: ConsumeWorkload(), mode: .e2e,
                                                              workers: ids, clockOffsets: Dictionary(uniqueKeysWithValues: ids.map { ($0, 0.0123) })))
        let bytes = try JSONEncoder().encode(message).count
        print("run spec for 100 workers: \(bytes) bytes")
        #expect(bytes < 100_000, "\(bytes) bytes: about 740 a worker, so a 1 MB record holds some 1,300")
    }
}
