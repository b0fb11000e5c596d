import Foundation
import ZooPipe

// A swarm is many zoobench workers acting as one benchmark, coordinated
// through the cluster under test: a control topic carries heartbeats, clock
// pings, run specs and stops; a results topic carries each worker's interval
// snapshots and its final result. Every record is one `SwarmMessage` as JSON,
// keyed by its sender so that one sender's records stay in order.

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
