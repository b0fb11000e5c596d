import ArgumentParser
import ZooBench
import ZooPipe
import ZooReport

/// zoobench's exit codes (DESIGN.md, principle 6).
enum ExitStatus: Int32 {
    case ok = 0
    /// The run failed (delivery failures, timeouts, anything unexpected).
    case failure = 1
    /// Bad input: flag, URI, file, missing topic.
    case usage = 2
    /// The cluster cannot be reached.
    case connection = 3
    /// `compare` found a regression.
    case regression = 4
    /// `--require-zero-copy`: the run allocated more than the zero-copy budget allows.
    case zeroCopy = 5
    /// `swarm`: too few workers answered, or a worker was lost, refused or failed (result written, marked degraded).
    case swarm = 6

    /// The exit code and one-line message for `error`.
    static func classify(_ error: any Error) -> (ExitStatus, String) {
        let text = String(describing: error)
        switch error {
        case let error as KafkaError:
            switch error {
            case .invalidURI, .invalidConfiguration, .topicNotFound: return (.usage, text)
            case .connectionFailed, .incompatibleBroker: return (.connection, text)
            case .deliveryFailed, .timeout, .librdkafka: return (.failure, text)
            }
        case let error as FileAdapterError:
            if case .unwritable = error { return (.failure, text) }
            return (.usage, text)
        case let error as ResultFileError:
            if case .badDestination = error { return (.usage, text) }
            return (.failure, text)
        case is WorkloadError, is CompareError, is ReportError:
            return (.usage, text)
        case let error as SwarmError:
            if case .tooFewWorkers = error { return (.swarm, text) }
            return (.failure, text)
        case is SwarmDegraded:
            return (.swarm, text)
        case let error as ValidationError:
            return (.usage, error.message)
        default:
            return (.failure, text)
        }
    }
}
