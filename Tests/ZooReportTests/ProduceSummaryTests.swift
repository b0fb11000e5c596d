import Foundation
import Testing
import ZooPipe
@testable import ZooBench
@testable import ZooReport

/// A result whose figures are known: 1,000 latencies of 1…1000 ms over 2 s.
func knownResult(partial: Bool = false) -> RunResult {
    var outcome = ProduceOutcome()
    for ms in 1...1000 { _ = outcome.latency.record(UInt64(ms) * 1000) }
    outcome.sent = 1000
    outcome.delivered = 1000
    outcome.deliveredBytes = 1000 * 1_048_576 / 100  // 10 MiB
    outcome.elapsedSeconds = 2
    outcome.partial = partial
    outcome.timeline = [
        IntervalSnapshot(index: 0, start: 0, seconds: 1, sent: 500, delivered: 480, bytes: 480 * 10_485, errors: 0,
                         inFlight: 20, warmup: false, p50: 250_000, p90: 450_000, p99: 495_000, p999: 499_000, max: 500_000),
        IntervalSnapshot(index: 1, start: 1, seconds: 1, sent: 500, delivered: 520, bytes: 520 * 10_485, errors: 0,
                         inFlight: 0, warmup: false, p50: 750_000, p90: 950_000, p99: 995_000, p999: 999_000, max: 1_000_000),
    ]
    let environment = RunEnvironment(
        zoobenchVersion: "test", librdkafkaVersion: "2.0.2", host: "h", cores: 2, operatingSystem: "linux",
        clusterKind: .embedded, clusterNote: nil, bootstrapServers: "127.0.0.1:1",
        brokers: [ClusterMetadata.Broker(id: 1, host: "127.0.0.1", port: 1)], topicPartitions: 6,
        producerConfiguration: ["acks": "-1"], cpuSeconds: 1.5, peakRSSBytes: 1 << 20)
    var workload = ProduceWorkload()
    workload.name = "known"
    return RunResult(workload: workload, outcome: outcome, environment: environment,
                     startedAt: Date(timeIntervalSince1970: 1_800_000_000), brokerOffsetGrowth: 1000)
}

@Suite("Produce summary and result files")
struct ProduceSummaryTests {
    @Test func perfTestLineHasTheKnownShapeAndValues() {
        let line = ProduceSummary.perfTestLine(knownResult().summary!)
        #expect(line == "1000 records sent, 500.0 records/sec (5.00 MB/sec), 500.50 ms avg latency, "
            + "1000.45 ms max latency, 500.22 ms 50th, 950.27 ms 95th, 990.21 ms 99th, 999.42 ms 99.9th.")
    }

    @Test func tableListsEveryPercentileAndTheCheck() {
        let table = ProduceSummary.table(knownResult())
        for label in ["p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max", "mean"] {
            #expect(table.contains(label))
        }
        #expect(table.contains("750.08"))  // p75 of 1…1000 ms
        #expect(table.contains("records   sent 1000  delivered 1000  failed 0"))
        #expect(table.contains("check     broker end offsets grew by 1000: matches records delivered"))
        #expect(!table.contains("scheduled"), "no corrected row without a rate")
        #expect(ProduceSummary.table(knownResult(partial: true)).contains("partial"))
    }

    @Test func mergeSumsCountsAndHistograms() {
        var a = ProduceOutcome()
        var b = ProduceOutcome()
        _ = a.latency.record(10)
        _ = b.latency.record(20)
        a.delivered = 1
        b.delivered = 1
        b.failed = 2
        b.failuresByError = ["_MSG_TIMED_OUT": 2]
        b.correctedLatency = LatencyHistogram.make()
        a.merge(b)
        #expect(a.delivered == 2)
        #expect(a.failed == 2)
        #expect(a.latency.totalCount == 2)
        #expect(a.correctedLatency != nil)
        #expect(a.failuresByError == ["_MSG_TIMED_OUT": 2])
    }

    @Test func jsonDecodesBackToTheSameResult() throws {
        let result = knownResult()
        let data = try ResultFiles.json(result)
        let decoded = try ResultJSON.decode(RunResult.self, from: data)
        #expect(try ResultFiles.json(decoded) == data)
        #expect(decoded.schemaVersion == RunResult.currentSchemaVersion)
        #expect(decoded.summary == result.summary)
        #expect(decoded.timeline == result.timeline)
        #expect(decoded.histograms!.latency.totalCount == 1000)
        #expect(decoded.histograms!.latency.valueAtPercentile(99) == result.histograms!.latency.valueAtPercentile(99))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schemaVersion\" : 2"))
        #expect(text.contains("\"record-size\" : \"100\""))
    }

    @Test func csvHeadersAreStable() {
        #expect(ResultFiles.summaryHeader.hasPrefix(
            "name,started_at,partial,cluster,acks,producers,record_size,compression,throughput_target,sent,delivered,failed,"
                + "elapsed_s,records_per_s,mb_per_s,p50_ms,p75_ms,p90_ms,p95_ms,p99_ms,p999_ms,p9999_ms,max_ms,mean_ms"))
        let csv = ResultFiles.summaryCSV(knownResult()).split(separator: "\n")
        #expect(csv.count == 2)
        #expect(csv[1].split(separator: ",", omittingEmptySubsequences: false).count
            == ResultFiles.summaryHeader.split(separator: ",").count)
        #expect(csv[1].hasPrefix("known,2027-01-15T08:00:00Z,false,embedded,-1,1,100,none,-1,1000,1000,0,2.000,500.000,5.000,500.223,750.079,900.095,950.271,990.207,999.423,1000.000,1000.447,500.505,,,,,0,0.000,1000,1.500,1048576"))
        let timeline = ResultFiles.timelineCSV(knownResult()).split(separator: "\n")
        #expect(timeline.count == 3)
        #expect(timeline[0].hasSuffix(",max_ms,faults"))
        #expect(timeline[2] == "1,1.000,1.000,false,500,520,0,0,520.000,5.200,750.000,950.000,995.000,999.000,1000.000,")
        // A fault lands in the row of the interval it happened in.
        var faulted = knownResult()
        faulted.faults = [FaultEvent(at: 1.5, action: "broker 1 down"), FaultEvent(at: 1.75, action: "broker 1 up")]
        let rows = ResultFiles.timelineCSV(faulted).split(separator: "\n")
        #expect(rows[1].hasSuffix(",500.000,"))
        #expect(rows[2].hasSuffix(",1000.000,1.500s broker 1 down; 1.750s broker 1 up"))
    }

    @Test func filesAreWrittenWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-results-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try ResultFiles.write(knownResult(), to: folder.path)
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent }
            == ["20270115-080000-known.json", "20270115-080000-known.csv", "20270115-080000-known-timeline.csv"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            == ["20270115-080000-known-timeline.csv", "20270115-080000-known.csv", "20270115-080000-known.json"])
        // A write that cannot complete leaves neither the file nor a temporary one behind.
        let blocked = folder.appendingPathComponent("blocked.json")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)  // a folder in the way
        #expect(throws: ResultFileError.self) { try ResultFiles.writeAtomically(Data("{}".utf8), to: blocked) }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!left.contains { $0.hasSuffix(".tmp") }, "\(left)")
    }
}
