import Foundation
import Testing
import ZooPipe
@testable import ZooBench
@testable import ZooReport

/// A consume result whose figures are known: 2 MiB in 20,000 records, a 1 s
/// join, 4 s from start to end, 0.5 s first record to last.
func knownConsumeResult() -> RunResult {
    var outcome = ConsumeOutcome()
    outcome.consumed = 20_000
    outcome.bytes = 2 * 1_048_576
    outcome.elapsedSeconds = 0.5
    outcome.totalSeconds = 4
    outcome.joinSeconds = 1
    outcome.firstRecordSeconds = 1.25
    for micros in 1...100 { _ = outcome.fetchWait.record(UInt64(micros) * 10) }
    outcome.end = .endOfTopic
    outcome.partitions = [
        PartitionFigures(group: "g", partition: 0, expectedStart: 0, expectedEnd: 12_000, firstOffset: 0,
                         nextOffset: 12_000, consumed: 12_000, missing: 0, duplicated: 0, gaps: []),
        PartitionFigures(group: "g", partition: 1, expectedStart: 0, expectedEnd: 10_000, firstOffset: 2_000,
                         nextOffset: 10_000, consumed: 8_000, missing: 2_000, duplicated: 0,
                         gaps: [OffsetRange(0, 2_000)]),
    ]
    outcome.timeline = [
        ConsumeIntervalSnapshot(index: 0, start: 0, seconds: 1, consumed: 20_000, bytes: 2 * 1_048_576, lag: 0,
                                commits: 0, commitMax: 0, fetchWaitP99: 990, p50: 0, p90: 0, p99: 0, p999: 0, max: 0,
                                warmup: false),
    ]
    let environment = RunEnvironment(
        zoobenchVersion: "test", librdkafkaVersion: "2.0.2", host: "h", cores: 2, operatingSystem: "linux",
        clusterKind: .embedded, clusterNote: nil, bootstrapServers: "127.0.0.1:1",
        brokers: [ClusterMetadata.Broker(id: 1, host: "127.0.0.1", port: 1)], topicPartitions: 2,
        producerConfiguration: [:], cpuSeconds: 1.5, peakRSSBytes: 1 << 20)
    var workload = ConsumeWorkload()
    workload.name = "drain"
    workload.consumers = 2
    return RunResult(consume: workload, outcome: outcome, environment: environment,
                     startedAt: Date(timeIntervalSince1970: 1_800_000_000))
}

@Suite("Consume summary and result files")
struct ConsumeSummaryTests {
    @Test func perfTestColumnsHaveTheirMeanings() {
        let lines = ConsumeSummary.perfTestLines(knownConsumeResult()).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
        // 2 MB over 4 s in all, 3 s after the 1 s join.
        #expect(lines[1] == "2027-01-15 08:00:00:000, 2027-01-15 08:00:04:000, 2.0000, 0.5000, 20000, 5000.0000, "
            + "1000, 3000, 0.6667, 6666.6667")
    }

    @Test func tableNamesTheGapAndTheCheck() {
        let table = ConsumeSummary.table(knownConsumeResult())
        #expect(table.contains("consumed  20000 records, 2.00 MB: 40000.0 records/s  4.00 MB/s over 0.500 s (first record to last); ended: end of topic reached"))
        #expect(table.contains("check     read 20000 of the 22000 records expected: 2000 missing, 0 read twice"))
        #expect(table.contains("gap       group g, partition 1: 2000 missing (offsets 0–1999)"))
        #expect(table.contains("start     slowest join 1.000 s, first record after 1.250 s"))
        #expect(table.contains("fetch wait"))
    }

    @Test func csvRowMatchesItsHeader() throws {
        let csv = ResultFiles.consumeCSV(knownConsumeResult()).split(separator: "\n")
        #expect(csv.count == 2)
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row.count == header.count)
        let field = { (name: String) -> String in String(row[header.firstIndex(of: Substring(name))!]) }
        #expect(field("data.consumed.in.nMsg") == "20000")
        #expect(field("missing") == "2000")
        #expect(field("expected_records") == "22000")
        #expect(field("records_per_s") == "40000.000")
        #expect(field("end") == "end-of-topic")
        let timeline = ResultFiles.consumeTimelineCSV(knownConsumeResult()).split(separator: "\n")
        #expect(timeline[1] == "0,0.000,1.000,false,20000,20000.000,2.000,0,0,0.000,0.990,0.000,0.000,0.000,0.000,0.000")
    }

    @Test func jsonRoundTrips() throws {
        let result = knownConsumeResult()
        let data = try ResultFiles.json(result)
        let decoded = try ResultJSON.decode(RunResult.self, from: data)
        #expect(try ResultFiles.json(decoded) == data)
        #expect(decoded.kind == .consume)
        #expect(decoded.summary == nil)
        #expect(decoded.consume?.partitions == result.consume?.partitions)
        #expect(decoded.consume?.fetchWaitHistogram?.totalCount == 100)
    }
}
