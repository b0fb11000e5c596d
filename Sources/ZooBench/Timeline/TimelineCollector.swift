import Synchronization

/// One worker's (producer's or consumer's) share of an interval, before merging.
protocol IntervalPart: Sendable {
    /// The interval's number, 0 for the first.
    var index: Int { get }
    /// When this worker closed it (monotonic ns).
    var end: UInt64 { get }
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
