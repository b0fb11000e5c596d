import Foundation
import Synchronization
import ZooPipe

// The hook's counters: one global object (made before the hook is
// installed), so the hook allocates nothing and takes no lock.
private final class SideCounters: Sendable {
    let zoobenchCount = Atomic<Int>(0)
    let zoobenchBytes = Atomic<Int>(0)
    let callCount = Atomic<Int>(0)
    let callBytes = Atomic<Int>(0)
    let threadCount = Atomic<Int>(0)
    let threadBytes = Atomic<Int>(0)
    let otherCount = Atomic<Int>(0)
    let otherBytes = Atomic<Int>(0)
    let periodicCount = Atomic<Int>(0)
    let periodicBytes = Atomic<Int>(0)

    func reset() {
        zoobenchCount.store(0, ordering: .relaxed)
        zoobenchBytes.store(0, ordering: .relaxed)
        callCount.store(0, ordering: .relaxed)
        callBytes.store(0, ordering: .relaxed)
        threadCount.store(0, ordering: .relaxed)
        threadBytes.store(0, ordering: .relaxed)
        otherCount.store(0, ordering: .relaxed)
        otherBytes.store(0, ordering: .relaxed)
        periodicCount.store(0, ordering: .relaxed)
        periodicBytes.store(0, ordering: .relaxed)
    }
}

private let sides = SideCounters()

private let probe = Atomic<Int>(0)

private let attributeAllocation: @convention(c) (Int) -> Void = { size in
    switch AllocationAttribution.current() {
    case .caller:
        sides.zoobenchCount.add(1, ordering: .relaxed)
        sides.zoobenchBytes.add(size, ordering: .relaxed)
    case .librdkafkaCalls:
        sides.callCount.add(1, ordering: .relaxed)
        sides.callBytes.add(size, ordering: .relaxed)
    case .librdkafkaThreads:
        sides.threadCount.add(1, ordering: .relaxed)
        sides.threadBytes.add(size, ordering: .relaxed)
    case .otherThreads:
        sides.otherCount.add(1, ordering: .relaxed)
        sides.otherBytes.add(size, ordering: .relaxed)
    case .callerPeriodic:
        sides.periodicCount.add(1, ordering: .relaxed)
        sides.periodicBytes.add(size, ordering: .relaxed)
    }
}

/// The interposer's C functions, found in the process when its library was
/// preloaded (`LD_PRELOAD=…/libMallocInterposerSwift.so`); nil otherwise.
private struct Interposer: @unchecked Sendable {
    typealias Toggle = @convention(c) () -> Void
    typealias Statistics = @convention(c) (UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>,
                                           UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>) -> Void
    typealias SetHook = @convention(c) ((@convention(c) (Int) -> Void)?) -> Void
    let reset: Toggle
    let enable: Toggle
    let disable: Toggle
    let statistics: Statistics
    let setHook: SetHook

    static let loaded: Interposer? = {
        func find<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
        }
        guard let reset = find("malloc_interposer_reset", as: Toggle.self),
              let enable = find("malloc_interposer_enable", as: Toggle.self),
              let disable = find("malloc_interposer_disable", as: Toggle.self),
              let statistics = find("malloc_interposer_get_stats", as: Statistics.self),
              let setHook = find("malloc_interposer_set_allocation_hook", as: SetHook.self)
        else { return nil }
        return Interposer(reset: reset, enable: enable, disable: disable, statistics: statistics, setHook: setHook)
    }()

    /// (mallocs, bytes, frees) so far.
    func read() -> (Int, Int, Int) {
        var mallocs: Int64 = 0, bytes: Int64 = 0, small: Int64 = 0, large: Int64 = 0, frees: Int64 = 0, freed: Int64 = 0
        statistics(&mallocs, &bytes, &small, &large, &frees, &freed)
        return (Int(mallocs), Int(bytes), Int(frees))
    }
}

