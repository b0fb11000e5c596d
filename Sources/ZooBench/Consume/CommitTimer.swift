import Histogram
import ZooPipe

/// A consumer's timed synchronous commits (`commit-interval`): when the next
/// is due, how long each took, and which failed.
struct CommitTimer {
    /// Nanoseconds between commits; nil: librdkafka's auto-commit, untimed.
    let every: UInt64?
    /// When the next commit is due (never until reading starts).
    private(set) var next = UInt64.max
    private(set) var latency: Histogram<UInt64>?
    private(set) var failures: [String: Int] = [:]

    init(every: UInt64?) {
        self.every = every
        latency = every == nil ? nil : LatencyHistogram.make()
    }

    /// Reading started at `now`: commits are due from one interval later.
    mutating func start(at now: UInt64) { next = every.map { now + $0 } ?? .max }

    /// Commits if one is due at `now`; see ``commit(_:)``.
    mutating func commitIfDue(_ adapter: KafkaInputAdapter, now: UInt64) -> UInt64? {
        guard now >= next, let every else { return nil }
        defer { next = MonotonicClock.nanoseconds() + every }
        return commit(adapter)
    }

    /// One timed synchronous commit; returns its µs when it sent a request
    /// (there was something new to commit), nil otherwise.
    mutating func commit(_ adapter: KafkaInputAdapter) -> UInt64? {
        let before = MonotonicClock.nanoseconds()
        var sent = true
        do {
            sent = try adapter.commit()
        } catch {
            failures[error.description, default: 0] += 1
        }
        guard sent else { return nil }
        let micros = min(max(1, (MonotonicClock.nanoseconds() - before) / 1000), LatencyHistogram.highest)
        _ = latency?.record(micros)
        return micros
    }
}
