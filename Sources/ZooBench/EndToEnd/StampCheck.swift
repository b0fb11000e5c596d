import Foundation
import ZooPipe

/// How consumers read the `zb.seq` stamps of an end-to-end run.
public struct StampCheck: Sendable {
    /// The run id producers stamp; other records are foreign.
    public var run: UInt32
    /// Producers in the run (ledger size).
    public var producers: Int
    /// Whether sends followed a schedule (the corrected latency is kept).
    public var rated: Bool

}
