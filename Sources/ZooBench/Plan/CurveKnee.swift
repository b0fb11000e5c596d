import Foundation

/// The knee of a latency-against-throughput curve: the point after which
/// latency rises faster than throughput. Latency is first made an envelope
/// (at each throughput, the highest latency seen at or below it: a noisy
/// low reading further right must not look like a knee); then both axes are
/// scaled to 0–1 and the knee is the point furthest below the straight line
/// from the first point to the last (the "Kneedle" construction). Returns the
/// index into `points`; nil with fewer than three points, a curve that does
/// not bend upwards, or one whose latency never rises to `minimumRise` times
/// its first value (a flat curve has no knee; noise would pick one).
public func curveKnee(_ points: [(throughput: Double, latency: Double)], minimumRise: Double = 1.5) -> Int? {
    let order = points.indices.sorted { points[$0].throughput < points[$1].throughput }
    guard order.count >= 3, let first = order.first, let last = order.last else { return nil }
    var envelope: [Double] = []
    for index in order { envelope.append(max(envelope.last ?? -.infinity, points[index].latency)) }
    let x0 = points[first].throughput, x1 = points[last].throughput
    let y0 = envelope.first ?? 0, y1 = envelope.last ?? 0
    guard x1 > x0, y1 > y0, y1 >= minimumRise * y0 else { return nil }
    var best: (index: Int, gap: Double)?
    for (position, index) in order.enumerated() {
        let x = (points[index].throughput - x0) / (x1 - x0)
        let y = (envelope[position] - y0) / (y1 - y0)
        if x - y > (best?.gap ?? 0) { best = (index, x - y) }
    }
    return best?.index
}
