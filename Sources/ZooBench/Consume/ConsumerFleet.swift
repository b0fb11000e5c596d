import Foundation
import Histogram
import Synchronization
import ZooPipe

/// Runs `workload.consumers` consumers per group, each on its own thread with
/// its own librdkafka handle, and measures what they read.
///
/// ``start(stop:onInterval:)`` launches them; ``setEnds(_:)`` tells them where
/// the topic ends (for --until-end, or once an e2e run's producers are done);
/// ``finish()`` waits for them and merges what they measured. ``run(stop:onInterval:)``
/// does all three for a plain consume run.
public final class ConsumerFleet: @unchecked Sendable {
    public let workload: ConsumeWorkload
    public let target: KafkaURI
    /// The groups' names (one nil entry in simple-consumer mode).
    public let groups: [String?]
    let admin: KafkaAdmin
    let stamps: StampCheck?
    let partitionCount: Int
    /// Where each partition's reading is expected to start (gap detection).
    let expectedStart: [Int32: Int64]
    /// Per group: what its consumers share.
    let groupStates: [GroupState]
    let stopAll = Atomic<Bool>(false)
    let idleConsumers = Atomic<Int>(0)
    let joined = Atomic<Int>(0)
    /// Set once every member has joined: consumers resume their held partitions.
    let released = Atomic<Bool>(false)
    let firstRecord = Atomic<UInt64>(0)
    /// Members that applied their held assignment after the release.
    let reading = Atomic<Int>(0)
    /// Counts allocations from the first record consumed to the end (into
    /// ``ConsumeOutcome/allocations``). Set before ``start(stop:onInterval:)``.
    public var allocationCounter: AllocationCounter?
    /// The shortest stretch, in seconds, with no record consumed by a group
    /// that counts as a pause (``ConsumerPauses``). Default 0.1; a fixed-rate
    /// e2e run sets 10 records' time when that is longer.
    public var pauseThreshold = 0.1
    /// When members leave their groups and when new ones join, in
    /// nanoseconds from the start of sending (``ConsumerChange/schedule(_:members:)``);
    /// empty: the members stay as they start. Set before ``start(stop:onInterval:)``.
    var memberSchedule = ConsumerChange.Schedule(leaveAt: [], joinAt: [])
    /// When sending started (monotonic ns; 0 until then): members' changes count from it.
    let sendStart = Atomic<UInt64>(0)
    /// Members that left or joined, as fault events.
    let memberEvents = Mutex<[FaultEvent]>([])

    /// Marks the start of sending, from which members' changes are timed.
    func startedSending() { sendStart.store(MonotonicClock.nanoseconds(), ordering: .releasing) }

    /// What happened to a member whose group changes.
    enum MemberChange {
        case left, joins, assigned(partitions: Int), firstRecord(partitions: Int)
    }

    /// A member left its group, began joining it, was first given an
    /// assignment (which may be empty while the group still rebalances), or
    /// read its first record, at `now`.
    func memberChanged(index: Int, groupIndex: Int, _ change: MemberChange, now: UInt64) {
        let zero = sendStart.load(ordering: .acquiring)
        let group = groups[groupIndex].map { "group \($0)" } ?? "the fleet"
        let what = switch change {
        case .left: "left \(group)"
        case .joins: "joins \(group)"
        case .assigned(let partitions): "has joined \(group): \(partitions) partition(s) assigned"
        case .firstRecord(let partitions): "reads its first record (\(partitions) partition(s) assigned)"
        }
        let event = FaultEvent(at: Double(now - min(now, zero)) / 1e9, action: "consumer \(index % membersPerGroup) \(what)")
        memberEvents.withLock { $0.append(event) }
    }
    let endReason = Mutex<ConsumeEnd?>(nil)
    /// The ends to read to, once known; read by consumers when `endsVersion` changes.
    let ends = Mutex<[Int32: Int64]>([:])
    let endsVersion = Atomic<Int>(0)
    let loops = Mutex<[ConsumerLoop]>([])
    let failure = Mutex<(any Error)?>(nil)
    private var threads: DispatchGroup?
    private(set) var start: UInt64 = 0
    private var collector: TimelineCollector<ConsumerInterval, ConsumeIntervalSnapshot>?

