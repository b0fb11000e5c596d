import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) into a call, so a run can stop and still save what it measured.
/// A second Ctrl-C exits at once.
final class Interrupt: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private var count = 0

    private init(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            count += 1
            if count > 1 { Foundation.exit(130) }
            FileHandle.standardError.write(Data("zoobench: stopping; saving what was measured (Ctrl-C again to quit)\n".utf8))
            handler()
        }
        source.resume()
    }

    static func install(_ handler: @escaping @Sendable () -> Void) -> Interrupt {
        Interrupt(handler)
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
