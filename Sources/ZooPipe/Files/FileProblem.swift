import Foundation

/// Why a file given as input cannot be used, in a few words for an error
/// line: `no such file`, `a folder, not a file`, `empty`, `not readable`.
public enum FileProblem {
    /// The file's bytes, or the reason there are none to use (an empty file
    /// is a reason too).
    public static func contents(of path: String) -> Result<Data, Reason> {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .failure(.missing) }
        if isFolder.boolValue { return .failure(.folder) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.unreadable) }
        if data.isEmpty { return .failure(.empty) }
        return .success(data)
    }

    public enum Reason: Error, CustomStringConvertible {
        case missing, folder, unreadable, empty

        public var description: String {
            switch self {
            case .missing: "no such file"
            case .folder: "a folder, not a file"
            case .unreadable: "not readable (permissions?)"
            case .empty: "empty"
            }
        }
    }
}
