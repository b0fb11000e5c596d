import CRdKafka

/// Names the calling thread for the operating system (`top -H`, `perf`,
/// `/proc/PID/task/*/comm`), where Foundation's `Thread.name` does not reach
/// on Linux. Linux keeps at most 15 bytes; longer names are cut.
public func nameThisThread(_ name: String) {
    _ = zoobench_name_thread(name)
}
