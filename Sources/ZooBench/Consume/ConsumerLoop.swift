import Foundation
import Histogram
import Synchronization
import ZooPipe

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
    /// When the warm-up of a consume run ended for this consumer (0: it did
    /// not), and what it had read by then.
    var measuredFrom: UInt64 = 0
    var warmupRecords = 0
    var warmupBytes = 0
    var ledger = ConsumedLedger(producers: 0, partitions: 0)
    /// When its queue ran dry and when records came again (see ``ConsumerPauses``).
    var quiet: ConsumerPauses.Spans = []
}

/// What a consumer's loop keeps from one record to the next, held by the
/// loop (so that records librdkafka hands over while draining reach it too)
/// and read and written in place by its steps.
struct ReadState {
    var joined = false
    /// Whether this consumer has counted itself idle.
    var idle = false
    /// Whether its (group) assignment is held until every member has joined.
    var holding: Bool
    var heldSince: UInt64 = 0
    /// The version of the fleet's ends it has applied.
    var seenEnds = 0
    var lastRecordTime: UInt64
    /// When its queue last ran dry while reading (0: records are flowing).
    var quietSince: UInt64 = 0
    /// Whether it is leaving its group (a consumer change): its loop ends.
    var leaving = false
    /// Records since the clock was last read (it is read every 256 records at most).
    var recordsSinceClock = 0
    var nextBoundary: UInt64
    var consumed = 0
    var bytes = 0
    /// Whether a consume run's warm-up is over (true without one).
    var warmedUp: Bool
}

/// One consumer's loop, confined to its thread: reads records, tracks the
/// offsets it saw, records fetch waits (and end-to-end latency), closes
/// intervals on time. ``run()`` is the loop, with the per-record path in it;
/// its other steps are small functions over its ``ReadState``.
final class ConsumerLoop: KafkaRecordHandler, @unchecked Sendable {
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

    // The workload's limits, in nanoseconds.
    private let joinLimit: UInt64
    private let idleLimit: UInt64
    private let duration: UInt64?
    private let warmup: UInt64?
    /// Whether the group reads a record quota (num-records).
    private let quota: Bool
    private let wallOffset = MonotonicClock.wallOffset

    // Per-record state, confined to this consumer's thread.
    @exclusivity(unchecked) private var current: ConsumerInterval
    @exclusivity(unchecked) private var latency = LatencyHistogram.make()
    @exclusivity(unchecked) private var corrected = LatencyHistogram.make()
    @exclusivity(unchecked) private var warmupLatency = LatencyHistogram.make()
    @exclusivity(unchecked) private var fetchWait = LatencyHistogram.make()
    @exclusivity(unchecked) private var ledger: ConsumedLedger
    // The loop's own state, kept here (not on run()'s stack) so that
    // received(_:) can reach it when librdkafka calls back while draining.
    @exclusivity(unchecked) private var state: ReadState
    private let offsets: OffsetTracker
    @exclusivity(unchecked) private var commits: CommitTimer
    /// The adapter being drained, while run() drains it (run() holds it).
    /// Unmanaged, not `unowned(unsafe)`: binding that to a local retained and
    /// released the adapter for every record (about 40 instructions).
    @exclusivity(unchecked) private var draining: Unmanaged<KafkaInputAdapter>?
    /// Set by received(_:) when the group's quota ran out under it.
    @exclusivity(unchecked) private var quotaGone = false
    private let group: GroupState
    /// When this member leaves, in nanoseconds from the start of sending (nil: it stays).
    private let leaveAfter: UInt64?
    /// When this member joins, in nanoseconds from the start of sending
    /// (nil: it starts with the run).
    private let joinAfter: UInt64?

