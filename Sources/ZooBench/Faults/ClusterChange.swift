import ZooPipe

/// One change to a running embedded cluster: a ``FaultKind`` and its
/// arguments. A fault on a timeline makes one (and may undo it); `zoobench
/// cluster --control` reads one per line in the control grammar:
///
///     down 2              broker 2 closes its connections and refuses new ones (all: every broker)
///     up 2                broker 2 serves again
///     rtt 1 50ms          broker 1 delays every response by 50 ms (0ms undoes it)
///     leader bench 0 3    broker 3 leads partition 0 of topic bench
///     error Produce NOT_LEADER_FOR_PARTITION 5
///                         the next 5 Produce requests (to any broker) fail with that error
///     topic bench:4       creates topic bench with 4 partitions
public struct ClusterChange: Sendable, Hashable, CustomStringConvertible {
    /// The kind's name (``FaultKind/name``).
    public let kind: String
    public var arguments: FaultArguments

    /// A change of kind `kind` (one of ``FaultKind/all``).
    public init(_ kind: String, _ arguments: FaultArguments) {
        precondition(FaultKind.named(kind) != nil, "no fault kind '\(kind)'")
        self.kind = kind
        self.arguments = arguments
    }

    /// Parses one control command; the error says what is wrong with it.
    public init(command line: String) throws(WorkloadError) {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        func bad(_ why: String) -> WorkloadError { .invalid("'\(line)': \(why)") }
        guard let verb = words.first else { throw bad("empty command") }
        guard let entry = FaultKind.named(verb) else {
            throw bad("unknown command '\(verb)' (\(FaultKind.controlUsage.joined(separator: "; ")))")
        }
        let slots = entry.control.positional
        let values = Array(words.dropFirst())
        guard (slots.filter { !$0.optional }.count...slots.count).contains(values.count) else {
            throw bad("write it as '\(entry.control.usage)'")
        }
        self.init(verb, try entry.control.read(positional: values, kind: verb, bad: bad))
    }

    /// The kind's entry in the catalog.
    public var entry: FaultKind { FaultKind.named(kind)! }

    /// Makes the change; returns what was done (`broker 2 down`). A broker the
    /// cluster does not have, or a change the cluster refuses, is an error.
    @discardableResult
    public func apply(to cluster: EmbeddedCluster) throws(WorkloadError) -> String {
        try entry.apply(self, cluster)
    }

    /// The control command that parses back to this change.
    public var description: String { entry.control.text(arguments) }
}
