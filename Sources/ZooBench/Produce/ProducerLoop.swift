import Foundation
import Histogram
import ZooPipe

/// Where a producer's loop is: a value on the loop's stack, read and written
/// in place on the per-record path and handed `inout` to the steps beside it.
struct SendState {
    /// The next record's number (warm-up included).
    var sequence = 0
    /// Records sent in the measured window.
    var measured = 0
    var nextBoundary: UInt64
    /// When the measured window began and ends (0 and .max until known).
    var measuredStart: UInt64 = 0
    var measuredEnd = UInt64.max
    var inTransaction = 0
    var transactions = 0
    /// Whether the run was stopped before its end.
    var partial = false
}

/// What a producer sends with, made before its first send: the records'
/// headers, a scratch buffer for keys and one for the `zb.seq` stamp.
struct SendBuffers {
    let headers: [KafkaHeader]
    let key = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
    let stamp = UnsafeMutableRawBufferPointer.allocate(byteCount: SequenceStamp.size, alignment: 8)

    init(headers count: Int) {
        headers = (0..<count).map { KafkaHeader(name: "h\($0)", string: String(format: "%08d", $0)) }
    }

    func release() {
        key.deallocate()
        stamp.deallocate()
    }
}

/// One producer's loop, confined to its thread: sends on schedule, records
/// delivery latencies into its own histograms, closes intervals on time.
/// ``run()`` is the loop; each of its steps is a small function over a ``SendState``.
final class ProducerLoop: KafkaDeliveryHandler, @unchecked Sendable {
    struct Outcome: Sendable {
        var outcome: ProduceOutcome
        var firstMeasuredSend: UInt64
        var lastMeasuredDelivery: UInt64
    }

    static let warmupBit: UInt64 = 1 << 63

    let index: Int
    let adapter: KafkaOutputAdapter
    let pool: PayloadPool
    let keys: KeyTable
    let workload: ProduceWorkload
    let recordLimit: Int?
    let warmupRecords: Int?
    let start: UInt64
    let interval: UInt64
    let collector: TimelineCollector<ProducerInterval, IntervalSnapshot>
    let stop: StopSignal
    /// When each record is due at a fixed rate (with the workload's bursts);
    /// its interval is 0 when unlimited.
    let pacing: SendPacing
    /// Whether sends follow a schedule (so the corrected histogram is kept).
    let rated: Bool
    /// The run id stamped into each record's `zb.seq` header; nil: no stamp.
    let stampRun: UInt32?
    let allocationCounter: AllocationCounter?
    let transactional: Bool
    /// Records per transaction.
    let transactionSize: Int
    /// When the warm-up ends by time, nil when it does not.
    let warmupEnd: UInt64?
    /// Unlimited, plain records (no key, header or stamp, no transactions)
    /// go to librdkafka 64 at a time: one call and one queue lock for the
    /// lot. Measured against one call per record: see docs/performance.md.
    let batched: Bool
    private let wallOffset = MonotonicClock.wallOffset

    // Per-record state, touched only on this producer's thread and never
    // re-entrantly, so exclusivity checks are off for it (they cost more
    // than the work they guard on this path).
    @exclusivity(unchecked) private var raw = LatencyHistogram.make()
    @exclusivity(unchecked) private var corrected = LatencyHistogram.make()
    @exclusivity(unchecked) private var warmupLatency = LatencyHistogram.make()
    // This interval's latencies (from the schedule when rated), measured and
    // warm-up apart. Without a rate they are the only per-record recording:
    // the run's histograms take them in once per interval (one record per
    // delivery instead of two, on the path that limits throughput).
    @exclusivity(unchecked) private var intervalMeasured = LatencyHistogram.make()
    @exclusivity(unchecked) private var intervalWarm = LatencyHistogram.make()
    @exclusivity(unchecked) private var delivered = 0
    @exclusivity(unchecked) private var failed = 0
    @exclusivity(unchecked) private var bytes = 0
    @exclusivity(unchecked) private var warmupDelivered = 0
    @exclusivity(unchecked) private var lastMeasuredDelivery: UInt64 = 0
    @exclusivity(unchecked) private var current: ProducerInterval
    @exclusivity(unchecked) private var inWarmup = false
    @exclusivity(unchecked) private var ledger = AcknowledgedLedger()

