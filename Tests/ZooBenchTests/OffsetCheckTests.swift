import Testing
import ZooBench

@Suite("End-offset check")
struct OffsetCheckTests {
    @Test func agreeingReadingsMatchWithoutReadingBack() {
        #expect(!OffsetCheck.needsReadBack(delivered: 100, listOffsetsGrowth: 100, highWatermarkGrowth: 100))
        let check = OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 100, highWatermarkGrowth: 100, recordsReadBack: nil)
        #expect(check.verdict == .matches)
        #expect(check.explained)
    }

    /// Tansu 0.6: ListOffsets answers the last batch's first offset + 1.
    @Test func shortListOffsetsIsTheBrokersFault() {
        #expect(OffsetCheck.needsReadBack(delivered: 100_000, listOffsetsGrowth: 87_170, highWatermarkGrowth: 100_000))
        let check = OffsetCheck.judge(delivered: 100_000, listOffsetsGrowth: 87_170, highWatermarkGrowth: 100_000,
                                      recordsReadBack: 100_000)
        #expect(check.verdict == .listOffsetsWrong)
        #expect(check.explained)
    }

    @Test func eachReadingCanBeTheWrongOne() {
        #expect(OffsetCheck.judge(delivered: 50, listOffsetsGrowth: 50, highWatermarkGrowth: 40, recordsReadBack: 50).verdict
                == .highWatermarkWrong)
        #expect(OffsetCheck.judge(delivered: 50, listOffsetsGrowth: 45, highWatermarkGrowth: 40, recordsReadBack: 50).verdict
                == .offsetsWrong)
    }

    @Test func knownCausesExplainAMismatch() {
        #expect(OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 110, highWatermarkGrowth: 110, recordsReadBack: 100,
                                  transactional: true).verdict == .transactionMarkers)
        #expect(OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 90, highWatermarkGrowth: 90, recordsReadBack: 90,
                                  acksZero: true).verdict == .acksZero)
        #expect(OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 103, highWatermarkGrowth: 103, recordsReadBack: 103,
                                  retriedWithoutIdempotence: true).verdict == .retryDuplicates)
    }

    /// Records missing, or written by someone else: nothing explains it, the run fails.
    @Test func unexplainedMismatchFailsTheRun() {
        let lost = OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 90, highWatermarkGrowth: 90, recordsReadBack: 90)
        #expect(lost.verdict == .unexplained)
        #expect(!lost.explained)
        // Extra records without retries are not duplicates of ours.
        let extra = OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 130, highWatermarkGrowth: 130, recordsReadBack: 130)
        #expect(extra.verdict == .unexplained)
        // Two readings apart and the records short: still unexplained.
        #expect(OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 80, highWatermarkGrowth: 95, recordsReadBack: 95).verdict
                == .unexplained)
        #expect(OffsetCheck.judge(delivered: 100, listOffsetsGrowth: 80, highWatermarkGrowth: 100, recordsReadBack: nil).verdict
                == .notReadBack)
    }
}