/// Counts every allocation in the process over one window with
/// ordo-one/malloc-interposer, attributing each to zoobench or librdkafka by
/// the thread's mark (``AllocationAttribution``).
///
/// The interposer's library must be preloaded (`LD_PRELOAD`): it replaces
/// `malloc` and `free` for the whole process, which costs every allocation a
/// little, so zoobench does not link it and only runs with it when counting
/// (the CLI re-executes itself with it). One window at a time per process.
public final class AllocationCounter: Sendable {
    private let started = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let startTime = Atomic<UInt64>(0)
    private let participants = Atomic<Int>(0)
    private let taken = Mutex<AllocationCounts?>(nil)

    public init() {
        sides.reset()  // makes the global before any hook can run
    }

    /// Whether allocations are really being intercepted in this process:
    /// the interposer is loaded and counts one allocation of its own.
    public static var isAvailable: Bool {
        guard let interposer = Interposer.loaded else { return false }
        interposer.reset()
        interposer.enable()
        // Through an atomic, so the optimizer cannot drop the unused malloc/free pair.
        probe.store(Int(bitPattern: malloc(24)), ordering: .relaxed)
        free(UnsafeMutableRawPointer(bitPattern: probe.exchange(0, ordering: .relaxed)))
        interposer.disable()
        let seen = interposer.read().0
        interposer.reset()
        return seen > 0
    }

    /// Starts the window; only the first call of a run does anything, so
    /// every producer may call it as it enters its measured part.
    public func begin() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        sides.reset()
        guard let interposer = Interposer.loaded else { return }
        interposer.setHook(attributeAllocation)
        interposer.reset()
        startTime.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
        interposer.enable()
    }

    /// How many threads will call ``leave()``: the window closes when the
    /// last of them does, on its own thread, before any of them exits. (The
    /// interposer 1.6.1 keeps counting into a thread's block after that
    /// thread's exit destructor freed it, which corrupts the heap: no thread
    /// may end while counting is on.)
    public func expect(_ count: Int) {
        participants.store(count, ordering: .relaxed)
    }

    /// A measured thread is done: the last one closes the window; the others
    /// wait here until it has, so none of their threads (nor librdkafka's,
    /// which end when a handle closes) ends while counting is on.
    public func leave() {
        if participants.subtract(1, ordering: .acquiringAndReleasing).newValue <= 0 {
            stop()
            return
        }
        while started.load(ordering: .relaxed) && !stopped.load(ordering: .acquiring) {
            usleep(1000)
        }
    }

    /// Closes the window (once) and keeps what it counted.
    private func stop() {
        guard started.load(ordering: .relaxed), let interposer = Interposer.loaded,
              stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        interposer.disable()
        let end = MonotonicClock.nanoseconds()
        interposer.setHook(nil)
        var counts = AllocationCounts()
        (counts.mallocs, counts.bytes, counts.frees) = interposer.read()
        counts.zoobenchMallocs = sides.zoobenchCount.load(ordering: .relaxed)
        counts.zoobenchBytes = sides.zoobenchBytes.load(ordering: .relaxed)
        counts.librdkafkaCallMallocs = sides.callCount.load(ordering: .relaxed)
        counts.librdkafkaCallBytes = sides.callBytes.load(ordering: .relaxed)
        counts.librdkafkaThreadMallocs = sides.threadCount.load(ordering: .relaxed)
        counts.librdkafkaThreadBytes = sides.threadBytes.load(ordering: .relaxed)
        counts.otherMallocs = sides.otherCount.load(ordering: .relaxed)
        counts.otherBytes = sides.otherBytes.load(ordering: .relaxed)
        counts.periodicMallocs = sides.periodicCount.load(ordering: .relaxed)
        counts.periodicBytes = sides.periodicBytes.load(ordering: .relaxed)
        counts.seconds = Double(end - startTime.load(ordering: .relaxed)) / 1e9
        taken.withLock { $0 = counts }
    }

    /// Ends the window if it is still open and returns what it counted, for
    /// `messages` messages (zeros if it never began).
    public func end(messages: Int) -> AllocationCounts {
        stop()
        var counts = taken.withLock { $0 } ?? AllocationCounts()
        counts.messages = messages
        return counts
    }
}
