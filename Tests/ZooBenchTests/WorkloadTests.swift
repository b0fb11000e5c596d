import Foundation
import Testing
import ZooPipe
@testable import ZooBench

@Suite("Workloads, payloads and keys")
struct WorkloadTests {
    @Test func yamlRoundTrip() throws {
        var workload = ProduceWorkload()
        workload.name = "nightly"
        workload.topic = "orders"
        workload.partitions = 12
        workload.acks = .leader
        workload.numRecords = nil
        workload.duration = .seconds(90)
        workload.throughput = 50_000
        workload.warmup = .milliseconds(1500)
        workload.recordSize = .uniform(100, 1000)
        workload.payload = .json
        workload.compressibility = 0.3
        workload.keys = .zipf(1000, exponent: 1.2)
        workload.headers = 3
        workload.producers = 4
        workload.lingerMs = 0.5
        workload.batchSize = 65536
        workload.compression = .zstd
        workload.idempotence = true
        workload.transactionalID = "tx"
        workload.transactionSize = 500
        workload.interval = .milliseconds(250)
        workload.properties = ["queue.buffering.max.kbytes": "2048"]
        workload.faults = [try FaultSpec(parsing: "at=2s broker=1 down for=2s"), try FaultSpec(parsing: "at=5s leader partition=0 to=3")]
        let yaml = try WorkloadFile.yaml(workload)
        let loaded = try WorkloadFile.parse(yaml, source: "test")
        #expect(loaded.workload == workload)
        #expect(loaded.notes.isEmpty)
        // JSON is accepted too, with the same keys.
        let json = String(decoding: try JSONEncoder().encode(workload), as: UTF8.self)
        #expect(try WorkloadFile.parse(json, source: "json").workload == workload)
    }

    @Test func handWrittenYAML() throws {
        let loaded = try WorkloadFile.parse("""
            acks: all
            record-size: normal:500,50
            throughput: -1
            num-records: 5000
            keys: sequential
            producer-props:
              linger.ms: 20
            """, source: "w.yaml")
        #expect(loaded.workload.acks == .all)
        #expect(loaded.workload.recordSize == .normal(mean: 500, deviation: 50))
        #expect(loaded.workload.throughput == nil)
        #expect(loaded.workload.numRecords == 5000)
        #expect(loaded.workload.keys == .sequential)
        #expect(loaded.workload.properties == ["linger.ms": "20"])
    }

    @Test func openMessagingWorkloadMapsItsFields() throws {
        let loaded = try WorkloadFile.parse("""
            name: 1 topic / 16 partitions / 1kb
            topics: 1
            partitionsPerTopic: 16
            messageSize: 1024
            payloadFile: "payload/payload-1Kb.data"
            subscriptionsPerTopic: 1
            consumerPerSubscription: 1
            producersPerTopic: 2
            producerRate: 50000
            consumerBacklogSizeGB: 0
            testDurationMinutes: 15
            warmupDurationMinutes: 1
            keyDistributor: "NO_KEY"
            """, source: "omb.yaml")
        let w = loaded.workload
        #expect(w.partitions == 16)
        #expect(w.recordSize == .fixed(1024))
        #expect(w.payload == .file("payload/payload-1Kb.data"))
        #expect(w.producers == 2)
        #expect(w.throughput == 50_000)
        #expect(w.duration == .seconds(900))
        #expect(w.warmup == .seconds(60))
        #expect(w.keys == KeyDistribution.none)
        #expect(w.name == "1-topic---16-partitions---1kb")
        #expect(loaded.notes.contains { $0.contains("used keyDistributor, messageSize") })
        #expect(loaded.notes.contains { $0 == "not used by produce: consumerBacklogSizeGB, consumerPerSubscription, subscriptionsPerTopic" })
        #expect(loaded.consumerGroups == 1)
        #expect(loaded.consumersPerGroup == 1)
    }

