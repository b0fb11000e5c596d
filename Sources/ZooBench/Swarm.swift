import Foundation
import ZooPipe

// A swarm is many zoobench workers acting as one benchmark, coordinated
// through the cluster under test: a control topic carries heartbeats, clock
// pings, run specs and stops; a results topic carries each worker's interval
// snapshots and its final result. Every record is one `SwarmMessage` as JSON,
// keyed by its sender so that one sender's records stay in order.

/// Who a worker is, as its heartbeats say.
public struct SwarmWorkerInfo: Sendable, Codable, Hashable {
    public var id: String
    public var host: String
    public var cores: Int
    public var zoobenchVersion: String
    public var librdkafkaVersion: String
    public var pid: Int32

    public init(id: String, host: String, cores: Int, zoobenchVersion: String, librdkafkaVersion: String, pid: Int32) {
        self.id = id
        self.host = host
        self.cores = cores
        self.zoobenchVersion = zoobenchVersion
        self.librdkafkaVersion = librdkafkaVersion
        self.pid = pid
    }

    /// This process as a worker called `id`.
    public static func current(id: String) -> SwarmWorkerInfo {
        let info = ProcessInfo.processInfo
        return SwarmWorkerInfo(id: id, host: info.hostName, cores: info.activeProcessorCount,
                               zoobenchVersion: ZooBenchVersion.current, librdkafkaVersion: KafkaVersion.librdkafka,
                               pid: info.processIdentifier)
    }
}

/// One worker's part of a swarm run: a complete workload of its own.
public struct SwarmShare: Sendable, Codable {
    /// The worker's id.
    public var worker: String
    /// 1 for the first worker of the run.
    public var index: Int
    /// The worker's clock minus the coordinator's, in seconds, as measured
    /// before the run: the worker adds it to the start time.
    public var clockOffset: Double
    /// What this worker produces (its producers, rate and record count).
    public var workload: ProduceWorkload
    /// What this worker consumes (e2e).
    public var consume: ConsumeWorkload?
}

/// A run as the coordinator publishes it. Holds no secret: properties that
/// carry one are dropped, and each worker adds its own (`worker -X`).
public struct SwarmRunSpec: Sendable, Codable {
    public var runID: String
    public var mode: RunMode
    /// When sending starts, on the coordinator's clock (seconds since 1970).
    public var startAt: Double
    /// The whole run's workload, as the coordinator was given it.
    public var workload: ProduceWorkload
    public var shares: [SwarmShare]

    public init(runID: String, mode: RunMode, startAt: Double, workload: ProduceWorkload, shares: [SwarmShare]) {
        self.runID = runID
        self.mode = mode
        self.startAt = startAt
        self.workload = workload
        self.shares = shares
    }

    /// The share of worker `id`, if it has one.
    public func share(of id: String) -> SwarmShare? { shares.first { $0.worker == id } }
}

/// A worker's running totals, carried by its heartbeats during a run.
public struct SwarmProgress: Sendable, Codable, Hashable {
    public var sent: Int
    public var delivered: Int
    public var errors: Int
    /// Intervals closed so far.
    public var intervals: Int

    public init(sent: Int = 0, delivered: Int = 0, errors: Int = 0, intervals: Int = 0) {
        self.sent = sent
        self.delivered = delivered
        self.errors = errors
        self.intervals = intervals
    }

    mutating func add(_ interval: IntervalSnapshot) {
        sent += interval.sent
        delivered += interval.delivered
        errors += interval.errors
        intervals = interval.index + 1
    }
}

/// One record on the control or results topic. Fields beyond `kind`,
/// `from` and `wallTime` are set by the kinds that use them.
public struct SwarmMessage: Sendable, Codable {
    /// Bumped when a message changes meaning; a worker of another protocol is not used.
    public static let protocolVersion = 1

    public enum Kind: String, Sendable, Codable {
        /// Worker → control, every heartbeat interval: `worker`, `state`, `runID` and `progress` while running.
        case heartbeat
        /// Coordinator → control: `pingID`; each idle worker answers with a `pong`.
        case ping
        /// Worker → control: `pingID` answered at the worker's `wallTime`.
        case pong
        /// Coordinator → control: `spec`.
        case run
        /// Worker → control: takes part in `runID`.
        case accept
        /// Worker → control: will not take part in `runID`, for `reason`.
        case refuse
        /// Coordinator → control: stop `runID` now, for `reason`.
        case stop
        /// Worker → results: one closed interval of `runID`.
        case interval
        /// Worker → results: the worker's whole result (`result`, JSON), `partial` if it was stopped.
        case result
        /// Worker → results: the worker could not run its share, for `reason`.
        case failed
    }

