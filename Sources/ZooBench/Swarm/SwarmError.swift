import Foundation
import ZooPipe

/// Errors of a swarm: what the coordinator or a worker could not do.
public enum SwarmError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer live workers than the run needs answered within the wait.
    case tooFewWorkers(wanted: Int, found: [String], waited: Duration, other: [String])
    /// A message could not be encoded or was too large to send.
    case message(String)

    public var description: String {
        switch self {
        case let .tooFewWorkers(wanted, found, waited, other):
            return "only \(found.count) of \(wanted) workers answered within \(DurationText.format(waited))"
                + (found.isEmpty ? "" : " (\(found.joined(separator: ", ")))")
                + (other.isEmpty ? "" : "; not counted: " + other.joined(separator: "; "))
                + "; start more with 'zoobench worker --brokers …' or lower --workers"
        case let .message(text):
            return text
        }
    }
}
