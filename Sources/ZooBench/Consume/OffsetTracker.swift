/// Which offsets one consumer has read of each partition, as ranges, and
/// whether it has reached each partition's end. Per record it reads and
/// writes one partition's entry in a table of its own (a class, so the
/// per-record path has no copy-on-write check); a new range starts only
/// where reading jumped. Confined to one consumer's thread.
final class OffsetTracker {
    /// One partition's place: kept together so a record touches one cache line.
    private struct Track {
        /// The offset after the last one read (-1: none read).
        var next: Int64 = -1
        /// Where the open range began (-1: none open).
        var rangeStart: Int64 = -1
        /// The end to read to (.max until the ends are known).
        var target: Int64 = .max
        var reached = false
    }

    private let tracks: UnsafeMutableBufferPointer<Track>
    private var ranges: [[OffsetRange]]

    init(partitions: Int) {
        tracks = .allocate(capacity: partitions)
        tracks.initialize(repeating: Track())
        ranges = Array(repeating: [], count: partitions)
    }

    deinit {
        tracks.deallocate()
    }

    var partitions: Int { tracks.count }

    /// Notes `offset` of partition `p` read; true when it reaches the
    /// partition's end for the first time. A partition outside
    /// 0..<``partitions`` is not tracked (false).
    @inline(__always)
    func read(_ p: Int, _ offset: Int64) -> Bool {
        guard UInt(bitPattern: p) < UInt(tracks.count) else { return false }
        let track = tracks.baseAddress.unsafelyUnwrapped + p
        if offset != track.pointee.next {
            if track.pointee.rangeStart >= 0 { ranges[p].append(OffsetRange(track.pointee.rangeStart, track.pointee.next)) }
            track.pointee.rangeStart = offset
        }
        track.pointee.next = offset + 1
        guard offset + 1 >= track.pointee.target && !track.pointee.reached else { return false }
        track.pointee.reached = true
        return true
    }

    /// Sets the ends to read to; returns the partitions reached already.
    func setEnds(_ ends: [Int32: Int64]) -> [Int32] {
        var reachedNow: [Int32] = []
        for (partition, end) in ends where Int(partition) < partitions {
            let p = Int(partition)
            tracks[p].target = end
            if !tracks[p].reached && tracks[p].next >= end {
                tracks[p].reached = true
                reachedNow.append(partition)
            }
        }
        return reachedNow
    }

    /// Every range read, by partition, the open ones closed.
    func finished() -> [[OffsetRange]] {
        var all = ranges
        for p in 0..<partitions where tracks[p].rangeStart >= 0 {
            all[p].append(OffsetRange(tracks[p].rangeStart, tracks[p].next))
        }
        return all
    }
}
