import Foundation
import Histogram
import Synchronization
import ZooPipe

/// What a produce run measured.
public struct ProduceOutcome: Sendable {
    /// Records librdkafka accepted.
    public var sent = 0
    /// Records the cluster acknowledged.
    public var delivered = 0
    /// Records whose delivery failed.
    public var failed = 0
    /// Failed records by librdkafka error name.
    public var failuresByError: [String: Int] = [:]
    /// Times a producer found librdkafka's queue full and waited.
    public var queueFullRetries = 0
    /// Value bytes of the delivered records.
    public var deliveredBytes = 0
    /// Seconds from the first send to the last delivery report.
    public var elapsedSeconds = 0.0
    /// Send → delivery-report latency of delivered records, in microseconds.
    public var latency = ProduceOutcome.makeHistogram()

    /// Delivered records per second.
    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(delivered) / elapsedSeconds : 0 }
    /// Delivered value megabytes (MiB, as Kafka's perf tools count) per second.
    public var megabytesPerSecond: Double {
        elapsedSeconds > 0 ? Double(deliveredBytes) / 1_048_576 / elapsedSeconds : 0
    }

    /// A latency histogram: 1 µs to 1 hour, 3 significant digits.
    public static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                          numberOfSignificantValueDigits: .three)
    }

    /// Adds another producer's outcome (counts sum, histograms merge; the
    /// elapsed time is the longest, since producers run side by side).
    public mutating func merge(_ other: ProduceOutcome) {
        sent += other.sent
        delivered += other.delivered
        failed += other.failed
        queueFullRetries += other.queueFullRetries
        deliveredBytes += other.deliveredBytes
        failuresByError.merge(other.failuresByError, uniquingKeysWith: +)
        elapsedSeconds = max(elapsedSeconds, other.elapsedSeconds)
        latency.add(other.latency)
    }
}

/// Runs `workload.producers` producers, each on its own thread with its own
/// librdkafka handle, and measures what they deliver.
public struct ProducerSwarm: Sendable {
    public let workload: ProduceWorkload
    public let target: KafkaURI

    public init(workload: ProduceWorkload, target: KafkaURI) {
        self.workload = workload
        self.target = target
    }

    /// Sends `workload.numRecords` records and waits for every delivery report.
    /// Connection and configuration problems throw before any record is sent;
    /// failed deliveries are counted in the outcome, not thrown.
    public func run() throws -> ProduceOutcome {
        let adapters = try (0..<workload.producers).map { _ in
            try KafkaOutputAdapter(uri: target, acks: workload.acks, timeout: workload.deliveryTimeout,
                                   configuration: workload.producerConfiguration)
        }
        let pool = PayloadPool(recordSize: workload.recordSize, records: workload.numRecords)
        let shares = Self.split(workload.numRecords, into: workload.producers)
        let results = Mutex<[Result<ProduceOutcome, KafkaError>]>([])
        let group = DispatchGroup()
        for (index, adapter) in adapters.enumerated() {
            group.enter()
            let share = shares[index]
            let thread = Thread {
                let result = Result { () throws(KafkaError) in try Self.produce(share, with: adapter, pool: pool) }
                results.withLock { $0.append(result) }
                group.leave()
            }
            thread.name = "zoobench-producer-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        var outcome = ProduceOutcome()
        for result in results.withLock({ $0 }) {
            outcome.merge(try result.get())
        }
        return outcome
    }

    /// `total` split into `parts` shares that differ by at most one.
    static func split(_ total: Int, into parts: Int) -> [Int] {
        (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
    }

    /// One producer's loop: send `count` records from the pool, polling for
    /// delivery reports as it goes, then wait for the rest.
    private static func produce(_ count: Int, with adapter: KafkaOutputAdapter,
                                pool: PayloadPool) throws(KafkaError) -> ProduceOutcome {
        final class Recorder {
            var histogram = ProduceOutcome.makeHistogram()
            var bytes = 0
            var last: UInt64 = 0
        }
        let recorder = Recorder()
        let recordSize = pool.recordSize
        adapter.onDelivery = { report in
            if report.succeeded {
                _ = recorder.histogram.record(max(1, report.latency / 1000))
                recorder.bytes &+= recordSize
            }
            recorder.last = report.deliveredTime
        }
        let start = MonotonicClock.nanoseconds()
        for i in 0..<count {
            try adapter.send(noCopy: pool.payload(i), token: UInt64(i))
            if i & 63 == 0 { adapter.poll() }
        }
        do {
            try adapter.flush()
        } catch {
            // Failed deliveries are data, counted below; a flush that times out is not.
            guard case .deliveryFailed = error else { throw error }
        }
        adapter.onDelivery = nil
        var outcome = ProduceOutcome()
        let statistics = adapter.statistics
        outcome.sent = statistics.sent
        outcome.delivered = statistics.delivered
        outcome.failed = statistics.failed
        outcome.failuresByError = statistics.failuresByError
        outcome.queueFullRetries = statistics.queueFullRetries
        outcome.deliveredBytes = recorder.bytes
        outcome.elapsedSeconds = Double(max(recorder.last, start) - start) / 1e9
        outcome.latency = recorder.histogram
        return outcome
    }
}
