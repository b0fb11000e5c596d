import Foundation
import Synchronization
import Testing

/// docs/examples/kafka-pipes, the package docs/library.md points new users
/// to, is built as a user would build it (a separate package depending on
/// this one by path) and run against an embedded cluster: if the library's
/// API or the documented dependency lines drift, this fails.
@Suite("The library as others embed it")
struct LibraryExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let example = repository.appendingPathComponent("docs/examples/kafka-pipes")

    /// Runs `command` through the shell with a memory ceiling, killed after `timeout` seconds.
    static func shell(_ command: String, timeout: TimeInterval) throws -> (status: Int32, output: String, timedOut: Bool) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 8 GiB of address space: the compiler and the example both stay far below it.
        process.arguments = ["-c", "ulimit -v 8388608; exec \(command) 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = Mutex(Data())
        let reader = Thread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            output.withLock { $0 = data }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        process.waitUntilExit()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        return (process.terminationStatus, String(decoding: output.withLock { $0 }, as: UTF8.self), timedOut)
    }

    /// Built against Debian's librdkafka, as a user's package would be: the
    /// 2.8.0 suite run (scripts/test) skips it rather than build it a second
    /// time against a library only zoobench's own build flags can find.
    @Test(.timeLimit(.minutes(30)),
          .enabled(if: ProcessInfo.processInfo.environment["ZOOBENCH_LIBRDKAFKA"] == nil,
                   "the example package is built against Debian's librdkafka only (the default build's run)"))
    func examplePackageBuildsAndMovesRecordsBothWays() throws {
        // Its own build folder (ignored by git), kept between runs so only a first build is slow.
        let scratch = Self.repository.appendingPathComponent(".build-example").path
        let build = try Self.shell("swift build --package-path '\(Self.example.path)' --scratch-path '\(scratch)'",
                                   timeout: 1500)
        #expect(!build.timedOut, "the example's build took over 25 minutes")
        try #require(build.status == 0, "the example package does not build:\n\(build.output.suffix(3000))")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-pipes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.shell("'\(scratch)/debug/KafkaPipes' '\(folder.path)'", timeout: 60)
        #expect(!run.timedOut)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("moved 3 records from \(folder.path)/orders.jsonl to kafka"), "\(run.output)")
        #expect(run.output.contains("moved 3 records from kafka to \(folder.path)/orders.csv"), "\(run.output)")
        // The CSV itself: a header and the three orders, keyed by their ids.
        let csv = try String(contentsOf: folder.appendingPathComponent("orders.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "id,partition,offset,timestamp,key,value,headers")
        #expect(rows.count == 4)
        let keys = Set(rows.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] })
        #expect(keys == ["1", "2", "3"])
        #expect(csv.contains(#""{""id"": 2, ""item"": ""cake"", ""qty"": 1}""#), "\(csv)")
    }

    /// The manifest's and the docs' dependency lines agree: a path
    /// dependency is named after its folder, and the docs say so.
    @Test func docsGiveTheDependencyLinesThatWork() throws {
        let docs = try String(contentsOf: Self.repository.appendingPathComponent("docs/library.md"), encoding: .utf8)
        #expect(docs.contains(#".package(path: "../zoobench")"#))
        #expect(docs.contains(#".product(name: "ZooPipe", package: "zoobench")"#))
        #expect(docs.contains("docs/examples/kafka-pipes") || docs.contains("examples/kafka-pipes"))
        #expect(docs.contains("var pipe = Pipe("))
        let manifest = try String(contentsOf: Self.example.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.contains("package: zoobench.lastPathComponent"))
    }
}
