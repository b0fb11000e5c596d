/// What a run measured: `produce` (producers), `consume` (consumers) or
/// `e2e` (both, with send → consume latency and the integrity check).
public enum RunKind: String, Sendable, Codable, CaseIterable {
    case produce, consume, e2e
}

/// What a result file holds, as its `kind` field says: a run of one of the
/// ``RunKind``s, a sweep, a plan or a codec measurement.
public enum ResultKind: String, Sendable, Codable, CaseIterable {
    case produce, consume, e2e, sweep, plan, codecs
}
