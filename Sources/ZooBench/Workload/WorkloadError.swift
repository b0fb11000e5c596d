import ZooPipe

/// A workload that does not make sense; the message names the setting.
public enum WorkloadError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}