    /// OMB's `topics`: that many topics, `producersPerTopic` producers on
    /// each (zoobench counts producers in all), the rate a total; e2e refuses.
    @Test func openMessagingSeveralTopics() throws {
        let loaded = try WorkloadFile.parse("""
            name: four topics
            topics: 4
            partitionsPerTopic: 8
            messageSize: 100
            producersPerTopic: 2
            producerRate: 40000
            """, source: "omb.yaml")
        let w = loaded.workload
        #expect(w.topics == 4 && w.producers == 8 && w.partitions == 8 && w.throughput == 40_000)
        #expect(w.topicNames == ["zoobench", "zoobench-2", "zoobench-3", "zoobench-4"])
        #expect((0..<8).map(w.topic(ofProducer:)) == ["zoobench", "zoobench-2", "zoobench-3", "zoobench-4",
                                                      "zoobench", "zoobench-2", "zoobench-3", "zoobench-4"])
        #expect(loaded.notes.contains { $0.hasPrefix("OMB topics 4 → topics zoobench, zoobench-2 … (--topics), 2 producer(s) each") })
        try w.validate()
        #expect(throws: WorkloadError.self) { try w.validate(stamped: true) }
        // Without producersPerTopic, OMB's default: one per topic.
        #expect(try WorkloadFile.parse("topics: 3\nmessageSize: 10\n", source: "omb.yaml").workload.producers == 3)
    }

    /// `consumerBacklogSizeGB` becomes e2e's backlog (GiB, as OMB counts;
    /// a --backlog flag wins); `producerRate: 0` is full speed, and says so.
    @Test func openMessagingBacklogAndUnlimitedRate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zb-omb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("omb.yaml")
        try """
            name: backlog
            topics: 1
            partitionsPerTopic: 8
            messageSize: 100
            subscriptionsPerTopic: 1
            consumerPerSubscription: 2
            producersPerTopic: 1
            producerRate: 0
            consumerBacklogSizeGB: 0.5
            testDurationMinutes: 1
            """.write(to: file, atomically: true, encoding: .utf8)
        let loaded = try WorkloadFile.load(file.path)
        #expect(loaded.workload.throughput == nil)
        #expect(loaded.consumerBacklogBytes == 1 << 29)
        #expect(loaded.notes.contains("OMB producerRate 0 → as fast as it goes (no --throughput)"))
        #expect(loaded.notes.last == "not used by produce: consumerBacklogSizeGB, consumerPerSubscription, subscriptionsPerTopic")

        let (_, consume, notes) = try EndToEndRun.workloads(WorkloadRequest(file: file.path), consumer: WorkloadRequest())
        #expect(consume.backlog == 1 << 29 && consume.consumers == 2)
        #expect(notes.contains { $0.hasPrefix("OMB consumerBacklogSizeGB → consumers start once about 536870912 value bytes") })
        #expect(!notes.contains { $0.hasPrefix("not used by e2e") })
        let flagged = try EndToEndRun.workloads(WorkloadRequest(file: file.path), consumer: WorkloadRequest(fields: [("backlog", "1MB")]))
        #expect(flagged.consume.backlog == 1 << 20)

        for (value, expected) in [("-1", "must be 0 to 1024, not -1"), ("2000", "must be 0 to 1024, not 2000"), ("lots", "must be a number")] {
            #expect {
                _ = try WorkloadFile.parse("partitionsPerTopic: 1\nconsumerBacklogSizeGB: \(value)\n", source: "omb.yaml")
            } throws: { "\($0)".contains("field 'consumerBacklogSizeGB' \(expected)") }
        }
    }

    @Test(arguments: [
        ("acks: 2", "field 'acks': '2' is not 0, 1, -1 or all"),
        ("acks: 1\nbatchsize: 10", "unknown field 'batchsize'"),
        ("record-size: huge", "field 'record-size': 'huge' is not a size"),
        ("duration: soon", "field 'duration': 'soon' is not a duration"),
        ("- a\n- b", "expected a mapping of fields"),
        ("acks: [1", "not valid YAML or JSON"),
        ("topics: 1\nmessageSize: 10\nproducerRatio: 3", "field 'producerRatio' is not an OpenMessaging Benchmark workload field"),
        ("topics: 0\nmessageSize: 10", "field 'topics' must be a whole number from 1 to 256, not 0"),
        ("topics: 100\nproducersPerTopic: 3", "field 'producersPerTopic' is 3 for each of 100 topics: 300 producers; at most 256"),
        ("topics: 1\nkeyDistributor: ZIPF", "field 'keyDistributor' must be NO_KEY"),
    ])
    func badFilesNameTheField(_ text: String, _ message: String) {
        #expect {
            _ = try WorkloadFile.parse(text, source: "bad.yaml")
        } throws: { error in
            let text = (error as? WorkloadError)?.description ?? ""
            return (text.hasPrefix("workload file 'bad.yaml': \(message)")
                || text.hasPrefix("OMB workload file 'bad.yaml': \(message)")
                || (text.hasPrefix("workload file 'bad.yaml': ") && text.contains(message)))
                && !text.contains("DecodingError")
        }
    }

    @Test func missingFileIsOneLine() {
        #expect(throws: WorkloadError.invalid("workload file '/no/such.yaml': cannot read it (no such file)")) {
            _ = try WorkloadFile.load("/no/such.yaml")
        }
    }

    @Test func sizeDistributionsStayInRange() throws {
        var workload = ProduceWorkload()
        workload.recordSize = .uniform(100, 1000)
        workload.numRecords = 10_000
        let pool = try PayloadPool(workload: workload)
        let sizes = (0..<10_000).map { pool.payload($0).count }
        #expect(sizes.allSatisfy { (100...1000).contains($0) })
        #expect(abs(Double(sizes.reduce(0, +)) / 10_000 - 550) < 15)
        workload.recordSize = .normal(mean: 500, deviation: 50)
        let normal = try PayloadPool(workload: workload)
        let values = (0..<10_000).map { Double(normal.size($0)) }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean - 500) < 3)
        #expect(abs(deviation - 50) < 3)
    }

    /// The send loop walks the pool with a cursor instead of indexing it:
    /// the bytes must be those indexing gives, record by record, for fixed
    /// and drawn sizes and for a payload file, past the pool's wrap-around.
    @Test func cursorGivesTheIndexedPayloads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cursor-\(UUID().uuidString).txt").path
        try "one\ntwo\nthree\nfour\nfive\nsix\nseven".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var fixed = ProduceWorkload()
        fixed.recordSize = .fixed(100)
        fixed.numRecords = 1_000
        var drawn = ProduceWorkload()
        drawn.recordSize = .uniform(10, 5_000)
        drawn.numRecords = 200_000
        var file = ProduceWorkload()
        file.payload = .file(path)
        for workload in [fixed, drawn, file] {
            let pool = try PayloadPool(workload: workload)
            var cursor = PayloadPool.Cursor()
            // Past both wrap-arounds: the slots' and the 65,536 drawn sizes'.
            let count = max(3 * pool.slotCount, 140_000)
            var mismatches = 0
            for index in 0..<count {
                let walked = pool.payload(at: &cursor)
                let indexed = pool.payload(index)
                if walked.baseAddress != indexed.baseAddress || walked.count != indexed.count { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(workload.recordSize) \(workload.payload): \(mismatches) of \(count) differ")
        }
    }

    @Test func payloadFileIsSplitAtTheDelimiter() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payloads-\(UUID().uuidString).txt").path
        try "alpha\nbeta\n\ngamma".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var workload = ProduceWorkload()
        workload.payload = .file(path)
        let pool = try PayloadPool(workload: workload)
        #expect(pool.slotCount == 3)
        #expect((0..<4).map { String(decoding: pool.payload($0), as: UTF8.self) } == ["alpha", "beta", "gamma", "alpha"])
        workload.payload = .file("/no/such/file")
        #expect(throws: WorkloadError.self) { _ = try PayloadPool(workload: workload) }
    }

    @Test func textAndJSONPayloadsLookTheirPart() throws {
        var workload = ProduceWorkload()
        workload.recordSize = .fixed(200)
        workload.numRecords = 100
        workload.payload = .json
        let json = try PayloadPool(workload: workload)
        for i in 0..<100 {
            let value = Data(json.payload(i))
            #expect(value.count == 200)
            #expect((try? JSONSerialization.jsonObject(with: value)) is [String: Any])
        }
        workload.payload = .text
        let text = try PayloadPool(workload: workload)
        #expect(String(decoding: text.payload(0), as: UTF8.self).contains(" "))
    }

    /// zstd finds about the asked fraction repeated: a 0.5 pool compresses to 40–60 % of its size.
    @Test func compressibilityIsWhatZstdSees() throws {
        let zstd = ["/usr/bin/zstd", "/usr/local/bin/zstd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(zstd != nil, "the zstd command is not installed; run scripts/setup")
        for (fraction, band) in [(0.0, 0.95...1.01), (0.5, 0.40...0.60), (0.9, 0.03...0.20)] {
            var workload = ProduceWorkload()
            workload.recordSize = .fixed(1000)
            workload.numRecords = 2000
            workload.compressibility = fraction
            let pool = try PayloadPool(workload: workload)
            var bytes = Data()
            for i in 0..<2000 { bytes.append(contentsOf: pool.payload(i)) }
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("pool-\(UUID().uuidString)")
            try bytes.write(to: input)
            defer { try? FileManager.default.removeItem(at: input) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: zstd!)
            process.arguments = ["-q", "-c", "-3", input.path]
            let pipe = Foundation.Pipe()
            process.standardOutput = pipe
            try process.run()
            let compressed = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let ratio = Double(compressed.count) / Double(bytes.count)
            #expect(band.contains(ratio), "compressibility \(fraction): zstd ratio \(ratio)")
        }
    }

    @Test func keysFollowTheirDistribution() {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
        defer { scratch.deallocate() }
        var generator = SplitMix64(seed: 1)
        let sequential = KeyTable(.sequential)
        #expect(sequential.withKey(sequence: 12345, generator: &generator, scratch: scratch) {
            String(decoding: $0!, as: UTF8.self) } == "12345")
        #expect(sequential.withKey(sequence: 0, generator: &generator, scratch: scratch) {
            String(decoding: $0!, as: UTF8.self) } == "0")
        #expect(KeyTable(.none).withKey(sequence: 1, generator: &generator, scratch: scratch) { $0 == nil })
        let zipf = KeyTable(.zipf(100, exponent: 1.2))
        var counts: [String: Int] = [:]
        for i in 0..<20_000 {
            let key = zipf.withKey(sequence: i, generator: &generator, scratch: scratch) { String(decoding: $0!, as: UTF8.self) }
            counts[key, default: 0] += 1
        }
        // With s = 1.2 over 100 keys the hottest key takes about 1/H(100,1.2) ≈ 25 % of records.
        let hottest = counts["key-0", default: 0]
        #expect(hottest > 4000 && hottest < 6000, "key-0 drew \(hottest)")
        #expect(counts.count > 50)
        let uniform = KeyTable(.uniform(10))
        var seen: Set<String> = []
        for i in 0..<1000 {
            seen.insert(uniform.withKey(sequence: i, generator: &generator, scratch: scratch) { String(decoding: $0!, as: UTF8.self) })
        }
        #expect(seen == Set((0..<10).map { "key-\($0)" }))
    }

    @Test func parsers() {
        #expect(RecordSizeDistribution(parsing: "1k") == .fixed(1024))
        #expect(RecordSizeDistribution(parsing: "uniform:10-5") == nil)
        #expect(KeyDistribution(parsing: "zipf:10,0") == nil)
        #expect(KeyDistribution(parsing: "uniform:0") == nil)
        #expect(PayloadKind(parsing: "file:") == nil)
        #expect(ByteCount.parse("16k") == 16384)
        #expect(ByteCount.parse("1m") == 1 << 20)
    }
}

