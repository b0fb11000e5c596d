import Foundation

/// Which allocator serves this process's `malloc`. The zoobench command
/// preloads mimalloc, so librdkafka's threads allocate from it too (not when
/// counting allocations); a program that uses the library keeps whatever it
/// has (glibc's, usually). Results record it, since it moves a consumer's
/// records per second by about 40 %.
public enum ProcessAllocator {
    private typealias Version = @convention(c) () -> Int32
    private typealias LibcVersion = @convention(c) () -> UnsafePointer<CChar>?

    /// mimalloc's version number (`209` for 2.0.9) when mimalloc is in the
    /// process, nil otherwise. Looked up at run time: the command preloads
    /// the library, nothing links it.
    public static let mimallocVersion: Int? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mi_version") else { return nil }  // RTLD_DEFAULT
        return Int(unsafeBitCast(symbol, to: Version.self)())
    }()

    /// `mimalloc 2.0.9`, `glibc 2.36` or `unknown`.
    public static let name: String = {
        if let v = mimallocVersion { return "mimalloc \(v / 100).\(v / 10 % 10).\(v % 10)" }
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gnu_get_libc_version"),
           let text = unsafeBitCast(symbol, to: LibcVersion.self)() {
            return "glibc \(String(cString: text))"
        }
        return "unknown"
    }()
}
