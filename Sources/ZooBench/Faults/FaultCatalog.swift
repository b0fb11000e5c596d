import Foundation
import ZooPipe

extension FaultKind {
    /// Every kind, in the order help and docs list them.
    public static let all: [FaultKind] = [
        FaultKind(
            name: "down", effect: "the broker drops its connections and refuses new ones",
            timeline: "broker=BROKER down", control: "down BROKER",
            example: "at=2s broker=1 down for=2s",
            exampleEffect: "broker 1 closes its connections and refuses new ones, then comes back (`broker=all`: every broker)",
            undo: { ClusterChange("up", $0) },
            apply: { change, cluster throws(WorkloadError) in
                try FaultKind.eachBroker(change, cluster, "down") { (broker: Int32) throws(KafkaError) in try cluster.setBrokerDown(broker) }
            }),
        FaultKind(
            name: "up", effect: "it serves again", control: "up BROKER",
            apply: { change, cluster throws(WorkloadError) in
                try FaultKind.eachBroker(change, cluster, "up") { (broker: Int32) throws(KafkaError) in try cluster.setBrokerUp(broker) }
            }),
        FaultKind(
            name: "rtt", effect: "every response of the broker waits this long (0ms: on time again)",
            timeline: "rtt broker=BROKER LATENCY", control: "rtt BROKER LATENCY",
            example: "at=1s rtt broker=2 50ms for=5s",
            exampleEffect: "every response of broker 2 is 50 ms late, then on time again",
            undo: { arguments in
                var undone = arguments
                undone.latency = .zero
                return ClusterChange("rtt", undone)
            },
            apply: { change, cluster throws(WorkloadError) in
                let latency = change.arguments.latency ?? .zero
                return try FaultKind.eachBroker(change, cluster, "rtt \(latency == .zero ? "0ms" : DurationText.format(latency))") {
                    (broker: Int32) throws(KafkaError) in try cluster.setRoundTripTime(broker: broker, latency)
                }
            }),
        FaultKind(
            name: "leader", effect: "the broker becomes the partition's leader",
            timeline: "leader [topic=TOPIC] partition=PARTITION to=LEADER", control: "leader TOPIC PARTITION LEADER",
            example: "at=3s leader partition=0 to=3",
            exampleEffect: "broker 3 becomes the leader of partition 0 of the run's topic (`topic=…` for another); "
                + "a move is not undone: schedule a second one to move it back",
            apply: { change, cluster throws(WorkloadError) in
                let a = change.arguments
                guard let topic = a.topic, let partition = a.partition, let leader = a.leader else {
                    throw .invalid("\(change): it needs a topic, a partition and a leader")
                }
                _ = try FaultKind.brokers(leader, in: cluster)
                try FaultKind.attempt(change) { () throws(KafkaError) in try cluster.moveLeader(topic: topic, partition: partition, to: leader) }
                return "leader of \(topic) partition \(partition) moved to broker \(leader)"
            }),
        FaultKind(
            name: "error", effect: "the next COUNT API requests (to any broker) fail with CODE",
            timeline: "error api=API code=CODE [count=COUNT]", control: "error API CODE [COUNT]",
            example: "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5",
            exampleEffect: "the next 5 Produce requests, to any broker, fail with that error (any API and error name Kafka has)",
            apply: { change, cluster throws(WorkloadError) in
                let a = change.arguments
                guard let api = a.api, let code = a.code else { throw .invalid("\(change): it needs an API and an error code") }
                let count = a.count ?? 1
                cluster.injectErrors(api: api, error: code, count: count)
                return "next \(count) \(api.name) request(s) fail with \(code)"
            }),
        FaultKind(
            name: "topic", effect: "creates a topic", control: "topic NEWTOPIC",
            apply: { change, cluster throws(WorkloadError) in
                guard let name = change.arguments.newTopic else { throw .invalid("\(change): it needs a topic name") }
                let partitions = change.arguments.newTopicPartitions ?? 1
                try FaultKind.attempt(change) { () throws(KafkaError) in try cluster.createTopic(name, partitions: partitions) }
                return "topic \(name) created (\(partitions) partitions)"
            }),
    ]

    // MARK: Help and docs, from the entries above

    /// The examples of `--fault`'s help: `'at=2s broker=1 down for=2s', …`.
    public static var examples: String {
        scheduled.compactMap(\.example).map { "'\($0)'" }.joined(separator: ", ")
    }

    /// `--fault`'s help, for a run whose timeline starts at `start` (`sending`, `reading`).
    public static func flagHelp(timedFrom start: String, replacingWorkloadFile: Bool = false) -> String {
        "A fault for the embedded cluster, timed from the start of \(start) (repeatable"
            + (replacingWorkloadFile ? "; replaces a workload file's" : "") + "): " + examples
            + "; 'topic=…' moves another topic's leader. See docs/reliability.md."
    }

    /// The control commands, usage and effect in columns (the effect folded
    /// to fit 80 columns), for `cluster --help`.
    public static var controlHelpLines: [String] {
        let column = 29
        func rows(_ usage: String, _ effect: String) -> [String] {
            var lines: [String] = []
            var line = ""
            for word in effect.split(separator: " ") {
                if !line.isEmpty && column + line.count + 1 + word.count > 80 {
                    lines.append(line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(line)
            let pad = String(repeating: " ", count: column)
            var first = "  " + usage
            if first.count < column - 1 {
                first += String(repeating: " ", count: column - first.count) + lines.removeFirst()
            }
            return [first] + lines.map { pad + $0 }
        }
        return all.flatMap { rows($0.control.usage, $0.effect) }
            + rows("help", "lists these;  quit  stops serving (exit 0)")
    }

    /// The timeline specs as a Markdown table (docs/reliability.md holds it; a test keeps the two the same).
    public static var timelineMarkdown: String {
        (["| spec | what happens |", "| --- | --- |"]
            + scheduled.compactMap { kind in
                kind.example.map { "| `\($0)` | \(kind.exampleEffect ?? kind.effect) |" }
            }).joined(separator: "\n")
    }

    /// The control commands as a Markdown table (docs/reliability.md holds it too).
    public static var controlMarkdown: String {
        (["| command | what it does |", "| --- | --- |"]
            + all.map { "| `\($0.control.usage.replacingOccurrences(of: "|", with: "\\|"))` | \($0.effect) |" })
            .joined(separator: "\n")
    }
}
