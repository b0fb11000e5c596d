import Foundation
import ZooPipe

/// A worker's clock against the coordinator's, from ping round trips over
/// the control topic. The worker answers a ping at its time `w`, between the
/// coordinator's send `t0` and receipt `t1`, so its offset lies in
/// `[w − t1, w − t0]`: `offset ± uncertainty` with uncertainty half the
/// round trip. The smallest round trip of the rounds gives the estimate.
public struct SwarmClock: Sendable, Codable, Hashable {
    /// Worker clock minus coordinator clock, seconds.
    public var offset: Double
    /// The true offset is within `offset ± uncertainty`, seconds.
    public var uncertainty: Double
    /// Round trips answered.
    public var samples: Int

    /// The sample of a ping sent at `sent`, answered at `answered` (worker's
    /// clock) and received at `received`, folded into `self`.
    func adding(sent: Double, answered: Double, received: Double) -> SwarmClock {
        let sample = SwarmClock(offset: answered - (sent + received) / 2, uncertainty: max(0, received - sent) / 2, samples: 1)
        guard samples > 0 else { return sample }
        var best = sample.uncertainty < uncertainty ? sample : self
        best.samples = samples + 1
        return best
    }
}
