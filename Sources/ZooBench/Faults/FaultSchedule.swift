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
    /// When the timeline started (monotonic nanoseconds).
    private let started = Mutex<UInt64>(0)
    /// Whether the timeline's thread was started and not yet stopped.
    private let running = Mutex<Bool>(false)
    /// Signalled when the timeline's thread ends.
    private let finished = DispatchSemaphore(value: 0)
    /// Undoings of faults in force, by fault number.
    private let pending = Mutex<[Int: ClusterChange]>([:])

    /// Checks every fault names a broker the cluster has; `topic` is the run's
    /// (for leader faults that name none).
    public init(_ faults: [FaultSpec], cluster: EmbeddedCluster, topic: String = "zoobench",
                onEvent: (@Sendable (FaultEvent) -> Void)? = nil) throws(WorkloadError) {
        for fault in faults where fault.change.arguments.brokerIDs.contains(where: { $0 > Int32(cluster.brokerCount) }) {
            throw .invalid("--fault '\(fault)': the embedded cluster has brokers 1 to \(cluster.brokerCount)")
        }
        try FaultSpec.checkTimeline(faults)
        self.faults = faults
        self.cluster = cluster
        self.topic = topic
        self.onEvent = onEvent
    }

    /// Starts the timeline now (the start of sending).
    public func start() {
        let start = MonotonicClock.nanoseconds()
        var steps: [Step] = []
        for (index, fault) in faults.enumerated() {
            steps.append(Step(offset: nanoseconds(fault.at), change: fault.start(topic: topic), fault: index, undoes: false))
            if let lasting = fault.lasting, let undo = fault.end(topic: topic) {
                steps.append(Step(offset: nanoseconds(fault.at + lasting), change: undo, fault: index, undoes: true))
            }
        }
        steps.sort { $0.offset < $1.offset }
        started.withLock { $0 = start }
        Thread.named("zb-faults") { [self, steps] in
            defer { finished.signal() }
            for step in steps {
                while MonotonicClock.nanoseconds() < start + step.offset {
                    if done.load(ordering: .relaxed) { return }
                    Thread.sleep(forTimeInterval: 0.002)
                }
                if done.load(ordering: .relaxed) { return }
                apply(step.change, note: "")
                pending.withLock { pending in
                    if step.undoes {
                        pending.removeValue(forKey: step.fault)
                    } else if let undo = steps.first(where: { $0.fault == step.fault && $0.undoes }) {
                        pending[step.fault] = undo.change
                    }
                }
            }
        }.start()
        running.withLock { $0 = true }
    }

    /// Stops applying faults (those not yet due are skipped) and undoes the
    /// ones in force that were to be undone (a broker still down is brought
    /// up, an added round-trip time taken off), so that what follows the run
    /// (its end-offset check, a next run) finds the cluster whole. Waits for
    /// the change under way, if any.
    public func stop() {
        done.store(true, ordering: .relaxed)
        guard running.withLock({ running in defer { running = false }; return running }) else { return }
        _ = finished.wait(timeout: .now() + .seconds(10))
        let undos = pending.withLock { pending in defer { pending = [:] }; return pending.sorted { $0.key < $1.key } }
        for (_, change) in undos { apply(change, note: " (the run ended first)") }
    }

    /// Makes `change` and logs it, timed from the start.
    private func apply(_ change: ClusterChange, note: String) {
        let action: String
        do throws(WorkloadError) {
            action = try change.apply(to: cluster) + note
        } catch {
            action = "\(change) failed: \(error.description)"
        }
        let start = started.withLock { $0 }
        let event = FaultEvent(at: Double(MonotonicClock.nanoseconds() - start) / 1e9, action: action)
        log.withLock { $0.append(event) }
        onEvent?(event)
    }

    /// One change on the timeline: the start of fault number `fault`, or its undoing.
    private struct Step: Sendable {
        var offset: UInt64
        var change: ClusterChange
        var fault: Int
        var undoes: Bool
    }

    /// What was applied so far, in order.
    public var events: [FaultEvent] { log.withLock { $0 } }
}

extension FaultSchedule {
    /// What faults given for a cluster other than the embedded one get.
    public static let needsEmbeddedCluster = WorkloadError.invalid("--fault needs the embedded cluster (no --brokers or --uri)")

    /// Refuses faults for an external cluster (`brokers` given), before anything connects.
    public static func check(_ faults: [FaultSpec], brokers: String?) throws(WorkloadError) {
        if !faults.isEmpty && brokers != nil { throw needsEmbeddedCluster }
        try FaultSpec.checkTimeline(faults)
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
