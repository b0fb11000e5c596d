import Testing
@testable import ZooBench
@testable import ZooReport

@Suite("Produce summary")
struct ProduceSummaryTests {
    /// 1,000 latencies of 1…1000 ms: percentiles are known exactly (to the histogram's 3 digits).
    static func knownOutcome() -> ProduceOutcome {
        var outcome = ProduceOutcome()
        for ms in 1...1000 { _ = outcome.latency.record(UInt64(ms) * 1000) }
        outcome.sent = 1000
        outcome.delivered = 1000
        outcome.deliveredBytes = 1000 * 1_048_576 / 100  // 10 MiB
        outcome.elapsedSeconds = 2
        return outcome
    }

    @Test func perfTestLineHasTheKnownShapeAndValues() {
        let line = ProduceSummary.perfTestLine(Self.knownOutcome())
        #expect(line == "1000 records sent, 500.0 records/sec (5.00 MB/sec), 500.50 ms avg latency, "
            + "1000.45 ms max latency, 500.22 ms 50th, 950.27 ms 95th, 990.21 ms 99th, 999.42 ms 99.9th.")
    }

    @Test func tableListsEveryPercentile() {
        let table = ProduceSummary.table(Self.knownOutcome())
        for label in ["p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max", "mean"] {
            #expect(table.contains(label))
        }
        #expect(table.contains("750.08"))  // p75 of 1…1000 ms
        #expect(table.contains("records   sent 1000  delivered 1000  failed 0"))
    }

    @Test func mergeSumsCountsAndHistograms() {
        var a = Self.knownOutcome()
        var b = Self.knownOutcome()
        b.elapsedSeconds = 3
        b.failed = 2
        b.failuresByError = ["_MSG_TIMED_OUT": 2]
        a.merge(b)
        #expect(a.delivered == 2000)
        #expect(a.failed == 2)
        #expect(a.latency.totalCount == 2000)
        #expect(a.elapsedSeconds == 3)
        #expect(a.failuresByError == ["_MSG_TIMED_OUT": 2])
    }
}
