import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// The coordinator's run of `swarm produce` and `swarm e2e`: the engine's
/// ``SwarmSession`` does the work; this prints and saves.
struct SwarmRun {
    var mode: RunMode
    var workload: ProduceWorkload
    var consume: ConsumeWorkload?
    var notes: [String]
    var target: TargetOptions
    var options: SwarmOptions
    var output: OutputOptions

    func run() throws {
        let startedAt = Date()
        let brokers = try SwarmOptions.brokers(target)
        let silent = output.json
        let say: (String) -> Void = { line in if !silent { printNow(line) } }
        notes.forEach { say("workload  " + $0) }

        // e2e workers have topics of their own (TOPIC.w1 …); the base topic is not used.
        let firstTopic = SwarmSession.firstTopic(mode: mode, base: workload.topic)
        try SwarmSession.check(workload)
        let target = try BenchTarget(brokers: brokers, for: workload, topic: firstTopic)
        EventText.target(target, topic: firstTopic).forEach(say)
        let secrets = SwarmSession.secrets(workload, consume)
        if !secrets.isEmpty, let line = EventText.swarm(.secretsLeftBehind(secrets)) { say(line) }
        let progress = ProgressView(quiet: output.quiet || output.json, workload: workload)
        let session = try options.session(brokers: brokers, connectTimeout: workload.connectTimeout, silent: silent,
                                          progress: progress)
        var stopped = false
        let result = try Interrupt.during { stop in
            defer { stopped = stop.isStopped }
            return try session.run(mode: mode, workload: workload, consume: consume, target: target, stop: stop,
                                   startedAt: startedAt)
        }
        progress.finish()
        try output.finish(result) {
            (mode == .e2e ? EndToEndSummary.text(result) : ProduceSummary.table(result)) + "\n" + SwarmSummary.text(result)
        }
        if stopped { throw Interrupt.exit }
        if let figures = result.workers, figures.degraded { throw SwarmDegraded(problems: figures.problems) }
        try result.check()
    }
}
