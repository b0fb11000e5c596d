import Foundation
import ZooPipe

/// How a worker's part of a run ended.
public enum SwarmWorkerStatus: String, Sendable, Codable {
    /// It ran its share and sent its result.
    case complete
    /// It was stopped (a stop from the coordinator, or its own Ctrl-C) and sent what it measured.
    case partial
    /// It went silent: no heartbeat for the heartbeat timeout, and no result.
    case lost
    /// It would not take part (busy, or the run spec came after the start).
    case refused
    /// It could not run its share (the cluster refused it, a bad topic …).
    case failed
}

/// One worker's part of a run as the coordinator saw it.
public struct SwarmWorkerOutcome: Sendable {
    public var info: SwarmWorkerInfo
    public var share: SwarmShare
    public var clock: SwarmClock?
    public var status: SwarmWorkerStatus
    public var reason: String?
    /// The interval snapshots it sent, in order.
    public var intervals: [IntervalSnapshot]
    /// Its `RunResult` as JSON, when it sent one.
    public var result: String?
    /// Its last heartbeat's totals.
    public var progress: SwarmProgress?
    /// Seconds from the start time to the last message heard from it.
    public var lastHeard: Double
}

/// What a coordinator reports as it goes (the CLI prints these).
public enum SwarmEvent: Sendable {
    /// A worker answered that can take part.
    case joined(SwarmWorkerInfo)
    /// A worker answered that cannot, and why.
    case ignored(SwarmWorkerInfo, reason: String)
    case accepted(String)
    case refused(String, reason: String)
    /// An interval closed by every active worker, merged.
    case interval(IntervalSnapshot)
    case lost(String, silentFor: Double)
    case done(String, status: SwarmWorkerStatus)
    case failed(String, reason: String)
    /// A worker that appeared after the run was published: it takes no part.
    case late(SwarmWorkerInfo)
    /// A stop was sent to every worker.
    case stopping
}

/// The coordinator's side of a swarm: finds workers, measures their clocks,
/// publishes a run and collects what each worker measured.
public final class SwarmCoordinator: @unchecked Sendable {
    public let link: SwarmLink
    public let id: String
    /// A worker silent this long is lost. Default 5 s.
    public var heartbeatTimeout: Duration = .seconds(5)
    /// After a stop, how long to wait for the workers' results. Default 7 s.
    public var stopGrace: Duration = .seconds(7)
    public var onEvent: (@Sendable (SwarmEvent) -> Void)?

    private struct Seen {
        var info: SwarmWorkerInfo
        var heard: Double
        var state: SwarmMessage.WorkerState
        var protocolVersion: Int
    }
    private var seen: [String: Seen] = [:]
    /// The last run each worker ended for this coordinator (result, refusal or failure).
    private var ended: [String: String] = [:]
    /// Workers already reported joined or ignored (once each, across runs).
    private var announced: Set<String> = []
    private var ignored: [String: String] = [:]
    /// Workers that appeared after the last run was published (they took no part).
    public private(set) var late: [SwarmWorkerInfo] = []

    public init(link: SwarmLink, id: String = "coordinator-\(ProcessInfo.processInfo.hostName)-\(getpid())") {
        self.link = link
        self.id = id
    }

    private static var now: Double { Date().timeIntervalSince1970 }

    private func note(_ message: SwarmMessage, at time: Double) {
        guard message.kind == .heartbeat, let info = message.worker else { return }
        var state = message.state ?? .idle
        // A heartbeat sent before the worker's result, read after it: the run is over for it.
        if state == .running, let run = message.runID, ended[info.id] == run { state = .idle }
        seen[info.id] = Seen(info: info, heard: time, state: state, protocolVersion: message.protocolVersion)
    }

    /// Why worker `seen` cannot join a run, or nil if it can.
    private func unfit(_ seen: Seen) -> String? {
        if seen.protocolVersion != SwarmMessage.protocolVersion {
            return "\(seen.info.id) speaks swarm protocol \(seen.protocolVersion), not \(SwarmMessage.protocolVersion)"
        }
        if seen.info.zoobenchVersion != ZooBenchVersion.current {
            return "\(seen.info.id) runs zoobench \(seen.info.zoobenchVersion), this is \(ZooBenchVersion.current)"
        }
        if seen.state == .running { return "\(seen.info.id) is busy with another run" }
        return nil
    }

