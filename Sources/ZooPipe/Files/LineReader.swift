import Foundation

/// Reads lines from a file descriptor in chunks, each line bounded: a line
/// longer than `longestLine` is skipped to its end and reported as
/// ``Line/tooLong(_:)`` instead of growing without bound (`/dev/zero` has no
/// newline at all). Reading a pipe or a terminal waits for more; with a
/// `stall` bound it gives up when nothing arrives for that long.
public struct LineReader {
    /// One line, without its `\n` (and without a `\r` before it).
    public enum Line: Equatable {
        case text([UInt8])
        /// A line over the bound, skipped; its number.
        case tooLong(Int)
    }

    public enum Problem: Error, Equatable {
        /// Nothing arrived for the stall bound.
        case stalled
        /// The read failed (errno).
        case failed(Int32)
    }

    private let fd: Int32
    private let longestLine: Int
    private let stallNanoseconds: UInt64?
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// Inside a line already reported too long.
    private var skipping = false
    /// Where the search for the next newline goes on from.
    private var searched = 0
    /// Lines returned so far (the number of the last one).
    public private(set) var lineNumber = 0

    /// Reads `fd` (not closed here); `stall` nil waits as long as it takes.
    public init(fd: Int32, longestLine: Int, stall: Duration? = nil) {
        self.fd = fd
        self.longestLine = longestLine
        stallNanoseconds = stall.map { UInt64(max(0, $0.components.seconds)) * 1_000_000_000 + UInt64(max(0, $0.components.attoseconds) / 1_000_000_000) }
    }

    /// The next line, nil at the end of the input. A line over the bound is
    /// reported as soon as the bound is passed (a source with no newline at
    /// all is not read to its end first); the next call skips the rest of it.
    public mutating func next() throws(Problem) -> Line? {
        while true {
            // Only bytes not yet looked at are searched: a long line is scanned once, not once per chunk.
            let newline = buffer.withUnsafeBufferPointer { bytes -> Int? in
                guard searched < bytes.count else { return nil }
                guard let found = memchr(bytes.baseAddress! + searched, 0x0A, bytes.count - searched) else { return nil }
                return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress!
            }
            searched = buffer.count
            if let newline {
                var line = Array(buffer[start..<newline])
                start = newline + 1
                searched = start
                compact()
                if skipping {
                    skipping = false
                    continue
                }
                lineNumber += 1
                if line.count > longestLine { return .tooLong(lineNumber) }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return .text(line)
            }
            if skipping || buffer.count - start > longestLine {
                // No newline within the bound: drop what is held; the line is skipped to its end.
                buffer.removeAll(keepingCapacity: true)
                start = 0
                searched = 0
                if !skipping {
                    skipping = true
                    lineNumber += 1
                    return .tooLong(lineNumber)
                }
            }
            if atEnd {
                guard start < buffer.count, !skipping else { return nil }
                let line = Array(buffer[start...])
                buffer.removeAll()
                start = 0
                searched = 0
                lineNumber += 1
                return .text(line)
            }
            try fill()
        }
    }

    private mutating func compact() {
        if start > 64 * 1024 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            searched -= start
            start = 0
        }
    }

    /// Reads one chunk, waiting (up to the stall bound) when none is ready.
    private mutating func fill() throws(Problem) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let began = MonotonicClock.nanoseconds()
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return
            }
            if count == 0 {
                atEnd = true
                return
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                let waited = MonotonicClock.nanoseconds() - began
                if let stallNanoseconds, waited >= stallNanoseconds { throw .stalled }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 100)
            default:
                throw .failed(errno)
            }
        }
    }
}
