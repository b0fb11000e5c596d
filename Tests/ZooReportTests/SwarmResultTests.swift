import Foundation
import Histogram
import Testing
import ZooPipe
@testable import ZooBench
@testable import ZooReport

/// Four workers' results built from known samples, as they travel (JSON),
/// and the merged result made of them.
@Suite("Swarm result merging")
struct SwarmResultTests {
    static let environment = RunEnvironment(
        zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: "2.0.2", host: "coordinator", cores: 2,
        operatingSystem: "linux", clusterKind: .external, clusterNote: nil, bootstrapServers: "127.0.0.1:1",
        brokers: [ClusterMetadata.Broker(id: 1, host: "127.0.0.1", port: 1)], topicPartitions: 6,
        producerConfiguration: ["acks": "-1"], cpuSeconds: 0.5, peakRSSBytes: 1 << 20)

    /// Worker `index`'s samples: a seeded mix of fast and slow latencies (µs).
    static func samples(worker index: Int, count: Int) -> [UInt64] {
        var generator = SplitMix64(seed: UInt64(index) * 1_000_003)
        return (0..<count).map { _ in
            let roll = generator.next() % 1000
            return roll < 990 ? 500 + generator.next() % 20_000 : 100_000 + generator.next() % 2_000_000
        }
    }

    /// One worker's result as it sends it: outcome from its samples, three intervals.
    static func workerResult(index: Int, count: Int, elapsed: Double) throws -> String {
        var outcome = ProduceOutcome()
        outcome.correctedLatency = LatencyHistogram.make()
        for value in samples(worker: index, count: count) {
            outcome.latency.record(value)
            outcome.correctedLatency!.record(value + 100)
        }
        _ = outcome.warmup.latency.record(UInt64(index) * 1000)
        outcome.warmup.delivered = 1
        outcome.sent = count
        outcome.delivered = count
        outcome.deliveredBytes = count * 100
        outcome.elapsedSeconds = elapsed
        outcome.failuresByError = index == 2 ? ["_MSG_TIMED_OUT": 3] : [:]
        outcome.wire = KafkaWireStatistics(requests: 10 * index, bytes: 1000 * index, messages: count)
        outcome.timeline = (0..<3).map { i in
            IntervalSnapshot(index: i, start: Double(i), seconds: 1, sent: count / 3, delivered: count / 3,
                             bytes: count / 3 * 100, errors: 0, inFlight: index, warmup: false,
                             p50: UInt64(1000 * index + i), p90: 0, p99: UInt64(5000 * index + i), p999: 0,
                             max: UInt64(9000 * index + i))
        }
        var workload = ProduceWorkload()
        workload.producers = 1
        workload.throughput = 1000
        var environment = environment
        environment.host = "worker-\(index)"
        environment.cpuSeconds = Double(index)
        environment.peakRSSBytes = index << 20
        let result = RunResult(workload: workload, outcome: outcome, environment: environment,
                               startedAt: Date(timeIntervalSince1970: 1_800_000_000), brokerOffsetGrowth: nil)
        return String(decoding: try ResultFiles.json(result), as: UTF8.self)
    }

    static func spec(workers: Int) -> SwarmRunSpec {
        var workload = ProduceWorkload()
        workload.producers = workers
        workload.throughput = Double(1000 * workers)
        workload.name = "swarm-test"
        let ids = (1...workers).map { "w\($0)" }
        return SwarmRunSpec(runID: "r", mode: .produce, startAt: 1_800_000_003, workload: workload,
                            shares: SwarmSplit.shares(of: workload, consume: nil, mode: .produce, workers: ids))
    }

    static func outcome(_ share: SwarmShare, status: SwarmWorkerStatus, result: String?,
                        intervals: [IntervalSnapshot] = []) -> SwarmWorkerOutcome {
        SwarmWorkerOutcome(info: SwarmWorkerInfo(id: share.worker, host: "host-\(share.index)", cores: 2,
                                                 zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: "2.0.2", pid: 1),
                           share: share, clock: SwarmClock(offset: 0.001 * Double(share.index), uncertainty: 0.004, samples: 5),
                           status: status, intervals: intervals, result: result, lastHeard: 3)
    }

