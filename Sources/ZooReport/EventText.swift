import Foundation
import ZooBench

/// The console lines of what a run reports as it goes: its target, its
/// faults, a backlog being made, a plan's probe and steps, a sweep's cells,
/// a swarm's workers. The engine sends these as events; the CLI prints them.
public enum EventText {
    private static let fixed = NumberText.fixed

    /// `target    embedded cluster, 3 brokers at …; topic zoobench (6 partitions)` and, there, the caveat.
    /// `topics` > 1: the topic and `topic-2` … (``ProduceWorkload/topicNames``), each as partitioned as the first.
    public static func target(_ target: BenchTarget, topic: String, topics: Int = 1) -> [String] {
        let partitions = target.topic?.partitions.count ?? 0
        let named = topics == 1 ? "topic \(topic) (\(partitions) partitions" : "\(topics) topics \(topic), \(topic)-2 … \(topic)-\(topics) (\(partitions) partitions each"
        switch target.kind {
        case .embedded:
            return ["target    embedded cluster, \(target.metadata.brokers.count) brokers at \(target.uri.bootstrapServers); "
                        + "\(named))",
                    "note      the embedded cluster runs in this process and does not replicate: these figures measure "
                        + "the client, not a cluster's capacity (acks=-1 costs what acks=1 does here)"]
        case .external:
            return ["target    \(target.uri.bootstrapServers), \(target.metadata.brokers.count) brokers; \(named)"
                + "\(target.createdTopic ? ", created" : ""))"]
        }
    }

    /// `faults    at=2s broker=1 down for=2s; …`: the faults a run will apply (nil: none).
    public static func faults(_ specs: [FaultSpec], note: String = "") -> String? {
        specs.isEmpty ? nil : "faults    " + specs.map(\.description).joined(separator: "; ") + note
    }

    /// `rate      at=5s rate 3x for=2s`: the producers' scheduled rate changes.
    public static func bursts(_ bursts: [RateBurst], note: String = "") -> String? {
        bursts.isEmpty ? nil : "rate      " + bursts.map(\.description).joined(separator: "; ") + note
    }

    /// `consumers at=5s consumer leave 1`: members scheduled to leave or join their groups.
    public static func consumerChanges(_ changes: [ConsumerChange]) -> String? {
        changes.isEmpty ? nil : "consumers " + changes.map(\.description).joined(separator: "; ")
    }

    /// `fault     2.00s  broker 1 down`: a fault as it happened.
    public static func fault(_ event: FaultEvent) -> String {
        "fault     \(fixed(event.at, 2))s  \(event.action)"
    }

    /// What a consume run says while it makes its backlog.
    public static func consume(_ event: ConsumeRunEvent) -> [String] {
        switch event {
        case let .producingBacklog(records, recordSize, partitions, overRetention):
            return ["backlog   producing \(records) records of \(recordSize) B over \(partitions) partitions"]
                + (overRetention ? ["note      that is over \(ConsumeRun.backlogBytesPerPartition >> 20) MiB per partition: "
                    + "the embedded cluster may drop some, and the gap is reported"] : [])
        case let .backlogReady(records, seconds):
            return ["backlog   \(records) records in \(fixed(seconds, 3)) s"]
        case .reading(let workload):
            return ["workload  " + ConsumeSummary.describe(workload)]
        }
    }

    /// `backlog   the embedded cluster starts empty: …`: an embedded-cluster consume run's default backlog.
    public static let defaultBacklog = "backlog   the embedded cluster starts empty: making a "
        + "\(ConsumeRun.defaultEmbeddedBacklog >> 20)MB backlog to drain (--backlog sets the size)"

    /// A plan's probe, search and steps.
    public static func plan(_ event: PlanEvent) -> String {
        switch event {
        case .probing(let duration):
            return "probe     unlimited rate for \(DurationText.format(duration)) to find the ceiling"
        case let .probed(rate, p99):
            return "probe     \(NumberText.rate(rate)) records/s unlimited (p99 \(fixed(p99, 2)) ms)"
        case let .searching(low, high, steps, precision, perStep):
            return "search    \(steps) step(s) from \(NumberText.rate(low)) to \(NumberText.rate(high)) records/s, then bisection to "
                + String(format: "%g", precision * 100) + "%; \(DurationText.format(perStep)) per step"
        case let .stepped(step, search):
            return PlanReport.stepLine(step, of: search)
        case let .remeasuring(steps, reasons):
            return "check     the curve is inconsistent (\(reasons.joined(separator: "; "))): measuring step(s) "
                + steps.map(String.init).joined(separator: ", ") + " again"
        }
    }