    init(index: Int, adapter: KafkaOutputAdapter, pool: PayloadPool, keys: KeyTable, workload: ProduceWorkload,
         recordLimit: Int?, warmupRecords: Int?, start: UInt64, interval: UInt64, collector: TimelineCollector<ProducerInterval, IntervalSnapshot>,
         stop: StopSignal, stampRun: UInt32? = nil, allocationCounter: AllocationCounter? = nil) {
        self.index = index
        self.adapter = adapter
        self.pool = pool
        self.keys = keys
        self.workload = workload
        self.recordLimit = recordLimit
        self.warmupRecords = warmupRecords
        self.start = start
        self.interval = interval
        self.collector = collector
        self.stop = stop
        self.stampRun = stampRun
        self.allocationCounter = allocationCounter
        pacing = SendPacing(interval: workload.throughput.map { 1e9 / ($0 / Double(workload.producers)) } ?? 0,
                            bursts: workload.bursts)
        rated = pacing.interval > 0
        transactional = workload.transactionalID != nil
        transactionSize = workload.transactionSize ?? 1000
        warmupEnd = workload.warmup.map { start + nanoseconds($0) }
        batched = !rated && workload.headers == 0 && stampRun == nil && !transactional && workload.keys == .none
        current = ProducerInterval(index: 0, end: start, histogram: LatencyHistogram.make())
        super.init()
    }

    func run() throws(KafkaError) -> Outcome {
        // The adapter does not retain its handler; cleared (defer) before this loop can go.
        adapter.deliveryHandler = self
        defer { adapter.deliveryHandler = nil }
        // The allocation window must close before this thread can end, on
        // every path (see AllocationCounter.expect).
        var leftWindow = false
        defer { if !leftWindow { allocationCounter?.leave() } }
        let buffers = SendBuffers(headers: workload.headers)
        defer { buffers.release() }
        var generator = SplitMix64(seed: 0xC0FFEE &+ UInt64(index))
        var cursor = PayloadPool.Cursor()

        AllocationAttribution.enter(.caller)
        if rated { tightenThisThreadsWakeups(to: 1_000) }  // waits between sends end on time
        while MonotonicClock.nanoseconds() < start {}  // the common start, a few ms away
        var state = SendState(nextBoundary: start + interval)
        if transactional { try adapter.beginTransaction() }
        while true {
            if stop.isStopped {
                state.partial = true
                break
            }
            let now = MonotonicClock.nanoseconds()
            if now >= state.nextBoundary { closeIntervals(until: now, nextBoundary: &state.nextBoundary) }
            // At most a year ahead (the longest run is 30 days), so the conversion cannot trap.
            let intended = rated ? start + UInt64(min(pacing.offset(state.sequence), 3.2e16)) : 0
            guard windowOpen(&state, now: now, due: rated ? intended : now) else { break }
            if rated && now < intended {
                wait(until: min(intended, state.nextBoundary), now: now)
                continue
            }
            if batched {
                try sendChunk(&state, &cursor)
                continue
            }
            let token = UInt64(state.sequence) | (inWarmup ? Self.warmupBit : 0)
            try send(state.sequence, token: token, buffers, &generator, intended: intended, now: now)
            state.sequence += 1
            if inWarmup { current.warmup = true } else { state.measured += 1 }
            current.sent += 1
            if transactional { try transact(&state) }
            if state.sequence & 63 == 0 { adapter.poll() }
        }
        try endSending(&state)
        drain(&state)
        closeInterval(end: MonotonicClock.nanoseconds())
        allocationCounter?.leave()
        leftWindow = true
        collector.finish(worker: index, lastIndex: current.index - 1)
        // One more statistics report, so the wire figures cover the whole run
        // (after the last interval closed, so waiting for it is not in the timeline).
        adapter.awaitWireStatistics(timeout: .seconds(1))
        return outcome(state)
    }

    // MARK: The loop's steps

