/// Which offsets one consumer has read of each partition, as ranges, and
/// whether it has reached each partition's end. Per record it is two array
/// reads and writes; a new range starts only where reading jumped.
struct OffsetTracker {
    /// The offset after the last one read, by partition (-1: none read).
    private var next: [Int64]
    /// Where the open range began (-1: none open).
    private var rangeStart: [Int64]
    private var ranges: [[OffsetRange]]
    /// The end to read to, by partition (.max until the ends are known).
    private var targets: [Int64]
    private var reached: [Bool]

    init(partitions: Int) {
        next = Array(repeating: -1, count: partitions)
        rangeStart = Array(repeating: -1, count: partitions)
        ranges = Array(repeating: [], count: partitions)
        targets = Array(repeating: .max, count: partitions)
        reached = Array(repeating: false, count: partitions)
    }

    var partitions: Int { next.count }

    /// Notes `offset` of partition `p` (below ``partitions``) read; true when
    /// it reaches the partition's end for the first time.
    @inline(__always)
    mutating func read(_ p: Int, _ offset: Int64) -> Bool {
        if offset != next[p] {
            if rangeStart[p] >= 0 { ranges[p].append(OffsetRange(rangeStart[p], next[p])) }
            rangeStart[p] = offset
        }
        next[p] = offset + 1
        guard offset + 1 >= targets[p] && !reached[p] else { return false }
        reached[p] = true
        return true
    }

    /// Sets the ends to read to; returns the partitions reached already.
    mutating func setEnds(_ ends: [Int32: Int64]) -> [Int32] {
        var reachedNow: [Int32] = []
        for (partition, end) in ends where Int(partition) < partitions {
            let p = Int(partition)
            targets[p] = end
            if !reached[p] && next[p] >= end {
                reached[p] = true
                reachedNow.append(partition)
            }
        }
        return reachedNow
    }

    /// Every range read, by partition, the open ones closed.
    func finished() -> [[OffsetRange]] {
        var all = ranges
        for p in 0..<partitions where rangeStart[p] >= 0 { all[p].append(OffsetRange(rangeStart[p], next[p])) }
        return all
    }
}
