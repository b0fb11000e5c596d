#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Clock readings for measuring, as plain integers so they cost nothing to store.
public enum MonotonicClock {
    /// Nanoseconds on the monotonic clock (not wall time; only differences mean anything).
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Wall-clock nanoseconds since the Unix epoch minus the monotonic clock,
    /// taken once per process: adding it to a monotonic reading gives wall
    /// time that never steps backwards during a run. Records carry such
    /// times so that another process (or host, clocks permitting) can
    /// compute end-to-end latency.
    public static let wallOffset: Int64 = {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let monotonic = nanoseconds()
        return (Int64(wall.tv_sec) * 1_000_000_000 + Int64(wall.tv_nsec)) - Int64(monotonic)
    }()

    /// A monotonic reading as wall-clock nanoseconds since the epoch (see ``wallOffset``).
    @inline(__always)
    public static func wallNanoseconds(_ monotonic: UInt64) -> UInt64 {
        UInt64(bitPattern: Int64(bitPattern: monotonic) &+ wallOffset)
    }

    /// Wall-clock milliseconds since the Unix epoch (Kafka's record timestamps).
    public static func wallMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
