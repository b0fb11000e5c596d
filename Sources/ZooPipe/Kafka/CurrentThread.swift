import CRdKafka

/// Names the calling thread for the operating system (`top -H`, `perf`,
/// `/proc/PID/task/*/comm`), where Foundation's `Thread.name` does not reach
/// on Linux. Linux keeps at most 15 bytes; longer names are cut.
public func nameThisThread(_ name: String) {
    _ = zoobench_name_thread(name)
}

/// Asks the kernel to end the calling thread's sleeps and waits within
/// `nanoseconds` of their time (its timer slack; 50 µs by default), for a
/// thread that waits between sends on a schedule. False if refused.
@discardableResult
public func tightenThisThreadsWakeups(to nanoseconds: UInt) -> Bool {
    zoobench_set_timer_slack(nanoseconds) == 0
}