    /// Resolves the topic's partitions and where reading should start. With
    /// `startAt`, every group (or the simple consumers) starts at those
    /// offsets: committed for a fresh group before it joins. `expecting`
    /// overrides where reading is expected to start, for the gap check (a
    /// backlog run expects every record it produced, even ones the cluster
    /// dropped before reading began).
    public init(workload: ConsumeWorkload, target: KafkaURI, admin: KafkaAdmin, stamps: StampCheck? = nil,
                startAt: [Int32: Int64]? = nil, expecting: [Int32: Int64]? = nil, awaitsEnds: Bool = false) throws {
        try workload.validate()
        self.awaitsEnds = awaitsEnds
        self.workload = workload
        self.target = target
        self.admin = admin
        self.stamps = stamps
        let topic = try admin.describeTopic(target.topic)
        let partitionCount = (topic.partitions.map { Int($0.id) }.max() ?? -1) + 1
        self.partitionCount = partitionCount
        if let wanted = workload.partitions, let missing = wanted.first(where: { Int($0) >= partitionCount }) {
            throw KafkaError.invalidConfiguration(
                "topic '\(target.topic)' has no partition \(missing) (it has \(partitionCount): 0–\(max(0, partitionCount - 1)))")
        }
        let groups: [String?] = workload.groupMode ? workload.groupNames() : [nil]
        self.groups = groups
        if let startAt {
            expectedStart = startAt
            if workload.groupMode {
                for group in groups { try admin.commitOffsets(group: group!, topic: target.topic, offsets: startAt) }
            }
        } else {
            let watermarks = try admin.watermarks(topic: target.topic)
            let ends = workload.from == .latest ? try admin.endOffsets(topic: target.topic) : [:]
            let fresh = workload.group == nil || !workload.groupMode
            var starts: [Int32: Int64] = [:]
            for (partition, marks) in watermarks where fresh {
                switch workload.from {
                case .earliest: starts[partition] = marks.low
                case .latest: starts[partition] = ends[partition] ?? marks.high
                case .offset(let offset): starts[partition] = max(offset, marks.low)
                }
            }
            expectedStart = expecting ?? starts
        }
        groupStates = groups.map { _ in GroupState(quota: workload.numRecords ?? Int.max) }
        self.startAt = startAt
    }

    private let startAt: [Int32: Int64]?
    /// Whether ``setEnds(_:)`` will come later (e2e): until it does, idle
    /// consumers do not end the run.
    let awaitsEnds: Bool

    /// Members of each group: the starting ones, then those that join later.
    var membersPerGroup: Int { workload.consumers + memberSchedule.joinAt.count }
    /// Consumers in the whole fleet, counting those that join later.
    public var consumerCount: Int { groups.count * membersPerGroup }
    /// Consumers that start with the run (and join before sending starts).
    var startingCount: Int { groups.count * workload.consumers }

