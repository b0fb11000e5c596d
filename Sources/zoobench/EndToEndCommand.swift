import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench e2e`: producers and consumers together; send → consume latency and integrity.
struct EndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Measure send → consume latency and check that every record arrives once, in order.",
        discussion: """
            Consumers join first and start at the topic's current end; then producers \
            send (every produce flag applies). Each record carries a 32-byte zb.seq header: \
            run id, producer, sequence number, and the intended and actual send times. \
            Consumers record send → consume latency in HdrHistogram, raw and (with \
            --throughput) from the intended send time. When the producers are done, \
            consumers read up to the ends the producers left, then the stamps are checked:

              integrity: N acknowledged, N consumed, 0 lost, 0 duplicated, 0 reordered

            lost = acknowledged but never consumed; duplicated = consumed more than once \
            (in one group); reordered = consumed after a later record of the same producer \
            in the same partition. With acks=all and idempotence all three should be 0; \
            with acks=0 losses are possible and are reported. A result that is not clean \
            exits 1.

            Clocks: send and consume times come from this process's clock, so the latency \
            is exact here; consumers on other hosts would add their clock skew.

            Examples:
              zoobench e2e --throughput 20000 --duration 30s --acks=all --idempotence
              zoobench e2e --brokers kafka1:9092 --consumers 3 --groups 2 --compression lz4
            """
    )

    @OptionGroup(title: "Target") var target: TargetOptions
    @OptionGroup(title: "Producers") var producer: ProducerOptions
    @OptionGroup(title: "Consumers") var consumer: ConsumerOptions
    @Option(help: ArgumentHelp("Simple consumers of these partitions instead of a group.", valueName: "0,1,…"))
    var assign: String?
    @Flag(help: "Skip the integrity check (loss, duplicates, order).") var noVerify = false
    @OptionGroup(title: "Allocations") var allocations: AllocationOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        let startedAt = Date()
        let counter = try allocations.counter()  // may run zoobench again with the interposer preloaded
        var (produce, consume, notes) = try Self.workloads(producer: producer, consumer: consumer, assign: assign,
                                                           target: target, interval: output.interval)
        let say = output.say
        notes.forEach { say("workload  " + $0) }

        let target = try BenchTarget(brokers: try self.target.bootstrap(), topic: produce.topic,
                                     partitions: produce.partitions, replicationFactor: produce.replicationFactor,
                                     connectTimeout: produce.connectTimeout)
        TargetLines.describe(target, topic: produce.topic, say: say)
        TargetLines.adaptToEmbedded(&consume, target: target, say: say)
        say("producers " + ProduceCommand.describe(produce))
        say("consumers " + ConsumeCommand.describe(consume).replacingOccurrences(of: "from earliest, until ", with: "from the current end, until the producers' last record, or "))
        say("clock     " + endToEndClockNote)

        let schedule = try MeasuredRun.faultSchedule(produce.faults, topic: produce.topic, target: target, print: !(output.quiet || output.json))
        TargetLines.faults(produce.faults, say: say)

        let stop = StopSignal()
        let interrupt = Interrupt.install { stop.stop() }
        defer { interrupt.cancel() }
        let before = try? target.admin.endOffsetTotal(topic: produce.topic)
        let quietIntervals = output.quiet || output.json
        let progress = Progress(quiet: quietIntervals, workload: produce)
        var run = EndToEndRun(produce: produce, consume: consume, verify: !noVerify)
        run.allocationCounter = counter
        let outcome = try run.run(
            target: target.uri, admin: target.admin, stop: stop, faults: schedule,
            onProduceInterval: { interval in progress.interval(interval, prefix: "produce ") },
            onConsumeInterval: { interval in progress.consumeInterval(interval, endToEnd: true, prefix: "consume ") })
        progress.finish()
        let after = try? target.admin.endOffsetTotal(topic: produce.topic)
        let growth = before.flatMap { b in after.map { $0 - b } }

        let producerConfiguration = produce.producerConfiguration(producerIndex: 0)
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, acks: produce.acks,
                                  deliveryTimeout: produce.deliveryTimeout)
        let consumerConfiguration = consume.consumerConfiguration()
            .librdkafkaProperties(bootstrap: target.uri.bootstrapServers, groupID: consume.groupMode ? "(generated)" : nil)
        let result = RunResult(endToEnd: run, outcome: outcome,
                               environment: .current(target: target, producerConfiguration: producerConfiguration,
                                                     consumerConfiguration: consumerConfiguration,
                                                     clockNote: endToEndClockNote),
                               startedAt: startedAt, brokerOffsetGrowth: growth)
        try output.finish(result) { EndToEndSummary.text(result) }
        if result.partial { throw Interrupt.exit }
        try allocations.check(result)
        let produced = outcome.produce
        if produced.failed > 0 || produced.undelivered > 0 {
            throw KafkaError.deliveryFailed(
                count: produced.failed + produced.undelivered,
                reason: produced.failuresByError.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                    .joined(separator: ", "))
        }
        if let bad = outcome.integrity.first(where: { !$0.clean }) {
            throw IntegrityFailure(report: bad)
        }
    }

    /// The producer and consumer workloads from the flags (and a workload
    /// file), with notes on what an OMB file's fields became.
    static func workloads(producer: ProducerOptions, consumer: ConsumerOptions, assign: String?, target: TargetOptions,
                          interval: String?, defaultName: String = "e2e") throws -> (ProduceWorkload, ConsumeWorkload, [String]) {
        let loaded = try producer.load(target: target, interval: interval, defaultName: defaultName)
        let produce = loaded.workload
        // e2e uses the consumer fields an OMB file has; the rest stay unused.
        var notes = loaded.notes.compactMap { note -> String? in
            guard note.hasPrefix("not used by produce: ") else { return note }
            let rest = note.dropFirst("not used by produce: ".count).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0 != "subscriptionsPerTopic" && $0 != "consumerPerSubscription" }
            return rest.isEmpty ? nil : "not used by e2e: " + rest.joined(separator: ", ")
        }
        var consume = ConsumeWorkload()
        // An OMB workload's subscriptions are consumer groups, its consumers per
        // subscription the members of each (flags given win).
        if let groups = loaded.consumerGroups, consumer.groups == nil, assign == nil {
            consume.groups = max(1, groups)
            notes.append("OMB subscriptionsPerTopic \(groups) → \(consume.groups) consumer group(s)")
        }
        if let members = loaded.consumersPerGroup, consumer.consumers == nil {
            consume.consumers = max(1, members)
            notes.append("OMB consumerPerSubscription \(members) → \(consume.consumers) consumer(s) per group")
        }
        consume.name = produce.name
        consume.topic = produce.topic
        consume.interval = produce.interval
        consume.connectTimeout = produce.connectTimeout
        try consumer.apply(to: &consume, extra: [("partitions", assign)])
        try consume.validate()
        return (produce, consume, notes)
    }
}

/// An e2e run whose integrity check found lost, duplicated or reordered records.
struct IntegrityFailure: Error, CustomStringConvertible {
    var report: IntegrityReport
    var description: String {
        report.verdict + (report.group.map { " (group \($0))" } ?? "")
    }
}
