import Foundation
import Histogram
import Synchronization
import ZooPipe

/// Warm-up figures, kept apart from the main ones.
public struct WarmupFigures: Sendable, Codable {
    /// Records acknowledged during the warm-up.
    public var delivered = 0
    /// Seconds the warm-up lasted (first send to the first measured send).
    public var seconds = 0.0
    /// Their send → acknowledgement latency in microseconds.
    public var latency = LatencyHistogram.make()
}

/// What a produce run measured. Latencies are in microseconds.
public struct ProduceOutcome: Sendable {
    /// Records librdkafka accepted (warm-up excluded).
    public var sent = 0
    /// Records the cluster acknowledged (warm-up excluded).
    public var delivered = 0
    /// Records whose delivery failed (warm-up excluded).
    public var failed = 0
    /// Failed records by librdkafka error name (warm-up included).
    public var failuresByError: [String: Int] = [:]
    /// Records still unreported when the run gave up waiting.
    public var undelivered = 0
    /// Times a producer found librdkafka's queue full and waited.
    public var queueFullRetries = 0
    /// Value bytes of the acknowledged records.
    public var deliveredBytes = 0
    /// Seconds from the first measured send to the last measured acknowledgement.
    public var elapsedSeconds = 0.0
    /// Send → acknowledgement latency, from the actual send.
    public var latency = LatencyHistogram.make()
    /// Latency from the intended (scheduled) send time; nil without a rate.
    public var correctedLatency: Histogram<UInt64>?
    /// The warm-up, measured separately.
    public var warmup = WarmupFigures()
    /// One snapshot per interval, warm-up included (and flagged).
    public var timeline: [IntervalSnapshot] = []
    /// Whether the run was stopped before its end (Ctrl-C): figures cover what ran.
    public var partial = false
    /// Transactions committed (with a transactional id).
    public var transactions = 0
    /// What went over the wire (after compression, warm-up included), summed
    /// over producers from librdkafka's statistics; nil if none reported.
    public var wire: KafkaWireStatistics?
    /// With sequence stamps (end-to-end runs): each producer's acknowledged
    /// and failed sequence numbers, by producer index.
    public var acknowledged: [AcknowledgedLedger] = []
    /// Allocations over the measured window, when counted.
    public var allocations: AllocationCounts?

    /// Acknowledged records per second.
    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(delivered) / elapsedSeconds : 0 }
    /// Acknowledged value MiB (as Kafka's perf tools count "MB") per second.
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(deliveredBytes) / 1_048_576 / elapsedSeconds : 0
    }

    /// Nothing yet: to be filled (a swarm run's merged outcome starts here).
    public init() {}

    /// Adds another producer's outcome: counts sum, histograms merge.
    /// (Elapsed time is set by the fleet from the producers' common span.)
    mutating func merge(_ other: ProduceOutcome) {
        sent += other.sent
        delivered += other.delivered
        failed += other.failed
        undelivered += other.undelivered
        queueFullRetries += other.queueFullRetries
        deliveredBytes += other.deliveredBytes
        transactions += other.transactions
        failuresByError.merge(other.failuresByError, uniquingKeysWith: +)
        latency.add(other.latency)
        if let corrected = other.correctedLatency {
            if correctedLatency == nil { correctedLatency = LatencyHistogram.make() }
            correctedLatency!.add(corrected)
        }
        warmup.delivered += other.warmup.delivered
        warmup.seconds = max(warmup.seconds, other.warmup.seconds)
        warmup.latency.add(other.warmup.latency)
        partial = partial || other.partial
        acknowledged += other.acknowledged
        if let theirs = other.wire {
            var sum = wire ?? KafkaWireStatistics()
            sum.add(theirs)
            wire = sum
        }
    }
}

