import ZooPipe

/// One kind of change to a running embedded cluster (`down`, `rtt` …): its
/// forms in both grammars, what it does, how it is applied and undone. The
/// catalog (``all``) is the only place a kind is described: `--fault`,
/// workload files, `zoobench cluster --control`, the help texts and the docs'
/// tables all read it. A new kind is one entry and its apply function.
public struct FaultKind: Sendable {
    /// The kind's word (`down`).
    public let name: String
    /// What a control command of this kind does, for `cluster --help`.
    public let effect: String
    /// Its form in a timeline spec, after `at=…` (`broker=BROKER down`); nil
    /// when it cannot be scheduled.
    let timeline: FaultTemplate?
    /// Its form as a `cluster --control` command (`down BROKER`).
    let control: FaultTemplate
    /// A timeline spec of this kind and what it does, for help and docs.
    public let example: String?
    public let exampleEffect: String?
    /// The change that ends it after `for=…`; nil when it is not undone.
    let undo: (@Sendable (FaultArguments) -> ClusterChange)?
    /// Makes `change` on `cluster`; returns what was done, in words.
    let apply: @Sendable (_ change: ClusterChange, _ cluster: EmbeddedCluster) throws(WorkloadError) -> String

    init(name: String, effect: String, timeline: String? = nil, control: String, example: String? = nil,
         exampleEffect: String? = nil, undo: (@Sendable (FaultArguments) -> ClusterChange)? = nil,
         apply: @escaping @Sendable (_ change: ClusterChange, _ cluster: EmbeddedCluster) throws(WorkloadError) -> String) {
        self.name = name
        self.effect = effect
        self.timeline = timeline.map(FaultTemplate.init)
        self.control = FaultTemplate(control)
        self.example = example
        self.exampleEffect = exampleEffect
        self.undo = undo
        self.apply = apply
    }

    /// Whether a timeline spec of this kind takes `for=…`.
    public var lasts: Bool { undo != nil }

    /// The kind called `name`.
    public static func named(_ name: String) -> FaultKind? { all.first { $0.name == name } }

    /// The kinds a timeline spec may name.
    public static var scheduled: [FaultKind] { all.filter { $0.timeline != nil } }

    /// `down BROKER|all`, … : every control command's usage.
    public static var controlUsage: [String] { all.map(\.control.usage) }

    /// The keys a timeline spec may use: `at`, `for` and every named value.
    static var timelineKeys: [String] {
        var keys = ["at", "for"]
        for kind in scheduled {
            for case let .named(key, _, _) in kind.timeline?.words ?? [] where !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// `down, rtt, leader or error`.
    static var scheduledNames: String { FieldText.either(scheduled.map(\.name)) }

    // MARK: Helpers of the apply functions

    /// The brokers `id` names (0: every broker), checked against the cluster.
    static func brokers(_ id: Int32, in cluster: EmbeddedCluster) throws(WorkloadError) -> [Int32] {
        guard id <= Int32(cluster.brokerCount) else {
            throw .invalid("broker \(id): the embedded cluster has brokers 1 to \(cluster.brokerCount)")
        }
        return id == 0 ? Array(1...Int32(cluster.brokerCount)) : [id]
    }

    /// Makes a change on each broker the change names (`broker=all`: every
    /// one); returns `broker 2 <done>` or `every broker <done>`.
    static func eachBroker(_ change: ClusterChange, _ cluster: EmbeddedCluster, _ done: String,
                           _ body: (Int32) throws(KafkaError) -> Void) throws(WorkloadError) -> String {
        let id = change.arguments.broker ?? 0
        for broker in try brokers(id, in: cluster) {
            try attempt(change) { () throws(KafkaError) in try body(broker) }
        }
        return (id == 0 ? "every broker " : "broker \(id) ") + done
    }

    /// Runs a cluster call; its error names the change.
    static func attempt(_ change: ClusterChange, _ body: () throws(KafkaError) -> Void) throws(WorkloadError) {
        do { try body() } catch { throw .invalid("\(change): \(error.description)") }
    }
}
