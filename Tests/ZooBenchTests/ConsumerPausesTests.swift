import Testing
@testable import ZooBench

/// A group's pauses from its members' quiet spans.
@Suite("Consumer pauses")
struct ConsumerPausesTests {
    let s: UInt64 = 1_000_000_000

    @Test func aGroupIsPausedOnlyWhileEveryMemberIsQuiet() {
        // Member A quiet 2–5 s and 8–9 s; member B quiet 3–6 s and 8.5–8.6 s.
        let a: ConsumerPauses.Spans = [(2 * s, 5 * s), (8 * s, 9 * s)]
        let b: ConsumerPauses.Spans = [(3 * s, 6 * s), (8 * s + s / 2, 8 * s + 6 * s / 10)]
        let pauses = ConsumerPauses.merge([a, b], group: "g", start: s, firstRecord: s, lastRecord: 20 * s, threshold: 0.1)
        // Shared: 3–5 s (2 s) and 8.5–8.6 s (0.1 s).
        #expect(pauses.count == 2)
        #expect(abs(pauses.longest - 2) < 1e-9 && abs(pauses.longestAt - 2) < 1e-9)
        #expect(abs(pauses.total - 2.1) < 1e-9)
        let longer = ConsumerPauses.merge([a, b], group: "g", start: s, firstRecord: s, lastRecord: 20 * s, threshold: 0.5)
        #expect(longer.count == 1 && abs(longer.total - 2) < 1e-9)
    }

    @Test func theQuietBeforeTheFirstAndAfterTheLastRecordIsNoPause() {
        // One member: quiet from its release (1 s) to its first record (1.3 s), 4–6 s, and 10 s to its end (30 s).
        let spans: ConsumerPauses.Spans = [(s, s + 3 * s / 10), (4 * s, 6 * s), (10 * s, 30 * s)]
        let pauses = ConsumerPauses.merge([spans], group: nil, start: 0, firstRecord: s + 3 * s / 10, lastRecord: 10 * s, threshold: 0.1)
        #expect(pauses.count == 1 && abs(pauses.longest - 2) < 1e-9 && abs(pauses.longestAt - 4) < 1e-9)
    }

    @Test func noSpansNoPauses() {
        let pauses = ConsumerPauses.merge([[], []], group: "g", start: 0, firstRecord: 0, lastRecord: 10 * s, threshold: 0.1)
        #expect(pauses.count == 0 && pauses.total == 0)
    }
}