@Suite("Consume workloads")
struct ConsumeWorkloadTests {
    @Test func fileRoundTripsWithFlagNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-cw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("consume.yaml")
        try """
            name: drain
            consumers: 3
            groups: 2
            from: latest
            until-end: true
            idle-timeout: 2s
            commit-interval: 500ms
            backlog: 50MB
            consumer-props:
              fetch.min.bytes: 1024
            """.write(to: file, atomically: true, encoding: .utf8)
        let workload = try WorkloadFile.loadConsume(file.path)
        #expect(workload.name == "drain")
        #expect(workload.consumers == 3 && workload.groups == 2)
        #expect(workload.from == .latest)
        #expect(workload.untilEnd)
        #expect(workload.idleTimeout == .seconds(2))
        #expect(workload.commitInterval == .milliseconds(500))
        #expect(workload.backlog == 50 << 20)
        #expect(workload.properties == ["fetch.min.bytes": "1024"])
        try workload.validate()
        let encoded = try JSONEncoder().encode(workload)
        let decoded = try JSONDecoder().decode(ConsumeWorkload.self, from: encoded)
        #expect(decoded == workload)
        #expect(workload.groupNames(seed: 35).map { $0 } == ["zoobench-z-1", "zoobench-z-2"])
    }

    @Test func badFieldsAreNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-cw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "consumers: 2\nfrom: sideways\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: WorkloadError.invalid("workload file '\(file.path)': field 'from': 'sideways' is not earliest, latest or an offset")) {
            _ = try WorkloadFile.loadConsume(file.path)
        }
        try "consumer: 2\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try WorkloadFile.loadConsume(file.path)
        } throws: { error in
            (error as? WorkloadError)?.description.contains("unknown field 'consumer'") == true
        }
        var workload = ConsumeWorkload()
        workload.partitions = [0, 0]
        #expect(throws: WorkloadError.invalid("partitions lists a partition twice")) { try workload.validate() }
    }
}