    init(fleet: ConsumerFleet, index: Int, groupIndex: Int, configuration: KafkaConsumerConfiguration,
         interval: UInt64, collector: TimelineCollector<ConsumerInterval, ConsumeIntervalSnapshot>, stop: StopSignal) {
        self.fleet = fleet
        self.index = index
        self.groupIndex = groupIndex
        self.configuration = configuration
        self.interval = interval
        self.collector = collector
        self.stop = stop
        let workload = fleet.workload
        joinLimit = nanoseconds(workload.joinTimeout)
        idleLimit = nanoseconds(workload.idleTimeout)
        duration = workload.duration.map(nanoseconds)
        warmup = workload.warmup.map(nanoseconds)
        quota = workload.numRecords != nil
        current = ConsumerInterval(index: 0, end: 0, fetchWait: LatencyHistogram.make(),
                                   latency: LatencyHistogram.make())
        ledger = ConsumedLedger(producers: fleet.stamps?.producers ?? 0, partitions: fleet.partitionCount)
        state = ReadState(holding: configuration.holdAssignments, lastRecordTime: 0,
                          nextBoundary: fleet.start + interval, warmedUp: workload.warmup == nil)
        offsets = OffsetTracker(partitions: fleet.partitionCount)
        commits = CommitTimer(every: workload.commitInterval.map(nanoseconds))
        group = fleet.groupStates[groupIndex]
        let member = index % fleet.membersPerGroup
        let schedule = fleet.memberSchedule
        leaveAfter = member < schedule.leaveAt.count ? schedule.leaveAt[member] : nil
        joinAfter = member >= workload.consumers ? schedule.joinAt[member - workload.consumers] : nil
        super.init()
    }

    /// Partitions this consumer holds now (readable from any thread).
    var assignedNow: Int { adapterBox.withLock { $0?.assignedPartitionCount ?? 0 } }

    func run() {
        AllocationAttribution.enter(.caller)
        if let joinAfter, !awaitTurn(joinAfter) {
            // The run ended before this member's time to join came.
            fleet.allocationCounter?.leave()
            closeInterval(end: MonotonicClock.nanoseconds(), adapter: nil)
            collector.finish(worker: index, lastIndex: current.index - 1)
            return
        }
        result.subscribed = MonotonicClock.nanoseconds()
        // Room for the quiet spans of a usual run, made before anything is
        // counted: growing the array while reading would be zoobench
        // allocating on the record path (every record can end a span).
        result.quiet.reserveCapacity(64)
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

        state.lastRecordTime = result.subscribed
        if joinAfter != nil {
            fleet.memberChanged(index: index, groupIndex: groupIndex, .joins, now: result.subscribed)
            // Until its first record this member is quiet: the group's pause
            // is then the time none of its members reads.
            state.quietSince = 1
        } else {
            current.end = fleet.start
        }
        if !fleet.workload.groupMode { markJoined(at: result.subscribed) }
        // Simple consumers take every record already here in one librdkafka
        // call (KafkaInputAdapter.drainQueued, calling received(_:)); a
        // group's consumers, and any consumer whose queue is empty, take one
        // record at a time.
        let drains = !fleet.workload.groupMode
        draining = Unmanaged.passUnretained(adapter)
        defer { draining = nil }
        while !fleet.stopAll.load(ordering: .relaxed) && !group.done.load(ordering: .relaxed) && !state.leaving {
            if state.holding { hold(adapter) }
            if fleet.endsVersion.load(ordering: .acquiring) != state.seenEnds { takeEnds() }
            if drains {
                let handed: Int
                do {
                    handed = try adapter.drainQueued(into: self)
                } catch {
                    fleet.fail(error)
                    break
                }
                if quotaGone { break }
                if handed > 0 { continue }
            }
            var now: UInt64 = 0
            let record: KafkaRecord
            do {
                if let next = try adapter.next() {
                    record = next
                } else if let next = try awaitRecord(adapter, now: &now) {
                    record = next
                } else {
                    continue
                }
            } catch {
                fleet.fail(error)
                break
            }
            if !take(record, now: now, adapter) { break }
        }
        finish(adapter)
    }

    // MARK: The loop's steps

    /// A record handed over while run() drains the queue: taken as one
    /// polled would be. After each housekeeping (every 256 records at most)
    /// the fleet's stop, the group's end and new ends stop the draining, so
    /// run() looks at them.
    override func received(_ record: KafkaRecord) -> Bool {
        guard let draining else { return false }
        guard draining._withUnsafeGuaranteedRef({ take(record, now: 0, $0) }) else {
            quotaGone = true
            return false
        }
        // Leaving is decided in housekeeping, which restarts the record count: looked at only then.
        return state.recordsSinceClock != 0 || !(state.leaving || fleet.stopAll.load(ordering: .relaxed)
            || group.done.load(ordering: .relaxed)
            || fleet.endsVersion.load(ordering: .acquiring) != state.seenEnds)
    }

