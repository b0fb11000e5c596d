import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// How the coordinator runs the swarm.
struct SwarmOptions: ParsableArguments {
    /// Why a swarm coordinator refuses --metrics-port: the figures are measured on its workers.
    static let metricsOnWorkers = "--metrics-port: a swarm's figures are measured on its workers; give --metrics-port to each 'zoobench worker'"

    @Option(help: ArgumentHelp("Workers the run needs.", valueName: "n")) var workers: Int
    @Option(help: ArgumentHelp("How long to wait for them. Default 30s.", valueName: "duration")) var wait: DurationArgument?
    @Option(help: ArgumentHelp("Start the run this long after publishing it. Default 3s.", valueName: "duration"))
    var startDelay: DurationArgument?
    @Option(help: ArgumentHelp("A worker silent this long is lost. Default 5s.", valueName: "duration"))
    var heartbeatTimeout: DurationArgument?
    @OptionGroup(title: "Swarm topics") var swarmTopics: SwarmTopicOptions
    @Option(name: .customLong("swarm-props"), parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka properties for the coordinator's clients of the swarm topics (security …).",
                               valueName: "key=value"))
    var swarmProperties: [PropertyArgument] = []

    /// The settings of a session against `brokers`.
    func settings(brokers: String, connectTimeout: Duration) -> SwarmSettings {
        let properties = Dictionary(swarmProperties.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        SecretValues.remember(properties.map { ($0.key, $0.value) })
        var settings = SwarmSettings(workers: workers, topics: swarmTopics.topics(brokers: brokers, properties: properties,
                                                                                    connectTimeout: connectTimeout))
        if let wait { settings.wait = wait.duration }
        if let startDelay { settings.startDelay = startDelay.duration }
        if let heartbeatTimeout { settings.heartbeatTimeout = heartbeatTimeout.duration }
        return settings
    }

    /// The bootstrap list a swarm needs (no embedded cluster: workers elsewhere must reach it).
    static func brokers(_ target: TargetOptions) throws -> String {
        guard let brokers = try target.bootstrap() else {
            throw ValidationError("swarm needs --brokers (or --uri): every worker must reach the same cluster "
                                  + "('zoobench cluster' serves one on this machine)")
        }
        return brokers
    }

    /// A session that prints what it sees (unless `silent`), merged intervals going to `progress`.
    func session(brokers: String, connectTimeout: Duration, silent: Bool, progress: ProgressView) throws -> SwarmSession {
        try SwarmSession(settings: settings(brokers: brokers, connectTimeout: connectTimeout)) { event in
            if case .worker(.interval(let interval)) = event { return progress.interval(interval) }
            if !silent, let line = EventText.swarm(event) { printNow(line, clearingStatus: true) }
        }
    }

    func validate() throws {
        if !(1...10_000).contains(workers) { throw ValidationError("--workers must be 1 to 10000, not \(workers)") }
        if let wait, wait.duration <= .zero || wait.duration > .seconds(86_400) {
            throw ValidationError("--wait must be above 0 and at most 24h")
        }
        if let startDelay, startDelay.duration < .milliseconds(500) || startDelay.duration > .seconds(600) {
            throw ValidationError("--start-delay must be 500ms to 10m")
        }
        if let heartbeatTimeout, heartbeatTimeout.duration < .seconds(2) || heartbeatTimeout.duration > .seconds(600) {
            throw ValidationError("--heartbeat-timeout must be 2s to 10m (workers beat every second)")
        }
    }
}

/// Where a swarm talks: the control and results topics, shared by `worker` and `swarm`.
struct SwarmTopicOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The topic of heartbeats, pings, run specs and stops.", valueName: "topic"))
    var controlTopic = SwarmTopics.defaultControl
    @Option(help: ArgumentHelp("The topic of the workers' intervals and results.", valueName: "topic"))
    var resultsTopic = SwarmTopics.defaultResults

    func validate() throws {
        for name in [controlTopic, resultsTopic] {
            do {
                try KafkaURI.validateTopic(name)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if controlTopic == resultsTopic { throw ValidationError("--control-topic and --results-topic must differ") }
    }

    func topics(brokers: String, properties: [String: String], connectTimeout: Duration) -> SwarmTopics {
        var topics = SwarmTopics(brokers: brokers)
        topics.control = controlTopic
        topics.results = resultsTopic
        topics.properties = properties
        topics.connectTimeout = connectTimeout
        return topics
    }
}
