import ArgumentParser
import Foundation
import ZooBench

/// Ctrl-C and SIGTERM for the commands: the engine's ``SignalStop``, saying
/// what happens on stderr, and the exit code a run it stopped ends with.
enum Interrupt {
    /// Calls `handler` on the first signal.
    static func install(_ handler: @escaping @Sendable () -> Void) -> SignalStop {
        SignalStop.install(announce: announce, handler)
    }

    /// Runs `body` with a stop signal that Ctrl-C and SIGTERM pull.
    static func during<T>(_ body: (StopSignal) throws -> T) throws -> T {
        try SignalStop.during(announce: announce, body)
    }

    /// How a run stopped by a signal exits: 128 + the signal (130 after
    /// Ctrl-C, 143 after SIGTERM); 130 when no signal was seen.
    static var exit: ExitCode {
        ExitCode(SignalStop.first == 0 ? 130 : 128 + SignalStop.first)
    }

    private static let announce: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data("zoobench: \(line)\n".utf8))
    }
}
