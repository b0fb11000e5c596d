import Foundation
import Testing
import ZooTestSupport
@testable import ZooReport

/// Where results go is checked before a run measures anything; at the end,
/// a destination that still fails sends them somewhere else that is said;
/// temporary files of writes killed part-way are cleaned up.
@Suite("Result destinations")
struct DestinationTests {
    private func reason(_ check: () throws(ResultFileError) -> Void) -> String? {
        do {
            try check()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func foldersAreCheckedBeforeMeasuring() throws {
        let dir = try temporaryFolder("dest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder(dir.path, label: "--output") } == nil)
        // Missing folders are made when the results are written; the check makes none.
        let missing = dir.appendingPathComponent("new/deeper").path
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder(missing, label: "--output") } == nil)
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder("", label: "--output") } == "--output '': an empty path")
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder(file.path, label: "--output") }?
            .hasSuffix("not a folder") == true)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder(file.path + "/below", label: "--output") }?
            .contains("is not a folder") == true)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder("/dev/null", label: "--output") }?
            .hasSuffix("not a folder") == true)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFolder("/proc", label: "--output") }?
            .contains("cannot create files in it") == true)
        // The check leaves nothing behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a-file"])
    }

    @Test func filesAreCheckedBeforeMeasuring() throws {
        let dir = try temporaryFolder("dest")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFile(dir.appendingPathComponent("r.html").path, label: "-o") } == nil)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFile(dir.path, label: "-o") }?.hasSuffix("a folder; name a file") == true)
        // Renaming over a device would replace it.
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFile("/dev/null", label: "-o") }?.contains("not a regular file") == true)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFile(dir.appendingPathComponent("no/r.html").path, label: "-o") }?
            .hasSuffix("does not exist") == true)
        #expect(reason { () throws(ResultFileError) in try OutputDestination.checkFile("/proc/r.html", label: "-o") }?
            .contains("cannot create files in '/proc'") == true)
    }

    /// A write that fails at the end goes to the fallback folder, and the
    /// error names both places.
    @Test func resultsThatCannotGoWhereAskedGoElsewhere() throws {
        let dir = try temporaryFolder("dest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fallback = dir.appendingPathComponent("fallback").path
        let write = { (folder: String) throws -> [String] in
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = folder + "/result.json"
            try ResultFiles.writeAtomically(Data("{}".utf8), to: URL(fileURLWithPath: path))
            return [path]
        }
        #expect(try ResultFiles.writing(to: dir.path, fallback: fallback, write) == [dir.path + "/result.json"])
        do {
            _ = try ResultFiles.writing(to: "/proc/zoobench", fallback: fallback, write)
            Issue.record("writing into /proc succeeded")
        } catch let error as ResultFileError {
            guard case .savedElsewhere(let path, _, let saved) = error else { throw error }
            #expect(path == "/proc/zoobench")
            #expect(saved == [fallback + "/result.json"])
            #expect(FileManager.default.fileExists(atPath: fallback + "/result.json"))
            #expect(error.description.contains("what was measured is saved instead as \(fallback)/result.json"))
        }
    }

    /// A write killed before its rename leaves `.<name>.<pid>.tmp`; the next
    /// write into that folder removes it when no process `pid` runs, and
    /// leaves other files (and live writers' files) alone.
    @Test func abandonedTemporariesAreRemoved() throws {
        let dir = try temporaryFolder("dest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let names = [".20261201-000000-produce.json.\(dead.processIdentifier).tmp",  // a dead writer's: removed
                     ".20261201-000000-produce.csv.\(getppid()).tmp",  // a live process's: kept
                     ".sample.bin.\(dead.processIdentifier).tmp",  // not a result: kept
                     "notes.json"]
        for name in names { try Data("x".utf8).write(to: dir.appendingPathComponent(name)) }
        try ResultFiles.writeAtomically(Data("{}".utf8), to: dir.appendingPathComponent("new.json"))
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(left == Set(names.dropFirst() + ["new.json"]))
    }
}
