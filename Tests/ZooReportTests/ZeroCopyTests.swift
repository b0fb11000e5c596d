import Testing
import ZooBench
import ZooReport

@Suite("zero-copy budget")
struct ZeroCopyTests {
    /// Counts as a run of 100,000 messages produces them (librdkafka's record
    /// of 168 B per message on the send path, request buffers on its threads).
    static func counts(zoobench: Int = 12, pathBytesPerMessage: Int = 168) -> AllocationCounts {
        var c = AllocationCounts()
        c.messages = 100_000
        c.seconds = 0.5
        c.zoobenchMallocs = zoobench
        c.zoobenchBytes = zoobench * 64
        c.periodicMallocs = 600
        c.librdkafkaCallMallocs = 100_000
        c.librdkafkaCallBytes = 100_000 * pathBytesPerMessage
        c.librdkafkaThreadMallocs = 500
        c.librdkafkaThreadBytes = 300_000_000
        c.mallocs = c.zoobenchMallocs + c.periodicMallocs + c.librdkafkaCallMallocs + c.librdkafkaThreadMallocs
        c.bytes = c.zoobenchBytes + c.librdkafkaCallBytes + c.librdkafkaThreadBytes
        c.frees = c.mallocs
        return c
    }

    @Test func zeroCopyRunPasses() {
        let figures = AllocationFigures(Self.counts(), payloadBytes: 1000)
        #expect(figures.zeroCopy)
        #expect(figures.violations.isEmpty)
        #expect(figures.verdictLine == "zero-copy: ok — 0.00 allocs/msg in zoobench, 1.00 in librdkafka, 168 B/msg allocated on the send path for 1000 B payloads")
        #expect(figures.periodicAllocationsPerSecond == 1200)
    }

    /// A copy of each 1000 B payload on the send path breaks the budget.
    @Test func copyingBreaksTheBytesBudget() {
        let figures = AllocationFigures(Self.counts(pathBytesPerMessage: 1168), payloadBytes: 1000)
        #expect(!figures.zeroCopy)
        #expect(figures.violations.count == 1)
        #expect(figures.violations[0].hasPrefix("1168 B allocated per message on the send path, at least 1000 B"))
        #expect(figures.verdictLine.hasPrefix("zero-copy: VIOLATED — "))
    }

    /// Small payloads are judged against the floor (librdkafka's own record is not a copy).
    @Test func smallPayloadsUseTheFloor() {
        #expect(AllocationFigures(Self.counts(), payloadBytes: 100).zeroCopy)
        #expect(!AllocationFigures(Self.counts(pathBytesPerMessage: 268), payloadBytes: 100).zeroCopy)
    }

    /// One allocation per message in zoobench's own code breaks it, whatever the bytes.
    @Test func perMessageAllocationInZoobenchBreaksIt() {
        let figures = AllocationFigures(Self.counts(zoobench: 100_000), payloadBytes: 1000)
        #expect(!figures.zeroCopy)
        #expect(figures.violations == ["zoobench made 1.0000 allocations per message (budget 0.001)"])
    }

    @Test func nothingMeasuredIsNotZeroCopy() {
        #expect(!AllocationFigures(AllocationCounts(), payloadBytes: 100).zeroCopy)
    }
}
