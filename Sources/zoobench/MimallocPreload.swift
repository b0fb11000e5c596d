import Foundation
import ZooBench

/// zoobench runs on mimalloc: at start, unless it is already there, the
/// process runs itself again (`execv`, same pid and arguments) with
/// Debian's `libmimalloc.so.2` preloaded, so that mimalloc serves every
/// `malloc` in it, librdkafka's included. librdkafka's broker threads
/// allocate each fetched record and the consuming thread frees it; glibc
/// pays for that hand-over with locked frees into another thread's arena,
/// mimalloc does not, and a consumer reads about 40 % more records a second
/// (docs/performance.md, "The allocator").
///
/// Preloaded, not linked: `--count-allocations` preloads malloc-interposer,
/// whose 16-byte headers mimalloc does not expect from every path (a
/// consume run with a backlog crashed in about one run of three with both
/// in the process), so counting runs keep glibc's malloc, as before.
/// `ZOOBENCH_ALLOCATOR=glibc` keeps glibc's malloc for any run; a machine
/// without the library runs on glibc's, and results say which
/// (`environment.allocator`).
enum MimallocPreload {
    /// Where Debian and others keep it; `ZOOBENCH_MIMALLOC` names another.
    static let candidates = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu",
                             "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"]
        .map { $0 + "/libmimalloc.so.2" }
    /// Set for the second start: the `LD_PRELOAD` the user had ("" for none),
    /// given back once mimalloc is in, so that child processes do not inherit ours.
    static let marker = "ZOOBENCH_MIMALLOC_PRELOADED"

    /// Call first thing: returns when the process stays as it is (mimalloc
    /// is in, or it is not wanted or not there); otherwise does not return.
    static func ensure(arguments: [String]) {
        let environment = ProcessInfo.processInfo.environment
        if let original = environment[marker] {
            giveBack(original)  // the second start: children get the user's LD_PRELOAD
            return
        }
        guard ProcessAllocator.mimallocVersion == nil,
              environment["ZOOBENCH_ALLOCATOR"]?.lowercased() != "glibc",
              environment[AllocationOptions.interposerMarker] == nil,
              !arguments.contains(where: { $0 == "--count-allocations" || $0 == "--require-zero-copy" }),
              let library = (environment["ZOOBENCH_MIMALLOC"].map { [$0] } ?? candidates)
                .first(where: { FileManager.default.fileExists(atPath: $0) })
        else { return }
        let original = environment["LD_PRELOAD"] ?? ""
        setenv(marker, original, 1)
        setenv("LD_PRELOAD", original.isEmpty ? library : "\(library):\(original)", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        giveBack(original)  // could not run again: go on with glibc's malloc
    }

    /// Puts back the `LD_PRELOAD` the user had and drops the marker.
    private static func giveBack(_ original: String) {
        unsetenv(marker)
        if original.isEmpty { unsetenv("LD_PRELOAD") } else { setenv("LD_PRELOAD", original, 1) }
    }
}
