import Foundation
import Histogram
import Synchronization
import ZooPipe

/// How consumers read the `zb.seq` stamps of an end-to-end run.
public struct StampCheck: Sendable {
    /// The run id producers stamp; other records are foreign.
    public var run: UInt32
    /// Producers in the run (ledger size).
    public var producers: Int
    /// Whether sends followed a schedule (the corrected latency is kept).
    public var rated: Bool

    public init(run: UInt32, producers: Int, rated: Bool) {
        self.run = run
        self.producers = producers
        self.rated = rated
    }
}

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
            let fresh = workload.group == nil || !workload.groupMode
            var starts: [Int32: Int64] = [:]
            for (partition, marks) in watermarks where fresh {
                switch workload.from {
                case .earliest: starts[partition] = marks.low
                case .latest: starts[partition] = marks.high
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

    /// Consumers in the whole fleet.
    public var consumerCount: Int { groups.count * workload.consumers }

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
            for member in 0..<workload.consumers {
                let index = groupIndex * workload.consumers + member
                var mine = configuration
                if let partitions = workload.partitions {
                    // Simple consumers share the listed partitions round-robin.
                    mine.partitions = partitions.enumerated().filter { $0.offset % workload.consumers == member }.map(\.element)
                }
                let loop = ConsumerLoop(fleet: self, index: index, groupIndex: groupIndex, configuration: mine,
                                        interval: interval, collector: collector, stop: stop)
                loops.withLock { $0.append(loop) }
                group.enter()
                let thread = Thread {
                    loop.run()
                    group.leave()
                }
                thread.name = "zoobench-consumer-\(index)"
                thread.stackSize = 1 << 20
                thread.start()
            }
        }
    }

    /// Waits until every consumer has joined its group (or been assigned its
    /// partitions) and, in group mode, each group's members hold all the
    /// topic's partitions between them. Throws if a consumer failed or the
    /// join timeout passed.
    public func waitUntilJoined() throws {
        let deadline = MonotonicClock.nanoseconds() + nanoseconds(workload.joinTimeout)
        while true {
            if let error = failure.withLock({ $0 }) { throw error }
            let all = loops.withLock { $0 }
            if joined.load(ordering: .acquiring) == consumerCount {
                let stable = groups.indices.allSatisfy { g in
                    !workload.groupMode
                        || all.filter { $0.groupIndex == g }.reduce(0) { $0 + $1.assignedNow } == partitionCount
                }
                if stable {
                    released.store(true, ordering: .releasing)
                    // Return only once every member has applied its assignment
                    // on its own thread: producers that start before then fill
                    // partitions nobody fetches yet (on the embedded cluster,
                    // past what it keeps).
                    while workload.groupMode && reading.load(ordering: .acquiring) < consumerCount
                        && MonotonicClock.nanoseconds() < deadline && failure.withLock({ $0 }) == nil {
                        Thread.sleep(forTimeInterval: 0.001)
                    }
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
            initialEnds = try admin.watermarks(topic: target.topic).mapValues(\.high)
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
        if first != .max && last > first { outcome.elapsedSeconds = Double(last - first) / 1e9 }
        if measuredEnd > start { outcome.totalSeconds = Double(measuredEnd - start) / 1e9 }
        if first != .max { outcome.firstRecordSeconds = Double(first - start) / 1e9 }
        outcome.joinSeconds = workload.groupMode ? outcome.consumers.compactMap(\.joinSeconds).max() : nil
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

/// One consumer's share of an interval, before merging.
struct ConsumerInterval: IntervalPart {
    var index: Int
    var end: UInt64
    var consumed = 0
    var bytes = 0
    var lag: Int64?
    var commits = 0
    var commitMax: UInt64 = 0
    var warmup = false
    var fetchWait: Histogram<UInt64>
    var latency: Histogram<UInt64>

    static func merge(_ parts: [ConsumerInterval], index: Int, start: Double, seconds: Double) -> ConsumeIntervalSnapshot {
        var fetch = parts[0].fetchWait
        var latency = parts[0].latency
        for part in parts.dropFirst() {
            fetch.add(part.fetchWait)
            latency.add(part.latency)
        }
        let lags = parts.compactMap(\.lag)
        return ConsumeIntervalSnapshot(
            index: index, start: start, seconds: seconds, consumed: parts.reduce(0) { $0 + $1.consumed },
            bytes: parts.reduce(0) { $0 + $1.bytes }, lag: lags.isEmpty ? nil : lags.reduce(0, +),
            commits: parts.reduce(0) { $0 + $1.commits }, commitMax: parts.map(\.commitMax).max() ?? 0,
            fetchWaitP99: fetch.percentileOrZero(99),
            p50: latency.percentileOrZero(50), p90: latency.percentileOrZero(90), p99: latency.percentileOrZero(99),
            p999: latency.percentileOrZero(99.9), max: latency.totalCount > 0 ? latency.max : 0,
            warmup: parts.contains { $0.warmup })
    }
}

/// What one consumer measured, handed to the fleet when it ends.
struct ConsumerResult {
    var consumed = 0
    var bytes = 0
    var subscribed: UInt64 = 0
    var joined: UInt64 = 0
    var firstRecord: UInt64 = 0
    var lastRecord: UInt64 = 0
    var ended: UInt64 = 0
    var stopped = false
    var assignments = 0
    var partitionsAtEnd = 0
    var fetchWait = LatencyHistogram.make()
    var commitLatency: Histogram<UInt64>?
    var commitFailures: [String: Int] = [:]
    var transientErrors: [String: Int] = [:]
    /// Offset ranges read, by partition.
    var ranges: [[OffsetRange]] = []
    var latency = LatencyHistogram.make()
    var correctedLatency = LatencyHistogram.make()
    var warmupLatency = LatencyHistogram.make()
    var warmupConsumed = 0
    var ledger = ConsumedLedger(producers: 0, partitions: 0)
}

/// One consumer's loop, confined to its thread: reads records, tracks the
/// offsets it saw, records fetch waits (and end-to-end latency), closes
/// intervals on time.
final class ConsumerLoop: @unchecked Sendable {
    let fleet: ConsumerFleet
    let index: Int
    let groupIndex: Int
    let configuration: KafkaConsumerConfiguration
    let interval: UInt64
    let collector: TimelineCollector<ConsumerInterval, ConsumeIntervalSnapshot>
    let stop: StopSignal
    private let adapterBox = Mutex<KafkaInputAdapter?>(nil)
    /// Written by the loop's thread before it ends; read after the fleet's threads are joined.
    private(set) var result = ConsumerResult()

    // Per-record state, confined to this consumer's thread.
    @exclusivity(unchecked) private var current: ConsumerInterval
    @exclusivity(unchecked) private var latency = LatencyHistogram.make()
    @exclusivity(unchecked) private var corrected = LatencyHistogram.make()
    @exclusivity(unchecked) private var warmupLatency = LatencyHistogram.make()
    @exclusivity(unchecked) private var fetchWait = LatencyHistogram.make()
    @exclusivity(unchecked) private var ledger: ConsumedLedger

    init(fleet: ConsumerFleet, index: Int, groupIndex: Int, configuration: KafkaConsumerConfiguration,
         interval: UInt64, collector: TimelineCollector<ConsumerInterval, ConsumeIntervalSnapshot>, stop: StopSignal) {
        self.fleet = fleet
        self.index = index
        self.groupIndex = groupIndex
        self.configuration = configuration
        self.interval = interval
        self.collector = collector
        self.stop = stop
        current = ConsumerInterval(index: 0, end: 0, fetchWait: LatencyHistogram.make(),
                                   latency: LatencyHistogram.make())
        ledger = ConsumedLedger(producers: fleet.stamps?.producers ?? 0, partitions: fleet.partitionCount)
    }

    /// Partitions this consumer holds now (readable from any thread).
    var assignedNow: Int { adapterBox.withLock { $0?.assignedPartitionCount ?? 0 } }

    func run() {
        AllocationAttribution.enter(.caller)
        let workload = fleet.workload
        result.subscribed = MonotonicClock.nanoseconds()
        let adapter: KafkaInputAdapter
        do {
            adapter = try KafkaInputAdapter(uri: fleet.target, groupID: fleet.groups[groupIndex], generateIDs: false,
                                            configuration: configuration)
        } catch {
            fleet.allocationCounter?.leave()
            fleet.fail(error)
            collector.finish(worker: index, lastIndex: -1)
            return
        }
        adapterBox.withLock { $0 = adapter }
        defer {
            // The allocation window closes before any consumer's handle (and
            // its librdkafka threads) can end (see AllocationCounter.expect).
            fleet.allocationCounter?.leave()
            adapterBox.withLock { $0 = nil }
            adapter.close()
        }

        let partitions = fleet.partitionCount
        var next = [Int64](repeating: -1, count: partitions)
        var rangeStart = [Int64](repeating: -1, count: partitions)
        var ranges = [[OffsetRange]](repeating: [], count: partitions)
        var targets = [Int64](repeating: .max, count: partitions)
        var reached = [Bool](repeating: false, count: partitions)
        var seenEnds = 0
        let groupMode = workload.groupMode
        var joined = false
        if !groupMode { markJoined(at: result.subscribed, joined: &joined) }
        let joinLimit = nanoseconds(workload.joinTimeout)
        let idleLimit = nanoseconds(workload.idleTimeout)
        let duration = workload.duration.map(nanoseconds)
        let commitEvery = workload.commitInterval.map(nanoseconds)
        // Commits start once the consumer reads (after the group's hold).
        var nextCommit = UInt64.max
        var commitLatency = commitEvery == nil ? nil : LatencyHistogram.make()
        var commitFailures: [String: Int] = [:]
        let quota = workload.numRecords != nil
        let stamps = fleet.stamps
        let rated = stamps?.rated ?? false
        let wallOffset = MonotonicClock.wallOffset
        var nextBoundary = fleet.start + interval
        current.end = fleet.start
        var lastRecordTime = result.subscribed
        var recordsSinceClock = 0
        var idle = false
        var holding = configuration.holdAssignments
        var heldSince: UInt64 = 0
        var consumed = 0
        var bytes = 0

        /// Everything that needs the time: intervals, duration, commits, Ctrl-C.
        func housekeeping(_ now: UInt64) {
            while now >= nextBoundary {
                closeInterval(end: nextBoundary, adapter: adapter)
                nextBoundary += interval
            }
            if let duration {
                let first = fleet.firstRecord.load(ordering: .relaxed)
                if first > 0 && now >= first + duration { fleet.stopEverything(.duration) }
            }
            if stop.isStopped {
                result.stopped = true
                fleet.stopEverything(.stopped)
            }
            if now >= nextCommit, let every = commitEvery {
                commitNow()
                nextCommit = MonotonicClock.nanoseconds() + every
            }
        }

        /// One timed synchronous commit; only commits that sent a request
        /// (there was something new) are timed.
        func commitNow() {
            let before = MonotonicClock.nanoseconds()
            var sent = true
            do {
                sent = try adapter.commit()
            } catch {
                commitFailures[error.description, default: 0] += 1
            }
            let after = MonotonicClock.nanoseconds()
            if sent {
                let micros = min(max(1, (after - before) / 1000), LatencyHistogram.highest)
                _ = commitLatency?.record(micros)
                current.commits += 1
                current.commitMax = max(current.commitMax, micros)
            }
        }

        let groupState = fleet.groupStates[groupIndex]
        while true {
            if fleet.stopAll.load(ordering: .relaxed) || groupState.done.load(ordering: .relaxed) { break }
            if holding {
                if fleet.released.load(ordering: .relaxed) {
                    holding = false
                    adapter.resume()
                    fleet.reading.add(1, ordering: .releasing)
                    lastRecordTime = MonotonicClock.nanoseconds()
                    nextCommit = commitEvery.map { lastRecordTime + $0 } ?? .max
                } else if adapter.hasHeldAssignment {
                    // Another member is still joining: an assignment set aside
                    // would keep this one out of the rebalance that joining
                    // needs, so after a moment hold by pausing instead.
                    let now = MonotonicClock.nanoseconds()
                    if heldSince == 0 { heldSince = now }
                    if now - heldSince > 300_000_000 { adapter.holdByPausing() }
                }
            }
            let version = fleet.endsVersion.load(ordering: .acquiring)
            if version != seenEnds {
                seenEnds = version
                // The idle clock restarts when the ends arrive (e2e): until then there was nothing to wait for.
                lastRecordTime = MonotonicClock.nanoseconds()
                for (partition, end) in fleet.ends.withLock({ $0 }) where Int(partition) < partitions {
                    targets[Int(partition)] = end
                    if !reached[Int(partition)] && next[Int(partition)] >= end {
                        reached[Int(partition)] = true
                        fleet.partitionReached(groupIndex: groupIndex, partition: partition)
                    }
                }
                fleet.checkGroupDone(groupIndex)
            }
            var now: UInt64 = 0
            var record: KafkaRecord?
            do {
                record = try adapter.next()
                if record == nil {
                    // The local queue is empty: wait for a fetch, and time the wait.
                    let before = MonotonicClock.nanoseconds()
                    if recordsSinceClock > 0 {
                        lastRecordTime = before
                        recordsSinceClock = 0
                    }
                    record = try adapter.poll(timeout: joined ? .milliseconds(100) : .milliseconds(10))
                    now = MonotonicClock.nanoseconds()
                    if record != nil {
                        if joined {
                            let micros = min(max(1, (now - before) / 1000), LatencyHistogram.highest)
                            _ = fetchWait.record(micros)
                            _ = current.fetchWait.record(micros)
                        }
                    } else {
                        if !joined {
                            if adapter.assignmentCount > 0 {
                                markJoined(at: now, joined: &joined)
                                lastRecordTime = now
                            } else if now - result.subscribed > joinLimit {
                                throw KafkaError.timeout(operation: "joining consumer group '\(fleet.groups[groupIndex] ?? "")'",
                                                         seconds: Double(joinLimit) / 1e9)
                            }
                        } else if !holding && !idle && now - lastRecordTime >= idleLimit {
                            idle = true
                            fleet.idleConsumers.add(1, ordering: .acquiringAndReleasing)
                        }
                        // Everyone idle ends the run, unless the ends are still to come (e2e).
                        if idle && fleet.idleConsumers.load(ordering: .acquiring) == fleet.consumerCount
                            && (!fleet.awaitsEnds || fleet.endsVersion.load(ordering: .acquiring) > 0) {
                            fleet.stopEverything(.idle)
                        }
                        housekeeping(now)
                        continue
                    }
                }
            } catch {
                fleet.fail(error)
                break
            }
            guard let record else { continue }
            if !joined { markJoined(at: now != 0 ? now : MonotonicClock.nanoseconds(), joined: &joined) }
            if idle {
                idle = false
                fleet.idleConsumers.subtract(1, ordering: .acquiringAndReleasing)
            }
            if quota {
                let left = groupState.remaining.subtract(1, ordering: .relaxed).newValue
                if left < 0 { break }  // another consumer of the group took the last one
                if left == 0 { fleet.markGroupDone(groupIndex, reason: .numRecords) }
            }
            if consumed == 0 {
                if now == 0 { now = MonotonicClock.nanoseconds() }
                result.firstRecord = now
                if fleet.firstRecord.compareExchange(expected: 0, desired: now, ordering: .relaxed).exchanged {
                    fleet.allocationCounter?.begin()
                }
            }
            consumed += 1
            let size = record.value.count
            bytes &+= size
            current.consumed += 1
            current.bytes &+= size

            let p = Int(record.partition)
            let offset = record.offset
            if p < partitions {
                if offset != next[p] {
                    if rangeStart[p] >= 0 { ranges[p].append(OffsetRange(rangeStart[p], next[p])) }
                    rangeStart[p] = offset
                }
                next[p] = offset + 1
                if offset + 1 >= targets[p] && !reached[p] {
                    reached[p] = true
                    fleet.partitionReached(groupIndex: groupIndex, partition: record.partition)
                    fleet.checkGroupDone(groupIndex)
                }
            }

            if let stamps {
                if now == 0 { now = MonotonicClock.nanoseconds() }
                if let bytes = record.header(SequenceStamp.headerName), let stamp = SequenceStamp(bytes),
                   stamp.run == stamps.run {
                    let wallNow = UInt64(bitPattern: Int64(bitPattern: now) &+ wallOffset)
                    let raw = Self.micros(from: stamp.sendTime, to: wallNow)
                    if stamp.warmup {
                        _ = warmupLatency.record(raw)
                        result.warmupConsumed += 1
                        current.warmup = true
                    } else {
                        _ = latency.record(raw)
                        let fromSchedule = rated ? Self.micros(from: stamp.intendedTime, to: wallNow) : raw
                        if rated { _ = corrected.record(fromSchedule) }
                        _ = current.latency.record(fromSchedule)
                    }
                    ledger.record(producer: Int(stamp.producer), partition: record.partition,
                                  sequence: Int(truncatingIfNeeded: stamp.sequence))
                } else {
                    ledger.foreign += 1
                }
            }

            recordsSinceClock += 1
            if now != 0 || recordsSinceClock >= 256 {
                if now == 0 { now = MonotonicClock.nanoseconds() }
                lastRecordTime = now
                recordsSinceClock = 0
                housekeeping(now)
            }
        }

        let loopEnd = MonotonicClock.nanoseconds()
        // The final positions are committed (and timed) before the last interval closes.
        if commitEvery != nil && consumed > 0 && !holding { commitNow() }
        let ended = MonotonicClock.nanoseconds()
        result.lastRecord = recordsSinceClock > 0 ? loopEnd : lastRecordTime
        if consumed == 0 { result.lastRecord = 0 }
        closeInterval(end: ended, adapter: adapter)
        collector.finish(worker: index, lastIndex: current.index - 1)
        for p in 0..<partitions where rangeStart[p] >= 0 {
            ranges[p].append(OffsetRange(rangeStart[p], next[p]))
        }
        result.consumed = consumed
        result.bytes = bytes
        result.ended = ended
        result.ranges = ranges
        result.fetchWait = fetchWait
        result.commitLatency = commitLatency
        result.commitFailures = commitFailures
        result.transientErrors = adapter.transientErrors
        result.assignments = adapter.assignmentCount
        result.partitionsAtEnd = adapter.assignedPartitionCount
        result.latency = latency
        result.correctedLatency = corrected
        result.warmupLatency = warmupLatency
        result.ledger = ledger
    }

    private func markJoined(at time: UInt64, joined: inout Bool) {
        joined = true
        result.joined = time
        fleet.joined.add(1, ordering: .releasing)
    }

    private func closeInterval(end: UInt64, adapter: KafkaInputAdapter) {
        AllocationAttribution.marked(.callerPeriodic) { publishInterval(end: end, adapter: adapter) }
    }

    private func publishInterval(end: UInt64, adapter: KafkaInputAdapter) {
        current.end = end
        let lags = adapter.progress().compactMap(\.lag)
        current.lag = lags.isEmpty ? nil : lags.reduce(0, +)
        collector.publish(current)
        current = ConsumerInterval(index: current.index + 1, end: end, fetchWait: LatencyHistogram.make(),
                                   latency: LatencyHistogram.make())
    }

    /// `later - earlier` in µs, at least 1 (a later time can read earlier
    /// across hosts whose clocks differ) and at most the histogram's ceiling.
    @inline(__always)
    static func micros(from earlier: UInt64, to later: UInt64) -> UInt64 {
        later > earlier ? min(max(1, (later - earlier) / 1000), LatencyHistogram.highest) : 1
    }
}
