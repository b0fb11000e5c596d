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
