import Foundation
import Testing
import ZooBench
import ZooPipe
import ZooTestSupport

/// zoobench against a real broker: every command that touches Kafka, with
/// counts checked by an independent client reading everything back. Runs on
/// the librdkafka 2.8.0 build (`scripts/test` runs the suite on both).
/// Runs stay small: Tansu keeps every record in memory.
@Suite("Real broker (Tansu)", .serialized, .enabled(if: TansuBroker.available, TansuBroker.skipReason))
struct RealBrokerTests {
    /// Runs zoobench with `arguments`, results into `folder`; returns the process and the one result.
    func run(_ arguments: [String], folder: URL, name: String, timeout: TimeInterval = 120) throws -> (ZoobenchProcess, RunResult?) {
        let process = try ZoobenchProcess.run(arguments + ["--name", name, "--output", folder.path, "--quiet"], timeout: timeout)
        let file = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .first { $0.hasSuffix("-\(name).json") }
        let result = try file.map { try ResultJSON.decode(RunResult.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
        return (process, result)
    }

    /// Each acks level, and each codec at acks=all: every delivered record is
    /// in the log (read back by another client), zoobench's two offset
    /// readings agree with that client's, and Tansu's wrong ListOffsets is
    /// named as such, with exit 0 (the records explain it).
    @Test func produceAtEachAcksAndCodec() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-produce")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = [("0", "none"), ("1", "none"), ("-1", "none"), ("-1", "gzip"), ("-1", "snappy"), ("-1", "lz4"), ("-1", "zstd")]
        for (index, (acks, codec)) in cases.enumerated() {
            let topic = "produce-\(index)"
            let (process, result) = try run(["produce", "--uri", "kafka://\(broker.bootstrap)/\(topic)", "--partitions", "3",
                                             "--acks", acks, "--compression", codec, "--num-records", "20000",
                                             "--record-size", "200"], folder: folder, name: topic)
            #expect(process.status == 0, "acks=\(acks) \(codec): \(process.stderr)")
            let summary = try #require(result?.summary)
            #expect(summary.delivered == 20000)
            #expect(process.stdout.contains("topic \(topic) (3 partitions, created)"), "\(process.stdout)")
            let read = try broker.readBack(topic)
            #expect(read.complete)
            #expect(read.records == 20000, "acks=\(acks) \(codec): read back \(read.records)")
            #expect(read.distinctOffsets == 20000)
            let check = try #require(summary.offsetCheck)
            #expect(check.highWatermarkGrowth == read.highWatermarkTotal)
            #expect(check.listOffsetsGrowth == read.listOffsetsTotal)
            if read.listOffsetsTotal != 20000 {
                #expect(check.verdict == .listOffsetsWrong)
                #expect(check.recordsReadBack == 20000)
                #expect(process.stdout.contains(
                    "check     broker ListOffsets says \(read.listOffsetsTotal), fetch high watermark 20000: "
                        + "the broker's ListOffsets is wrong; records delivered 20000, read back 20000"), "\(process.stdout)")
            } else {
                #expect(check.verdict == .matches)
            }
            #expect(result?.environment.librdkafkaVersion == KafkaVersion.librdkafka)
            #expect(result?.environment.librdkafkaFeatures?.contains("zstd") == true)
        }
    }

    /// Tansu creates a topic with one replica whatever the replication factor
    /// asked (Kafka refuses); zoobench refuses first, so a run never measures
    /// another topic than asked. The embedded cluster had 3 brokers and hid it.
    @Test func replicationFactorAboveTheBrokersIsRefused() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let run = try ZoobenchProcess.run(["produce", "--uri", "kafka://\(broker.bootstrap)/replicated", "--partitions", "3",
                                           "--replication-factor", "3", "--num-records", "100", "--no-save"])
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("replication factor 3 needs at least 3 brokers; the cluster at \(broker.bootstrap) has 1"),
                "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrap)
        #expect(try !admin.topicExists("replicated"))
    }

    /// A backlog read by a group of two and by simple consumers of every
    /// partition: each reads exactly what is there, to the end the fetches
    /// show (not Tansu's short ListOffsets).
    @Test func consumeAsGroupAndAsSimpleConsumers() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-consume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let uri = "kafka://\(broker.bootstrap)/backlog"
        let (made, _) = try run(["produce", "--uri", uri, "--partitions", "3", "--num-records", "30000"],
                                folder: folder, name: "fill")
        #expect(made.status == 0, "\(made.stderr)")
        let (group, groupResult) = try run(["consume", "--uri", uri, "--until-end", "--consumers", "2", "--warmup", "0s"],
                                           folder: folder, name: "group")
        #expect(group.status == 0, "\(group.stderr)")
        #expect(group.stdout.contains("check     read 30000 of the 30000 records expected: 0 missing, 0 read twice"),
                "\(group.stdout)")
        #expect(groupResult?.consume?.consumers.count == 2)
        let (simple, _) = try run(["consume", "--uri", uri, "--until-end", "--partitions", "0,1,2", "--warmup", "0s"],
                                  folder: folder, name: "simple")
        #expect(simple.status == 0, "\(simple.stderr)")
        #expect(simple.stdout.contains("check     read 30000 of the 30000 records expected: 0 missing, 0 read twice"),
                "\(simple.stdout)")
    }

    /// Producers and a consumer group at once, idempotent: nothing lost,
    /// duplicated or out of order.
    @Test func endToEndWithIdempotence() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-e2e")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (process, result) = try run(["e2e", "--uri", "kafka://\(broker.bootstrap)/e2e", "--partitions", "3",
                                         "--idempotence", "--acks=all", "--num-records", "20000", "--throughput", "10000"],
                                        folder: folder, name: "e2e")
        #expect(process.status == 0, "\(process.stderr)\n\(process.stdout)")
        let integrity = try #require(result?.integrity?.first)
        #expect(integrity.clean, "\(integrity.verdict)")
        #expect(integrity.acknowledged == 20000)
        #expect(result?.consume?.consumed == 20000)
        #expect(try broker.readBack("e2e").records == 20000)
    }

    /// A 2 × 2 sweep: every cell runs and delivers.
    @Test func smallSweep() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-sweep")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = try ZoobenchProcess.run([
            "sweep", "--uri", "kafka://\(broker.bootstrap)/sweep", "--acks", "1,-1", "--compression", "none,lz4",
            "--num-records", "5000", "--warmup-per-cell", "100ms", "--repeat", "1", "--name", "grid",
            "--output", folder.path, "--quiet",
        ], timeout: 240)
        #expect(process.status == 0, "\(process.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-grid.json") })
        let sweep = try ResultJSON.decode(SweepResult.self, from: Data(contentsOf: folder.appendingPathComponent(file)))
        #expect(sweep.cells.count == 4)
        #expect(sweep.cells.allSatisfy { $0.runs.allSatisfy { $0.summary?.delivered == 5000 } })
        // Every cell's records are in the log: 4 cells × (5000 + the warm-up's).
        let warmups = sweep.cells.flatMap(\.runs).reduce(0) { $0 + ($1.warmup?.delivered ?? 0) }
        #expect(try broker.readBack("sweep").records == 20000 + warmups)
    }

    /// JSONL → Tansu → CSV with a consumer group, and nothing more on a second pass (offsets committed).
    @Test func pipeBothWays() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-pipe")
        defer { try? FileManager.default.removeItem(at: folder) }
        let jsonl = folder.appendingPathComponent("orders.jsonl")
        try ((0..<500).map { #"{"id":\#($0),"item":"tea"}"# }.joined(separator: "\n") + "\n")
            .write(to: jsonl, atomically: true, encoding: .utf8)
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrap)
        try admin.createTopic("orders", partitions: 3)
        let uri = "kafka://\(broker.bootstrap)/orders"
        let toKafka = try ZoobenchProcess.run(["pipe", "--from", jsonl.path, "--to", uri, "--key-field", "id"])
        #expect(toKafka.status == 0, "\(toKafka.stderr)")
        #expect(toKafka.stdout.contains("moved 500 records"), "\(toKafka.stdout)")
        #expect(try broker.readBack("orders").records == 500)
        let csv = folder.appendingPathComponent("orders.csv")
        // Bounded at 20 s: with librdkafka's default 45 s session timeout
        // Tansu held the group's first join for 23 s (a 3 s idle end, ~3 s join now).
        let toCSV = try ZoobenchProcess.run(["pipe", "--from", uri, "--to", csv.path, "--group", "audit", "--idle-timeout", "3s"],
                                            timeout: 20)
        #expect(toCSV.status == 0, "\(toCSV.stderr)")
        #expect(toCSV.stdout.contains("moved 500 records"), "\(toCSV.stdout)")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 501)
        let again = try ZoobenchProcess.run(["pipe", "--from", uri, "--to", folder.appendingPathComponent("again.csv").path,
                                             "--group", "audit", "--idle-timeout", "3s"], timeout: 20)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("moved 0 records"), "\(again.stdout)")
    }

    /// Two worker processes and a coordinator, through Tansu's topics: the
    /// merged count is the workers' sum and what the log holds.
    @Test func twoWorkerSwarm() throws {
        let broker = try TansuBroker()
        defer { broker.finish() }
        let folder = try scratchFolder("tansu-swarm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let workers = try (1...2).map { try WorkerProcess(id: "w\($0)", bootstrap: broker.bootstrap, folder: folder) }
        defer { workers.forEach { $0.stop() } }
        for worker in workers { #expect(worker.await("waiting for runs", timeout: 30), "\(worker.output)") }
        let process = try ZoobenchProcess.run(["swarm", "produce", "--workers", "2", "--brokers", broker.bootstrap, "--topic", "swarm",
                                               "--partitions", "4", "--num-records", "20000", "--output", folder.path,
                                               "--name", "swarm", "--quiet"], timeout: 180)
        #expect(process.status == 0, "\(process.stderr)\n\(process.stdout)\n\(workers.map(\.output))")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-swarm.json") })
        let result = try ResultJSON.decode(RunResult.self, from: Data(contentsOf: folder.appendingPathComponent(file)))
        #expect(result.summary?.delivered == 20000)
        #expect(result.workers?.members.count == 2)
        let warmup = result.warmup?.delivered ?? 0
        #expect(try broker.readBack("swarm").records == 20000 + warmup)
        #expect(result.summary?.offsetCheck?.explained == true)
    }
}