    /// The per-record path: counts `record`, notes its offset, reads its
    /// stamp in e2e runs, and does the housekeeping when the clock is due.
    /// False when the group's record quota was used up by others before it.
    @inline(__always)
    private func take(_ record: KafkaRecord, now given: UInt64, _ adapter: KafkaInputAdapter) -> Bool {
        var now = given
        if !state.joined || state.idle || state.quietSince != 0 { arrived(now: &now) }
        if quota {
            let left = group.remaining.subtract(1, ordering: .relaxed).newValue
            if left < 0 { return false }  // another consumer of the group took the last one
            if left == 0 { fleet.markGroupDone(groupIndex, reason: .numRecords) }
        }
        if state.consumed == 0 { firstRecord(&now) }
        state.consumed += 1
        let size = record.value.count
        state.bytes &+= size
        current.consumed += 1
        current.bytes &+= size
        if offsets.read(Int(record.partition), record.offset) {
            fleet.partitionReached(groupIndex: groupIndex, partition: record.partition)
            fleet.checkGroupDone(groupIndex)
        }
        if let stamps = fleet.stamps {
            if now == 0 { now = MonotonicClock.nanoseconds() }
            readStamp(record, now: now, rated: stamps.rated, run: stamps.run)
        }
        state.recordsSinceClock += 1
        if now != 0 || state.recordsSinceClock >= 256 {
            if now == 0 { now = MonotonicClock.nanoseconds() }
            state.lastRecordTime = now
            state.recordsSinceClock = 0
            housekeeping(now, adapter)
        }
        return true
    }

    /// Holds the assignment until every member has joined, then starts reading.
    private func hold(_ adapter: KafkaInputAdapter) {
        if fleet.released.load(ordering: .relaxed) {
            state.holding = false
            adapter.resume()
            fleet.reading.add(1, ordering: .releasing)
            state.lastRecordTime = MonotonicClock.nanoseconds()
            state.quietSince = state.lastRecordTime
            commits.start(at: state.lastRecordTime)
        } else if adapter.hasHeldAssignment {
            // Another member is still joining: an assignment set aside would
            // keep this one out of the rebalance that joining needs, so after
            // a moment hold by pausing instead.
            let now = MonotonicClock.nanoseconds()
            if state.heldSince == 0 { state.heldSince = now }
            if now - state.heldSince > 300_000_000 { adapter.holdByPausing() }
        }
    }

    /// Applies the ends the fleet was given (e2e: once the producers are done).
    private func takeEnds() {
        state.seenEnds = fleet.endsVersion.load(ordering: .acquiring)
        // The idle clock restarts when the ends arrive: until then there was nothing to wait for.
        state.lastRecordTime = MonotonicClock.nanoseconds()
        for partition in offsets.setEnds(fleet.ends.withLock { $0 }) {
            fleet.partitionReached(groupIndex: groupIndex, partition: partition)
        }
        fleet.checkGroupDone(groupIndex)
    }

    /// The local queue is empty: waits for a fetch (the wait is timed). Nil
    /// when none came; the time-driven work (joins, idleness, intervals,
    /// commits, the stop) is then done.
    private func awaitRecord(_ adapter: KafkaInputAdapter, now: inout UInt64) throws(KafkaError) -> KafkaRecord? {
        let before = MonotonicClock.nanoseconds()
        if state.recordsSinceClock > 0 {
            state.lastRecordTime = before
            state.recordsSinceClock = 0
        }
        if state.quietSince == 0 && state.joined && !state.holding { state.quietSince = before }
        let record = try adapter.poll(timeout: state.joined ? .milliseconds(100) : .milliseconds(10))
        now = MonotonicClock.nanoseconds()
        if record != nil {
            endQuiet(at: now)
            if state.joined {
                let micros = min(max(1, (now - before) / 1000), LatencyHistogram.highest)
                _ = fetchWait.record(micros)
                _ = current.fetchWait.record(micros)
            }
            return record
        }
        try waited(adapter, now: now)
        housekeeping(now, adapter)
        return nil
    }