    @Test func mergedHistogramEqualsTheHistogramOfAllSamples() throws {
        let spec = Self.spec(workers: 4)
        let counts = [10_000, 7_000, 12_345, 9_999]
        let outcomes = try spec.shares.enumerated().map { position, share in
            Self.outcome(share, status: .complete,
                         result: try Self.workerResult(index: position + 1, count: counts[position], elapsed: 3 + Double(position) / 10))
        }
        let merged = RunResult.swarm(spec: spec, outcomes: outcomes, requested: 4, late: [], environment: Self.environment,
                                     startedAt: Date(), brokerOffsetGrowth: 39_348, stopped: false)
        var all = LatencyHistogram.make()
        for position in 0..<4 { for value in Self.samples(worker: position + 1, count: counts[position]) { all.record(value) } }

        let latency = try #require(merged.histograms?.latency)
        #expect(latency.totalCount == all.totalCount)
        #expect(latency.max == all.max && latency.min == all.min)
        #expect(latency.mean == all.mean)
        for percentile in stride(from: 0.0, through: 100.0, by: 0.25) + [99.9, 99.99, 99.999] {
            #expect(latency.valueAtPercentile(percentile) == all.valueAtPercentile(percentile), "p\(percentile)")
        }
        #expect(merged.summary?.latency == LatencyPercentiles(all))
        #expect(merged.histograms?.correctedLatency?.totalCount == all.totalCount)
        #expect(merged.histograms?.warmup.totalCount == 4)

        let summary = try #require(merged.summary)
        #expect(summary.sent == counts.reduce(0, +) && summary.delivered == 39_344)
        #expect(summary.failuresByError == ["_MSG_TIMED_OUT": 3])
        #expect(summary.elapsedSeconds == 3.3)
        #expect(summary.wire?.requests == 100 && summary.wire?.messages == 39_344)
        #expect(merged.warmup?.delivered == 4)
        #expect(merged.workload?.producers == 4)
        #expect(merged.environment.cpuSeconds == 10 && merged.environment.peakRSSBytes == 4 << 20)
        #expect(merged.workers?.coordinatorCPUSeconds == 0.5)
        #expect(!merged.partial)

        // Timeline: aligned by index, counts summed, the highest percentiles kept.
        #expect(merged.timeline.count == 3)
        #expect(merged.timeline[1].delivered == counts.map { $0 / 3 }.reduce(0, +))
        #expect(merged.timeline[1].p99 == 20_001 && merged.timeline[2].max == 36_002)
        #expect(merged.timeline[0].inFlight == 1 + 2 + 3 + 4)

        let workers = try #require(merged.workers)
        #expect(!workers.degraded && workers.problems.isEmpty)
        #expect(workers.members.map(\.delivered) == counts)
        #expect(workers.members.map(\.host) == ["host-1", "host-2", "host-3", "host-4"])
        #expect(abs(workers.clockSkewBoundMs! - 8) < 1e-9)  // 4 ms offset + 4 ms uncertainty
        #expect(abs(workers.startAlignmentMs! - 4) < 1e-9)

        // An ordinary result: it round-trips, compares with itself, and makes a report page.
        let decoded = try ResultJSON.decode(RunResult.self, from: try ResultFiles.json(merged))
        #expect(decoded.workers == merged.workers)
        #expect(decoded.histograms?.latency.valueAtPercentile(99.9) == all.valueAtPercentile(99.9))
        let html = HTMLReport.run(decoded)
        #expect(html.contains("Workers (4 of 4 complete)") && html.contains("host-3"))
        let text = SwarmSummary.text(decoded)
        #expect(text.contains("workers   4 of 4 complete; clocks within ±8.0 ms"))
        #expect(text.contains("cpu       workers 10.00 s in all, coordinator 0.50 s"))
    }

