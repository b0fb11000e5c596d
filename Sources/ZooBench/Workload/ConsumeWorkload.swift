import Foundation
import ZooPipe

/// What a `consume` run (or the consuming half of an `e2e` run) does: which
/// consumers, in which groups, from where, and when to stop.
///
/// Encoded with the CLI's flag names as keys and the CLI's value syntax, like
/// ``ProduceWorkload``.
public struct ConsumeWorkload: Sendable, Hashable {
    /// A name for the run, used in result file names. Default `consume`.
    public var name = "consume"
    /// Topic consumed. Default `zoobench`.
    public var topic = "zoobench"
    /// Consumers per group (or simple consumers), each its own librdkafka
    /// handle on its own thread. Default 1.
    public var consumers = 1
    /// The consumer group; nil generates `zoobench-<random>`. Ignored with
    /// explicit ``partitions``.
    public var group: String?
    /// Independent consumer groups, each reading the whole topic with
    /// ``consumers`` members. Default 1.
    public var groups = 1
    /// Simple-consumer mode: these partitions, split round-robin over the
    /// consumers, with no group. Nil: group mode.
    public var partitions: [Int32]?
    /// Where to start without a committed offset. Default earliest.
    public var from: StartPosition = .earliest
    /// Stop after this many records (across the fleet, per group).
    public var numRecords: Int?
    /// Stop this long after the warm-up (after the first record without one).
    public var duration: Duration?
    /// Read this long after the first record before measuring: what is read
    /// then is counted, but not in the rates.
    public var warmup: Duration?
    /// Stop at the end of the topic as it was when the run started (high watermarks).
    public var untilEnd = false
    /// A consumer that sees no record for this long is done; when all are,
    /// the run ends. Default 10 s.
    public var idleTimeout: Duration = .seconds(10)
    /// The longest a consumer waits to be assigned partitions. Default 30 s.
    public var joinTimeout: Duration = .seconds(30)
    /// Commit synchronously this often and time each commit (group mode);
    /// nil leaves librdkafka's auto-commit on.
    public var commitInterval: Duration?
    /// Timeline interval. Default 1 s.
    public var interval: Duration = .seconds(1)
    /// How long to wait for the cluster to answer. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// First produce a backlog of about this many value bytes, then measure
    /// how fast it drains. Nil: consume what is there.
    public var backlog: Int?
    /// Value size of backlog records. Default 100 bytes.
    public var backlogRecordSize = 100
    /// Partitions of the topic zoobench creates for a backlog; nil: enough
    /// for about 3 MiB of values each (the embedded cluster keeps 5 MB each).
    public var backlogPartitions: Int32?
    /// librdkafka consumer properties passed verbatim (`-X key=value`); they win.
    public var properties: [String: String] = [:]

    public init() {}

    /// The workload with the default bounds where none is given: with no
    /// record count, duration or end (`until-end`, a backlog) it measures
    /// ``ProduceWorkload/defaultDuration`` after ``ProduceWorkload/defaultWarmup``
    /// (or the warm-up given); the idle timeout still ends it sooner on a short topic.
    public func withDefaultBounds() -> ConsumeWorkload {
        guard numRecords == nil && duration == nil && !untilEnd && backlog == nil else { return self }
        var workload = self
        workload.duration = ProduceWorkload.defaultDuration
        if warmup == nil { workload.warmup = ProduceWorkload.defaultWarmup }
        return workload
    }

    /// Whether consumers join groups (false: simple consumers on explicit partitions).
    public var groupMode: Bool { partitions == nil }

    /// The run's stop conditions in words, for the console.
    public var stopDescription: String {
        var parts: [String] = []
        if let numRecords { parts.append("\(numRecords) records") }
        if let duration {
            parts.append("\(DurationText.format(duration)) after "
                + (warmup.map { "a \(DurationText.format($0)) warm-up" } ?? "the first record"))
        }
        if untilEnd || backlog != nil { parts.append("the end of the topic as it was at the start") }
        parts.append("\(DurationText.format(idleTimeout)) without a record")
        return parts.joined(separator: ", or ")
    }

    /// Checks the numbers make sense and librdkafka accepts every property.
    /// The largest backlog a consume run writes first.
    public static let largestBacklog = 1 << 40
    /// The most partitions a backlog topic is made with. Measured here (debug
    /// build, embedded cluster, 10 MB backlog): 5,000 partitions drained in
    /// 12 s and 148 MB; 10,000 had not finished after 120 s.
    public static let mostBacklogPartitions: Int32 = 5_000