    /// After a wait with no record: the join, this consumer's idleness, and
    /// the fleet's end once every consumer is idle (unless the ends are still to come).
    private func waited(_ adapter: KafkaInputAdapter, now: UInt64) throws(KafkaError) {
        if !state.joined {
            if adapter.assignmentCount > 0 {
                markJoined(at: now)
                state.lastRecordTime = now
            } else if now - result.subscribed > joinLimit {
                throw .timeout(operation: "joining consumer group '\(fleet.groups[groupIndex] ?? "")'",
                               seconds: Double(joinLimit) / 1e9)
            }
        } else if !state.holding && !state.idle && now - state.lastRecordTime >= idleLimit {
            state.idle = true
            fleet.idleConsumers.add(1, ordering: .acquiringAndReleasing)
        }
        if state.idle && fleet.idleConsumers.load(ordering: .acquiring) == fleet.consumerCount
            && (!fleet.awaitsEnds || fleet.endsVersion.load(ordering: .acquiring) > 0) {
            fleet.stopEverything(.idle)
        }
    }

    /// A record came to a consumer not yet counted joined, counted idle, or
    /// quiet (records drained or taken without waiting end a quiet span too).
    private func arrived(now: inout UInt64) {
        if now == 0 { now = MonotonicClock.nanoseconds() }
        if !state.joined { markJoined(at: now) }
        endQuiet(at: now)
        if state.idle {
            state.idle = false
            fleet.idleConsumers.subtract(1, ordering: .acquiringAndReleasing)
        }
    }

    /// Records came again: the quiet span since the queue ran dry is noted
    /// when it is long enough to matter.
    private func endQuiet(at now: UInt64) {
        guard state.quietSince != 0 else { return }
        if now - state.quietSince >= ConsumerPauses.shortestSpan && result.quiet.count < ConsumerPauses.mostSpans {
            result.quiet.append((state.quietSince, now))
        }
        state.quietSince = 0
    }

    /// The consumer's first record: its time, and (for the fleet's first) the allocation window's start.
    private func firstRecord(_ now: inout UInt64) {
        if now == 0 { now = MonotonicClock.nanoseconds() }
        result.firstRecord = now
        if joinAfter != nil {
            fleet.memberChanged(index: index, groupIndex: groupIndex, .firstRecord(partitions: assignedNow), now: now)
        }
        if fleet.firstRecord.compareExchange(expected: 0, desired: now, ordering: .relaxed).exchanged {
            fleet.allocationCounter?.begin()
        }
    }

    /// An e2e record's `zb.seq` stamp: send → consume latency and the integrity ledger.
    @inline(__always)
    private func readStamp(_ record: KafkaRecord, now: UInt64, rated: Bool, run: UInt32) {
        guard let bytes = record.header(SequenceStamp.headerName), let stamp = SequenceStamp(bytes), stamp.run == run else {
            ledger.foreign += 1
            return
        }
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
        ledger.record(producer: Int(stamp.producer), partition: record.partition, sequence: Int(truncatingIfNeeded: stamp.sequence))
    }

    /// Everything that needs the time: intervals, the duration, commits, Ctrl-C.
    private func housekeeping(_ now: UInt64, _ adapter: KafkaInputAdapter) {
        let first = state.warmedUp && duration == nil ? 0 : fleet.firstRecord.load(ordering: .relaxed)
        if !state.warmedUp {
            current.warmup = true
            if first > 0 && now >= first + (warmup ?? 0) { endWarmup(now) }
        }
        closeDueIntervals(now: now, adapter: adapter)
        if let duration, first > 0 && now >= first + (warmup ?? 0) + duration { fleet.stopEverything(.duration) }
        if stop.isStopped {
            result.stopped = true
            fleet.stopEverything(.stopped)
        }
        if let micros = commits.commitIfDue(adapter, now: now) { countCommit(micros) }
        if let leaveAfter, !state.leaving {
            let zero = fleet.sendStart.load(ordering: .relaxed)
            if zero > 0 && now >= zero + leaveAfter { leave(now) }
        }
    }

