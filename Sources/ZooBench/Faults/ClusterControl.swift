import Foundation
import ZooPipe

/// The session of `zoobench cluster --control`: one command line in, one
/// answer out (`ok <seconds> <what was done>` or `error <why>`), the
/// commands being the control forms of ``FaultKind/all`` plus `help` and `quit`.
public struct ClusterControl: Sendable {
    public let cluster: EmbeddedCluster
    private let started = MonotonicClock.nanoseconds()

    public init(cluster: EmbeddedCluster) {
        self.cluster = cluster
    }

    /// The answer to `line` and whether to stop reading; nil for a blank line or a `#` comment.
    /// The longest command line read; longer lines are answered with an error and skipped.
    public static let longestCommand = 4096

    public func answer(_ line: String) -> (text: String, quit: Bool)? {
        let command = line.trimmingCharacters(in: .whitespaces)
        switch command {
        case "", _ where command.hasPrefix("#"): return nil
        case "quit", "exit": return ("ok quitting", true)
        case "help": return ("ok commands: " + (FaultKind.controlUsage + ["help", "quit"]).joined(separator: "; "), false)
        default:
            do throws(WorkloadError) {
                let done = try ClusterChange(command: command).apply(to: cluster)
                let seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
                return ("ok \(NumberText.fixed(seconds, 3)) \(done)", false)
            } catch {
                return ("error \(error.description)", false)
            }
        }
    }
}
