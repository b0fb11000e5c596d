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
        switch error {
        case let error as KafkaError:
            switch error {
            case .invalidURI, .invalidConfiguration, .topicNotFound:
                return (.usage, error.description)
            case .connectionFailed, .incompatibleBroker:
                return (.connection, error.description)
            case .deliveryFailed, .timeout, .librdkafka:
                return (.failure, error.description)
            }
        case let error as FileAdapterError:
            switch error {
            case .unreadable, .malformed: return (.usage, error.description)
            case .unwritable: return (.failure, error.description)
            }
        case let error as WorkloadError:
            return (.usage, error.description)
        case let error as ResultFileError:
            return (.failure, error.description)
        case let error as CompareError:
            return (.usage, error.description)
        case let error as ReportError:
            return (.usage, error.description)
        case let error as SwarmError:
            switch error {
            case .tooFewWorkers: return (.swarm, error.description)
            case .message: return (.failure, error.description)
            }
        case let error as SwarmDegraded:
            return (.swarm, error.description)
        case let error as ValidationError:
            return (.usage, error.message)
        default:
            return (.failure, String(describing: error))
        }
    }
}