    /// Waits up to `timeout` for `count` live, idle workers of this version;
    /// returns them ordered by id. Throws ``SwarmError/tooFewWorkers(wanted:found:waited:other:)``
    /// if fewer answer, and returns nil if `stop` is pulled first.
    public func gather(count: Int, timeout: Duration, stop: StopSignal) throws(SwarmError) -> [SwarmWorkerInfo]? {
        let started = Self.now
        let limit = DurationText.seconds(timeout)
        let stale = DurationText.seconds(heartbeatTimeout)
        while true {
            if stop.isStopped { return nil }
            let now = Self.now
            let live = seen.values.filter { now - $0.heard <= stale }
            let fit = live.filter { unfit($0) == nil }.map(\.info).sorted { $0.id < $1.id }
            for info in fit where !announced.contains(info.id) {
                announced.insert(info.id)
                onEvent?(.joined(info))
            }
            for worker in live {
                if let why = unfit(worker), ignored[worker.info.id] != why {
                    ignored[worker.info.id] = why
                    onEvent?(.ignored(worker.info, reason: why))
                }
            }
            if fit.count >= count { return Array(fit.prefix(count)) }
            if now - started >= limit {
                throw .tooFewWorkers(wanted: count, found: fit.map(\.id), waited: timeout,
                                     other: live.compactMap(unfit).sorted())
            }
            if let (_, message) = link.receive(timeout: .milliseconds(100)) { note(message, at: Self.now) }
        }
    }

    /// Pings `workers` `rounds` times over the control topic and returns each
    /// one's clock (workers that never answered are missing).
    public func measureClocks(_ workers: [SwarmWorkerInfo], rounds: Int = 5) -> [String: SwarmClock] {
        var clocks: [String: SwarmClock] = [:]
        let wanted = Set(workers.map(\.id))
        for round in 0..<rounds {
            var ping = SwarmMessage(.ping, from: id)
            ping.pingID = round
            let sent = Self.now
            ping.wallTime = sent
            guard (try? link.send(ping, to: .control)) != nil else { break }
            var answered: Set<String> = []
            let deadline = sent + 2
            while answered.count < wanted.count && Self.now < deadline {
                guard let (_, message) = link.receive(timeout: .milliseconds(20)) else { continue }
                let received = Self.now
                note(message, at: received)
                guard message.kind == .pong, message.pingID == round, message.to == id,
                      wanted.contains(message.from), !answered.contains(message.from) else { continue }
                answered.insert(message.from)
                clocks[message.from] = (clocks[message.from] ?? SwarmClock(offset: 0, uncertainty: 0, samples: 0))
                    .adding(sent: sent, answered: message.wallTime, received: received)
            }
        }
        return clocks
    }

    /// One run's collection: what each worker has sent so far, and who is still at it.
    private struct Collection {
        let spec: SwarmRunSpec
        var outcomes: [String: SwarmWorkerOutcome] = [:]
        var active: Set<String> = []
        var accepted: Set<String> = []
        /// When the spec went out, and who had been seen by then (later ones are late).
        var published = 0.0
        var knownBefore: Set<String> = []
        var stopSentAt: Double?
        /// The next interval to merge.
        var nextMerged = 0
    }

    /// Publishes `spec` and collects every worker's part until each has
    /// ended (result, refusal, failure or silence). `stop` sends a stop to
    /// all and waits up to ``stopGrace`` for their results.
    public func run(_ spec: SwarmRunSpec, workers: [SwarmWorkerInfo], clocks: [String: SwarmClock],
                    stop: StopSignal) throws(SwarmError) -> [SwarmWorkerOutcome] {
        var run = try publish(spec, workers: workers, clocks: clocks)
        while !run.active.isEmpty {
            let now = Self.now
            if stop.isStopped && run.stopSentAt == nil { sendStop(&run, at: now) }
            if let sentAt = run.stopSentAt, now - sentAt > DurationText.seconds(stopGrace) {
                for worker in run.active.sorted() {
                    end(&run, worker, .lost, reason: "no result within \(Int(DurationText.seconds(stopGrace))) s of the stop")
                    onEvent?(.lost(worker, silentFor: now - (seen[worker]?.heard ?? run.published)))
                }
                break
            }
            findSilent(&run, now: now)
            mergeReady(&run)
            guard let (channel, message) = link.receive(timeout: .milliseconds(100)) else { continue }
            handle(&run, channel, message, received: Self.now)
        }
        mergeReady(&run)
        return workers.compactMap { run.outcomes[$0.id] }
    }

