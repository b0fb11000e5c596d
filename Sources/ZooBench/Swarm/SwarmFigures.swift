import Foundation

/// One worker of a swarm run, as the merged result lists it.
public struct SwarmMemberFigures: Sendable, Codable, Hashable {
    public var id: String
    /// 1 for the first worker of the run.
    public var index: Int
    public var host: String
    public var cores: Int
    public var zoobenchVersion: String
    public var status: SwarmWorkerStatus
    /// Why it did not complete, when it did not.
    public var reason: String?
    /// Its clock minus the coordinator's, and the bound of that estimate (ms).
    public var clockOffsetMs: Double?
    public var clockUncertaintyMs: Double?
    /// Its share.
    public var topic: String
    public var producers: Int
    public var throughputTarget: Double?
    public var numRecords: Int?
    /// What it measured: from its result, or (lost workers) summed from the
    /// intervals it sent before going silent.
    public var sent: Int
    public var delivered: Int
    public var failed: Int
    public var recordsPerSecond: Double
    public var p99Ms: Double?
    /// Send → consume p99 and records consumed (e2e).
    public var endToEndP99Ms: Double?
    public var consumed: Int?
    /// Its integrity verdicts (e2e), one per group.
    public var integrity: [String]?
    /// Intervals it sent.
    public var intervals: Int
    /// True when the figures above come from its intervals (no result arrived).
    public var fromIntervals: Bool
    public var cpuSeconds: Double?
    public var peakRSSBytes: Int?
}

/// The swarm section of a merged result: who took part, how each part
/// ended, and how far the workers' clocks can be trusted.
public struct SwarmFigures: Sendable, Codable, Hashable {
    /// Workers the run asked for.
    public var requested: Int
    /// True when a worker did not complete its share (lost, refused, failed
    /// or stopped): the summary then covers fewer records than were sent.
    public var degraded: Bool
    /// One line per worker that did not complete.
    public var problems: [String]
    /// The largest |offset| + uncertainty over the workers: how far any
    /// worker's clock may be from the coordinator's (ms).
    public var clockSkewBoundMs: Double?
    /// The largest uncertainty: starts are corrected by each offset, so the
    /// workers started within about this of one another (ms).
    public var startAlignmentMs: Double?
    /// What the clocks mean for the figures, in words.
    public var clockNote: String
    /// How the merged timeline was built, in words.
    public var timelineNote: String
    public var members: [SwarmMemberFigures]
    /// Workers that appeared after the run was published and took no part.
    public var late: [String]
    /// The coordinator's own CPU time over the whole command, seconds
    /// (`environment.cpuSeconds` is the workers' sum).
    public var coordinatorCPUSeconds: Double?
}
