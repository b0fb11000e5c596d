import Foundation
import Testing
import ZooPipe
@testable import ZooBench

/// Inputs an adversarial user gives, class by class (issue 21): numbers at
/// the limits, YAML shapes, histograms in result files, fault schedules,
/// spellings that mean the same. Each is refused with a reason or handled,
/// never a trap.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func decimalNumbersOnly() {
        for good in ["0", "-1", "+2", "0.5", ".5", "5.", "1e6", "2.5E-3", "1e+3"] {
            #expect(DecimalText.parse(good) != nil, "\(good)")
        }
        for bad in ["", "0x10", "0x1p3", "inf", "-inf", "nan", "infinity", "1e", "e5", ".", "1.2.3", "1e400", " 1", "1_000", "١"] {
            #expect(DecimalText.parse(bad) == nil, "\(bad)")
        }
        // Every parser of numbers reads through it.
        #expect(DurationText.parse("0x10s") == nil)
        #expect(FractionText.parse("0x1p-1") == nil)
        #expect(ByteCount.parse("0x10k") == nil)
        #expect(Rate(parsing: "0x10") == nil)
        #expect(KeyDistribution(parsing: "zipf:10,0x1") == nil)
    }

    /// Rates and counts so small or large that arithmetic on them would
    /// trap are refused, with the bound in the message.
    @Test func numbersAtTheLimits() throws {
        func refusal(_ change: (inout ProduceWorkload) -> Void) -> String? {
            var workload = ProduceWorkload()
            workload.numRecords = 10
            change(&workload)
            do {
                try workload.validate()
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal { $0.throughput = 1e-300 }?.contains("at least 0.001 records/s") == true)
        #expect(refusal { $0.throughput = 0.001 } == nil)
        #expect(refusal { $0.numRecords = Int.max }?.contains("1 to 100000000000000") == true)
        #expect(refusal { $0.warmupRecords = Int.max }?.contains("0 to 100000000000000") == true)
        #expect(refusal { $0.partitions = 100_000 }?.contains("1 to 10000") == true)
        #expect(refusal { $0.duration = .milliseconds(1) }?.contains("at least 100ms") == true)
        #expect(refusal { $0.properties["transactional.id"] = "" }?.contains("--transactional-id") == true)
        #expect(Rate(parsing: "1e-300") == nil && Rate(parsing: "0.001") != nil && Rate(parsing: "1e-300MB/s") == nil)
        var consume = ConsumeWorkload()
        consume.backlog = Int.max
        #expect(throws: WorkloadError.self) { try consume.validate() }
        consume.backlog = 1 << 20
        consume.backlogPartitions = 10_000
        #expect(throws: WorkloadError.self) { try consume.validate() }
        // Whole numbers may be written as decimals that are whole.
        var workload = ProduceWorkload()
        try workload.set("num-records", to: "1e6")
        #expect(workload.numRecords == 1_000_000)
        #expect(throws: WorkloadError.self) { try workload.set("num-records", to: "1.5") }
        #expect(throws: WorkloadError.self) { try workload.set("throughput", to: "0x10") }
    }

    /// What a run holds in memory grows with its clients, partitions and
    /// intervals; each has a bound, and a count at a rate is a duration.
    @Test func memoryBoundsOfARun() throws {
        #expect(throws: WorkloadError.self) { try ClientBudget.check(clients: 64, partitions: 10_000) }
        #expect(throws: WorkloadError.self) { try ClientBudget.check(clients: 385, partitions: 1) }
        try ClientBudget.check(clients: 5, partitions: 10_000)
        var workload = ProduceWorkload()
        workload.duration = .seconds(720 * 3600)
        #expect(throws: WorkloadError.self) { try workload.validate() }
        workload.interval = .seconds(3)
        try workload.validate()
        workload.duration = nil
        workload.numRecords = 100_000_000
        workload.throughput = 1
        #expect(throws: WorkloadError.self) { try workload.validate() }
        var consume = ConsumeWorkload()
        consume.consumers = 256
        consume.groups = 3
        #expect(throws: WorkloadError.self) { try consume.validate() }
        for bad in ["", String(repeating: "n", count: 101), "a/b", "a\nb"] { #expect(RunName.problem(bad) != nil, "\(bad)") }
        #expect(RunName.problem("nightly-1k_lz4") == nil)
    }

    /// Keys are written per record: a hundred million uniform keys cost no
    /// table, and the texts are the ones a table held (`key-N`).
    @Test func keysAreWrittenNotTabled() {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
        defer { scratch.deallocate() }
        var generator = SplitMix64(seed: 1)
        let uniform = KeyTable(.uniform(100_000_000))
        let key = uniform.withKey(sequence: 0, generator: &generator, scratch: scratch) { String(decoding: $0!, as: UTF8.self) }
        #expect(key.hasPrefix("key-") && Int(key.dropFirst(4)).map { (0..<100_000_000).contains($0) } == true, "\(key)")
        #expect(KeyTable(.sequential).withKey(sequence: 1234567, generator: &generator, scratch: scratch) {
            String(decoding: $0!, as: UTF8.self) } == "1234567")
        #expect(KeyTable(.sequential).withKey(sequence: Int.max, generator: &generator, scratch: scratch) {
            String(decoding: $0!, as: UTF8.self) } == String(Int.max))
        let zipf = KeyTable(.zipf(10, exponent: 5))
        var first = 0
        for sequence in 0..<1000 {
            if zipf.withKey(sequence: sequence, generator: &generator, scratch: scratch, { String(decoding: $0!, as: UTF8.self) }) == "key-0" { first += 1 }
        }
        #expect(first > 900, "key-0 drawn \(first) times of 1000 at exponent 5")
    }

    /// librdkafka counts 36 bytes of framing, the key and the headers
    /// against message.max.bytes; so does the check, exactly.
    @Test func recordFramingIsCountedLikeLibrdkafka() throws {
        var workload = ProduceWorkload()
        workload.numRecords = 1
        #expect(workload.largestRecordFraming(stamped: false) == 36)
        #expect(workload.largestRecordFraming(stamped: true) == 76)
        workload.recordSize = .fixed(999_964)
        try workload.validate()
        workload.recordSize = .fixed(999_965)
        #expect(throws: WorkloadError.self) { try workload.validate() }
        workload.recordSize = .fixed(999_924)
        try workload.validate(stamped: true)
        workload.recordSize = .fixed(999_925)
        #expect(throws: WorkloadError.self) { try workload.validate(stamped: true) }
        workload.keys = .uniform(1000)  // key-999: 7 bytes
        workload.headers = 2  // h0, h1: 12 bytes each
        #expect(workload.largestRecordFraming(stamped: false) == 36 + 7 + 24)
    }

    /// Shapes no workload has, some of which trap inside the YAML library
    /// (a complex mapping key), are refused by a walk of the document first.
    @Test func yamlShapesAreRefusedBeforeDecoding() {
        let shapes = [
            "acks: 1\n? [a, b]\n: 1\n", "{? {x: 1} : 2}", "fault:\n  - ? x\n    : y\n",
            "a: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
            "a: " + String(repeating: "{b: ", count: 40) + "1" + String(repeating: "}", count: 40),
            "throughput: 0x10\n", "num-records: 1_000\n", "acks: !!binary aGVsbG8=\n", "? |\n  x\n: 1\n",
        ]
        for text in shapes {
            #expect(throws: WorkloadError.self, "\(text)") { _ = try WorkloadFile.parse(text, source: "t") }
        }
        #expect(WorkloadFile.shapeProblem(in: "acks: 1\nfault: [\"at=1s broker=1 down\"]\n") == nil)
    }

    private func histogram(_ counts: [[UInt64]], total: UInt64, highest: UInt64 = 600_000_000, digits: Int8 = 3) throws -> Data {
        let json: [String: Any] = ["lowestDiscernibleValue": 1, "highestTrackableValue": highest, "significantDigits": digits,
                                   "totalCount": total, "min": counts.first?[0] ?? 0, "max": counts.last?[0] ?? 0,
                                   "counts": counts]
        return try JSONSerialization.data(withJSONObject: json)
    }

    /// Counts that would overflow, counts that do not add up, and settings
    /// whose memory a file has no right to are refused while decoding.
    @Test func storedHistogramsAreBounded() throws {
        let decode = { (data: Data) throws -> Void in _ = try JSONDecoder().decode(CompactHistogram.self, from: data) }
        try decode(try histogram([[1000, 5], [2000, 5]], total: 10))
        #expect(throws: DecodingError.self) { try decode(try histogram([[1000, UInt64(Int64.max)], [2000, UInt64(Int64.max)]], total: UInt64.max - 1)) }
        #expect(throws: DecodingError.self) { try decode(try histogram([[1000, 5]], total: 6)) }
        #expect(throws: DecodingError.self) { try decode(try histogram([[1000, 5]], total: 5, highest: UInt64(Int64.max))) }
        // A lowest value so high that the library's own precondition would trap.
        let lowestHigh: [String: Any] = ["lowestDiscernibleValue": 1 << 50, "highestTrackableValue": 1 << 61, "significantDigits": 5,
                                         "totalCount": 0, "min": 0, "max": 0, "counts": [[UInt64]]()]
        #expect(throws: DecodingError.self) { try decode(try JSONSerialization.data(withJSONObject: lowestHigh)) }
        // 46 MiB each at 5 digits up to 2^62: two fit an allowance of 100 MiB, the third does not.
        let big = try histogram([[1000, 1]], total: 1, highest: (1 << 62) - 1, digits: 5)
        #expect(HistogramCoding.countsBytes(lowest: 1, highest: (1 << 62) - 1, digits: 5) == 46 * 131_072 * 8)
        HistogramAllowance.$current.withValue(HistogramAllowance(bytes: 100 << 20)) {
            #expect(throws: Never.self) { try decode(big) }
            #expect(throws: Never.self) { try decode(big) }
            #expect(throws: DecodingError.self) { try decode(big) }
        }
    }

    @Test func faultTimelinesAreBounded() throws {
        func spec(_ text: String) throws -> FaultSpec { try FaultSpec(parsing: text) }
        #expect(throws: WorkloadError.self) { _ = try spec("at=1s broker=1 down for=1s for=2s") }
        #expect(throws: WorkloadError.self) { _ = try spec("at=1s at=2s broker=1 down") }
        #expect(throws: WorkloadError.self) { _ = try spec("at=1s broker=1 down for=1ms") }
        #expect(throws: WorkloadError.self) { _ = try spec("at=99999h broker=1 down") }
        let many = try (0..<101).map { try spec("at=\($0)s broker=1 rtt 5ms") }
        #expect(throws: WorkloadError.self) { try FaultSpec.checkTimeline(many) }
        try FaultSpec.checkTimeline(Array(many.prefix(100)))
        // Ten changes in a second pass; the eleventh within it does not.
        let dense = try (0..<5).map { try spec("at=\(1000 + $0 * 100)ms broker=\($0 % 3 + 1) down for=50ms") }
        try FaultSpec.checkTimeline(dense)
        #expect(throws: WorkloadError.self) { try FaultSpec.checkTimeline(dense + [try spec("at=1900ms broker=1 rtt 5ms")]) }
    }

    /// A run that ends while a fault is in force leaves the cluster whole:
    /// the broker taken down comes back, said in the fault log.
    @Test func stoppingTheScheduleUndoesFaultsInForce() throws {
        let cluster = try EmbeddedCluster(brokers: 2)
        defer { cluster.stop() }
        try cluster.createTopic("t", partitions: 2)
        let schedule = try FaultSchedule([try FaultSpec(parsing: "at=0s broker=1 down for=60s"),
                                          try FaultSpec(parsing: "at=0s rtt broker=2 50ms for=60s")],
                                         cluster: cluster, topic: "t")
        schedule.start()
        Thread.sleep(forTimeInterval: 0.5)
        schedule.stop()
        let actions = schedule.events.map(\.action)
        #expect(actions.count == 4, "\(actions)")
        #expect(actions.contains("broker 1 up (the run ended first)"), "\(actions)")
        #expect(actions.contains { $0.hasPrefix("broker 2 rtt 0ms") }, "\(actions)")
        let port = UInt16(cluster.bootstrapServers.split(separator: ",")[0].split(separator: ":")[1])!
        let admin = try KafkaAdmin(bootstrapServers: "127.0.0.1:\(port)")
        #expect(try admin.topicExists("t"))
        schedule.stop()  // a second stop changes nothing
        #expect(schedule.events.count == 4)
    }

    /// Simple consumers of some partitions: what went to the others is not
    /// theirs to lose.
    @Test func integrityCountsOnlyPartitionsRead() {
        var ledger = AcknowledgedLedger()
        for sequence in 0..<600 { ledger.acknowledge(sequence, partition: Int32(sequence / 100)) }
        var consumer = ConsumedLedger(producers: 1, partitions: 6)
        for sequence in 0..<100 { consumer.record(producer: 0, partition: 0, sequence: sequence) }
        let report = IntegrityReport(group: nil, acknowledged: [ledger], consumers: [consumer], read: [0])
        #expect(report.acknowledged == 100 && report.consumed == 100 && report.lost == 0)
        #expect(report.notRead == 500)
        #expect(report.verdict.hasSuffix("; 500 more acknowledged on partitions not read (not checked)"))
        let all = IntegrityReport(group: nil, acknowledged: [ledger], consumers: [consumer])
        #expect(all.lost == 500 && all.notRead == nil)
    }

    @Test func sweepValuesAreComparedByMeaning() throws {
        func plan(_ axis: SweepAxis) -> SweepPlan {
            var base = ProduceWorkload()
            base.numRecords = 10
            return SweepPlan(base: base, axes: [axis])
        }
        #expect(throws: WorkloadError.self) { try plan(SweepAxis(name: "acks", values: ["-1", "all"])).validate() }
        #expect(throws: WorkloadError.self) { try plan(SweepAxis(name: "record-size", values: ["1k", "1024"])).validate() }
        try plan(SweepAxis(name: "acks", values: ["0", "1", "all"])).validate()
        // Counted before the cells are made: 10^10 cells would not fit in memory.
        var base = ProduceWorkload()
        base.numRecords = 10
        let axes = (0..<10).map { index in SweepAxis(name: "p\(index)", isProperty: true, values: (0..<10).map(String.init)) }
        #expect(throws: WorkloadError.self) { try SweepPlan(base: base, axes: axes).validate() }
    }

    @Test func compareThresholdsHaveBounds() throws {
        #expect(throws: CompareError.self) { _ = try CompareThresholds(file: nil, throughputDrop: "101%") }
        #expect(throws: CompareError.self) { _ = try CompareThresholds(file: nil, latencyRise: "") }
        #expect(throws: CompareError.self) { _ = try CompareThresholds(file: nil, latencyRise: "p99=1%,p99=2%") }
        #expect(throws: CompareError.self) { _ = try CompareThresholds(file: nil, errorRate: "2") }
        #expect(try CompareThresholds(file: nil, throughputDrop: "100%").maxThroughputDrop == 1)
    }

    @Test func codecListsAndTimesAreChecked() throws {
        #expect(throws: WorkloadError.self) { _ = try CodecBenchOptions(batchSize: nil, sample: nil, minTime: nil, codecs: [","]) }
        #expect(throws: WorkloadError.self) { _ = try CodecBenchOptions(batchSize: nil, sample: nil, minTime: nil, codecs: ["lz4,lz4"]) }
        #expect(throws: WorkloadError.self) { _ = try CodecBenchOptions(batchSize: nil, sample: nil, minTime: "2h", codecs: ["lz4"]) }
        // A stop ends a codec's timed rounds at once; the codec cut short is not kept.
        let bench = CodecBench(options: try CodecBenchOptions(batchSize: nil, sample: "1m", minTime: "10m", codecs: ["lz4"]))
        var workload = ProduceWorkload()
        workload.recordSize = .fixed(1024)
        let sample = try bench.sample(of: workload)
        let stop = StopSignal()
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { stop.stop() }
        let measured = try bench.run(sample: sample, stop: stop)
        #expect(measured.isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
