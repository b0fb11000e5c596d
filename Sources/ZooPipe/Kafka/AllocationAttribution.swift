import CRdKafka
import CThreadMark
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which code a thread is running, for telling zoobench's allocations from
/// librdkafka's when allocations are counted.
public enum AllocationSide: Int, Sendable, CaseIterable {
    /// zoobench's (or the embedding program's) own code on its own threads.
    case caller = 1
    /// librdkafka called from the caller's threads (produce, poll, consume).
    case librdkafkaCalls = 2
    /// librdkafka's own threads (`rdk:main`, `rdk:broker…`).
    case librdkafkaThreads = 3
    /// Any other thread (the Swift runtime's, Dispatch's).
    case otherThreads = 4
    /// The caller's timed bookkeeping, not per message: statistics reports
    /// (every 250 ms), interval snapshots (every interval).
    case callerPeriodic = 5
}

/// Marks, per thread, which side is running, so an allocation counter can
/// attribute each allocation. The adapters mark every librdkafka call on the
/// hot path; a thread of the caller's marks itself with ``enter(_:)``.
///
/// Off by default: with ``isTracking`` false a mark is one predictable branch.
/// Turn it on before the threads that send or consume start.
public enum AllocationAttribution {
    /// Whether marks are kept. Set before the measured threads start, not during.
    /// (An atomic, not a `static var`: a global `var` costs a dynamic
    /// exclusivity check on every read, which the send path cannot afford.)
    public static var isTracking: Bool {
        get { tracking.load(ordering: .relaxed) }
        set { tracking.store(newValue, ordering: .relaxed) }
    }

    private static let tracking = Atomic<Bool>(false)

    /// Marks the calling thread as running `side`.
    @inline(__always)
    public static func enter(_ side: AllocationSide) {
        guard tracking.load(ordering: .relaxed) else { return }
        zoobench_thread_mark_set(Int32(side.rawValue))
    }

    /// The calling thread's side. An unmarked thread is classified once, by
    /// its name (librdkafka names its threads `rdk:…`), and marked. Allocates
    /// nothing, so an allocation hook may call it.
    public static func current() -> AllocationSide {
        if let side = AllocationSide(rawValue: Int(zoobench_thread_mark_get())) {
            return side
        }
        let side: AllocationSide = zoobench_thread_is_librdkafka() == 1 ? .librdkafkaThreads : .otherThreads
        zoobench_thread_mark_set(Int32(side.rawValue))
        return side
    }

    /// Runs `body` (a librdkafka call from the caller's thread) marked as
    /// librdkafka's, then restores the caller's mark.
    @inline(__always)
    static func librdkafka<Result>(_ body: () throws -> Result) rethrows -> Result {
        try marked(.librdkafkaCalls, body)
    }

    /// Runs `body` marked as `side`, then restores the thread's mark: the
    /// caller's code called back from inside librdkafka, or its periodic work.
    @inline(__always)
    public static func marked<Result>(_ side: AllocationSide, _ body: () throws -> Result) rethrows -> Result {
        guard tracking.load(ordering: .relaxed) else { return try body() }
        let previous = zoobench_thread_mark_get()
        zoobench_thread_mark_set(Int32(side.rawValue))
        defer { zoobench_thread_mark_set(previous) }
        return try body()
    }
}
