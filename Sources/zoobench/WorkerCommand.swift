import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench worker`: one member of a swarm, waiting for runs on the control topic.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Join a swarm: wait for runs from 'zoobench swarm' and run this machine's share.",
        discussion: """
            Heartbeats go to the control topic (__zoobench_control) every second with \
            this worker's id, host, cores and version. When a coordinator ('zoobench \
            swarm') publishes a run that names this worker, it starts its share at the \
            run's start time (corrected by the clock offset the coordinator measured), \
            sends every interval and its final result to the results topic \
            (__zoobench_results), and waits for the next run.

            A run that arrives after its start time, or while another runs, is refused. \
            A stop from the coordinator ends the share early; its result is sent, marked \
            partial. Ctrl-C does the same, then exits 130.

            Secrets stay here: the run spec carries none, and -X properties given to the \
            worker (TLS, SASL …) apply to all its clients, the run's included.

            Examples:
              zoobench worker --brokers kafka1:9092
              zoobench worker --brokers kafka1:9093 --worker-id "$(hostname)" \\
                -X security.protocol=SASL_SSL sasl.mechanism=PLAIN \\
                  sasl.username=bench sasl.password="$PW"
            """
    )

    @Option(help: ArgumentHelp("Bootstrap brokers of the cluster the swarm uses.", valueName: "host:port,…"))
    var brokers: String
    @Option(help: ArgumentHelp("This worker's id. Default HOST-PID.", valueName: "id")) var workerId: String?
    @OptionGroup(title: "Swarm topics") var swarmTopics: SwarmTopicOptions
    @Option(name: [.customShort("X"), .customLong("props")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties for every client of this worker (security …).", valueName: "key=value"))
    var properties: [PropertyArgument] = []
    @Option(name: .customLong("swarm-props"), parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties for the swarm topics' clients only, after -X (fetch.wait.max.ms …).",
                               valueName: "key=value"))
    var swarmProperties: [PropertyArgument] = []
    @Option(help: ArgumentHelp("How often to send a heartbeat. Default 1s.", valueName: "duration"))
    var heartbeat: DurationArgument?
    @Option(help: ArgumentHelp("Exit after this many runs. Default: serve until Ctrl-C.", valueName: "n"))
    var runs: Int?
    @Option(help: ArgumentHelp("How long to wait for the cluster. Default 10s.", valueName: "duration"))
    var connectTimeout: DurationArgument?
    @OptionGroup(title: "Live metrics") var metrics: MetricsOptions

    func validate() throws {
        if brokers.isEmpty { throw ValidationError("--brokers is empty") }
        if let workerId {
            if workerId.isEmpty || workerId.count > 100 || workerId.contains(where: { $0.isWhitespace || $0.isNewline }) {
                throw ValidationError("--worker-id must be 1 to 100 characters without spaces")
            }
        }
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1") }
        if let heartbeat, heartbeat.duration < .milliseconds(100) || heartbeat.duration > .seconds(60) {
            throw ValidationError("--heartbeat must be 100ms to 60s")
        }
        if let connectTimeout, connectTimeout.duration <= .zero { throw ValidationError("--connect-timeout must be above 0") }
        _ = try KafkaURI("kafka://\(brokers)/\(swarmTopics.controlTopic)")
    }

    func run() throws {
        let local = Dictionary(properties.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        SecretValues.remember(local.map { ($0.key, $0.value) })
        let linkProperties = local.merging(swarmProperties.map { ($0.key, $0.value) }) { $1 }
        SecretValues.remember(linkProperties.map { ($0.key, $0.value) })
        let topics = swarmTopics.topics(brokers: brokers, properties: linkProperties,
                                        connectTimeout: connectTimeout?.duration ?? .seconds(10))
        let info = SwarmWorkerInfo.current(id: workerId ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        let worker = SwarmWorker(link: try SwarmLink(topics, readResults: false), info: info)
        if let heartbeat { worker.heartbeat = heartbeat.duration }
        printNow("worker    \(info.id) on \(info.host) (\(info.cores) cores), zoobench \(info.zoobenchVersion), librdkafka \(info.librdkafkaVersion)")
        printNow("swarm     waiting for runs on \(topics.control) at \(brokers) (heartbeat every "
              + "\(DurationText.format(worker.heartbeat)))")
        worker.onEvent = { printNow(EventText.served($0)) }
        // One endpoint for the worker's life; each run's series carry its name.
        let live = try metrics.start(command: "worker", worker: info.id, say: { printNow($0) })
        defer { live?.finish() }

        let brokers = self.brokers, exporter = live?.exporter
        var stopped = false
        try Interrupt.during { stop in
            try worker.serve(runs: runs, stop: stop) { spec, share, runStop, onInterval in
                let name = share.workload.name
                let produced: @Sendable (IntervalSnapshot) -> Void = { onInterval($0); exporter?.record($0, run: name) }
                let consumed: @Sendable (ConsumeIntervalSnapshot) -> Void = { exporter?.record($0, run: name, endToEnd: true) }
                return try SwarmShareRun.run(spec, share: share, brokers: brokers, local: local, stop: runStop,
                                             onInterval: produced, onConsumeInterval: consumed)
            }
            stopped = stop.isStopped
        }
        if stopped { throw Interrupt.exit }
    }
}
