import Foundation

/// Reads a file given as input, bounded in bytes and in time, or says in a
/// few words why it cannot be used: `no such file`, `a folder, not a file`,
/// `empty`, `more than 1 MiB`.
///
/// A size check alone does not bound a read: `/dev/zero` and `/dev/urandom`
/// report no size and never end, and a FIFO nobody writes to makes a plain
/// `open` wait forever. So the file is opened without blocking and read in
/// chunks: a regular file larger than the limit is refused before a byte is
/// read; anything else (a device, a pipe, process substitution's
/// `/dev/fd/63`) is read until its end, until more than the limit has
/// arrived, or until nothing has arrived for `stall`.
public enum FileProblem {
    /// How long a pipe or device may stay silent before the read gives up.
    public static let defaultStall: Duration = .seconds(10)

    /// The file's bytes (at most `limit`), or the reason there are none to
    /// use (an empty file is a reason too).
    public static func contents(of path: String, limit: Int, stall: Duration = defaultStall) -> Result<Data, Reason> {
        let opened = open(path)
        guard case .success(let fd) = opened else {
            if case .failure(let reason) = opened { return .failure(reason) }
            return .failure(.unreadable)
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > limit {
            return .failure(.tooLarge(limit: limit))
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let stallNanoseconds = UInt64(max(0, stall.components.seconds)) * 1_000_000_000
            + UInt64(max(0, stall.components.attoseconds) / 1_000_000_000)
        var lastArrival = MonotonicClock.nanoseconds()
        while true {
            let wanted = min(chunk.count, limit + 1 - data.count)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if count > 0 {
                data.append(contentsOf: chunk[0..<count])
                if data.count > limit { return .failure(.tooLarge(limit: limit)) }
                lastArrival = MonotonicClock.nanoseconds()
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                let waited = MonotonicClock.nanoseconds() - lastArrival
                guard waited < stallNanoseconds else { return .failure(.stalled(stall)) }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, Int32(min(100, (stallNanoseconds - waited) / 1_000_000 + 1)))
            } else {
                return .failure(.unreadable)
            }
        }
        if data.isEmpty { return .failure(.empty) }
        return .success(data)
    }

    /// Opens `path` for reading without blocking (a FIFO with no writer
    /// opens at once), refusing folders.
    static func open(_ path: String) -> Result<Int32, Reason> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable) }
        if info.st_mode & S_IFMT == S_IFDIR { return .failure(.folder) }
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.unreadable) }
        return .success(fd)
    }

    public enum Reason: Error, Equatable, CustomStringConvertible {
        case missing, folder, unreadable, empty
        /// More than `limit` bytes (a regular file's size, or a stream's bytes so far).
        case tooLarge(limit: Int)
        /// A pipe or device sent nothing for this long.
        case stalled(Duration)

        public var description: String {
            switch self {
            case .missing: "no such file"
            case .folder: "a folder, not a file"
            case .unreadable: "not readable (permissions?)"
            case .empty: "empty"
            case .tooLarge(let limit): "more than \(Self.size(limit)), the most zoobench reads from such a file"
            case .stalled(let duration):
                "nothing arrived for \(duration.components.seconds) s: a pipe that nobody writes to, or a device that never ends?"
            }
        }

        /// `1 MiB`, `64 MiB`, `512 KiB`.
        static func size(_ bytes: Int) -> String {
            if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
            if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
            return "\(bytes) bytes"
        }
    }
}
