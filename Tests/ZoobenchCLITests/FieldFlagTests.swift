import Foundation
import Testing
import ZooBench

/// The workload flags are declared once per field and found by reflection:
/// every field of the engine's tables has its flag, and every flag given
/// reaches the workload the run records.
@Suite("Workload fields as flags", .timeLimit(.minutes(2)))
struct FieldFlagTests {
    @Test func everyFieldHasItsFlagWithTheTablesHelp() throws {
        let produce = try ZoobenchProcess.run(["produce", "--help"]).stdout
        for field in ProduceWorkload.fields {
            #expect(produce.contains("--\(field.name) ") || produce.contains("--\(field.name)\n"), "produce --help lacks --\(field.name)")
            let firstWords = field.help.split(separator: " ").prefix(3).joined(separator: " ")
            #expect(produce.contains(firstWords), "produce --help lacks the table's help for --\(field.name)")
        }
        let consume = try ZoobenchProcess.run(["consume", "--help"]).stdout
        for field in ConsumeWorkload.fields {
            #expect(consume.contains("--\(field.name) ") || consume.contains("--\(field.name)\n"), "consume --help lacks --\(field.name)")
        }
    }

    /// Every produce field given a value that is not its default (in two
    /// runs: idempotence and transactions need acks=all): the result's
    /// workload holds each one, as the table reads it.
    @Test(arguments: [
        [("name", "allflags"), ("topic", "allflags"), ("partitions", "2"), ("replication-factor", "1"), ("acks", "1"),
         ("num-records", "60"), ("duration", "20s"), ("throughput", "3000"), ("warmup-records", "6"),
         ("record-size", "64"), ("payload", "text"), ("compressibility", "0.5"), ("payload-delimiter", ";"),
         ("keys", "uniform:10"), ("headers", "1"), ("producers", "2"), ("topics", "2"), ("linger-ms", "2"), ("batch-size", "16384"),
         ("compression", "lz4"), ("timeout", "20s"), ("connect-timeout", "5s"), ("interval", "500ms"),
         ("fault", "at=0s rtt broker=all 1ms")],
        [("name", "txflags"), ("topic", "txflags"), ("num-records", "60"), ("warmup", "1s"), ("idempotence", "true"),
         ("transactional-id", "tx"), ("transaction-size", "10")],
    ])
    func everyFlagGivenReachesTheWorkload(_ given: [(String, String)]) throws {
        var arguments = ["produce", "--no-save", "--json"]
        for (field, text) in given { arguments += text == "true" ? ["--\(field)"] : ["--\(field)", text] }
        let run = try ZoobenchProcess.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        let workload = try #require(result.workload)
        var expected = ProduceWorkload()
        try expected.set(flags: given.map { (field: $0.0, text: $0.1) })
        #expect(workload == expected)
        #expect(workload != ProduceWorkload())
        #expect(result.summary?.delivered == 60)
    }

    @Test func theTwoRunsGiveEveryField() {
        let given = ["name", "topic", "partitions", "replication-factor", "acks", "num-records", "duration", "throughput",
                     "warmup-records", "record-size", "payload", "compressibility", "payload-delimiter", "keys", "headers",
                     "producers", "linger-ms", "batch-size", "compression", "timeout", "connect-timeout", "interval", "fault",
                     "warmup", "idempotence", "transactional-id", "transaction-size", "topics"]
        #expect(Set(ProduceWorkload.fields.map(\.name)) == Set(given))
    }
}
