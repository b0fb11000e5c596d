import Foundation
import Synchronization
import ZooPipe

/// What a worker reports as it goes (the CLI prints these).
public enum SwarmWorkerEvent: Sendable {
    /// A run naming this worker arrived; it starts in `startsIn` seconds.
    case accepted(runID: String, share: SwarmShare, startsIn: Double)
    case refused(runID: String, reason: String)
    case started(runID: String)
    case stopRequested(runID: String, reason: String)
    /// The share ended and its result was sent.
    case finished(runID: String, partial: Bool)
    /// The share could not run.
    case failed(runID: String, reason: String)
}

/// What a worker's share produced: a `RunResult` as JSON and whether it was stopped early.
public struct SwarmShareResult: Sendable {
    public var json: String
    public var partial: Bool

    public init(json: String, partial: Bool) {
        self.json = json
        self.partial = partial
    }
}

/// The worker's side of a swarm: heartbeats on the control topic, answers
/// pings, runs the shares that name it at their start time and sends their
/// intervals and results to the results topic.
public final class SwarmWorker: @unchecked Sendable {
    /// Runs one share: the CLI builds the target, runs the workload, and
    /// returns the result. `onInterval` is called for each closed interval.
    public typealias Execute = @Sendable (_ spec: SwarmRunSpec, _ share: SwarmShare, _ stop: StopSignal,
                                          _ onInterval: @escaping @Sendable (IntervalSnapshot) -> Void) throws -> SwarmShareResult

    public let link: SwarmLink
    public let info: SwarmWorkerInfo
    /// How often heartbeats go out. Default 1 s.
    public var heartbeat: Duration = .seconds(1)
    /// A run spec that arrives later than this after its start is refused. Default 1 s.
    public var lateness: Duration = .seconds(1)
    public var onEvent: (@Sendable (SwarmWorkerEvent) -> Void)?

    private struct State {
        var runID: String?
        var progress = SwarmProgress()
        var stop: StopSignal?
        var runs = 0
    }
    private let state = Mutex(State())

    public init(link: SwarmLink, info: SwarmWorkerInfo) {
        self.link = link
        self.info = info
    }

    private static var now: Double { Date().timeIntervalSince1970 }

    /// Serves runs until `stop` (then a running share is stopped and its
    /// result sent first) or until `runs` runs have ended.
    public func serve(runs limit: Int? = nil, stop: StopSignal, execute: @escaping Execute) throws(SwarmError) {
        let beating = Atomic<Bool>(true)
        let heartbeats = Thread { [self] in
            while beating.load(ordering: .relaxed) {
                sendHeartbeat()
                let next = Self.now + DurationText.seconds(heartbeat)
                while beating.load(ordering: .relaxed) && Self.now < next { Thread.sleep(forTimeInterval: 0.02) }
            }
        }
        heartbeats.start()
        defer { beating.store(false, ordering: .relaxed) }
        sendHeartbeat()

        var runner: Thread?
        let running = Atomic<Bool>(false)
        while true {
            let current = state.withLock { ($0.runID, $0.stop, $0.runs) }
            if stop.isStopped {
                current.1?.stop()
                if !running.load(ordering: .acquiring) { break }
            } else if let limit, current.2 >= limit, !running.load(ordering: .acquiring) {
                break
            }
            guard let (_, message) = link.receive(timeout: .milliseconds(50)) else { continue }
            switch message.kind {
            case .ping:
                var pong = SwarmMessage(.pong, from: info.id)
                pong.pingID = message.pingID
                pong.to = message.from
                try? link.send(pong, to: .control)
            case .stop where message.runID != nil && message.runID == current.0:
                current.1?.stop()
                onEvent?(.stopRequested(runID: message.runID!, reason: message.reason ?? "asked to stop"))
            case .run:
                guard let spec = message.spec, let share = spec.share(of: info.id), !stop.isStopped else { continue }
                let localStart = spec.startAt + share.clockOffset
                let refusal: String?
                if running.load(ordering: .acquiring) {
                    refusal = "busy with run \(current.0 ?? "?")"
                } else if Self.now > localStart + DurationText.seconds(lateness) {
                    refusal = String(format: "the run arrived %.1f s after its start time", Self.now - localStart)
                } else {
                    refusal = nil
                }
                if let refusal {
                    var refuse = SwarmMessage(.refuse, from: info.id, runID: spec.runID)
                    refuse.reason = refusal
                    try? link.send(refuse, to: .control)
                    onEvent?(.refused(runID: spec.runID, reason: refusal))
                    continue
                }
                let runStop = StopSignal()
                state.withLock {
                    $0.runID = spec.runID
                    $0.progress = SwarmProgress()
                    $0.stop = runStop
                }
                running.store(true, ordering: .releasing)
                try link.send(SwarmMessage(.accept, from: info.id, runID: spec.runID), to: .control)
                onEvent?(.accepted(runID: spec.runID, share: share, startsIn: localStart - Self.now))
                sendHeartbeat()
                runner = Thread { [self] in
                    runShare(spec, share: share, startAt: localStart, stop: runStop, execute: execute)
                    state.withLock {
                        $0.runID = nil
                        $0.stop = nil
                        $0.runs += 1
                    }
                    running.store(false, ordering: .releasing)
                    sendHeartbeat()
                }
                runner?.start()
            default:
                break
            }
        }
        try? link.flush(timeout: .seconds(5))
    }

    private func runShare(_ spec: SwarmRunSpec, share: SwarmShare, startAt: Double, stop: StopSignal,
                          execute: Execute) {
        while Self.now < startAt && !stop.isStopped {
            Thread.sleep(forTimeInterval: min(0.005, max(0, startAt - Self.now)))
        }
        onEvent?(.started(runID: spec.runID))
        do {
            let result = try execute(spec, share, stop) { [self] interval in
                state.withLock { $0.progress.add(interval) }
                var message = SwarmMessage(.interval, from: info.id, runID: spec.runID)
                message.interval = interval
                try? link.send(message, to: .results)
            }
            var message = SwarmMessage(.result, from: info.id, runID: spec.runID)
            message.result = result.json
            message.partial = result.partial || stop.isStopped
            try link.send(message, to: .results)
            try link.flush()
            onEvent?(.finished(runID: spec.runID, partial: message.partial ?? false))
        } catch {
            let reason = String(describing: error)
            var message = SwarmMessage(.failed, from: info.id, runID: spec.runID)
            message.reason = reason
            try? link.send(message, to: .results)
            try? link.flush()
            onEvent?(.failed(runID: spec.runID, reason: reason))
        }
    }

    private func sendHeartbeat() {
        var message = SwarmMessage(.heartbeat, from: info.id)
        message.worker = info
        let (runID, progress) = state.withLock { ($0.runID, $0.progress) }
        message.state = runID == nil ? .idle : .running
        message.runID = runID
        message.progress = runID == nil ? nil : progress
        try? link.send(message, to: .control)
    }
}
