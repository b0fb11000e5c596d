import ZooBench

/// The end-offset check in words: one line for the console and the report.
public enum OffsetCheckText {
    /// e.g. `broker ListOffsets says 87170, fetch high watermark 100000: the
    /// broker's ListOffsets is wrong; records delivered 100000`. Nil when the
    /// result has no check. Results written before the fetch reading fall
    /// back to ListOffsets alone.
    public static func line(_ result: RunResult) -> String? {
        guard let s = result.summary else { return nil }
        let delivered = s.delivered + (result.warmup?.delivered ?? 0)
        let warmupNote = (result.warmup?.delivered ?? 0) > 0 ? " (warm-up included)" : ""
        guard let check = s.offsetCheck else {
            guard let growth = s.brokerOffsetGrowth else { return nil }
            return growth == Int64(delivered)
                ? "broker end offsets grew by \(growth): matches records delivered" + warmupNote
                : "broker end offsets grew by \(growth) but \(delivered) records were delivered"
        }
        let list = check.listOffsetsGrowth
        let high = check.highWatermarkGrowth.map(String.init) ?? "not read"
        let read = check.recordsReadBack.map { ", read back \($0)" } ?? ""
        let both = "broker ListOffsets says \(list), fetch high watermark \(high)"
        switch check.verdict {
        case .matches:
            return "broker end offsets grew by \(list): matches records delivered" + warmupNote
                + (check.highWatermarkGrowth == nil ? " (ListOffsets only; the fetch high watermark could not be read)" : "")
        case .listOffsetsWrong:
            return "\(both): the broker's ListOffsets is wrong; records delivered \(check.delivered)\(read)"
        case .highWatermarkWrong:
            return "\(both): the broker's fetch high watermark is wrong; records delivered \(check.delivered)\(read)"
        case .offsetsWrong:
            return "\(both): both are wrong; records delivered \(check.delivered)\(read)"
        case .transactionMarkers:
            return "\(both) for \(check.delivered) records delivered: transaction markers take offsets\(read)"
        case .acksZero:
            return "\(both) but \(check.delivered) records were delivered (acks=0: the client cannot know what the broker kept)\(read)"
        case .retryDuplicates:
            let extra = (check.recordsReadBack ?? 0) - check.delivered
            return "\(both), records delivered \(check.delivered)\(read): \(extra) written twice by retries without idempotence"
        case .notReadBack:
            return "\(both) but \(check.delivered) records were delivered; the records could not be read back in time to tell why"
        case .unexplained:
            return "MISMATCH: \(both), records delivered \(check.delivered)\(read): the log does not hold what was delivered"
        }
    }
}
