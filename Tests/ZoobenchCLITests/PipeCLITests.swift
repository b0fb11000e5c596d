import Foundation
import Testing
import ZooPipe

@Suite("zoobench pipe (the seed's examples)", .serialized)
struct PipeCLITests {
    @Test func jsonlToKafkaToCSV() throws {
        let cluster = try EmbeddedCluster(brokers: 3)
        try cluster.createTopic("orders", partitions: 3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-pipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let jsonl = folder.appendingPathComponent("orders.jsonl")
        let lines = (0..<100).map { #"{"id":\#($0),"item":"tea, \"green\""}"# }
        try (lines.joined(separator: "\n") + "\n\n").write(to: jsonl, atomically: true, encoding: .utf8)
        let uri = "kafka://\(cluster.bootstrapServers)/orders"

        let toKafka = try ZoobenchProcess.run(["pipe", "--from", jsonl.path, "--to", uri, "--key-field", "id"])
        #expect(toKafka.status == 0, "stderr: \(toKafka.stderr)")
        #expect(toKafka.stdout.contains("moved 100 records"))
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        #expect(try admin.endOffsetTotal(topic: "orders") == 100)

        let csv = folder.appendingPathComponent("orders.csv")
        let toCSV = try ZoobenchProcess.run(["pipe", "--from", uri, "--to", csv.path, "--group", "audit",
                                             "--idle-timeout", "3s", "-X", "session.timeout.ms=6000"])
        #expect(toCSV.status == 0, "stderr: \(toCSV.stderr)")
        #expect(toCSV.stdout.contains("moved 100 records"))
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(rows.first == "id,partition,offset,timestamp,key,value,headers")
        #expect(rows.count == 101)
        // Values hold commas and quotes, so they are quoted and doubled.
        #expect(rows.contains { $0.contains(#",7,"{""id"":7,""item"":""tea, \""green\""""}","#) })

        // The group committed its offsets: a second run of the same group reads nothing new.
        // (The embedded cluster keeps a departed member until its session times out,
        // so both runs use a short session timeout.)
        let again = try ZoobenchProcess.run(["pipe", "--from", uri, "--to", csv.path, "--group", "audit",
                                             "--idle-timeout", "3s", "-X", "session.timeout.ms=6000"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("moved 0 records"))
    }

    @Test func malformedJSONLNamesTheLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).jsonl")
        try "{\"a\":1}\n{oops\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ZoobenchProcess.run(["pipe", "--from", file.path, "--to", "kafka://127.0.0.1:1/t"])
        // The destination is unreachable, so that is found first (exit 3) or the file is (exit 2): either way one line.
        #expect(result.status == 3 || result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