    public func validate() throws(WorkloadError) {
        if consumers < 1 || consumers > 256 { throw .invalid("consumers must be 1 to 256, not \(consumers)") }
        if groups < 1 || groups > 64 { throw .invalid("groups must be 1 to 64, not \(groups)") }
        if let partitions {
            if partitions.isEmpty { throw .invalid("partitions must list at least one partition") }
            if partitions.contains(where: { $0 < 0 }) { throw .invalid("partitions must be 0 or more") }
            if Set(partitions).count != partitions.count { throw .invalid("partitions lists a partition twice") }
            if groups > 1 { throw .invalid("groups needs group mode; it cannot go with explicit partitions") }
            if group != nil { throw .invalid("give group or partitions, not both") }
        }
        if let group, group.isEmpty { throw .invalid("group must not be empty") }
        if let numRecords, numRecords < 1 || numRecords > ProduceWorkload.mostRecords {
            throw .invalid("num-records must be 1 to \(ProduceWorkload.mostRecords), not \(numRecords)")
        }
        if let duration, duration < ProduceWorkload.shortestDuration {
            throw .invalid("duration must be at least \(DurationText.format(ProduceWorkload.shortestDuration)), not \(DurationText.format(duration))")
        }
        if let warmup, warmup < .zero { throw .invalid("warmup must be 0 or more") }
        if let warmup, warmup > ProduceWorkload.longestDuration { throw .invalid("warmup must be at most 30 days") }
        if idleTimeout < .milliseconds(100) { throw .invalid("idle-timeout must be at least 100ms") }
        if joinTimeout < .milliseconds(100) { throw .invalid("join-timeout must be at least 100ms") }
        if let commitInterval, commitInterval < .milliseconds(10) { throw .invalid("commit-interval must be at least 10ms") }
        if commitInterval != nil && !groupMode { throw .invalid("commit-interval needs group mode (no partitions list)") }
        if interval < .milliseconds(10) { throw .invalid("interval must be at least 10ms") }
        if let duration, (duration + (warmup ?? .zero)) / interval > Double(ProduceWorkload.mostIntervals) {
            throw .invalid("\(DurationText.formatBound(duration + (warmup ?? .zero))) of \(DurationText.format(interval)) intervals is more than "
                + "\(ProduceWorkload.mostIntervals) intervals; use a longer interval")
        }
        if consumers * groups > ClientBudget.mostClients {
            throw .invalid("\(consumers) consumers in each of \(groups) groups are \(consumers * groups) clients; at most "
                + "\(ClientBudget.mostClients) in one process (spread them over workers with zoobench swarm)")
        }
        if let backlog, backlog < 1 || backlog > Self.largestBacklog {
            throw .invalid("backlog must be 1 byte to 1 TiB, not \(backlog) bytes")
        }
        if backlogRecordSize < 1 || backlogRecordSize > 10 << 20 {
            throw .invalid("backlog-record-size must be 1 B to 10 MiB, not \(backlogRecordSize)")
        }
        if let backlogPartitions, backlogPartitions < 1 || backlogPartitions > Self.mostBacklogPartitions {
            throw .invalid("backlog-partitions must be 1 to \(Self.mostBacklogPartitions), not \(backlogPartitions)")
        }
        if case .offset(let offset) = from, offset < 0 { throw .invalid("from must be earliest, latest or an offset ≥ 0") }
        if let problem = RunName.problem(name) { throw .invalid(problem) }
        do {
            try KafkaURI.validateTopic(topic)
            try consumerConfiguration().validate(groupID: "zoobench-validate")
        } catch {
            throw .invalid(error.description)
        }
    }

    /// The typed configuration every consumer of the run gets.
    public func consumerConfiguration() -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration()
        configuration.client.clientID = "zoobench"
        configuration.client.connectTimeout = connectTimeout
        // A deeper prefetch than librdkafka's default (100000), as
        // rdkafka_performance uses: the consumer, not the prefetch, is measured.
        // Memory stays bounded by queued.max.messages.kbytes (64 MB by default).
        // A member that vanishes (the embedded cluster can lose one in a
        // rebalance) holds its group up for session.timeout.ms: 6 s (as
        // rdkafka_performance sets, and the brokers' minimum) instead of 45 s.
        configuration.client.properties = ["queued.min.messages": "1000000", "session.timeout.ms": "6000"]
            .merging(properties) { $1 }
        configuration.startPosition = from
        configuration.autoCommit = commitInterval == nil
        return configuration
    }

    /// Group names, one per group: `group` (suffixed `-1`, `-2` … with
    /// several groups) or a generated one.
    public func groupNames(seed: UInt64 = UInt64.random(in: 1...UInt64.max)) -> [String] {
        let base = group ?? "zoobench-\(String(seed, radix: 36))"
        return groups == 1 ? [base] : (1...groups).map { "\(base)-\($0)" }
    }
}