    private func publish(_ spec: SwarmRunSpec, workers: [SwarmWorkerInfo],
                         clocks: [String: SwarmClock]) throws(SwarmError) -> Collection {
        var run = Collection(spec: spec)
        late = []
        for info in workers {
            guard let share = spec.share(of: info.id) else { continue }
            run.outcomes[info.id] = SwarmWorkerOutcome(info: info, share: share, clock: clocks[info.id], status: .lost,
                                                       intervals: [], lastHeard: 0)
            run.active.insert(info.id)
        }
        run.published = Self.now
        var message = SwarmMessage(.run, from: id, runID: spec.runID)
        message.spec = spec
        try link.send(message, to: .control)
        try link.flush()
        // Silence is counted from the publication at the earliest.
        for worker in workers {
            if let heard = seen[worker.id]?.heard, heard < run.published { seen[worker.id]?.heard = run.published }
        }
        run.knownBefore = Set(seen.keys)
        return run
    }

    private func sendStop(_ run: inout Collection, at now: Double) {
        run.stopSentAt = now
        var halt = SwarmMessage(.stop, from: id, runID: run.spec.runID)
        halt.reason = "the coordinator was stopped"
        try? link.send(halt, to: .control)
        try? link.flush(timeout: .seconds(2))
        onEvent?(.stopping)
    }

    /// Ends workers silent for the heartbeat timeout, and those that never accepted.
    private func findSilent(_ run: inout Collection, now: Double) {
        let stale = DurationText.seconds(heartbeatTimeout)
        for worker in run.active.sorted() {
            let last = seen[worker]?.heard ?? run.published
            if now - last > stale {
                end(&run, worker, .lost, reason: String(format: "no heartbeat for %.1f s", now - last))
                onEvent?(.lost(worker, silentFor: now - last))
            } else if !run.accepted.contains(worker), now > run.spec.startAt + stale {
                end(&run, worker, .lost, reason: "never accepted the run")
                onEvent?(.lost(worker, silentFor: now - last))
            }
        }
    }

    /// Hands on the intervals every active worker has closed (or ended before), merged, in order.
    private func mergeReady(_ run: inout Collection) {
        while true {
            let index = run.nextMerged
            let parts = run.outcomes.values.compactMap { $0.intervals.count > index ? $0.intervals[index] : nil }
            let waiting = run.active.contains { (run.outcomes[$0]?.intervals.count ?? 0) <= index }
            guard !parts.isEmpty, !waiting else { return }
            run.nextMerged += 1
            onEvent?(.interval(IntervalSnapshot.acrossWorkers(parts)))
        }
    }

    /// One message of either topic, as it concerns the run.
    private func handle(_ run: inout Collection, _ channel: SwarmChannel, _ message: SwarmMessage, received: Double) {
        note(message, at: received)
        let sender = message.from
        let ours = message.runID == run.spec.runID
        let active = run.active.contains(sender)
        func heard() {
            run.outcomes[sender]?.lastHeard = received - run.spec.startAt
            seen[sender]?.heard = received
        }
        switch (channel, message.kind) {
        case (.control, .heartbeat):
            if run.outcomes[sender] != nil {
                heard()
                if ours, let progress = message.progress { run.outcomes[sender]?.progress = progress }
            } else if let info = message.worker, !run.knownBefore.contains(sender), !late.contains(where: { $0.id == sender }) {
                late.append(info)
                onEvent?(.late(info))
            }
        case (.control, .accept) where ours && active:
            heard()
            run.accepted.insert(sender)
            onEvent?(.accepted(sender))
        case (.control, .refuse) where ours && active:
            heard()
            end(&run, sender, .refused, reason: message.reason)
            onEvent?(.refused(sender, reason: message.reason ?? "no reason given"))
        case (.results, .interval) where ours && run.outcomes[sender] != nil:
            heard()
            if let interval = message.interval, interval.index == run.outcomes[sender]!.intervals.count {
                run.outcomes[sender]!.intervals.append(interval)
            }
        case (.results, .result) where ours && active:
            heard()
            run.outcomes[sender]?.result = message.result
            let status: SwarmWorkerStatus = message.partial == true ? .partial : .complete
            end(&run, sender, status)
            onEvent?(.done(sender, status: status))
        case (.results, .failed) where ours && active:
            heard()
            end(&run, sender, .failed, reason: message.reason)
            onEvent?(.failed(sender, reason: message.reason ?? "no reason given"))
        default:
            break
        }
    }

    private func end(_ run: inout Collection, _ worker: String, _ status: SwarmWorkerStatus, reason: String? = nil) {
        guard run.active.remove(worker) != nil else { return }
        if status != .lost {
            ended[worker] = run.spec.runID
            seen[worker]?.state = .idle
        }
        run.outcomes[worker]?.status = status
        run.outcomes[worker]?.reason = reason
    }
}
