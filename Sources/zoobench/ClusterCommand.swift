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

    @Option(help: "Brokers.") var brokers = 3
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
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func validate() throws {
        if let bootstrapFile { try OutputDestination.checkFile(bootstrapFile, label: "--bootstrap-file") }
    }

    func run() throws {
        let topics = try topic.map { text throws(WorkloadError) in try TopicSpec(parsing: text, brokers: brokers) }
        if let twice = topics.map(\.name).firstRepeated() {
            throw WorkloadError.invalid("--topic: '\(twice)' is given twice; name each topic once")
        }
        let latency = try rtt.map { text throws(WorkloadError) in try DurationText.parse(text, label: "--rtt", atMost: .seconds(3600)) }
        let limit = try serveFor.map { text throws(WorkloadError) in try DurationText.parse(text, label: "--for", positive: true) }
        let cluster = try EmbeddedCluster(brokers: brokers)
        for topic in topics {
            try cluster.createTopic(topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor)
        }
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
        let serving = "serving   \(brokers) brokers" + (topics.isEmpty ? "" : "; topics " + topics.map(\.description).joined(separator: ", "))
            + (latency.map { "; rtt \(DurationText.format($0))" } ?? "") + (limit.map { " for \(DurationText.format($0))" } ?? " until Ctrl-C")
        FileHandle.standardOutput.write(Data("bootstrap \(cluster.bootstrapServers)\n\(serving)\n".utf8))
        // Its metrics: zoobench_info, and zoobench_faults_total for each change --control made.
        let live = try metrics.start(command: "cluster", say: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) })
        defer { live?.finish() }
        let exporter = live?.exporter

        let done = DispatchSemaphore(value: 0)
        let interrupt = Interrupt.install { done.signal() }
        if control {
            // Commands are read from stdin on a thread of their own, until its end or `quit`.
            let session = ClusterControl(cluster: cluster)
            Thread.named("zb-control") {
                // Lines are bounded: a command is a few words, and stdin may be anything (/dev/zero has no newline).
                var lines = LineReader(fd: STDIN_FILENO, longestLine: ClusterControl.longestCommand)
                while let line = try? lines.next() {
                    let answered: (text: String, quit: Bool)?
                    switch line {
                    case .text(let bytes): answered = session.answer(String(decoding: bytes, as: UTF8.self))
                    case .tooLong(let number):
                        answered = ("error line \(number) is longer than \(ClusterControl.longestCommand) bytes; commands are a few words", false)
                    }
                    guard let (answer, quit) = answered else { continue }
                    if answer.hasPrefix("ok ") { exporter?.record(FaultEvent(at: 0, action: answer), run: "cluster") }
                    FileHandle.standardOutput.write(Data((answer + "\n").utf8))
                    if quit {
                        done.signal()
                        return
                    }
                }
            }.start()
        }
        if let limit {
            _ = done.wait(timeout: .now() + DurationText.seconds(limit))
        } else {
            done.wait()
        }
        interrupt.cancel()
        cluster.stop()
    }
}
