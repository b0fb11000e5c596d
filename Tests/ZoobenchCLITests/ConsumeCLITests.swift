import Foundation
import Testing
import ZooPipe

@Suite("zoobench consume, e2e and cluster")
struct ConsumeCLITests {
    /// The backlog run on the embedded cluster: every record produced is read,
    /// the kafka-consumer-perf-test columns are printed, the check says so.
    @Test func consumeDrainsAnEmbeddedBacklog() throws {
        let result = try ZoobenchProcess.run(["consume", "--backlog", "6MB", "--backlog-record-size", "200",
                                              "--consumers", "2", "--no-save", "--quiet"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let records = 6 * 1_048_576 / 200
        #expect(lines.contains { $0.hasPrefix("backlog   \(records) records of 200 B over 2 partitions, produced at ") })
        #expect(lines.contains("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"))
        #expect(lines.contains("check     read \(records) of the \(records) records expected: 0 missing, 0 read twice"))
        #expect(lines.contains { $0.hasPrefix("consumed  \(records) records, ") && $0.hasSuffix("ended: end of topic reached") })
        #expect(lines.filter { $0.hasPrefix("consumer  #") }.count == 2)
    }

    @Test func consumeJSONAndFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-consume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ZoobenchProcess.run(["consume", "--backlog", "1MB", "--partitions", "0", "--name", "drain",
                                              "--json", "--output", folder.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == "consume")
        #expect(object["schemaVersion"] as? Int == 2)
        let consume = try #require(object["consume"] as? [String: Any])
        let backlog = try #require(object["backlog"] as? [String: Any])
        #expect(consume["consumed"] as? Int == 1_048_576 / 100)
        #expect(backlog["records"] as? Int == 1_048_576 / 100)
        #expect(consume["missing"] as? Int == 0)
        #expect(consume["end"] as? String == "end-of-topic")
        #expect(object["summary"] == nil)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.filter { $0.hasSuffix("-drain.json") }.count == 1)
        #expect(files.filter { $0.hasSuffix("-drain-timeline.csv") }.count == 1)
        let csvName = try #require(files.first { $0.hasSuffix("-drain.csv") })
        let csv = try String(contentsOf: folder.appendingPathComponent(csvName), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 2)
        #expect(csv[0].hasPrefix("start.time,end.time,data.consumed.in.MB,MB.sec,data.consumed.in.nMsg,nMsg.sec,"))
        let row = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row.count == csv[0].split(separator: ",").count)
        #expect(row[4] == "\(1_048_576 / 100)")
    }

    /// e2e at a fixed rate: every acknowledged record consumed once, the
    /// verdict line says so, and its count equals the records sent.
    @Test func endToEndIsClean() throws {
        let result = try ZoobenchProcess.run(["e2e", "--throughput", "2000", "--duration", "2s", "--acks=all",
                                              "--idempotence", "--assign", "0,1,2,3,4,5", "--no-save", "--quiet"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let perf = try #require(lines.first { $0.hasSuffix("99.9th.") })
        let sent = try #require(Int(perf.prefix { $0 != " " }))
        // A starved sender thread (2 busy cores, other suites running) sends a few less in its 2 s.
        #expect(sent <= 4000 && sent >= 3960, "2 s at 2000 records/s: \(sent)")
        #expect(lines.contains("integrity: \(sent) acknowledged, \(sent) consumed, 0 lost, 0 duplicated, 0 reordered"))
        #expect(lines.contains { $0.contains("send→consume") })
        #expect(lines.contains { $0.contains("sched→consume") })
        #expect(lines.contains { $0.hasPrefix("clock     ") })
    }

    /// The e2e JSON holds both sides, the latency histograms and the verdict,
    /// and the CSV row has the e2e columns filled.
    @Test func endToEndJSONAndFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ZoobenchProcess.run(["e2e", "--num-records", "5000", "--throughput", "5000", "--assign", "0,1,2,3,4,5",
                                              "--acks", "1", "--json", "--output", folder.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == "e2e")
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["delivered"] as? Int == 5000)
        let integrity = try #require((object["integrity"] as? [[String: Any]])?.first)
        #expect(integrity["acknowledged"] as? Int == 5000)
        #expect(integrity["consumed"] as? Int == 5000)
        #expect(integrity["lost"] as? Int == 0)
        let latency = try #require((object["endToEnd"] as? [String: Any])?["latency"] as? [String: Any])
        #expect(latency["count"] as? Int == 5000)
        #expect((object["environment"] as? [String: Any])?["clockNote"] as? String != nil)
        // The allocator that served the run (the command preloads mimalloc).
        let glibc = ProcessInfo.processInfo.environment["ZOOBENCH_ALLOCATOR"] == "glibc"
        let allocator = (object["environment"] as? [String: Any])?["allocator"] as? String
        #expect(allocator?.hasPrefix(glibc ? "glibc " : "mimalloc 2.") == true, "allocator \(allocator ?? "absent")")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.filter { $0.hasSuffix("-e2e-consume-timeline.csv") }.count == 1)
        #expect(files.filter { $0.hasSuffix("-e2e-timeline.csv") }.count == 1)
        let csvName = try #require(files.first { $0.hasSuffix("-e2e.csv") })
        let csv = try String(contentsOf: folder.appendingPathComponent(csvName), encoding: .utf8).split(separator: "\n")
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row.count == header.count)
        #expect(row[header.firstIndex(of: "lost")!] == "0")
        #expect(row[header.firstIndex(of: "acknowledged")!] == "5000")
    }

    /// Ctrl-C during e2e: the producers stop, the consumers still read what
    /// was sent, the result is saved marked partial with a clean verdict, exit 130.
    @Test func ctrlCKeepsTheVerdictWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-e2e-int-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let status = try ZoobenchProcess.interrupted(
            ["e2e", "--throughput", "2000", "--duration", "60s", "--assign", "0,1,2,3,4,5", "--quiet",
             "--output", folder.path], after: 3)
        #expect(status == 130)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let json = try #require(files.first { $0.hasSuffix("-e2e.json") }, "files: \(files)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(json))) as? [String: Any]
        #expect(object?["partial"] as? Bool == true)
        let delivered = (object?["summary"] as? [String: Any])?["delivered"] as? Int ?? 0
        #expect(delivered > 500 && delivered < 20_000, "delivered \(delivered) in about 3 s at 2000/s")
        let integrity = try #require((object?["integrity"] as? [[String: Any]])?.first)
        #expect(integrity["acknowledged"] as? Int == delivered)
        #expect(integrity["consumed"] as? Int == delivered)
        #expect(integrity["lost"] as? Int == 0)
    }