    /// `sweep     4 cells × 1 run(s): acks 1,-1 × compression none,lz4; about 48s in all`.
    public static func sweep(_ plan: SweepPlan) -> String {
        "sweep     \(plan.cells.count) cells × \(plan.repeats) run(s): "
            + plan.axes.map { "\($0.name) \($0.values.joined(separator: ","))" }.joined(separator: " × ")
            + (plan.estimatedDuration.map { "; about \(DurationText.format(.seconds(Int64(DurationText.seconds($0))))) in all" } ?? "")
    }

    /// `cell 2/4 run 1/3: acks=-1 compression=lz4 (ETA 30s)`.
    public static func sweepRun(_ start: SweepRunStart) -> String {
        "cell \(start.cell)/\(start.cells)" + (start.repeats > 1 ? " run \(start.attempt)/\(start.repeats)" : "")
            + ": \(start.label)" + (start.remaining.map { " (ETA \(DurationText.format($0)))" } ?? "")
    }

    /// What a coordinator says of its swarm and workers (nil: nothing to say).
    public static func swarm(_ event: SwarmSessionEvent) -> String? {
        switch event {
        case let .waiting(workers, topic, wait):
            return "swarm     waiting for \(workers) worker(s) on \(topic) (up to \(DurationText.format(wait)))"
        case let .clocks(workers, clocks):
            return "clock     " + workers.map { worker in
                clocks[worker.id].map { String(format: "%@ %+.1f ±%.1f ms", worker.id, $0.offset * 1000, $0.uncertainty * 1000) }
                    ?? "\(worker.id) unmeasured"
            }.joined(separator: ", ")
        case .secretsLeftBehind(let keys):
            return "secrets   not sent to workers: \(keys.joined(separator: ", ")) (each worker's own -X applies)"
        case let .producersRaised(from, to):
            return "workload  --producers \(from) raised to \(to): one per worker at least"
        case let .share(share, mode):
            return "share     w\(share.index) \(share.worker): " + ProduceSummary.describe(share.workload)
                + (mode == .e2e ? " → " + ConsumeSummary.describe(share.consume ?? ConsumeWorkload()) : "")
        case let .starting(runID, delay, workers):
            return "run       \(runID) starts in \(DurationText.format(delay)) on \(workers) worker(s)"
        case .worker(let event):
            return worker(event)
        }
    }

    /// What the coordinator saw of a worker (nil: nothing to say; intervals go to the progress line).
    public static func worker(_ event: SwarmEvent) -> String? {
        switch event {
        case .joined(let info): return "worker    \(info.id) on \(info.host) (\(info.cores) cores, zoobench \(info.zoobenchVersion))"
        case let .ignored(info, reason): return "worker    \(info.id) not used: \(reason)"
        case .accepted, .interval: return nil
        case let .refused(id, reason): return "worker    \(id) refused the run: \(reason)"
        case let .lost(id, silentFor): return String(format: "worker    %@ lost: silent for %.1f s", id, silentFor)
        case let .done(id, status): return status == .complete ? nil : "worker    \(id) ended \(status.rawValue)"
        case let .failed(id, reason): return "worker    \(id) failed: \(reason)"
        case .late(let info): return "worker    \(info.id) arrived after the start: not part of this run"
        case .stopping: return "swarm     stop sent to every worker; waiting for their results"
        }
    }

    /// What a worker says of the runs it serves.
    public static func served(_ event: SwarmWorkerEvent) -> String {
        switch event {
        case let .accepted(runID, share, startsIn):
            return "run       \(runID) accepted as worker \(share.index): " + ProduceSummary.describe(share.workload)
                + String(format: "; starts in %.2f s", startsIn)
        case let .refused(runID, reason): return "run       \(runID) refused: \(reason)"
        case let .started(runID): return "run       \(runID) started"
        case let .stopRequested(runID, reason): return "run       \(runID) stopping: \(reason)"
        case let .finished(runID, partial): return "run       \(runID) \(partial ? "stopped, partial" : "done"): result sent"
        case let .failed(runID, reason): return "run       \(runID) failed: \(reason)"
        }
    }
}