@Suite("Sweep plans")
struct SweepPlanTests {
    @Test func cellsAreTheProductInAStableOrder() throws {
        let plan = SweepPlan(base: ProduceWorkload(), axes: [
            SweepAxis(name: "acks", values: ["1", "-1"]),
            SweepAxis(name: "compression", values: ["none", "lz4", "zstd"]),
            SweepAxis(name: "linger.ms", isProperty: true, values: ["0", "5"]),
        ])
        let cells = plan.cells
        #expect(cells.count == 12)
        #expect(cells.first?.values == ["1", "none", "0"])
        #expect(cells[1].values == ["1", "none", "5"])
        #expect(cells.last?.values == ["-1", "zstd", "5"])
        #expect(plan.label(cells[7]) == "acks=-1 compression=none linger.ms=5")
        let workload = try plan.workload(for: cells[7])
        #expect(workload.acks == .all)
        #expect(workload.compression == CompressionCodec.none)
        #expect(workload.properties["linger.ms"] == "5")
        #expect(workload.name == "sweep-cell8")
        try plan.validate()
    }

    @Test func listsSplitOnlyWhereEveryPieceIsAValue() {
        #expect(SweepPlan.values(of: "acks", "0,1,-1") == ["0", "1", "-1"])
        #expect(SweepPlan.values(of: "record-size", "100,1k,10k") == ["100", "1k", "10k"])
        #expect(SweepPlan.values(of: "record-size", "normal:500,50") == nil)
        #expect(SweepPlan.values(of: "keys", "zipf:100,1.1") == nil)
        #expect(SweepPlan.values(of: "acks", "1") == nil)
        #expect(SweepPlan.values(of: "acks", "1,7") == nil)
    }

