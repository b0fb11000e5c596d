import Foundation

/// Reads a JSON Lines file: each non-empty line is one JSON value and becomes
/// one record whose value is the line's bytes.
public struct JSONLInputAdapter: InputAdapter {
    /// The file read.
    public let path: String
    /// A top-level field whose value (as text) becomes the record key; nil: no key.
    public var keyField: String?

    /// Opens `path`; an unreadable file is ``FileAdapterError/unreadable(path:reason:)``.
    public init(path: String, keyField: String? = nil) throws(FileAdapterError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        self.path = path
        self.keyField = keyField
    }

    public mutating func read(limit: Int?, _ body: (KafkaMessage) throws -> Void) throws -> Int {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileAdapterError.unreadable(path: path, reason: error.localizedDescription)
        }
        var count = 0
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if let limit, count >= limit { break }
            var bytes = Array(line)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
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