    /// An OpenMessaging Benchmark workload drives e2e: its subscriptions are
    /// consumer groups, each of which must read every record.
    @Test func endToEndFromAnOMBWorkload() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-omb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("omb.yaml")
        try """
            name: two subscriptions
            topics: 1
            partitionsPerTopic: 4
            messageSize: 100
            subscriptionsPerTopic: 2
            consumerPerSubscription: 2
            producersPerTopic: 1
            producerRate: 2000
            consumerBacklogSizeGB: 0
            testDurationMinutes: 0.025
            warmupDurationMinutes: 0
            keyDistributor: "NO_KEY"
            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try ZoobenchProcess.run(["e2e", "--workload", file.path, "--no-save", "--quiet"], timeout: 120)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // e2e uses every consumer field of the file (a backlog of 0 GB is none).
        #expect(!lines.contains { $0.hasPrefix("workload  not used by e2e") })
        #expect(!lines.contains { $0.contains("backlog") })
        #expect(lines.contains("workload  OMB subscriptionsPerTopic 2 → 2 consumer group(s)"))
        // 2000/s for 1.5 s: 3000 records, a few fewer when a busy machine ends the sending window early.
        let sent = lines.first { $0.hasSuffix("records sent") == false && $0.contains(" records sent, ") }
            .flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect((2900...3000).contains(sent), "\(sent) records sent")
        let verdicts = lines.filter {
            $0.hasPrefix("integrity: \(sent) acknowledged, \(sent) consumed, 0 lost, 0 duplicated, 0 reordered")
        }
        #expect(verdicts.count == 2, "one verdict per group: \(lines.filter { $0.hasPrefix("integrity") })")
    }

    /// A cluster served by one zoobench process, fed and read by others.
    @Test func clusterServesOtherProcesses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bootstrapFile = folder.appendingPathComponent("bootstrap")
        let cluster = Process()
        cluster.executableURL = ZoobenchProcess.binary
        cluster.arguments = ["cluster", "--topic", "shared:2", "--for", "60s", "--bootstrap-file", bootstrapFile.path]
        cluster.standardOutput = FileHandle.nullDevice
        cluster.standardError = FileHandle.nullDevice
        try cluster.run()
        defer { if cluster.isRunning { cluster.terminate() } }
        var bootstrap = ""
        for _ in 0..<100 where bootstrap.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            bootstrap = ((try? String(contentsOf: bootstrapFile, encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(bootstrap.hasPrefix("127.0.0.1:"))
        let produce = try ZoobenchProcess.run(["produce", "--brokers", bootstrap, "--topic", "shared",
                                               "--num-records", "3000", "--no-save", "--quiet"])
        #expect(produce.status == 0, "stderr: \(produce.stderr)")
        let consume = try ZoobenchProcess.run(["consume", "--brokers", bootstrap, "--topic", "shared", "--until-end",
                                               "--partitions", "0,1", "--no-save", "--quiet"])
        #expect(consume.status == 0, "stderr: \(consume.stderr)")
        #expect(consume.stdout.contains("check     read 3000 of the 3000 records expected: 0 missing, 0 read twice"))
        let missing = try ZoobenchProcess.run(["consume", "--brokers", bootstrap, "--topic", "nope", "--no-save"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("topic 'nope'"), "stderr: \(missing.stderr)")
        kill(cluster.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while cluster.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!cluster.isRunning)
        #expect(cluster.terminationStatus == 0)
    }

}

@Suite("zoobench consume with faults")
struct ConsumeFaultCLITests {
    /// A fault while a backlog drains: printed, kept in the result, and every record still read.
    @Test func faultDuringADrainIsRecorded() throws {
        let folder = try scratchFolder("consume-fault")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ZoobenchProcess.run(["consume", "--backlog", "5MB", "--name", "slowed", "--output", folder.path,
                                              "--fault", "at=0s rtt broker=all 20ms for=1s"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("s  every broker rtt 20ms"))
        #expect(result.stdout.contains("s  every broker rtt 0ms"))
        #expect(result.stdout.contains("0 missing"), "\(result.stdout)")
        let json = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-slowed.json") })
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(json))) as? [String: Any]
        #expect((object?["faults"] as? [[String: Any]])?.count == 2)
    }
}

@Suite("zoobench cluster options")
struct ClusterOptionTests {
    /// `--topic name:partitions:rf` gives each partition that many replicas,
    /// and `--rtt` slows every broker from the start: a produce through it
    /// waits at least that long for each acknowledgement.
    @Test func replicationFactorAndRoundTripTime() throws {
        let cluster = try ClusterProcess.start(topics: ["orders:4:3"], extra: ["--rtt", "25ms"])
        defer { cluster.stop() }
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrap)
        let topic = try admin.describeTopic("orders")
        #expect(topic.partitions.count == 4)
        #expect(topic.partitions.allSatisfy { $0.replicas.count == 3 }, "\(topic.partitions.map(\.replicas))")
        let produce = try ZoobenchProcess.run(["produce", "--brokers", cluster.bootstrap, "--topic", "orders",
                                               "--num-records", "300", "--acks", "1", "--no-save", "--quiet"])
        #expect(produce.status == 0, "\(produce.stderr)")
        let perf = try #require(produce.stdout.split(separator: "\n").first { $0.contains(" records sent, ") })
        // "…, 27.31 ms 50th, …"
        let p50 = perf.components(separatedBy: ", ").first { $0.hasSuffix(" ms 50th") }
            .flatMap { Double($0.dropLast(" ms 50th".count)) } ?? 0
        #expect(p50 >= 25, "p50 \(p50) ms through brokers 25 ms late")
    }

    /// `--control` reads whatever stdin is, with bounded memory: /dev/zero
    /// (no newline at all) is one line too long, answered once; random
    /// bytes are many bad commands, each answered. The cluster serves its
    /// time and exits 0. Before the bound, /dev/zero took 8.8 GB in 20 s.
    @Test(arguments: ["/dev/zero", "/dev/urandom"])
    func controlReadsAnyStdinInBoundedMemory(_ stdin: String) throws {
        let run = try MeasuredProcess.run(["cluster", "--control", "--for", "3s"], stdin: stdin, timeout: 30)
        #expect(run.result.status == 0, "\(run.result.stderr)")
        #expect(!run.killed)
        #expect(run.peakBytes < 300 << 20, "peak \(run.peakBytes >> 20) MiB")
        if stdin == "/dev/zero" {
            #expect(run.result.stdout.contains("error line 1 is longer than 4096 bytes"), "\(run.result.stdout.prefix(500))")
        } else {
            #expect(run.result.stdout.contains("error "), "\(run.result.stdout.prefix(500))")
        }
    }
}