    public enum WorkerState: String, Sendable, Codable {
        case idle, running
    }

    public var protocolVersion = SwarmMessage.protocolVersion
    public var kind: Kind
    /// The sender's id (worker id, or the coordinator's).
    public var from: String
    /// The sender's clock when it sent the record, seconds since 1970.
    public var wallTime: Double
    public var runID: String?
    /// The coordinator a `pong` answers.
    public var to: String?
    public var worker: SwarmWorkerInfo?
    public var state: WorkerState?
    public var progress: SwarmProgress?
    public var pingID: Int?
    public var spec: SwarmRunSpec?
    public var reason: String?
    public var interval: IntervalSnapshot?
    /// A `RunResult` as JSON (ZooReport reads it).
    public var result: String?
    public var partial: Bool?

    public init(_ kind: Kind, from: String, runID: String? = nil) {
        self.kind = kind
        self.from = from
        self.runID = runID
        wallTime = Date().timeIntervalSince1970
    }
}

/// How a swarm run is split over its workers: totals are divided, shapes are kept.
public enum SwarmSplit {
    /// Divides `workload` (and `consume`, for e2e) among `workers`, in their order.
    ///
    /// - Producers: the total is divided as evenly as it goes, at least one
    ///   each (so the total may grow to the worker count).
    /// - Rate, record counts and warm-up records: in proportion to each
    ///   worker's producers; the counts add up exactly.
    /// - Duration, warm-up time, record shape, producer settings: as given.
    /// - A transactional id gets a worker suffix (`ID-w2`), so that workers
    ///   do not fence each other.
    /// - e2e: each worker produces to and consumes from its own topic
    ///   (`TOPIC.w2`), so its integrity ledger sees all of its records and
    ///   send → consume latency is timed on one clock; consumers (and a named
    ///   group, suffixed) are per worker.
    /// - Secret properties are dropped (each worker adds its own).
    public static func shares(of workload: ProduceWorkload, consume: ConsumeWorkload?, mode: RunMode,
                              workers: [String], clockOffsets: [String: Double] = [:]) -> [SwarmShare] {
        let count = workers.count
        guard count > 0 else { return [] }
        let producers = Swift.max(workload.producers, count)
        let perWorker = (0..<count).map { producers / count + ($0 < producers % count ? 1 : 0) }
        let records = workload.numRecords.map { divide($0, by: perWorker) }
        let warmupRecords = workload.warmupRecords.map { divide($0, by: perWorker) }
        return workers.enumerated().map { position, id in
            var share = withoutSecrets(workload)
            share.producers = perWorker[position]
            share.throughput = workload.throughput.map { $0 * Double(perWorker[position]) / Double(producers) }
            share.numRecords = records?[position]
            share.warmupRecords = warmupRecords?[position]
            share.transactionalID = workload.transactionalID.map { "\($0)-w\(position + 1)" }
            var consumeShare: ConsumeWorkload?
            if mode == .e2e {
                share.topic = topic(workload.topic, worker: position + 1)
                var c = withoutSecrets(consume ?? ConsumeWorkload())
                c.topic = share.topic
                c.group = c.group.map { "\($0)-w\(position + 1)" }
                consumeShare = c
            }
            return SwarmShare(worker: id, index: position + 1, clockOffset: clockOffsets[id] ?? 0,
                              workload: share, consume: consumeShare)
        }
    }

    /// The topic worker `index` (from 1) uses in an e2e swarm run.
    public static func topic(_ base: String, worker index: Int) -> String { "\(base).w\(index)" }

    /// `total` in parts proportional to `weights`, adding up to `total` exactly
    /// (largest remainders first, earlier parts winning ties).
    static func divide(_ total: Int, by weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        // total = base × sum + rest, so no product outgrows `total`.
        let base = total / sum, rest = total % sum
        var parts = weights.map { base * $0 + rest * $0 / sum }
        var left = total - parts.reduce(0, +)
        let remainder = weights.map { rest * $0 % sum }
        let order = weights.indices.sorted { (remainder[$0], $1) > (remainder[$1], $0) }
        for index in order where left > 0 {
            parts[index] += 1
            left -= 1
        }
        return parts
    }

    /// The workload with secret properties dropped.
    public static func withoutSecrets(_ workload: ProduceWorkload) -> ProduceWorkload {
        var copy = workload
        copy.properties = copy.properties.filter { !isSecretProperty($0.key) }
        return copy
    }

    public static func withoutSecrets(_ workload: ConsumeWorkload) -> ConsumeWorkload {
        var copy = workload
        copy.properties = copy.properties.filter { !isSecretProperty($0.key) }
        return copy
    }
}