    /// Sets the warm-up flag and opens the measured window for the record due
    /// at `due`; false when the window is over. With a rate, the warm-up and
    /// the window follow the schedule: a record belongs where it is due, and
    /// the record due at the window's end is not sent (10 s at 20000/s is
    /// 200000). A producer that has fallen behind still stops when the
    /// window's time is up.
    @inline(__always)
    private func windowOpen(_ state: inout SendState, now: UInt64, due: UInt64) -> Bool {
        if let warmupRecords { inWarmup = state.sequence < warmupRecords } else if let warmupEnd { inWarmup = due < warmupEnd }
        guard !inWarmup else { return true }
        if state.measuredStart == 0 {
            allocationCounter?.begin()
            state.measuredStart = due
            if let duration = workload.duration { state.measuredEnd = due + nanoseconds(duration) }
        }
        if let recordLimit, state.measured >= recordLimit { return false }
        return due < state.measuredEnd && now < state.measuredEnd
    }

    /// Serves delivery reports until `until` (the next send, or the
    /// interval's end): waits for reports without spinning (each served as
    /// it comes, so its latency is not stretched) until ``spinSpan`` before
    /// `until`, and spins only that last stretch. Spinning through every
    /// gap kept a core busy at any rate: CPU the cluster, the consumers and
    /// the other producers on the machine need.
    private func wait(until: UInt64, now: UInt64) {
        if until - now > Self.spinSpan {
            adapter.poll(until: until - Self.spinSpan)
        } else {
            adapter.poll()
        }
    }

    /// How long before a send a rated producer stops waiting and spins: a
    /// wait ends a few µs late with the timer slack tightened (up to ~60 µs
    /// with the kernel's default); spinning the last 50 µs keeps sends on time.
    static let spinSpan: UInt64 = 50_000

    /// The common case, unlimited plain records: up to one batch
    /// (``KafkaOutputAdapter/batchCapacity``) that shares the warm-up state
    /// the caller just checked, handed to librdkafka in one call, then
    /// delivery reports served. The clock, the stop flag, the window and the
    /// interval boundary are checked once per batch (a batch at full speed
    /// takes some tens of microseconds), not once per record.
    @inline(__always)
    private func sendChunk(_ state: inout SendState, _ cursor: inout PayloadPool.Cursor) throws(KafkaError) {
        var count = KafkaOutputAdapter.batchCapacity
        if inWarmup {
            if let warmupRecords { count = min(count, warmupRecords - state.sequence) }
        } else if let recordLimit {
            count = min(count, recordLimit - state.measured)
        }
        let warmBit = inWarmup ? Self.warmupBit : 0
        var sent = 0
        defer {
            if inWarmup { current.warmup = true } else { state.measured += sent }
            current.sent += sent
        }
        while sent < count {
            try adapter.sendBatched(noCopy: pool.payload(at: &cursor), token: UInt64(state.sequence) | warmBit)
            state.sequence += 1
            sent += 1
        }
        try adapter.flushPending()
        adapter.poll()
    }

    /// Sends record `sequence` one by one, without copying it: with its key,
    /// headers and (in e2e runs) its `zb.seq` stamp.
    private func send(_ sequence: Int, token: UInt64, _ buffers: SendBuffers, _ generator: inout SplitMix64,
                      intended: UInt64, now: UInt64) throws(KafkaError) {
        let payload = pool.payload(sequence)
        var stamp: KafkaRawHeader?
        if let stampRun {
            SequenceStamp(run: stampRun, producer: UInt16(truncatingIfNeeded: index), warmup: inWarmup,
                          sequence: UInt64(sequence),
                          intendedTime: UInt64(bitPattern: Int64(bitPattern: intended == 0 ? now : intended) &+ wallOffset),
                          sendTime: UInt64(bitPattern: Int64(bitPattern: now) &+ wallOffset))
                .write(to: buffers.stamp)
            stamp = KafkaRawHeader(name: SequenceStamp.headerName, value: UnsafeRawBufferPointer(buffers.stamp))
        }
        let result: Result<Void, KafkaError> = keys.withKey(sequence: sequence, generator: &generator, scratch: buffers.key) { key in
            Result { () throws(KafkaError) in
                try adapter.send(noCopy: payload, key: key, headers: buffers.headers, extraHeader: stamp, token: token,
                                 intendedTime: intended, now: now)
            }
        }
        try result.get()
    }

    /// Counts the record in the open transaction and commits it when full.
    private func transact(_ state: inout SendState) throws(KafkaError) {
        state.inTransaction += 1
        guard state.inTransaction == transactionSize else { return }
        try adapter.commitTransaction(timeout: workload.deliveryTimeout)
        state.transactions += 1
        try adapter.beginTransaction()
        state.inTransaction = 0
    }

