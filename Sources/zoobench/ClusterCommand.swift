import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench cluster`: the embedded cluster as a process of its own, for other clients.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Serve the embedded cluster on loopback for other clients (a test fixture, not a Kafka).",
        discussion: """
            Starts librdkafka's mock cluster, creates the --topic topics, prints \
            "bootstrap HOST:PORT,…" and serves until Ctrl-C (or SIGTERM) or --for has \
            passed. kcat, rdkafka_performance, another zoobench or any Kafka client can \
            connect. Like every embedded-cluster run, it does not replicate and keeps only \
            a few MB per partition.

            With --control it reads commands from stdin, one per line, and answers each \
            with one line on stdout, "ok <seconds> <what was done>" or "error <why>":

            \(FaultKind.controlHelpLines.joined(separator: "\n"))

            The end of stdin stops reading, not serving.

            Examples:
              zoobench cluster --topic bench:4 --for 10m --bootstrap-file /tmp/bootstrap
              zoobench cluster --brokers 3 --topic orders:12:3 --rtt 2ms
              zoobench consume --brokers "$(cat /tmp/bootstrap)" --topic bench --until-end
              mkfifo /tmp/ctl; zoobench cluster --topic bench:4 --control < /tmp/ctl &
              exec 3> /tmp/ctl; echo "down 2" >&3; sleep 5; echo "up 2" >&3
            """
    )

    @Option(help: "Brokers. Default 3.") var brokers = 3
    @Option(help: ArgumentHelp("A topic to create, name[:partitions[:replication-factor]] (repeatable).",
                               valueName: "name:partitions:rf"))
    var topic: [String] = []
    @Option(help: ArgumentHelp("Every broker answers this late from the start (0ms by default; --control's rtt changes it).",
                               valueName: "duration"))
    var rtt: String?
    @Option(name: .customLong("for"), help: ArgumentHelp("Serve this long, then exit 0. Default: until Ctrl-C.",
                                                         valueName: "duration"))
    var serveFor: String?
    @Option(help: ArgumentHelp("Also write the bootstrap list to this file (atomically).", valueName: "path"))
    var bootstrapFile: String?
    @Flag(help: "Read fault commands from stdin while serving (see above).") var control = false

    func run() throws {
        var topics: [(name: String, partitions: Int32, replicas: Int32)] = []
        for spec in topic {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 3, let name = parts.first.map(String.init), !name.isEmpty,
                  let partitions = parts.count >= 2 ? Int32(parts[1]) : 1, (1...10_000).contains(partitions),
                  let replicas = parts.count == 3 ? Int32(parts[2]) : 1, replicas >= 1 else {
                throw ValidationError("--topic: '\(spec)' is not name:partitions (e.g. bench:4) or name:partitions:rf (bench:4:3)")
            }
            guard replicas <= Int32(brokers) else {
                throw ValidationError("--topic: '\(spec)' asks for \(replicas) replicas; the cluster has \(brokers) brokers")
            }
            topics.append((name, partitions, replicas))
        }
        let latency = try rtt.map { text -> Duration in
            guard let duration = DurationText.parse(text), duration <= .seconds(3600) else {
                throw ValidationError("--rtt: '\(text)' is not a latency such as 2ms (at most 1h)")
            }
            return duration
        }
        let limit = try serveFor.map { text -> Duration in
            guard let duration = DurationText.parse(text), duration > .zero else {
                throw ValidationError("--for: '\(text)' is not a duration such as 10m")
            }
            return duration
        }
        let cluster = try EmbeddedCluster(brokers: brokers)
        for topic in topics { try cluster.createTopic(topic.name, partitions: topic.partitions, replicationFactor: topic.replicas) }
        if let latency {
            for id in 1...Int32(brokers) { try cluster.setRoundTripTime(broker: id, latency) }
        }
        if let bootstrapFile {
            do {
                try ResultFiles.writeAtomically(Data((cluster.bootstrapServers + "\n").utf8), to: URL(fileURLWithPath: bootstrapFile))
            } catch {
                throw ValidationError("--bootstrap-file: cannot write '\(bootstrapFile)'")
            }
        }
        // Written straight to the descriptor, so a script reading a pipe sees it at once.
        let serving = "serving   \(brokers) brokers" + (topics.isEmpty ? "" : "; topics " + topics.map {
            "\($0.name) (\($0.partitions)" + ($0.replicas > 1 ? ", rf \($0.replicas)" : "") + ")"
        }.joined(separator: ", ")) + (latency.map { "; rtt \(DurationText.format($0))" } ?? "")
            + (limit.map { " for \(DurationText.format($0))" } ?? " until Ctrl-C")
        FileHandle.standardOutput.write(Data("bootstrap \(cluster.bootstrapServers)\n\(serving)\n".utf8))

        let done = DispatchSemaphore(value: 0)
        let interrupt = Interrupt.install { done.signal() }
        if control { Self.serveControl(cluster, started: MonotonicClock.nanoseconds()) { done.signal() } }
        if let limit {
            _ = done.wait(timeout: .now() + .nanoseconds(Int(limit.components.seconds * 1_000_000_000
                + limit.components.attoseconds / 1_000_000_000)))
        } else {
            done.wait()
        }
        interrupt.cancel()
        cluster.stop()
    }

    /// Reads commands from stdin on a thread of its own until its end or `quit`.
    static func serveControl(_ cluster: EmbeddedCluster, started: UInt64, quit: @escaping @Sendable () -> Void) {
        @Sendable func answer(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        let reader = Thread {
            while let line = readLine() {
                let command = line.trimmingCharacters(in: .whitespaces)
                if command.isEmpty || command.hasPrefix("#") { continue }
                switch command {
                case "quit", "exit":
                    answer("ok quitting")
                    quit()
                    return
                case "help":
                    answer("ok commands: " + (FaultKind.controlUsage + ["help", "quit"]).joined(separator: "; "))
                    continue
                default:
                    break
                }
                do throws(WorkloadError) {
                    let done = try ClusterChange(command: command).apply(to: cluster)
                    let seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
                    answer("ok \(NumberText.fixed(seconds, 3)) \(done)")
                } catch {
                    answer("error \(error.description)")
                }
            }
        }
        reader.name = "zoobench-control"
        reader.start()
    }
}
