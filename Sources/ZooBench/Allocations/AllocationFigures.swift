import Foundation


/// What a run that counted allocations may allocate per message.
public struct ZeroCopyBudget: Sendable, Hashable, Codable {
    /// zoobench's own allocations per message on the hot path (its timed
    /// bookkeeping, counted apart, is not in it). Default 0.001: none per
    /// message, with room for a rare one-off.
    public var zoobenchAllocationsPerMessage = 0.001
    /// Bytes allocated per message on the send path (zoobench's code and the
    /// librdkafka calls it makes) must stay under the payload size, or this
    /// floor for payloads smaller than it: librdkafka's own record for each
    /// message (168 B in 2.0.2) is not a copy. Default 256 B.
    public var pathBytesFloor = 256.0

    public init() {}
}

/// The counted allocations, per message, and the verdict against the budget.
public struct AllocationFigures: Sendable, Codable, Hashable {
    public var counts: AllocationCounts
    /// `send` (produce), `receive` (consume) or `send and receive` (e2e):
    /// the path the bytes are counted on.
    public var path: String
    /// Whether the bytes on the path are judged. Not in e2e: the 32-byte
    /// zb.seq header every record carries makes librdkafka build and parse a
    /// header list on both sides (about 850 B per record), which is not a copy
    /// of the payload; zoobench's own allocations are still judged.
    public var bytesJudged: Bool
    /// Mean payload (value) bytes per message.
    public var payloadBytes: Double
    public var zoobenchAllocationsPerMessage: Double
    /// librdkafka's allocations per message: its calls from zoobench's threads and its own threads.
    public var librdkafkaAllocationsPerMessage: Double
    public var allocationsPerMessage: Double
    /// Bytes per message on the send path: zoobench's code and the librdkafka calls it makes.
    public var pathBytesPerMessage: Double
    /// Bytes per message by anyone (librdkafka's threads copy small records into
    /// request buffers and count every buffer growth).
    public var bytesPerMessage: Double
    /// zoobench's timed bookkeeping, per second of the window.
    public var periodicAllocationsPerSecond: Double
    public var budget: ZeroCopyBudget
    /// True when the run kept within the budget.
    public var zeroCopy: Bool
    /// What broke the budget (empty when `zeroCopy`).
    public var violations: [String]

    public init(_ counts: AllocationCounts, payloadBytes: Double, path: String = "send", bytesJudged: Bool = true,
                budget: ZeroCopyBudget = ZeroCopyBudget()) {
        self.counts = counts
        self.path = path
        self.bytesJudged = bytesJudged
        self.payloadBytes = payloadBytes
        self.budget = budget
        zoobenchAllocationsPerMessage = counts.perMessage(counts.zoobenchMallocs)
        librdkafkaAllocationsPerMessage = counts.perMessage(counts.librdkafkaMallocs)
        allocationsPerMessage = counts.perMessage(counts.mallocs)
        pathBytesPerMessage = counts.perMessage(counts.pathBytes)
        bytesPerMessage = counts.perMessage(counts.bytes)
        periodicAllocationsPerSecond = counts.seconds > 0 ? Double(counts.periodicMallocs) / counts.seconds : 0
        var violations: [String] = []
        if counts.messages == 0 { violations.append("no message was measured") }
        if zoobenchAllocationsPerMessage > budget.zoobenchAllocationsPerMessage {
            violations.append(String(format: "zoobench made %.4f allocations per message (budget %.3f)",
                                      zoobenchAllocationsPerMessage, budget.zoobenchAllocationsPerMessage))
        }
        let limit = max(payloadBytes, budget.pathBytesFloor)
        if bytesJudged && counts.messages > 0 && pathBytesPerMessage >= limit {
            violations.append(String(format: "%.0f B allocated per message on the %@ path, at least %.0f B "
                                          + "(the payload or the floor): a copy's worth", pathBytesPerMessage, path, limit))
        }
        zeroCopy = violations.isEmpty
        self.violations = violations
    }
}