    @Test func badPlansAreRefusedBeforeRunning() {
        var plan = SweepPlan(base: ProduceWorkload(), axes: [SweepAxis(name: "batch-size", values: ["16k", "-5"])])
        #expect(throws: WorkloadError.self) { try plan.validate() }
        plan.axes = []
        #expect(throws: WorkloadError.invalid("a sweep needs at least one axis (a flag with several values, or --axis)")) {
            try plan.validate()
        }
    }

    @Test func workloadFileSweepSection() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-sp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sweep.yaml")
        try """
            record-size: 1k
            compressibility: 0.5
            sweep:
              acks: [1, -1]
              compression: [none, lz4]
              linger.ms: [0, 5]
            """.write(to: file, atomically: true, encoding: .utf8)
        let (base, axes) = try WorkloadFile.loadSweep(file.path)
        #expect(base.recordSize == .fixed(1024))
        #expect(base.compressibility == 0.5)
        #expect(axes == [SweepAxis(name: "acks", values: ["1", "-1"]), SweepAxis(name: "compression", values: ["none", "lz4"]),
                         SweepAxis(name: "linger.ms", isProperty: true, values: ["0", "5"])])
        try "sweep:\n  colour: [red]\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: WorkloadError.invalid("workload file '\(file.path)': sweep axis 'colour' is neither a workload field nor a librdkafka property")) {
            _ = try WorkloadFile.loadSweep(file.path)
        }
    }
}
