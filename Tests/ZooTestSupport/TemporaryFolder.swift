import Foundation

/// A new empty folder under the temporary directory, named
/// `zoobench-<label>-…`; the caller removes it
/// (`defer { try? FileManager.default.removeItem(at:) }`).
public func temporaryFolder(_ label: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
