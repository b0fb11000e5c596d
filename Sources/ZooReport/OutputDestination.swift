import Foundation

/// Where results are to be written, checked before anything is measured: a
/// run of minutes should not end in "cannot write" with its figures lost.
/// A folder must be a folder (or one zoobench can create) in which a file
/// can be created; a file must not be a folder or a device, and its folder
/// must exist and take new files. The check creates and removes one empty
/// hidden file; it creates no folder.
public enum OutputDestination {
    /// Checks results can be written into `path` (a folder, created later if missing).
    public static func checkFolder(_ path: String, label: String) throws(ResultFileError) {
        guard !path.isEmpty else { throw .badDestination(label: label, path: path, reason: "an empty path") }
        if let reason = folderProblem(path, isTheSubject: true) { throw .badDestination(label: label, path: path, reason: reason) }
    }

    /// Checks a result can be written to the file `path` (replaced if it exists).
    public static func checkFile(_ path: String, label: String) throws(ResultFileError) {
        func bad(_ reason: String) -> ResultFileError { .badDestination(label: label, path: path, reason: reason) }
        guard !path.isEmpty else { throw bad("an empty path") }
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { throw bad("a folder; name a file") }
            // Renaming over a device (/dev/null) would replace it, not write to it.
            guard info.st_mode & S_IFMT == S_IFREG else { throw bad("not a regular file (a device or a pipe)") }
        }
        // The file's folder must exist: a mistyped path is not made into folders.
        let parent = (path as NSString).deletingLastPathComponent
        let folder = parent.isEmpty ? "." : parent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw bad("'\(folder)' does not exist") }
        guard isFolder.boolValue else { throw bad("'\(folder)' is not a folder") }
        if let reason = cannotCreate(in: folder) { throw bad("cannot create files in '\(folder)' (\(reason))") }
    }

    /// Why `path` cannot be (or become) a folder files are created in; nil
    /// when it can. The reason names `path` unless it is the subject itself.
    private static func folderProblem(_ path: String, isTheSubject: Bool) -> String? {
        var probe = path
        var missing = false
        while true {
            var info = stat()
            if stat(probe, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    return isTheSubject && !missing ? "not a folder" : "'\(probe)' is not a folder"
                }
                break
            }
            guard errno == ENOENT || errno == ENOTDIR else { return "'\(probe)': \(String(cString: strerror(errno)))" }
            missing = true
            let parent = (probe as NSString).deletingLastPathComponent
            probe = parent.isEmpty ? "." : parent
        }
        guard let reason = cannotCreate(in: probe) else { return nil }
        if missing { return "cannot create a folder in '\(probe)' (\(reason))" }
        return isTheSubject ? "cannot create files in it (\(reason))" : "cannot create files in '\(probe)' (\(reason))"
    }

    /// Why no file can be created in the existing folder `folder`, nil if one can.
    private static func cannotCreate(in folder: String) -> String? {
        let probe = (folder as NSString).appendingPathComponent(".zoobench-check.\(getpid()).tmp")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        close(descriptor)
        unlink(probe)
        return nil
    }

    /// A folder of the system's temporary space where results go when their
    /// own destination failed at the end of a run.
    public static func fallbackFolder() -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return (base as NSString).appendingPathComponent("zoobench-unsaved")
    }
}
