import Foundation
import Testing
import ZooBench

/// `zoobench workloads` and `--workload builtin:NAME`, run as a user would.
@Suite("Builtin workloads from the command line", .timeLimit(.minutes(3)))
struct WorkloadsCLITests {
    @Test func listsOneLinePerBuiltinAndShowPrintsAFileThatRuns() throws {
        let list = try ZoobenchProcess.run(["workloads"])
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == BuiltinWorkload.all.count && lines.count >= 10)
        for (line, builtin) in zip(lines, BuiltinWorkload.all) {
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            #expect(words.count == 3 && words[0] == builtin.name && words[1] == builtin.command, "\(line)")
        }

        let show = try ZoobenchProcess.run(["workloads", "show", "omb-16p-1kb-50k"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("partitions: 16\n") && show.stdout.contains("throughput: 50000\n"))
        // What show printed, saved as a file, runs as the builtin does.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zb-show-\(UUID().uuidString).yaml")
        try show.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ZoobenchProcess.run(["produce", "--workload", file.path, "--num-records", "2000", "--warmup", "0s",
                                           "--no-save", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        #expect(result.workload?.partitions == 16 && result.workload?.throughput == 50_000)
        #expect(result.summary?.delivered == 2000)
        #expect(result.summary?.offsetCheck?.verdict == .matches)
        #expect(result.summary?.offsetCheck?.listOffsetsGrowth == 2000)
    }

    @Test func aBuiltinRunsByNameAndAnUnknownOneIsBadInput() throws {
        let run = try ZoobenchProcess.run(["produce", "--workload", "builtin:hot-partition", "--num-records", "5000",
                                           "--warmup", "0s", "--no-save", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        #expect(result.workload?.name == "hot-partition" && result.workload?.keys == .zipf(1000, exponent: 1.2))
        #expect(result.summary?.delivered == 5000)
        #expect(result.summary?.offsetCheck?.verdict == .matches)
        #expect(result.summary?.offsetCheck?.listOffsetsGrowth == 5000)

        let unknown = try ZoobenchProcess.run(["produce", "--workload", "builtin:nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no builtin workload 'nope'"))
        let show = try ZoobenchProcess.run(["workloads", "show", "nope"])
        #expect(show.status == 2 && show.stderr.split(separator: "\n").count == 1)
    }

    /// An e2e builtin's consumers (its consume section) are the run's.
    @Test func anEndToEndBuiltinBringsItsConsumers() throws {
        let run = try ZoobenchProcess.run(["e2e", "--workload", "builtin:e2e-latency", "--num-records", "3000", "--warmup", "0s",
                                           "--no-save", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        #expect(result.consumeWorkload?.consumers == 2)
        let integrity = try #require(result.integrity?.first)
        #expect(integrity.consumed == 3000 && integrity.lost == 0 && integrity.duplicated == 0)
    }
}
