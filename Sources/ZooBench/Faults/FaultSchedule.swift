import Foundation
import Synchronization
import ZooPipe

/// A fault as it happened: what, and when from the start of sending.
public struct FaultEvent: Sendable, Hashable, Codable {
    /// Seconds from the start of sending.
    public var at: Double
    /// `broker 1 down`, `broker 1 up`, `broker 2 rtt 20ms`, `broker 2 rtt 0ms`.
    public var action: String

    public init(at: Double, action: String) {
        self.at = at
        self.action = action
    }
}

/// Applies faults to an embedded cluster on a timeline, on a thread of its
/// own, and keeps what it did.
public final class FaultSchedule: Sendable {
    private let faults: [FaultSpec]
    private let cluster: EmbeddedCluster
    private let topic: String
    private let done = Atomic<Bool>(false)
    private let log = Mutex<[FaultEvent]>([])
    private let onEvent: (@Sendable (FaultEvent) -> Void)?

    /// Checks every fault names a broker the cluster has; `topic` is the run's
    /// (for leader faults that name none).
    public init(_ faults: [FaultSpec], cluster: EmbeddedCluster, topic: String = "zoobench",
                onEvent: (@Sendable (FaultEvent) -> Void)? = nil) throws(WorkloadError) {
        for fault in faults where fault.change.arguments.brokerIDs.contains(where: { $0 > Int32(cluster.brokerCount) }) {
            throw .invalid("--fault '\(fault)': the embedded cluster has brokers 1 to \(cluster.brokerCount)")
        }
        self.faults = faults
        self.cluster = cluster
        self.topic = topic
        self.onEvent = onEvent
    }

    /// Starts the timeline now (the start of sending).
    public func start() {
        let start = MonotonicClock.nanoseconds()
        var steps: [(UInt64, ClusterChange)] = []
        for fault in faults {
            steps.append((nanoseconds(fault.at), fault.start(topic: topic)))
            if let lasting = fault.lasting, let undo = fault.end(topic: topic) {
                steps.append((nanoseconds(fault.at + lasting), undo))
            }
        }
        steps.sort { $0.0 < $1.0 }
        let thread = Thread { [self, steps] in
            for (offset, change) in steps {
                while MonotonicClock.nanoseconds() < start + offset {
                    if done.load(ordering: .relaxed) { return }
                    Thread.sleep(forTimeInterval: 0.002)
                }
                if done.load(ordering: .relaxed) { return }
                let action: String
                do throws(WorkloadError) {
                    action = try change.apply(to: cluster)
                } catch {
                    action = "\(change) failed: \(error.description)"
                }
                let event = FaultEvent(at: Double(MonotonicClock.nanoseconds() - start) / 1e9, action: action)
                log.withLock { $0.append(event) }
                onEvent?(event)
            }
        }
        thread.name = "zoobench-faults"
        thread.start()
    }

    /// Stops applying faults (those not yet due are skipped).
    public func stop() { done.store(true, ordering: .relaxed) }

    /// What was applied so far, in order.
    public var events: [FaultEvent] { log.withLock { $0 } }
}

extension FaultSchedule {
    /// What faults given for a cluster other than the embedded one get.
    public static let needsEmbeddedCluster = WorkloadError.invalid("--fault needs the embedded cluster (no --brokers or --uri)")

    /// Refuses faults for an external cluster (`brokers` given), before anything connects.
    public static func check(_ faults: [FaultSpec], brokers: String?) throws(WorkloadError) {
        if !faults.isEmpty && brokers != nil { throw needsEmbeddedCluster }
    }

    /// The faults on a timeline for `target`'s embedded cluster, nil when
    /// there are none; `topic` is the run's, for leader moves that name none.
    public static func make(_ faults: [FaultSpec], topic: String, target: BenchTarget,
                            onEvent: (@Sendable (FaultEvent) -> Void)? = nil) throws(WorkloadError) -> FaultSchedule? {
        guard !faults.isEmpty else { return nil }
        guard let cluster = target.embedded else { throw needsEmbeddedCluster }
        return try FaultSchedule(faults, cluster: cluster, topic: topic, onEvent: onEvent)
    }
}
