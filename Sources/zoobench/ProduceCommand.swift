import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench produce`: send records and measure throughput and latency.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Measure producer throughput and latency.",
        discussion: """
            Sends records and waits for every delivery report. Latency is send → \
            acknowledgement per record in an HdrHistogram (3 significant digits); with \
            --throughput each record also has a scheduled send time and the latency from \
            it is reported too (coordinated omission corrected). The delivered count is \
            checked against the growth of the topic's end offsets on the broker.

            Flags override a --workload file; both use the same names and syntax. \
            Results go to results/<time>-<name>.json, .csv and -timeline.csv.

            Examples:
              zoobench produce --acks=-1
              zoobench produce --throughput 50000 --duration 30s --warmup 5s --record-size uniform:100-1000
              zoobench produce --workload omb-workload.yaml --brokers kafka1:9092
              zoobench produce --duration 20s --fault "at=5s broker=1 down for=5s"
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Workload") var producer: ProducerOptions
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        let (workload, notes) = try producer.makeWorkload(target: self.target, interval: output.interval)
        let say = output.say
        notes.forEach { say("workload  " + $0) }

        let target = try BenchTarget(brokers: try self.target.bootstrap(), topic: workload.topic,
                                     partitions: workload.partitions, replicationFactor: workload.replicationFactor,
                                     connectTimeout: workload.connectTimeout)
        TargetLines.describe(target, topic: workload.topic, say: say)
        say("workload  " + Self.describe(workload))

        let quietIntervals = output.quiet || output.json
        let schedule = try MeasuredRun.faultSchedule(workload.faults, topic: workload.topic, target: target, print: !quietIntervals)
        TargetLines.faults(workload.faults, say: say)

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        let before = try? target.admin.endOffsetTotal(topic: workload.topic)
        var fleet = ProducerFleet(workload: workload, target: target.uri)
        fleet.allocationCounter = counter
        schedule?.start()
        let progress = Progress(quiet: quietIntervals, workload: workload)
        let outcome = try fleet.run(stop: stop) { interval in progress.interval(interval) }
        progress.finish()
        schedule?.stop()
        let after = try? target.admin.endOffsetTotal(topic: workload.topic)
        let growth = before.flatMap { b in after.map { $0 - b } }

        let configuration = workload.producerConfiguration(producerIndex: 0)
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, acks: workload.acks,
                                  deliveryTimeout: workload.deliveryTimeout)
        var result = RunResult(workload: workload, outcome: outcome,
                               environment: .current(target: target, producerConfiguration: configuration),
                               startedAt: startedAt, brokerOffsetGrowth: growth)
        if let schedule, !schedule.events.isEmpty { result.faults = schedule.events }
        try output.finish(result) {
            (result.summary.map(ProduceSummary.perfTestLine) ?? "") + "\n" + ProduceSummary.table(result)
        }
        if outcome.partial { throw Interrupt.exit }
        try allocations.check(result)
        if outcome.failed > 0 || outcome.undelivered > 0 {
            throw KafkaError.deliveryFailed(
                count: outcome.failed + outcome.undelivered,
                reason: (outcome.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                    + (outcome.undelivered > 0 ? ["\(outcome.undelivered) never reported"] : []))
                    .joined(separator: ", "))
        }
    }

    static func describe(_ w: ProduceWorkload) -> String { ProduceSummary.describe(w) }
}