    /// Hands over what is batched and commits the last transaction.
    private func endSending(_ state: inout SendState) throws(KafkaError) {
        if batched { try adapter.flushPending() }
        if transactional && (state.inTransaction > 0 || state.transactions == 0) {
            try adapter.commitTransaction(timeout: workload.deliveryTimeout)
            state.transactions += 1
        }
    }

    /// Serves delivery reports until none is outstanding (or the delivery
    /// timeout and 10 s have passed), closing intervals on time.
    private func drain(_ state: inout SendState) {
        let deadline = MonotonicClock.nanoseconds() + nanoseconds(workload.deliveryTimeout) + 10_000_000_000
        while adapter.statistics.inFlight > 0 && MonotonicClock.nanoseconds() < deadline {
            adapter.poll(timeout: .milliseconds(5))
            let now = MonotonicClock.nanoseconds()
            if now >= state.nextBoundary { closeIntervals(until: now, nextBoundary: &state.nextBoundary) }
        }
    }

    /// What this producer measured.
    private func outcome(_ state: SendState) -> Outcome {
        let statistics = adapter.statistics
        var outcome = ProduceOutcome()
        outcome.sent = state.measured
        outcome.delivered = delivered
        outcome.failed = failed
        outcome.failuresByError = statistics.failuresByError
        outcome.undelivered = statistics.inFlight
        outcome.queueFullRetries = statistics.queueFullRetries
        outcome.deliveredBytes = bytes
        outcome.latency = raw
        outcome.correctedLatency = rated ? corrected : nil
        outcome.warmup.delivered = warmupDelivered
        outcome.warmup.latency = warmupLatency
        outcome.warmup.seconds = state.measuredStart > start ? Double(state.measuredStart - start) / 1e9 : 0
        outcome.partial = state.partial
        outcome.transactions = state.transactions
        outcome.wire = adapter.wireStatistics
        if stampRun != nil { outcome.acknowledged = [ledger] }
        return Outcome(outcome: outcome, firstMeasuredSend: state.measuredStart, lastMeasuredDelivery: lastMeasuredDelivery)
    }

    /// Records one delivery report into this producer's histograms and counters.
    override func delivered(_ report: KafkaDeliveryReport) {
        let warm = report.token & Self.warmupBit != 0
        let record = Int(report.token & ~Self.warmupBit)
        guard report.succeeded else {
            current.errors += 1
            if !warm { failed += 1 }
            if stampRun != nil { ledger.failed.insert(record) }
            return
        }
        if stampRun != nil { ledger.acknowledge(record, partition: report.partition) }
        let latency = min(max(1, report.latency / 1000), LatencyHistogram.highest)
        let fromSchedule = rated ? min(max(1, report.correctedLatency / 1000), LatencyHistogram.highest) : latency
        let size = report.length
        if warm {
            if rated { _ = warmupLatency.record(latency) }
            _ = intervalWarm.record(fromSchedule)
            warmupDelivered += 1
        } else {
            if rated { _ = raw.record(latency) }
            _ = intervalMeasured.record(fromSchedule)
            delivered += 1
            bytes &+= size
            lastMeasuredDelivery = report.deliveredTime
        }
        current.delivered += 1
        current.bytes &+= size
    }

    /// Closes every interval whose end has passed.
    private func closeIntervals(until now: UInt64, nextBoundary: inout UInt64) {
        while now >= nextBoundary {
            closeInterval(end: nextBoundary)
            nextBoundary += interval
        }
    }

    private func closeInterval(end: UInt64) {
        AllocationAttribution.marked(.callerPeriodic) { publishInterval(end: end) }
    }

    private func publishInterval(end: UInt64) {
        current.end = end
        current.inFlight = adapter.statistics.inFlight
        // Fold the interval into the run's histograms (see intervalMeasured).
        if rated {
            corrected.add(intervalMeasured)
        } else {
            raw.add(intervalMeasured)
            warmupLatency.add(intervalWarm)
        }
        var histogram = intervalMeasured
        if intervalWarm.totalCount > 0 { histogram.add(intervalWarm) }
        current.histogram = histogram
        collector.publish(current)
        intervalMeasured.reset()
        intervalWarm.reset()
        current = ProducerInterval(index: current.index + 1, end: end, histogram: LatencyHistogram.make())
    }
}
