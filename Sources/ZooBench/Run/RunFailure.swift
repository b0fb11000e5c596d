import ZooPipe

/// An e2e run whose integrity check found lost, duplicated or reordered records.
public struct IntegrityFailure: Error, Sendable, CustomStringConvertible {
    public var report: IntegrityReport

    public init(report: IntegrityReport) {
        self.report = report
    }

    public var description: String {
        report.verdict + (report.group.map { " (group \($0))" } ?? "")
    }
}

extension RunResult {
    /// Throws when the run failed what it was asked: records failed or were
    /// never acknowledged (``KafkaError/deliveryFailed(count:reason:)``), or an
    /// integrity verdict is not clean (``IntegrityFailure``). A stopped run
    /// is judged on what it did.
    public func check() throws {
        if let summary, summary.failed > 0 || summary.undelivered > 0 {
            let reasons = summary.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                + (summary.undelivered > 0 ? ["\(summary.undelivered) never reported"] : [])
            throw KafkaError.deliveryFailed(count: summary.failed + summary.undelivered, reason: reasons.joined(separator: ", "))
        }
        if let bad = integrity?.first(where: { !$0.clean }) { throw IntegrityFailure(report: bad) }
        if let check = summary?.offsetCheck, !check.explained { throw OffsetMismatch(check: check) }
    }
}
