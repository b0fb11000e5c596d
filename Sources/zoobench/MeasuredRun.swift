import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// One run of a producer workload, alone or end to end, as sweep cells and
/// plan steps make them: faults scheduled, the broker's offsets read before
/// and after, the outcome made a ``RunResult``.
enum MeasuredRun {
    static func run(mode: SweepMode, workload: ProduceWorkload, consume: ConsumeWorkload, target: BenchTarget,
                    environment: RunEnvironment, faults specs: [FaultSpec], stop: StopSignal) throws -> RunResult {
        let before = try? target.admin.endOffsetTotal(topic: workload.topic)
        let schedule = try target.embedded.flatMap { cluster in
            specs.isEmpty ? nil : try FaultSchedule(specs, cluster: cluster)
        }
        switch mode {
        case .produce:
            schedule?.start()
            let outcome = try ProducerSwarm(workload: workload, target: target.uri).run(stop: stop)
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
            let outcome = try run.run(target: target.uri, admin: target.admin, stop: stop, faults: schedule)
            let after = try? target.admin.endOffsetTotal(topic: workload.topic)
            return RunResult(endToEnd: run, outcome: outcome, environment: environment, startedAt: Date(),
                             brokerOffsetGrowth: before.flatMap { b in after.map { $0 - b } })
        }
    }
}
