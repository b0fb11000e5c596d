import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// One run of a producer workload, alone or end to end, as sweep cells and
/// plan steps make them: faults scheduled, the broker's offsets read before
/// and after, the outcome made a ``RunResult``.
enum MeasuredRun {
    static func run(mode: RunMode, workload: ProduceWorkload, consume: ConsumeWorkload, target: BenchTarget,
                    environment: RunEnvironment, stop: StopSignal,
                    onInterval: (@Sendable (IntervalSnapshot) -> Void)? = nil) throws -> RunResult {
        let before = try? target.admin.endOffsetTotal(topic: workload.topic)
        let schedule = try faultSchedule(workload.faults, topic: workload.topic, target: target, print: false)
        switch mode {
        case .produce:
            schedule?.start()
            let outcome = try ProducerFleet(workload: workload, target: target.uri).run(stop: stop, onInterval: onInterval)
            schedule?.stop()
            let after = try? target.admin.endOffsetTotal(topic: workload.topic)
            var result = RunResult(workload: workload, outcome: outcome, environment: environment, startedAt: Date(),
                                   brokerOffsetGrowth: before.flatMap { b in after.map { $0 - b } })
            if let schedule, !schedule.events.isEmpty { result.faults = schedule.events }
            return result
        case .e2e:
            var consume = consume
            consume.topic = workload.topic
            let run = EndToEndRun(produce: workload, consume: consume)
            let outcome = try run.run(target: target.uri, admin: target.admin, stop: stop, faults: schedule,
                                      onProduceInterval: onInterval)
            let after = try? target.admin.endOffsetTotal(topic: workload.topic)
            return RunResult(endToEnd: run, outcome: outcome, environment: environment, startedAt: Date(),
                             brokerOffsetGrowth: before.flatMap { b in after.map { $0 - b } })
        }
    }

    /// Faults on a timeline for the embedded cluster (nil when there are
    /// none); `topic` is the run's, for leader faults that name none. With
    /// `print`, each prints a `fault` line as it happens.
    static func faultSchedule(_ specs: [FaultSpec], topic: String, target: BenchTarget, print: Bool) throws -> FaultSchedule? {
        guard !specs.isEmpty else { return nil }
        guard let cluster = target.embedded else { throw faultsNeedTheEmbeddedCluster }
        return try FaultSchedule(specs, cluster: cluster, topic: topic) { event in
            // On a terminal the line first clears the live status line.
            if print { Swift.print((isatty(STDOUT_FILENO) == 1 ? "\r\u{1B}[2K" : "") + "fault     \(NumberText.fixed(event.at, 2))s  \(event.action)") }
        }
    }

    /// Faults given for a cluster other than the embedded one.
    static let faultsNeedTheEmbeddedCluster = ValidationError("--fault needs the embedded cluster (no --brokers or --uri)")
}
