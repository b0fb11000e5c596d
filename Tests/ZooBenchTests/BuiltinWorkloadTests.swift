import Foundation
import Testing
@testable import ZooBench

/// The builtin workload library: every entry is a workload file that loads
/// and checks, `show`'s text is what runs, and an e2e entry's consumers reach
/// the run.
@Suite("Builtin workloads", .timeLimit(.minutes(1)))
struct BuiltinWorkloadTests {
    @Test func atLeastTenWithDistinctNamesAndTheShapesTheIssueNames() {
        let names = BuiltinWorkload.all.map(\.name)
        #expect(names.count >= 10)
        #expect(Set(names).count == names.count)
        for name in ["omb-1p-1kb-max", "omb-16p-1kb-max", "omb-100p-1kb-max", "omb-16p-1kb-50k", "large-messages",
                     "small-messages", "transactions", "hot-partition"] {
            #expect(names.contains(name), "no builtin \(name)")
        }
        for workload in BuiltinWorkload.all {
            #expect(["produce", "e2e"].contains(workload.command))
            #expect(!workload.summary.isEmpty && !workload.summary.contains("\n"))
        }
    }

    /// Each loads by name through the same loader every command uses, carries
    /// its own name, and equals what its printed text loads as a file.
    @Test(arguments: BuiltinWorkload.all)
    func loadsAndMatchesItsText(_ builtin: BuiltinWorkload) throws {
        let loaded = try ProduceWorkload.load(WorkloadRequest(file: "builtin:" + builtin.name)).workload
        #expect(loaded.name == builtin.name)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zb-builtin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(builtin.name).yaml")
        try builtin.text.write(to: file, atomically: true, encoding: .utf8)
        #expect(try ProduceWorkload.load(WorkloadRequest(file: file.path)).workload == loaded)
        #expect(builtin.text.hasPrefix("# \(builtin.name): "))
        #expect(builtin.text.contains("zoobench \(builtin.command) --workload builtin:\(builtin.name)"))
    }

    @Test func theirFieldsAreWhatTheySay() throws {
        func load(_ name: String) throws -> ProduceWorkload {
            try ProduceWorkload.load(WorkloadRequest(file: "builtin:" + name)).workload
        }
        let omb = try load("omb-16p-1kb-50k")
        #expect(omb.partitions == 16 && omb.recordSize == .fixed(1024) && omb.throughput == 50_000 && omb.acks == .all)
        #expect(try load("omb-100p-1kb-max").throughput == nil)
        #expect(try load("hot-partition").keys == .zipf(1000, exponent: 1.2))
        let transactions = try load("transactions")
        #expect(transactions.transactionalID == "zoobench-tx" && transactions.idempotence && transactions.transactionSize == 1000)
        #expect(try load("small-messages").recordSize == .fixed(10))
        #expect(try load("large-messages").recordSize == .fixed(512 * 1024))
    }

    /// Flags win over a builtin's fields, as over any file's.
    @Test func flagsWin() throws {
        let loaded = try ProduceWorkload.load(WorkloadRequest(file: "builtin:omb-1p-1kb-max",
                                                              fields: [("duration", "3s"), ("partitions", "2")])).workload
        #expect(loaded.duration == .seconds(3) && loaded.partitions == 2 && loaded.recordSize == .fixed(1024))
    }

    @Test func anUnknownNameListsTheKnownOnes() {
        #expect {
            _ = try ProduceWorkload.load(WorkloadRequest(file: "builtin:no-such"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("no builtin workload 'no-such'") && text.contains("omb-16p-1kb-max") && !text.contains("\n")
        }
    }

    /// An e2e builtin's `consume` section sets the consumers; a consumer flag
    /// wins; produce says it does not use the section.
    @Test func theConsumeSectionReachesEndToEnd() throws {
        let (produce, consume, notes) = try EndToEndRun.workloads(WorkloadRequest(file: "builtin:e2e-latency"), consumer: WorkloadRequest())
        #expect(consume.consumers == 2)
        #expect(consume.name == produce.name && consume.topic == produce.topic)
        #expect(!notes.joined().contains("consume"))
        let flagged = try EndToEndRun.workloads(WorkloadRequest(file: "builtin:e2e-latency"), consumer: WorkloadRequest(fields: [("consumers", "3")]))
        #expect(flagged.consume.consumers == 3)
        let produceNotes = try ProduceWorkload.load(WorkloadRequest(file: "builtin:e2e-latency")).notes
        #expect(produceNotes == ["not used by produce: consume"])
    }

    @Test func aConsumeSectionThatIsNotAMappingOrHasABadFieldIsOneLine() {
        for (text, expected) in [("acks: 1\nconsume: 3\n", "'consume' must map consume field names to values"),
                                 ("acks: 1\nconsume:\n  consumers: many\n", "consumers")] {
            #expect {
                _ = try WorkloadFile.parse(text, source: "w.yaml")
            } throws: { error in
                let description = "\(error)"
                return description.contains(expected) && description.contains("w.yaml") && !description.contains("\n")
            }
        }
    }
}
