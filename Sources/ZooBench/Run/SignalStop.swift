import Dispatch
import Foundation
import Synchronization

/// Set by the SIGTERM handler (an atomic store is safe in a signal handler).
private let pendingTerm = Atomic<Bool>(false)

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call (a ``StopSignal`` pulled),
/// so a run can stop and still return what it measured; its caller then
/// exits 128 + the signal (130, 143). A second signal exits at once, and a
/// run that has not stopped ``graceSeconds`` after the first is ended.
public final class SignalStop: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private var watcher: DispatchSourceTimer?
    /// Signals seen; touched only on `queue`.
    private var count = 0
    private let queue = DispatchQueue(label: "zoobench.interrupt")
    /// How long after the first signal the process exits whatever it is doing.
    public static let graceSeconds = 10
    /// Told the first signal (`Ctrl-C: stopping; …`) and the end of the grace, for the user.
    private let announce: @Sendable (String) -> Void
    /// The first signal received in this process, 0 while none.
    private static let received = Atomic<Int32>(0)

    private init(announce: @escaping @Sendable (String) -> Void, _ handler: @escaping @Sendable () -> Void) {
        self.announce = announce
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            sources.append(source)
        }
        self.sources = sources
        // SIGTERM through a plain handler: a dispatch source for it never
        // fired here (something in the process catches SIGTERM and ends it
        // first), so the handler records it and a watcher acts on it.
        pendingTerm.store(false, ordering: .relaxed)
        signal(SIGTERM, { _ in pendingTerm.store(true, ordering: .relaxed) })
        // A parent may have started this process with SIGTERM blocked (the
        // mask is inherited); blocked, it would wait unseen until the run ends.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let watcher = DispatchSource.makeTimerSource(queue: queue)
        watcher.schedule(deadline: .now(), repeating: .milliseconds(20))
        watcher.setEventHandler { [unowned self] in
            guard pendingTerm.exchange(false, ordering: .relaxed) else { return }
            self.signalled(SIGTERM, handler)
        }
        watcher.resume()
        self.watcher = watcher
        for (source, number) in zip(sources, [SIGINT]) {
            source.setEventHandler { [unowned self] in self.signalled(number, handler) }
            source.resume()
        }
    }

    /// On `queue`: the first signal stops the run, a second exits at once.
    private func signalled(_ number: Int32, _ handler: @Sendable () -> Void) {
        count += 1
        if count > 1 { Foundation.exit(128 + number) }
        _ = Self.received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
        let name = number == SIGINT ? "Ctrl-C" : "SIGTERM"
        announce("\(name): stopping; saving what was measured (again to quit)")
        // A run stops within about a second (flushes are bounded); should
        // anything hang regardless, the process still ends.
        queue.asyncAfter(deadline: .now() + .seconds(Self.graceSeconds)) { [announce] in
            announce("\(name): still not stopped after \(Self.graceSeconds) s; exiting without saving")
            Foundation.exit(128 + number)
        }
        handler()
    }

    /// Calls `handler` on the first SIGINT or SIGTERM until ``cancel()``;
    /// `announce` is told what happens, for the user.
    public static func install(announce: @escaping @Sendable (String) -> Void = { _ in },
                               _ handler: @escaping @Sendable () -> Void) -> SignalStop {
        SignalStop(announce: announce, handler)
    }

    /// Runs `body` with a stop signal that SIGINT and SIGTERM pull.
    public static func during<T>(announce: @escaping @Sendable (String) -> Void = { _ in },
                                 _ body: (StopSignal) throws -> T) throws -> T {
        let stop = StopSignal()
        let signals = install(announce: announce) { stop.stop() }
        defer { signals.cancel() }
        return try body(stop)
    }

    /// The first signal received in this process (SIGINT, SIGTERM), 0 while none.
    public static var first: Int32 { received.load(ordering: .relaxed) }

    /// Restores the signals' default handling.
    public func cancel() {
        for source in sources { source.cancel() }
        watcher?.cancel()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