    /// This member leaves its group now (a consumer change): it counts as
    /// idle from here, and its loop ends, closing its consumer.
    private func leave(_ now: UInt64) {
        state.leaving = true
        if !state.idle {
            state.idle = true
            fleet.idleConsumers.add(1, ordering: .acquiringAndReleasing)
        }
        fleet.memberChanged(index: index, groupIndex: groupIndex, .left, now: now)
    }

    /// A member that joins later waits for its time (`after` ns from the
    /// start of sending), counted idle so that it holds no run open, and
    /// publishes an empty interval at each boundary meanwhile. False when
    /// the run ended (or was stopped) first.
    private func awaitTurn(_ after: UInt64) -> Bool {
        state.idle = true
        fleet.idleConsumers.add(1, ordering: .acquiringAndReleasing)
        current.end = fleet.start
        while !fleet.stopAll.load(ordering: .relaxed) && !group.done.load(ordering: .relaxed) {
            if stop.isStopped {
                result.stopped = true
                fleet.stopEverything(.stopped)
                return false
            }
            let now = MonotonicClock.nanoseconds()
            closeDueIntervals(now: now, adapter: nil)
            let zero = fleet.sendStart.load(ordering: .acquiring)
            if zero > 0 && now >= zero + after { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    /// A consume run's warm-up is over: what was read so far is the warm-up's.
    private func endWarmup(_ now: UInt64) {
        state.warmedUp = true
        result.measuredFrom = now
        result.warmupRecords = state.consumed
        result.warmupBytes = state.bytes
    }

    private func countCommit(_ micros: UInt64) {
        current.commits += 1
        current.commitMax = max(current.commitMax, micros)
    }

    /// The end: the final commit (timed), the last interval, and what the fleet merges.
    private func finish(_ adapter: KafkaInputAdapter) {
        let loopEnd = MonotonicClock.nanoseconds()
        // The final positions are committed (and timed) before the last interval closes.
        if commits.every != nil && state.consumed > 0 && !state.holding, let micros = commits.commit(adapter) {
            countCommit(micros)
        }
        let ended = MonotonicClock.nanoseconds()
        result.lastRecord = state.consumed == 0 ? 0 : state.recordsSinceClock > 0 ? loopEnd : state.lastRecordTime
        // A span still quiet at the end runs to the end (its partitions may
        // have gone to another member); a member that left is quiet from then on.
        if state.leaving && state.consumed > 0 {
            result.quiet.append((state.quietSince != 0 ? state.quietSince : loopEnd, .max))
        } else if state.quietSince != 0 && state.consumed > 0 {
            result.quiet.append((state.quietSince, loopEnd))
        }
        closeInterval(end: ended, adapter: adapter)
        collector.finish(worker: index, lastIndex: current.index - 1)
        result.consumed = state.consumed
        result.bytes = state.bytes
        result.ended = ended
        result.ranges = offsets.finished()
        result.fetchWait = fetchWait
        result.commitLatency = commits.latency
        result.commitFailures = commits.failures
        result.transientErrors = adapter.transientErrors
        result.assignments = adapter.assignmentCount
        result.partitionsAtEnd = adapter.assignedPartitionCount
        result.latency = latency
        result.correctedLatency = corrected
        result.warmupLatency = warmupLatency
        result.ledger = ledger
    }

    private func markJoined(at time: UInt64) {
        state.joined = true
        result.joined = time
        fleet.joined.add(1, ordering: .releasing)
        if joinAfter != nil {
            fleet.memberChanged(index: index, groupIndex: groupIndex, .assigned(partitions: assignedNow), now: time)
        }
    }

    /// Closes every interval whose end `now` has passed (a member not yet
    /// joined has no adapter: its intervals carry no lag).
    private func closeDueIntervals(now: UInt64, adapter: KafkaInputAdapter?) {
        while now >= state.nextBoundary {
            closeInterval(end: state.nextBoundary, adapter: adapter)
            state.nextBoundary += interval
            if !state.warmedUp { current.warmup = true }
        }
    }

    private func closeInterval(end: UInt64, adapter: KafkaInputAdapter?) {
        AllocationAttribution.marked(.callerPeriodic) { publishInterval(end: end, adapter: adapter) }
    }

    private func publishInterval(end: UInt64, adapter: KafkaInputAdapter?) {
        current.end = end
        let lags = adapter?.progress().compactMap(\.lag) ?? []
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
