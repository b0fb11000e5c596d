import ArgumentParser
import Foundation
import ZooBench

/// Allocation counting and the zero-copy gate.
struct AllocationOptions: ParsableArguments {
    @Flag(help: "Count allocations (mallocs, frees, bytes) over the measured window, split between zoobench and librdkafka, and judge them against the zero-copy budget.")
    var countAllocations = false
    @Flag(help: "Count allocations and exit 5 when the run broke the zero-copy budget (for CI).")
    var requireZeroCopy = false

    /// The counter to give the run, nil when not counting. The interposer must
    /// be preloaded: when it is not, zoobench runs itself again with
    /// `LD_PRELOAD` set to the library beside its binary (this call then does
    /// not return); call it before starting anything.
    func counter() throws -> AllocationCounter? {
        guard countAllocations || requireZeroCopy else { return nil }
        if AllocationCounter.isAvailable { return AllocationCounter() }
        let library = Self.interposerLibrary
        let marker = Self.interposerMarker
        if ProcessInfo.processInfo.environment[marker] != nil {
            throw ValidationError("--count-allocations: \(library) was preloaded but counts no allocation in this process")
        }
        guard FileManager.default.fileExists(atPath: library) else {
            throw ValidationError("--count-allocations: the allocation interposer is not loaded and \(library) is not there "
                + "to load; build it with 'swift build -c release --product MallocInterposerSwift' (scripts/run does), "
                + "or run with LD_PRELOAD=<path>/libMallocInterposerSwift.so")
        }
        let preload = ProcessInfo.processInfo.environment["LD_PRELOAD"].map { "\(library):\($0)" } ?? library
        setenv("LD_PRELOAD", preload, 1)
        setenv(marker, "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw ValidationError("--count-allocations: could not run zoobench again with the interposer: \(String(cString: strerror(errno)))")
    }

    /// Set when zoobench runs itself again with the interposer preloaded.
    static let interposerMarker = "ZOOBENCH_INTERPOSER_PRELOADED"

    /// libMallocInterposerSwift.so in the folder of the running binary.
    static var interposerLibrary: String {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return binary.deletingLastPathComponent().appendingPathComponent("libMallocInterposerSwift.so").path
    }

    /// Exits 5 when --require-zero-copy was given and the run broke the budget.
    func check(_ result: RunResult) throws {
        guard requireZeroCopy, let figures = result.allocations, !figures.zeroCopy else { return }
        FileHandle.standardError.write(Data(("zoobench: error: zero-copy budget broken: "
            + figures.violations.joined(separator: "; ") + "\n").utf8))
        throw ExitCode(ExitStatus.zeroCopy.rawValue)
    }
}

