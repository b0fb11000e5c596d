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

    /// Publishes `spec` and collects every worker's part until each has
    /// ended (result, refusal, failure or silence). `stop` sends a stop to
    /// all and waits up to ``stopGrace`` for their results.
    public func run(_ spec: SwarmRunSpec, workers: [SwarmWorkerInfo], clocks: [String: SwarmClock],
                    stop: StopSignal) throws(SwarmError) -> [SwarmWorkerOutcome] {
        var outcomes: [String: SwarmWorkerOutcome] = [:]
        late = []
        var active: Set<String> = []
        var accepted: Set<String> = []
        for info in workers {
            guard let share = spec.share(of: info.id) else { continue }
            outcomes[info.id] = SwarmWorkerOutcome(info: info, share: share, clock: clocks[info.id], status: .lost,
                                                   intervals: [], lastHeard: 0)
            active.insert(info.id)
        }
        let published = Self.now
        var message = SwarmMessage(.run, from: id, runID: spec.runID)
        message.spec = spec
        try link.send(message, to: .control)
        try link.flush()
        // Silence is counted from the publication at the earliest.
        for worker in workers {
            if let heard = seen[worker.id]?.heard, heard < published { seen[worker.id]?.heard = published }
        }
        let knownBefore = Set(seen.keys)

        let stale = DurationText.seconds(heartbeatTimeout)
        var stopSentAt: Double?
        var nextMerged = 0
        func heard(_ worker: String, _ time: Double) {
            outcomes[worker]?.lastHeard = time - spec.startAt
            seen[worker]?.heard = time
        }
        func end(_ worker: String, _ status: SwarmWorkerStatus, reason: String? = nil) {
            guard active.remove(worker) != nil else { return }
            if status != .lost {
                ended[worker] = spec.runID
                seen[worker]?.state = .idle
            }
            outcomes[worker]?.status = status
            outcomes[worker]?.reason = reason
        }
        // Intervals every active worker has closed (or ended before), merged, in order.
        func mergeReady() {
            while true {
                let index = nextMerged
                let parts = outcomes.values.compactMap { $0.intervals.count > index ? $0.intervals[index] : nil }
                let waiting = active.contains { (outcomes[$0]?.intervals.count ?? 0) <= index }
                guard !parts.isEmpty, !waiting else { return }
                nextMerged += 1
                onEvent?(.interval(IntervalSnapshot.acrossWorkers(parts)))
            }
        }

        while !active.isEmpty {
            let now = Self.now
            if stop.isStopped && stopSentAt == nil {
                stopSentAt = now
                var halt = SwarmMessage(.stop, from: id, runID: spec.runID)
                halt.reason = "the coordinator was stopped"
                try? link.send(halt, to: .control)
                try? link.flush(timeout: .seconds(2))
                onEvent?(.stopping)
            }
            if let stopSentAt, now - stopSentAt > DurationText.seconds(stopGrace) {
                for worker in active.sorted() {
                    end(worker, .lost, reason: "no result within \(Int(DurationText.seconds(stopGrace))) s of the stop")
                    onEvent?(.lost(worker, silentFor: now - (seen[worker]?.heard ?? published)))
                }
                break
            }
            for worker in active.sorted() {
                let last = seen[worker]?.heard ?? published
                if now - last > stale {
                    end(worker, .lost, reason: String(format: "no heartbeat for %.1f s", now - last))
                    onEvent?(.lost(worker, silentFor: now - last))
                } else if !accepted.contains(worker), now > spec.startAt + stale {
                    end(worker, .lost, reason: "never accepted the run")
                    onEvent?(.lost(worker, silentFor: now - last))
                }
            }
            mergeReady()
            guard let (channel, message) = link.receive(timeout: .milliseconds(100)) else { continue }
            let received = Self.now
            note(message, at: received)
            let sender = message.from
            switch (channel, message.kind) {
            case (.control, .heartbeat):
                if outcomes[sender] != nil {
                    heard(sender, received)
                    if message.runID == spec.runID, let progress = message.progress { outcomes[sender]?.progress = progress }
                } else if let info = message.worker, !knownBefore.contains(sender), !late.contains(where: { $0.id == sender }) {
                    late.append(info)
                    onEvent?(.late(info))
                }
            case (.control, .accept) where message.runID == spec.runID && active.contains(sender):
                heard(sender, received)
                accepted.insert(sender)
                onEvent?(.accepted(sender))
            case (.control, .refuse) where message.runID == spec.runID && active.contains(sender):
                heard(sender, received)
                end(sender, .refused, reason: message.reason)
                onEvent?(.refused(sender, reason: message.reason ?? "no reason given"))
            case (.results, .interval) where message.runID == spec.runID && outcomes[sender] != nil:
                heard(sender, received)
                if let interval = message.interval, interval.index == outcomes[sender]!.intervals.count {
                    outcomes[sender]!.intervals.append(interval)
                }
            case (.results, .result) where message.runID == spec.runID && active.contains(sender):
                heard(sender, received)
                outcomes[sender]?.result = message.result
                let status: SwarmWorkerStatus = message.partial == true ? .partial : .complete
                end(sender, status)
                onEvent?(.done(sender, status: status))
            case (.results, .failed) where message.runID == spec.runID && active.contains(sender):
                heard(sender, received)
                end(sender, .failed, reason: message.reason)
                onEvent?(.failed(sender, reason: message.reason ?? "no reason given"))
            default:
                break
            }
        }
        mergeReady()
        return workers.compactMap { outcomes[$0.id] }
    }
}
