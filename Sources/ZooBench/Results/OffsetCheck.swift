import ZooPipe

/// The end-offset check of a produce side: how far the topic's end offsets
/// moved over the run, asked two ways (ListOffsets, and the high watermark
/// of a Fetch), set against the records delivered; when the three disagree,
/// the records between the old and the new end are read back and decide.
public struct OffsetCheck: Sendable, Codable, Hashable {
    /// What the check concluded.
    public enum Verdict: String, Sendable, Codable, Hashable {
        /// ListOffsets, the fetch high watermark and the records delivered agree.
        case matches
        /// ListOffsets disagrees with the high watermark and the records read back; both of those match delivered.
        case listOffsetsWrong = "list-offsets-wrong"
        /// The fetch high watermark disagrees with ListOffsets and the records read back.
        case highWatermarkWrong = "high-watermark-wrong"
        /// Neither offset matches, but the records read back match delivered.
        case offsetsWrong = "offsets-wrong"
        /// Transactions: the markers take offsets; the records read back match.
        case transactionMarkers = "transaction-markers"
        /// acks=0: the client cannot know what the broker kept; read back says what it did.
        case acksZero = "acks-zero"
        /// More records in the log than delivered, after retries without idempotence.
        case retryDuplicates = "retry-duplicates"
        /// The offsets could not be read back in time; nothing is concluded.
        case notReadBack = "not-read-back"
        /// The records in the log do not match what was delivered, and nothing above explains it.
        case unexplained
    }

    public var verdict: Verdict
    /// Records delivered (warm-up included): what the log should have gained.
    public var delivered: Int64
    /// Growth of ListOffsets(latest) summed over partitions.
    public var listOffsetsGrowth: Int64
    /// Growth of the high watermarks Fetch responses carried (nil when not read).
    public var highWatermarkGrowth: Int64?
    /// Records read back between the old and the new ends (nil when the
    /// offsets agreed with delivered, so nothing needed reading).
    public var recordsReadBack: Int64?

    /// False only for ``Verdict/unexplained``: the run then fails (exit 1).
    public var explained: Bool { verdict != .unexplained }

    public init(verdict: Verdict, delivered: Int64, listOffsetsGrowth: Int64, highWatermarkGrowth: Int64?,
                recordsReadBack: Int64?) {
        self.verdict = verdict
        self.delivered = delivered
        self.listOffsetsGrowth = listOffsetsGrowth
        self.highWatermarkGrowth = highWatermarkGrowth
        self.recordsReadBack = recordsReadBack
    }

    /// Whether the figures need a read-back to be judged: an offset that
    /// does not match delivered, or the two offsets apart.
    public static func needsReadBack(delivered: Int64, listOffsetsGrowth: Int64, highWatermarkGrowth: Int64?) -> Bool {
        listOffsetsGrowth != delivered || highWatermarkGrowth.map { $0 != delivered } ?? false
    }

    /// Judges the figures. `readBack` is nil when none was needed (or none could be made).
    public static func judge(delivered: Int64, listOffsetsGrowth list: Int64, highWatermarkGrowth high: Int64?,
                             recordsReadBack readBack: Int64?, acksZero: Bool = false, transactional: Bool = false,
                             retriedWithoutIdempotence: Bool = false) -> OffsetCheck {
        func make(_ verdict: Verdict) -> OffsetCheck {
            OffsetCheck(verdict: verdict, delivered: delivered, listOffsetsGrowth: list, highWatermarkGrowth: high,
                        recordsReadBack: readBack)
        }
        if !needsReadBack(delivered: delivered, listOffsetsGrowth: list, highWatermarkGrowth: high) { return make(.matches) }
        guard let readBack else { return make(.notReadBack) }
        if readBack == delivered {
            if transactional { return make(.transactionMarkers) }
            if high == delivered { return make(.listOffsetsWrong) }
            if list == delivered { return make(.highWatermarkWrong) }
            return make(.offsetsWrong)
        }
        if acksZero { return make(.acksZero) }
        if readBack > delivered && retriedWithoutIdempotence { return make(.retryDuplicates) }
        return make(.unexplained)
    }
}

/// The end-offset check found records in the log that what was delivered does not explain.
public struct OffsetMismatch: Error, Sendable, CustomStringConvertible {
    public var check: OffsetCheck

    public var description: String {
        "the topic's log does not match what was delivered: \(check.delivered) records delivered, "
            + "\(check.recordsReadBack.map(String.init) ?? "?") read back between the old and new end offsets "
            + "(ListOffsets grew by \(check.listOffsetsGrowth), fetch high watermark by "
            + "\(check.highWatermarkGrowth.map(String.init) ?? "?"))"
    }
}