/// Runs `workload.producers` producers, each on its own thread with its own
/// librdkafka handle, on a common schedule, and measures what they deliver.
public struct ProducerFleet: Sendable {
    public let workload: ProduceWorkload
    public let target: KafkaURI
    /// Stamp every record with a `zb.seq` header of this run id (producer,
    /// sequence, send times) and keep ledgers of what was acknowledged, for
    /// end-to-end latency and the integrity check. Nil: no stamps.
    public var stampRun: UInt32?
    /// Counts allocations from the first measured send to the end of the run
    /// (into ``ProduceOutcome/allocations``). Nil: not counted.
    public var allocationCounter: AllocationCounter?

    public init(workload: ProduceWorkload, target: KafkaURI, stampRun: UInt32? = nil) {
        self.workload = workload
        self.target = target
        self.stampRun = stampRun
    }

    /// Sends the workload's records and waits for every delivery report (up
    /// to the delivery timeout). Connection, configuration and payload-file
    /// problems throw before any record is sent; failed deliveries are counted
    /// in the outcome, not thrown. `onInterval` sees each merged interval as it
    /// closes; `stop` ends the run early, keeping what was measured.
    public func run(stop: StopSignal = StopSignal(),
                    onInterval: (@Sendable (IntervalSnapshot) -> Void)? = nil) throws -> ProduceOutcome {
        try workload.validate()
        let pool = try PayloadPool(workload: workload)
        let keys = KeyTable(workload.keys)
        let adapters = try (0..<workload.producers).map { index in
            try KafkaOutputAdapter(uri: target, acks: workload.acks, timeout: workload.deliveryTimeout,
                                   configuration: workload.producerConfiguration(producerIndex: index))
        }
        if workload.transactionalID != nil {
            for adapter in adapters { try adapter.initTransactions(timeout: workload.connectTimeout + .seconds(20)) }
        }
        let producers = workload.producers
        let recordShares = workload.recordLimit.map { Self.split($0, into: producers) }
        let warmupShares = workload.warmupRecords.map { Self.split($0, into: producers) }
        let interval = nanoseconds(workload.interval)
        // Everyone starts on the same schedule, a moment from now.
        let start = MonotonicClock.nanoseconds() + 20_000_000
        let collector = TimelineCollector<ProducerInterval, IntervalSnapshot>(
            workers: producers, start: start, interval: interval, merge: ProducerInterval.merge, onInterval: onInterval)
        if allocationCounter != nil { AllocationAttribution.isTracking = true }
        allocationCounter?.expect(producers)
        defer { AllocationAttribution.isTracking = false }
        let results = Mutex<[(Int, Result<ProducerLoop.Outcome, KafkaError>)]>([])
        let group = DispatchGroup()
        for (index, adapter) in adapters.enumerated() {
            let loop = ProducerLoop(
                index: index, adapter: adapter, pool: pool, keys: keys, workload: workload,
                recordLimit: recordShares?[index], warmupRecords: warmupShares?[index],
                start: start, interval: interval, collector: collector, stop: stop, stampRun: stampRun,
                allocationCounter: allocationCounter)
            group.enter()
            let thread = Thread {
                let result = Result { () throws(KafkaError) in try loop.run() }
                results.withLock { $0.append((index, result)) }
                group.leave()
            }
            thread.name = "zoobench-producer-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        var outcome = ProduceOutcome()
        var firstSend = UInt64.max
        var lastDelivery: UInt64 = 0
        for (_, result) in results.withLock({ $0 }).sorted(by: { $0.0 < $1.0 }) {
            let part = try result.get()
            outcome.merge(part.outcome)
            if part.firstMeasuredSend > 0 { firstSend = min(firstSend, part.firstMeasuredSend) }
            lastDelivery = max(lastDelivery, part.lastMeasuredDelivery)
        }
        if firstSend != .max && lastDelivery > firstSend {
            outcome.elapsedSeconds = Double(lastDelivery - firstSend) / 1e9
        }
        outcome.timeline = collector.snapshots
        outcome.allocations = allocationCounter?.end(messages: outcome.sent)
        return outcome
    }

    /// `total` split into `parts` shares that differ by at most one.
    static func split(_ total: Int, into parts: Int) -> [Int] {
        (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
    }
}

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

func nanoseconds(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
}
