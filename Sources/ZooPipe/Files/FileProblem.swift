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
        // Through a handle, so devices and pipes read too (/dev/null is empty, not unreadable).
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(.unreadable) }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()  // nil at once: nothing to read
        } catch {
            return .failure(.unreadable)
        }
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
