import Dispatch
import Foundation
import Testing
import ZooBench

@Suite("End-offset check (CLI)", .serialized)
struct OffsetCheckCLITests {
    /// On the embedded cluster both readings agree with what was delivered.
    @Test func readingsAgreeOnTheEmbeddedCluster() throws {
        let run = try ZoobenchProcess.run(["produce", "--num-records", "20000", "--partitions", "3", "--no-save", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        let check = try #require(result.summary?.offsetCheck)
        #expect(check.verdict == .matches)
        #expect(check.listOffsetsGrowth == 20000)
        #expect(check.highWatermarkGrowth == 20000)
        #expect(check.recordsReadBack == nil)
    }

    /// Another writer on the same topic during the run: the log gains records
    /// nobody in this run delivered. The check reads them back, finds more than
    /// delivered with no retry to explain it, says MISMATCH and exits 1; the
    /// result is still written.
    @Test func anotherWriterMakesAnUnexplainedMismatch() throws {
        let cluster = try ClusterProcess.start(topics: ["shared:3"])
        defer { cluster.stop() }
        let folder = try scratchFolder("offset-mismatch")
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = DispatchGroup()
        other.enter()
        nonisolated(unsafe) var background: ZoobenchProcess?
        let bootstrap = cluster.bootstrap
        DispatchQueue.global().async {
            background = try? ZoobenchProcess.run(["produce", "--brokers", bootstrap, "--topic", "shared",
                                                   "--throughput", "2000", "--duration", "6s", "--warmup", "0s",
                                                   "--no-save", "--quiet"])
            other.leave()
        }
        Thread.sleep(forTimeInterval: 1.5)
        let measured = try ZoobenchProcess.run(["produce", "--brokers", cluster.bootstrap, "--topic", "shared",
                                                "--num-records", "4000", "--throughput", "2000", "--warmup", "0s",
                                                "--output", folder.path, "--name", "measured", "--quiet"])
        other.wait()
        #expect(measured.status == 1, "stdout: \(measured.stdout)\nstderr: \(measured.stderr)")
        let line = try #require(measured.stdout.split(separator: "\n").first { $0.hasPrefix("check     ") })
        #expect(line.hasPrefix("check     MISMATCH: broker ListOffsets says "), "\(line)")
        #expect(line.contains("records delivered 4000, read back "))
        #expect(measured.stderr.contains("the topic's log does not match what was delivered: 4000 records delivered"),
                "\(measured.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-measured.json") })
        let result = try ResultJSON.decode(RunResult.self, from: Data(contentsOf: folder.appendingPathComponent(file)))
        let check = try #require(result.summary?.offsetCheck)
        #expect(check.verdict == .unexplained)
        #expect((check.recordsReadBack ?? 0) > 4000)
        // The background run saw the measured run's records in its window too.
        #expect(background?.status == 1, "\(background?.stdout ?? "")")
    }
}
