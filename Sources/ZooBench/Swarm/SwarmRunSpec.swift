import Foundation
import ZooPipe

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
