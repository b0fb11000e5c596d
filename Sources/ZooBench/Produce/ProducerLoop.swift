import Foundation
import Histogram
import ZooPipe

/// One producer's loop, confined to its thread: sends on schedule, records
/// delivery latencies into its own histograms, closes intervals on time.
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
    /// Nanoseconds between this producer's sends; 0 when unlimited.
    let sendInterval: Double
    /// Whether sends follow a schedule (so the corrected histogram is kept).
    let rated: Bool
    /// The run id stamped into each record's `zb.seq` header; nil: no stamp.
    let stampRun: UInt32?
    let allocationCounter: AllocationCounter?

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
        sendInterval = workload.throughput.map { 1e9 / ($0 / Double(workload.producers)) } ?? 0
        rated = sendInterval > 0
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

        let headers = (0..<workload.headers).map { KafkaHeader(name: "h\($0)", string: String(format: "%08d", $0)) }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
        defer { scratch.deallocate() }
        let stampBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SequenceStamp.size, alignment: 8)
        defer { stampBuffer.deallocate() }
        let wallOffset = MonotonicClock.wallOffset
        var generator = SplitMix64(seed: 0xC0FFEE &+ UInt64(index))
        let transactional = workload.transactionalID != nil
        // Unlimited, plain records (no key, header or stamp, no transactions)
        // go to librdkafka 64 at a time: one call and one queue lock for the
        // lot. Measured against one call per record: see docs/performance.md.
        let batched = !rated && headers.isEmpty && stampRun == nil && !transactional && workload.keys == .none
        let transactionSize = workload.transactionSize ?? 1000
        var inTransaction = 0
        var transactions = 0
        var partial = false

        AllocationAttribution.enter(.caller)
        while MonotonicClock.nanoseconds() < start {}  // the common start, a few ms away
        var nextBoundary = start + interval
        let warmupEnd = workload.warmup.map { start + nanoseconds($0) }
        var measuredStart: UInt64 = 0
        var measuredEnd = UInt64.max
        var sequence = 0
        var measured = 0
        if transactional { try adapter.beginTransaction() }

        while true {
            if stop.isStopped {
                partial = true
                break
            }
            let now = MonotonicClock.nanoseconds()
            if now >= nextBoundary { closeIntervals(until: now, nextBoundary: &nextBoundary) }
            // With a rate, the warm-up and the measured window follow the
            // schedule: a record belongs where it is due, and the record due
            // at the window's end is not sent (10 s at 20000/s is 200000).
            // A producer that has fallen behind still stops when the window's
            // time is up.
            let intended = rated ? start + UInt64(Double(sequence) * sendInterval) : 0
            let due = rated ? intended : now
            if let warmupRecords { inWarmup = sequence < warmupRecords } else if let warmupEnd { inWarmup = due < warmupEnd }
            if !inWarmup {
                if measuredStart == 0 {
                    allocationCounter?.begin()
                    measuredStart = due
                    if let duration = workload.duration { measuredEnd = due + nanoseconds(duration) }
                }
                if let recordLimit, measured >= recordLimit { break }
                if due >= measuredEnd || now >= measuredEnd { break }
            }
            if rated && now < intended {
                let until = min(intended, nextBoundary)
                if until - now > 2_000_000 {
                    adapter.poll(timeout: .nanoseconds(Int64(until - now - 1_000_000)))
                } else {
                    adapter.poll()
                }
                continue
            }
            let token = UInt64(sequence) | (inWarmup ? Self.warmupBit : 0)
            let payload = pool.payload(sequence)
            var stamp: KafkaRawHeader?
            if let stampRun {
                SequenceStamp(run: stampRun, producer: UInt16(truncatingIfNeeded: index), warmup: inWarmup,
                              sequence: UInt64(sequence),
                              intendedTime: UInt64(bitPattern: Int64(bitPattern: intended == 0 ? now : intended) &+ wallOffset),
                              sendTime: UInt64(bitPattern: Int64(bitPattern: now) &+ wallOffset))
                    .write(to: stampBuffer)
                stamp = KafkaRawHeader(name: SequenceStamp.headerName, value: UnsafeRawBufferPointer(stampBuffer))
            }
            if batched {
                try adapter.sendBatched(noCopy: payload, token: token)
            } else {
                let result: Result<Void, KafkaError> = keys.withKey(sequence: sequence, generator: &generator, scratch: scratch) { key in
                    Result { () throws(KafkaError) in
                        try adapter.send(noCopy: payload, key: key, headers: headers, extraHeader: stamp, token: token,
                                         intendedTime: intended, now: now)
                    }
                }
                try result.get()
            }
            sequence += 1
            if inWarmup { current.warmup = true } else { measured += 1 }
            current.sent += 1
            if transactional {
                inTransaction += 1
                if inTransaction == transactionSize {
                    try adapter.commitTransaction(timeout: workload.deliveryTimeout)
                    transactions += 1
                    try adapter.beginTransaction()
                    inTransaction = 0
                }
            }
            if sequence & 63 == 0 {
                if batched { try adapter.flushPending(now: now) }
                adapter.poll()
            }
        }
        if batched { try adapter.flushPending() }
        if transactional {
            if inTransaction > 0 || transactions == 0 {
                try adapter.commitTransaction(timeout: workload.deliveryTimeout)
                transactions += 1
            }
        }
        // Drain: serve delivery reports until none is outstanding, closing intervals on time.
        let deadline = MonotonicClock.nanoseconds() + nanoseconds(workload.deliveryTimeout) + 10_000_000_000
        while adapter.statistics.inFlight > 0 && MonotonicClock.nanoseconds() < deadline {
            adapter.poll(timeout: .milliseconds(5))
            let now = MonotonicClock.nanoseconds()
            if now >= nextBoundary { closeIntervals(until: now, nextBoundary: &nextBoundary) }
        }
        closeInterval(end: MonotonicClock.nanoseconds())
        allocationCounter?.leave()
        leftWindow = true
        collector.finish(worker: index, lastIndex: current.index - 1)
        // One more statistics report, so the wire figures cover the whole run
        // (after the last interval closed, so waiting for it is not in the timeline).
        adapter.awaitWireStatistics(timeout: .seconds(1))

        let statistics = adapter.statistics
        var outcome = ProduceOutcome()
        outcome.sent = measured
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
        outcome.warmup.seconds = measuredStart > start ? Double(measuredStart - start) / 1e9 : 0
        outcome.partial = partial
        outcome.transactions = transactions
        outcome.wire = adapter.wireStatistics
        if stampRun != nil { outcome.acknowledged = [ledger] }
        return Outcome(outcome: outcome, firstMeasuredSend: measuredStart, lastMeasuredDelivery: lastMeasuredDelivery)
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
        let size = pool.size(record)
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