    /// Launches every consumer on its own thread; they connect, join and read.
    public func start(stop: StopSignal = StopSignal(),
                      onInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)? = nil) {
        let interval = nanoseconds(workload.interval)
        if allocationCounter != nil { AllocationAttribution.isTracking = true }
        allocationCounter?.expect(consumerCount)
        start = MonotonicClock.nanoseconds()
        let collector = TimelineCollector<ConsumerInterval, ConsumeIntervalSnapshot>(
            workers: consumerCount, start: start, interval: interval, merge: ConsumerInterval.merge,
            onInterval: onInterval)
        self.collector = collector
        let group = DispatchGroup()
        threads = group
        var configuration = workload.consumerConfiguration()
        // Simple consumers start at offsets already known (no offset lookup per partition).
        if !workload.groupMode { configuration.startOffsets = startAt ?? expectedStart }
        // A group told where to start (e2e) starts its held first assignment
        // there directly: asking the coordinator first took ~100 ms, long
        // enough for a fast producer to fill a partition past what the
        // embedded cluster keeps, and the consumer then skipped to the new start.
        if workload.groupMode, let startAt { configuration.startOffsets = startAt }
        // Members read nothing until all have joined (``waitUntilJoined()`` releases them).
        configuration.holdAssignments = workload.groupMode
        for groupIndex in groups.indices {
            for member in 0..<membersPerGroup {
                let index = groupIndex * membersPerGroup + member
                var mine = configuration
                if member >= workload.consumers {
                    // A member that joins later takes what a rebalance gives
                    // it, from the group's committed offsets.
                    mine.holdAssignments = false
                    mine.startOffsets = [:]
                }
                if let partitions = workload.partitions {
                    // Simple consumers share the listed partitions round-robin.
                    mine.partitions = partitions.enumerated().filter { $0.offset % workload.consumers == member }.map(\.element)
                }
                let loop = ConsumerLoop(fleet: self, index: index, groupIndex: groupIndex, configuration: mine,
                                        interval: interval, collector: collector, stop: stop)
                loops.withLock { $0.append(loop) }
                group.enter()
                Thread.named("zb-consumer-\(index)", stackSize: 1 << 20) {
                    loop.run()
                    group.leave()
                }.start()
            }
        }
    }

    /// Lets the joined members read; returns once each has applied its
    /// assignment on its own thread: producers that start before then fill
    /// partitions nobody fetches yet (on the embedded cluster, past what it keeps).
    public func release() throws {
        released.store(true, ordering: .releasing)
        let deadline = MonotonicClock.nanoseconds() + nanoseconds(workload.joinTimeout)
        while workload.groupMode && reading.load(ordering: .acquiring) < startingCount
            && MonotonicClock.nanoseconds() < deadline && failure.withLock({ $0 }) == nil {
            Thread.sleep(forTimeInterval: 0.001)
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Waits until every starting consumer has joined its group (or been
    /// assigned its partitions) and, in group mode, each group's members
    /// hold all the topic's partitions between them, then releases them
    /// (``release()``). Throws if a consumer failed or the join timeout passed.
    /// `release` false: return once every member has joined, still holding
    /// its assignment (reading nothing) until ``release()``.
    public func waitUntilJoined(release: Bool = true) throws {
        let deadline = MonotonicClock.nanoseconds() + nanoseconds(workload.joinTimeout)
        while true {
            if let error = failure.withLock({ $0 }) { throw error }
            let all = loops.withLock { $0 }
            if joined.load(ordering: .acquiring) >= startingCount {
                let stable = groups.indices.allSatisfy { g in
                    !workload.groupMode
                        || all.filter { $0.groupIndex == g }.reduce(0) { $0 + $1.assignedNow } == partitionCount
                }
                if stable {
                    if release { try self.release() }
                    return
                }
            }
            if MonotonicClock.nanoseconds() > deadline {
                throw KafkaError.timeout(operation: "consumers joining their group(s)",
                                         seconds: Double(nanoseconds(workload.joinTimeout)) / 1e9)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// The offsets to read up to, by partition; reaching all of them (in
    /// every group) ends the run.
    public func setEnds(_ newEnds: [Int32: Int64]) {
        ends.withLock { $0 = newEnds }
        // Partitions with nothing to read are reached already.
        for g in groups.indices {
            for (partition, end) in newEnds where end <= (expectedStart[partition] ?? 0) {
                partitionReached(groupIndex: g, partition: partition)
            }
            checkGroupDone(g)
        }
        endsVersion.add(1, ordering: .releasing)
    }

    /// Starts, sets the ends from the high watermarks when the workload reads
    /// to the end of the topic, and waits for the outcome.
    public func run(stop: StopSignal = StopSignal(),
                    onInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)? = nil) throws -> ConsumeOutcome {
        var initialEnds: [Int32: Int64]?
        if workload.untilEnd || workload.backlog != nil {
            initialEnds = try admin.endOffsets(topic: target.topic)
        }
        start(stop: stop, onInterval: onInterval)
        if let initialEnds { setEnds(initialEnds) }
        if workload.groupMode {
            do {
                try waitUntilJoined()
            } catch {
                stopEverything(.stopped)
                _ = try? finish()
                throw error
            }
        }
        return try finish()
    }

    /// Waits for every consumer to end and merges what they measured.
    public func finish() throws -> ConsumeOutcome {
        threads?.wait()
        let counts = allocationCounter?.end(messages: loops.withLock { $0 }.reduce(0) { $0 + $1.result.consumed })
        if allocationCounter != nil { AllocationAttribution.isTracking = false }
        if let error = failure.withLock({ $0 }) { throw error }
        let all = loops.withLock { $0 }.sorted { $0.index < $1.index }
        var outcome = ConsumeOutcome()
        var first = UInt64.max
        var last: UInt64 = 0
        var measuredEnd: UInt64 = 0
        for loop in all {
            let part = loop.result
            outcome.consumed += part.consumed
            outcome.bytes += part.bytes
            outcome.fetchWait.add(part.fetchWait)
            if let commits = part.commitLatency {
                if outcome.commitLatency == nil { outcome.commitLatency = LatencyHistogram.make() }
                outcome.commitLatency!.add(commits)
            }
            outcome.commitFailures.merge(part.commitFailures, uniquingKeysWith: +)
            outcome.transientErrors.merge(part.transientErrors, uniquingKeysWith: +)
            if part.firstRecord > 0 { first = min(first, part.firstRecord) }
            last = max(last, part.lastRecord)
            measuredEnd = max(measuredEnd, part.ended)
            outcome.partial = outcome.partial || part.stopped
            let seconds = part.lastRecord > part.firstRecord ? Double(part.lastRecord - part.firstRecord) / 1e9 : 0
            outcome.consumers.append(ConsumerFigures(
                index: loop.index, group: groups[loop.groupIndex], consumed: part.consumed, bytes: part.bytes,
                seconds: seconds, recordsPerSecond: seconds > 0 ? Double(part.consumed) / seconds : 0,
                megabytesPerSecond: seconds > 0 ? Double(part.bytes) / 1_048_576 / seconds : 0,
                partitions: part.partitionsAtEnd,
                joinSeconds: workload.groupMode && part.joined > 0 ? Double(part.joined - part.subscribed) / 1e9 : nil,
                firstRecordSeconds: part.firstRecord > 0 ? Double(part.firstRecord - part.subscribed) / 1e9 : nil,
                assignments: part.assignments))
            if let stamps {
                if outcome.latency == nil {
                    outcome.latency = LatencyHistogram.make()
                    outcome.warmupLatency = LatencyHistogram.make()
                    if stamps.rated { outcome.correctedLatency = LatencyHistogram.make() }
                }
                outcome.latency!.add(part.latency)
                outcome.warmupLatency!.add(part.warmupLatency)
                if stamps.rated { outcome.correctedLatency!.add(part.correctedLatency) }
                outcome.warmupConsumed += part.warmupConsumed
            }
        }
        outcome.allocations = counts
        // A consume run's warm-up: the records read before it ended count, but not in the rates.
        let warmedUp = all.contains { $0.result.measuredFrom > 0 }
        var measureStart = first
        if let warmup = workload.warmup, warmedUp, first != .max {
            for loop in all {
                let part = loop.result
                outcome.warmupRecords += part.measuredFrom > 0 ? part.warmupRecords : part.consumed
                outcome.warmupBytes += part.measuredFrom > 0 ? part.warmupBytes : part.bytes
            }
            outcome.warmupSeconds = DurationText.seconds(warmup)
            measureStart = first + nanoseconds(warmup)
        }
        if first != .max && last > measureStart { outcome.elapsedSeconds = Double(last - measureStart) / 1e9 }
        if measuredEnd > start { outcome.totalSeconds = Double(measuredEnd - start) / 1e9 }
        if first != .max { outcome.firstRecordSeconds = Double(first - start) / 1e9 }
        // The slowest join before producing: members that joined later are in their events instead.
        outcome.joinSeconds = workload.groupMode
            ? outcome.consumers.filter { $0.index % membersPerGroup < workload.consumers }.compactMap(\.joinSeconds).max() : nil
        outcome.end = endReason.withLock { $0 } ?? .idle
        if outcome.partial { outcome.end = .stopped }
        outcome.timeline = collector?.snapshots ?? []
        // The tail up to the ends counts as missing only if the run meant to
        // read there: it reached the end, or gave up waiting for it.
        let readToEnd = endsVersion.load(ordering: .acquiring) > 0 && (outcome.end == .endOfTopic || outcome.end == .idle)
        outcome.partitions = partitionFigures(all, readToEnd: readToEnd)
        if stamps != nil {
            outcome.ledgers = groups.indices.map { g in all.filter { $0.groupIndex == g }.map(\.result.ledger) }
        }
        outcome.pauses = groups.indices.map { g in
            let members = all.filter { $0.groupIndex == g && $0.result.consumed > 0 }
            return ConsumerPauses.merge(members.map(\.result.quiet), group: groups[g], start: start,
                                        firstRecord: members.map(\.result.firstRecord).min() ?? 0,
                                        lastRecord: members.map(\.result.lastRecord).max() ?? 0, threshold: pauseThreshold)
        }
        return outcome
    }

    /// Joins every consumer's offset ranges per group and partition and
    /// checks them against the expected start and end.
    private func partitionFigures(_ all: [ConsumerLoop], readToEnd: Bool) -> [PartitionFigures] {
        let finalEnds = ends.withLock { $0 }
        var figures: [PartitionFigures] = []
        let listed = workload.partitions.map { Set($0) }
        for g in groups.indices {
            let members = all.filter { $0.groupIndex == g }
            for p in 0..<partitionCount {
                let partition = Int32(p)
                if let listed, !listed.contains(partition) { continue }
                var ranges = members.flatMap { $0.result.ranges.indices.contains(p) ? $0.result.ranges[p] : [] }
                ranges.sort { $0.lower < $1.lower }
                let read = ranges.reduce(Int64(0)) { $0 + $1.count }
                var union: [OffsetRange] = []
                for range in ranges {
                    if let lastRange = union.last, range.lower <= lastRange.upper {
                        union[union.count - 1].upper = max(lastRange.upper, range.upper)
                    } else {
                        union.append(range)
                    }
                }
                let distinct = union.reduce(Int64(0)) { $0 + $1.count }
                let expectedEnd = finalEnds[partition]
                let windowLow = expectedStart[partition] ?? union.first?.lower
                // Without a known end only holes between what was read count;
                // the run was not asked to read further.
                let windowHigh = (readToEnd ? expectedEnd : nil) ?? union.last?.upper
                var gaps: [OffsetRange] = []
                if let low = windowLow, let high = windowHigh, high > low {
                    var cursor = low
                    for range in union {
                        if range.lower > cursor { gaps.append(OffsetRange(cursor, min(range.lower, high))) }
                        cursor = max(cursor, range.upper)
                        if cursor >= high { break }
                    }
                    if cursor < high { gaps.append(OffsetRange(cursor, high)) }
                    gaps.removeAll { $0.count <= 0 }
                }
                figures.append(PartitionFigures(
                    group: groups[g], partition: partition, expectedStart: expectedStart[partition],
                    expectedEnd: expectedEnd, firstOffset: union.first?.lower, nextOffset: union.last?.upper,
                    consumed: distinct, missing: gaps.reduce(0) { $0 + $1.count }, duplicated: read - distinct,
                    gaps: Array(gaps.prefix(5))))
            }
        }
        return figures
    }

    // MARK: Shared state, called from consumer threads

    func partitionReached(groupIndex: Int, partition: Int32) {
        _ = groupStates[groupIndex].reached.withLock { $0.insert(partition) }
    }

    func checkGroupDone(_ groupIndex: Int) {
        let targets = ends.withLock { $0 }
        guard !targets.isEmpty else { return }
        let count = groupStates[groupIndex].reached.withLock { $0.count }
        let wanted = workload.partitions.map { Set($0) }
        let needed = targets.keys.filter { wanted?.contains($0) ?? true }.count
        if count >= needed { markGroupDone(groupIndex, reason: .endOfTopic) }
    }

    func markGroupDone(_ groupIndex: Int, reason: ConsumeEnd) {
        if groupStates[groupIndex].done.exchange(true, ordering: .acquiringAndReleasing) { return }
        endReason.withLock { if $0 == nil { $0 = reason } }
        if groupStates.allSatisfy({ $0.done.load(ordering: .acquiring) }) { stopAll.store(true, ordering: .releasing) }
    }

    func stopEverything(_ reason: ConsumeEnd) {
        endReason.withLock { if $0 == nil { $0 = reason } }
        stopAll.store(true, ordering: .releasing)
    }

    func fail(_ error: any Error) {
        failure.withLock { if $0 == nil { $0 = error } }
        stopAll.store(true, ordering: .releasing)
    }
}

/// What the consumers of one group share: the partitions whose end one of
/// them reached, whether the group is done, and its record quota.
final class GroupState: Sendable {
    let reached = Mutex<Set<Int32>>([])
    let done = Atomic<Bool>(false)
    let remaining: Atomic<Int>

    init(quota: Int) {
        remaining = Atomic(quota)
    }
}
