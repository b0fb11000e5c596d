import Dispatch
import Foundation

/// Hands memory the process has freed back to the system every few seconds.
/// glibc keeps freed memory in its per-thread arenas; with librdkafka's
/// threads allocating and freeing millions of small buffers, the kept part
/// grew a soak's resident memory by about 1 MB a minute while the live heap
/// (measured with heaptrack) stayed flat. Trimming keeps RSS close to what is
/// in use. (glibc's `malloc_trim`, looked up at run time: other C libraries
/// lack it, and then nothing is done.) Under mimalloc, which the zoobench
/// command preloads (``ProcessAllocator``), glibc's arenas hold nothing and
/// mimalloc returns freed pages itself, so nothing is done either: a
/// 10-minute soak stayed flat (+3.9 % after warm-up, docs/reliability.md).
public enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32

    nonisolated(unsafe) private static let timer: DispatchSourceTimer? = {
        guard ProcessAllocator.mimallocVersion == nil,
              let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else {  // RTLD_DEFAULT
            return nil
        }
        let trim = unsafeBitCast(symbol, to: Trim.self)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "zoobench.trim", qos: .utility))
        timer.schedule(deadline: .now() + .seconds(5), repeating: .seconds(5))
        timer.setEventHandler { _ = trim(0) }
        return timer
    }()

    /// Starts trimming every 5 s (once per process; later calls do nothing).
    public static func start() { _ = started }

    private static let started: Void = { timer?.resume() }()
}
