import CRdKafka
import Foundation

extension Thread {
    /// A thread (not yet started) that runs `body` under `name`, both for
    /// Foundation and for the operating system (`top -H`, `perf`,
    /// `/proc/PID/task/*/comm`), which Foundation's `Thread.name` does not
    /// reach on Linux. Linux keeps at most 15 bytes of a name.
    public static func named(_ name: String, stackSize: Int? = nil,
                             _ body: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread {
            _ = zoobench_name_thread(name)
            body()
        }
        thread.name = name
        if let stackSize { thread.stackSize = stackSize }
        return thread
    }
}

/// Asks the kernel to end the calling thread's sleeps and waits within
/// `nanoseconds` of their time (its timer slack; 50 µs by default), for a
/// thread that waits between sends on a schedule. False if refused.
@discardableResult
public func tightenThisThreadsWakeups(to nanoseconds: UInt) -> Bool {
    zoobench_set_timer_slack(nanoseconds) == 0
}
