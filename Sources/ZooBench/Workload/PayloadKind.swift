/// What record values contain.
public enum PayloadKind: Sendable, Hashable, CustomStringConvertible {
    /// Pseudo-random bytes, with `compressibility` of them repeated.
    case random
    /// Words and spaces (compressible like prose).
    case text
    /// JSON objects with a few fields, padded to the record size.
    case json
    /// Records read from a file, split at the payload delimiter.
    case file(String)

    /// Parses `random`, `text`, `json` or `file:PATH`.
    public init?(parsing text: String) {
        switch text {
        case "random": self = .random
        case "text": self = .text
        case "json": self = .json
        default:
            guard text.hasPrefix("file:"), text.count > 5 else { return nil }
            self = .file(String(text.dropFirst(5)))
        }
    }

    public var description: String {
        switch self {
        case .random: return "random"
        case .text: return "text"
        case .json: return "json"
        case .file(let path): return "file:\(path)"
        }
    }
}
