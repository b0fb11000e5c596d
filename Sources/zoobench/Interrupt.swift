import ArgumentParser
import Dispatch
import Foundation
import Synchronization

/// Set by the SIGTERM handler (an atomic store is safe in a signal handler).
private let pendingTerm = Atomic<Bool>(false)

/// Turns Ctrl-C (SIGINT) and SIGTERM into a call, so a run can stop and still
/// save what it measured; it then exits 128 + the signal (130, 143). A second
/// signal exits at once.
final class Interrupt: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private var watcher: DispatchSourceTimer?
    /// Signals seen; touched only on `queue`.
    private var count = 0
    private let queue = DispatchQueue(label: "zoobench.interrupt")
    /// How long after the first signal the process exits whatever it is doing.
    static let graceSeconds = 10
    /// The first signal received in this process, 0 while none.
    private static let received = Atomic<Int32>(0)

    private init(_ handler: @escaping @Sendable () -> Void) {
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
        FileHandle.standardError.write(Data("zoobench: \(name): stopping; saving what was measured (again to quit)\n".utf8))
        // A run stops within about a second (flushes are bounded); should
        // anything hang regardless, the process still ends.
        queue.asyncAfter(deadline: .now() + .seconds(Self.graceSeconds)) {
            FileHandle.standardError.write(Data(
                "zoobench: \(name): still not stopped after \(Self.graceSeconds) s; exiting without saving\n".utf8))
            Foundation.exit(128 + number)
        }
        handler()
    }

    static func install(_ handler: @escaping @Sendable () -> Void) -> Interrupt {
        Interrupt(handler)
    }

    /// How a run stopped by a signal exits: 128 + the signal (130 after
    /// Ctrl-C, 143 after SIGTERM); 130 when no signal was seen.
    static var exit: ExitCode {
        let number = received.load(ordering: .relaxed)
        return ExitCode(number == 0 ? 130 : 128 + number)
    }

    func cancel() {
        for source in sources { source.cancel() }
        watcher?.cancel()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
