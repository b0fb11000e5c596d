import Foundation

/// Reads a JSON Lines file: each non-empty line is one JSON value and becomes
/// one record whose value is the line's bytes. The file is streamed a chunk
/// at a time, so its size is not bounded, but each line is
/// (``longestLine``); a pipe or device that sends nothing for ``stall`` ends
/// the read with an error rather than a wait without end.
public struct JSONLInputAdapter: InputAdapter {
    /// The file read.
    public let path: String
    /// A top-level field whose value (as text) becomes the record key; nil: no key.
    public var keyField: String?
    /// The longest line (record) read: 16 MiB, well over the 1 MB a Kafka
    /// record may have by default.
    public var longestLine = 16 << 20
    /// How long a pipe may send nothing before the read fails.
    public var stall: Duration = FileProblem.defaultStall

    /// Opens `path`; an unreadable file is ``FileAdapterError/unreadable(path:reason:)``.
    public init(path: String, keyField: String? = nil) throws(FileAdapterError) {
        switch FileProblem.open(path) {
        case .success(let fd): close(fd)
        case .failure(let reason): throw .unreadable(path: path, reason: reason.description)
        }
        self.path = path
        self.keyField = keyField
    }

    public mutating func read(limit: Int?, _ body: (KafkaMessage) throws -> Void) throws -> Int {
        let fd: Int32
        switch FileProblem.open(path) {
        case .success(let opened): fd = opened
        case .failure(let reason): throw FileAdapterError.unreadable(path: path, reason: reason.description)
        }
        defer { close(fd) }
        var lines = LineReader(fd: fd, longestLine: longestLine, stall: stall)
        var count = 0
        while true {
            if let limit, count >= limit { break }
            let next: LineReader.Line?
            do {
                next = try lines.next()
            } catch .stalled {
                throw FileAdapterError.unreadable(path: path, reason: FileProblem.Reason.stalled(stall).description)
            } catch {
                throw FileAdapterError.unreadable(path: path, reason: "the read failed")
            }
            guard let line = next else { break }
            let lineNumber = lines.lineNumber
            guard case .text(let bytes) = line else {
                throw FileAdapterError.malformed(path: path, line: lineNumber,
                                                 reason: "longer than \(FileProblem.Reason.size(longestLine)), the longest record read")
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            } catch {
                throw FileAdapterError.malformed(path: path, line: lineNumber, reason: "not valid JSON")
            }
            var key: [UInt8]?
            if let keyField {
                guard let dictionary = object as? [String: Any], let value = dictionary[keyField] else {
                    throw FileAdapterError.malformed(path: path, line: lineNumber, reason: "no field '\(keyField)' for the key")
                }
                key = Array((value as? String ?? "\(value)").utf8)
            }
            try body(KafkaMessage(value: bytes, key: key))
            count += 1
        }
        return count
    }
}

/// Errors of the file adapters; each names the file (and line).
public enum FileAdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read '\(path)': \(reason)"
        case .malformed(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .unwritable(let path, let reason): return "cannot write '\(path)': \(reason)"
        }
    }
}
