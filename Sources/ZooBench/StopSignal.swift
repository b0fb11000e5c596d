import Synchronization

/// Asks a running benchmark to stop early (Ctrl-C); safe from any thread.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func stop() { flag.store(true, ordering: .relaxed) }

    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}

/// A run stopped (``StopSignal``) before it measured anything worth keeping:
/// while a backlog was made, or before a swarm run began.
public struct RunStopped: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "stopped before measuring" }
}
