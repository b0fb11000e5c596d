import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench swarm`: one benchmark run by many workers, coordinated through the cluster.
struct SwarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Run a benchmark on many 'zoobench worker' processes at once, coordinated through Kafka.",
        discussion: """
            The coordinator waits for --workers live workers on the control topic, \
            measures each one's clock against its own (ping round trips over the topic), \
            splits the workload among them and publishes the run with a start time \
            --start-delay ahead. Workers send their intervals and results to the results \
            topic; the coordinator merges them into one result: counters add up, latency \
            histograms merge exactly, the timeline is aligned by interval. The result is an \
            ordinary run result with a "workers" section, so compare and report read it.

            Totals are split: --producers (at least one per worker), --throughput, \
            --num-records and --warmup-records go to the workers in proportion to their \
            producers; --duration and the record shape apply to each. In e2e each worker \
            produces to and consumes from its own topic (TOPIC.w1, TOPIC.w2 …), so its \
            integrity check sees all its records and latency is timed on one clock.

            A worker that stops heartbeating for --heartbeat-timeout is lost: the run goes \
            on, its interval figures are kept, and the result is marked degraded (exit 6). \
            Fewer workers than --workers within --wait: exit 6. Ctrl-C sends a stop to \
            every worker and saves what they sent, marked partial.

            'swarm sweep' and 'swarm plan' run every cell, probe and step that way.

            Needs --brokers: the workers must reach the same cluster ('zoobench cluster' \
            serves one on this machine). See docs/scale-out.md.

            Examples:
              zoobench swarm produce --workers 4 --brokers kafka1:9092 \\
                --throughput 400000 --duration 60s
              zoobench swarm e2e --workers 8 --brokers kafka1:9092 \\
                --throughput 80000 --duration 2m --acks=all --idempotence
            """,
        subcommands: [SwarmProduceCommand.self, SwarmEndToEndCommand.self, SwarmSweepCommand.self, SwarmPlanCommand.self]
    )
}

struct SwarmProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "A produce run split over the swarm's workers (every produce flag applies).")

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Workload") var producer: ProducerOptions
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let loaded = try ProduceWorkload.load(try producer.request(target: target, output: output))
        try SwarmRun(mode: .produce, workload: loaded.workload, consume: nil, notes: loaded.notes, target: target,
                     options: swarm, output: output).run()
    }
}

struct SwarmEndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "An e2e run split over the swarm's workers, each on its own topic (every e2e flag applies).")

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers") var producer: ProducerOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let (produce, consume, notes) = try EndToEndRun.workloads(
            try producer.request(target: target, output: output, defaultName: "e2e"), consumer: consumer.request())
        try SwarmRun(mode: .e2e, workload: produce, consume: consume, notes: notes, target: target,
                     options: swarm, output: output).run()
    }
}

struct SwarmSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "A sweep whose every cell is a run on the swarm's workers (every sweep flag applies).",
        discussion: """
            The workers are gathered (and their clocks measured) again for each cell, \
            so a worker lost in one cell is missed in the next: the sweep then stops with \
            exit 6, the finished cells saved. A degraded cell is kept and named; the sweep \
            exits 6 at its end.
            """)

    @OptionGroup var sweep: SweepCommand
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions

    func validate() throws {
        if sweep.metrics.metricsPort != nil { throw ValidationError(SwarmOptions.metricsOnWorkers) }
    }

    func run() throws {
        let session = try swarm.session(brokers: try SwarmOptions.brokers(sweep.target),
                                        connectTimeout: try sweep.plan().base.connectTimeout, silent: sweep.output.json,
                                        progress: ProgressView(quiet: true))
        try sweep.execute(targetTopic: { SwarmSession.firstTopic(mode: $0.mode, base: $0.base.topic) },
                          measure: session.measure)
        if !session.problems.isEmpty { throw SwarmDegraded(problems: session.problems) }
    }
}

struct SwarmPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "A capacity plan whose probe and every step is a run on the swarm's workers (every plan flag applies).",
        discussion: """
            For rates one machine cannot send: the probe's unlimited rate and each step's \
            rate are split over the workers. A degraded step is judged as it ran and named; \
            the plan exits 6 at its end. Workers are gathered again for each step.
            """)

    @OptionGroup var plan: PlanCommand
    @OptionGroup(title: "Swarm") var swarm: SwarmOptions

    func validate() throws {
        if plan.metrics.metricsPort != nil { throw ValidationError(SwarmOptions.metricsOnWorkers) }
    }

    func run() throws {
        let session = try swarm.session(brokers: try SwarmOptions.brokers(plan.target), connectTimeout: .seconds(10),
                                        silent: plan.output.json, progress: ProgressView(quiet: true))
        try plan.execute(targetTopic: { SwarmSession.firstTopic(mode: $0, base: $1) }, measure: session.measure)
        if !session.problems.isEmpty { throw SwarmDegraded(problems: session.problems) }
    }
}