    @Test func aLostWorkerMakesTheRunDegradedWithItsIntervalsKept() throws {
        let spec = Self.spec(workers: 3)
        let lostIntervals = [
            IntervalSnapshot(index: 0, start: 0, seconds: 1, sent: 900, delivered: 880, bytes: 88_000, errors: 0,
                             inFlight: 20, warmup: false, p50: 1, p90: 2, p99: 3, p999: 4, max: 77_777),
        ]
        let outcomes = [
            Self.outcome(spec.shares[0], status: .complete, result: try Self.workerResult(index: 1, count: 3000, elapsed: 3)),
            Self.outcome(spec.shares[1], status: .lost, result: nil, intervals: lostIntervals),
            Self.outcome(spec.shares[2], status: .complete, result: try Self.workerResult(index: 3, count: 3000, elapsed: 3)),
        ]
        var lost = outcomes
        lost[1].reason = "no heartbeat for 5.0 s"
        let merged = RunResult.swarm(spec: spec, outcomes: lost, requested: 3, late: ["w9"], environment: Self.environment,
                                     startedAt: Date(), brokerOffsetGrowth: nil, stopped: false)
        #expect(merged.summary?.delivered == 6000)
        #expect(merged.histograms?.latency.totalCount == 6000)
        #expect(!merged.partial)
        #expect(merged.timeline[0].delivered == 1000 + 880 + 1000)
        #expect(merged.timeline[0].max == 77_777)
        let workers = try #require(merged.workers)
        #expect(workers.degraded)
        #expect(workers.problems == ["w2 lost: no heartbeat for 5.0 s; its 880 records delivered in 1 interval(s) "
            + "are in the timeline, not the summary"])
        #expect(workers.members[1].fromIntervals && workers.members[1].delivered == 880 && workers.members[1].sent == 900)
        #expect(workers.late == ["w9"])
        let text = SwarmSummary.text(merged)
        #expect(text.contains("degraded  w2 lost") && text.contains("880*") && text.contains("late      w9"))
        #expect(HTMLReport.run(merged).contains("DEGRADED swarm run"))
    }

    @Test func stoppedRunIsPartialNotDegraded() throws {
        let spec = Self.spec(workers: 2)
        let outcomes = try spec.shares.enumerated().map { position, share in
            Self.outcome(share, status: .partial, result: try Self.workerResult(index: position + 1, count: 500, elapsed: 1))
        }
        let stopped = RunResult.swarm(spec: spec, outcomes: outcomes, requested: 2, late: [], environment: Self.environment,
                                      startedAt: Date(), brokerOffsetGrowth: nil, stopped: true)
        #expect(stopped.partial && stopped.workers?.degraded == false)
        // A worker stopped on its own (its Ctrl-C) while the coordinator was not: degraded.
        let alone = RunResult.swarm(spec: spec, outcomes: outcomes, requested: 2, late: [], environment: Self.environment,
                                    startedAt: Date(), brokerOffsetGrowth: nil, stopped: false)
        #expect(alone.partial && alone.workers?.degraded == true)
    }

    @Test func anUnreadableResultCountsAsAFailedWorker() throws {
        let spec = Self.spec(workers: 2)
        let outcomes = [
            Self.outcome(spec.shares[0], status: .complete, result: try Self.workerResult(index: 1, count: 100, elapsed: 1)),
            Self.outcome(spec.shares[1], status: .complete, result: "{\"not\": \"a result\"}"),
        ]
        let merged = RunResult.swarm(spec: spec, outcomes: outcomes, requested: 2, late: [], environment: Self.environment,
                                     startedAt: Date(), brokerOffsetGrowth: nil, stopped: false)
        #expect(merged.summary?.delivered == 100)
        #expect(merged.workers?.members[1].status == .failed)
        #expect(merged.workers?.problems.first?.hasPrefix("w2 failed: its result could not be read") == true)
    }
}
