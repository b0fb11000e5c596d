import Histogram
import Synchronization

/// One interval of a run, merged over all producers: what was delivered and
/// how long it took, as the timeline shows it.
public struct IntervalSnapshot: Sendable, Codable, Hashable {
    /// 0 for the first interval.
    public var index: Int
    /// Seconds from the run's start to the interval's start.
    public var start: Double
    /// The interval's length in seconds (the last one may be shorter).
    public var seconds: Double
    /// Records sent in the interval.
    public var sent: Int
    /// Records acknowledged in the interval.
    public var delivered: Int
    /// Value bytes acknowledged in the interval.
    public var bytes: Int
    /// Records that failed in the interval.
    public var errors: Int
    /// Records sent but not yet reported at the interval's end.
    public var inFlight: Int
    /// Whether the interval falls (partly) in the warm-up.
    public var warmup: Bool
    /// Latency percentiles of the records acknowledged in the interval, in
    /// microseconds (from the intended send time when a rate is set).
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64

    /// Acknowledged records per second.
    public var recordsPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
    /// Acknowledged MiB per second.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
}

/// One worker's (producer's or consumer's) share of an interval, before merging.
protocol IntervalPart: Sendable {
    /// The interval's number, 0 for the first.
    var index: Int { get }
    /// When this worker closed it (monotonic ns).
    var end: UInt64 { get }
}

/// One producer's share of an interval, before merging.
struct ProducerInterval: IntervalPart {
    var index: Int
    var end: UInt64
    var sent = 0
    var delivered = 0
    var bytes = 0
    var errors = 0
    var inFlight = 0
    var warmup = false
    var histogram: Histogram<UInt64>

    /// Producers' shares of interval `index` as one snapshot.
    static func merge(_ parts: [ProducerInterval], index: Int, start: Double, seconds: Double) -> IntervalSnapshot {
        var histogram = parts[0].histogram
        for part in parts.dropFirst() { histogram.add(part.histogram) }
        return IntervalSnapshot(
            index: index, start: start, seconds: seconds,
            sent: parts.reduce(0) { $0 + $1.sent }, delivered: parts.reduce(0) { $0 + $1.delivered },
            bytes: parts.reduce(0) { $0 + $1.bytes }, errors: parts.reduce(0) { $0 + $1.errors },
            inFlight: parts.reduce(0) { $0 + $1.inFlight }, warmup: parts.contains { $0.warmup },
            p50: histogram.percentileOrZero(50), p90: histogram.percentileOrZero(90),
            p99: histogram.percentileOrZero(99), p999: histogram.percentileOrZero(99.9),
            max: histogram.totalCount > 0 ? histogram.max : 0)
    }
}

/// Merges workers' intervals as they close (one lock per interval per
/// worker, none per record) and hands each complete interval on in order.
final class TimelineCollector<Part: IntervalPart, Snapshot: Sendable>: Sendable {
    typealias Merge = @Sendable (_ parts: [Part], _ index: Int, _ start: Double, _ seconds: Double) -> Snapshot

    private struct State {
        var pending: [Int: [Part]] = [:]
        var lastIndex: [Int?]
        var nextToEmit = 0
        var emitted: [Snapshot] = []
    }

    private let state: Mutex<State>
    private let start: UInt64
    private let interval: UInt64
    private let merge: Merge
    private let onInterval: (@Sendable (Snapshot) -> Void)?

    init(workers: Int, start: UInt64, interval: UInt64, merge: @escaping Merge,
         onInterval: (@Sendable (Snapshot) -> Void)?) {
        state = Mutex(State(lastIndex: Array(repeating: nil, count: workers)))
        self.start = start
        self.interval = interval
        self.merge = merge
        self.onInterval = onInterval
    }

    func publish(_ part: Part) {
        let ready = state.withLock { state -> [Snapshot] in
            state.pending[part.index, default: []].append(part)
            return drain(&state)
        }
        ready.forEach { onInterval?($0) }
    }

    /// Worker `worker` will publish nothing after interval `lastIndex`.
    func finish(worker: Int, lastIndex: Int) {
        let ready = state.withLock { state -> [Snapshot] in
            state.lastIndex[worker] = lastIndex
            return drain(&state)
        }
        ready.forEach { onInterval?($0) }
    }

    /// Every interval merged so far, in order.
    var snapshots: [Snapshot] { state.withLock { $0.emitted } }

    private func drain(_ state: inout State) -> [Snapshot] {
        var ready: [Snapshot] = []
        while true {
            let index = state.nextToEmit
            let expected = state.lastIndex.filter { $0 == nil || $0! >= index }.count
            let parts = state.pending[index] ?? []
            if expected == 0 || parts.count < expected { break }
            state.pending[index] = nil
            state.nextToEmit += 1
            let begin = start + UInt64(index) * interval
            let end = parts.map(\.end).max() ?? begin
            let snapshot = merge(parts, index, Double(begin - start) / 1e9, Double(end - min(end, begin)) / 1e9)
            state.emitted.append(snapshot)
            ready.append(snapshot)
        }
        return ready
    }
}

/// Asks a running benchmark to stop early (Ctrl-C); safe from any thread.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func stop() { flag.store(true, ordering: .relaxed) }

    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}

extension Histogram<UInt64> {
    /// The value at `percentile`, or 0 for an empty histogram (which has no value to give).
    public func percentileOrZero(_ percentile: Double) -> UInt64 {
        totalCount > 0 ? valueAtPercentile(percentile) : 0
    }
}
