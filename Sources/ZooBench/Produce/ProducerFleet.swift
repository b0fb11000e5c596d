import Foundation
import Synchronization
import ZooPipe

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

    /// A workload with neither a record count nor a duration runs with the
    /// default bounds (``ProduceWorkload/withDefaultBounds()``).
    public init(workload: ProduceWorkload, target: KafkaURI, stampRun: UInt32? = nil) {
        self.workload = workload.withDefaultBounds()
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
        try RateBurst.check(workload.bursts, throughput: workload.throughput, requireRate: true)
        try workload.validate(stamped: stampRun != nil)
        let pool = try PayloadPool(workload: workload, stamped: stampRun != nil)
        let keys = KeyTable(workload.keys)
        let adapters = try (0..<workload.producers).map { index in
            try KafkaOutputAdapter(uri: workload.topics == 1 ? target : KafkaURI(brokers: target.brokers, topic: workload.topic(ofProducer: index)),
                                   acks: workload.acks, timeout: workload.deliveryTimeout,
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
            Thread.named("zb-producer-\(index)", stackSize: 1 << 20) {
                let result = Result { () throws(KafkaError) in try loop.run() }
                results.withLock { $0.append((index, result)) }
                group.leave()
            }.start()
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
