import Foundation
import Testing
import ZooPipe
@testable import ZooBench

/// Turns valid inputs into many near-valid ones: characters replaced,
/// inserted, deleted or repeated, numbers swapped for extreme ones, pieces of
/// other seeds spliced in. Seeded, so a failure names an input that can be
/// reproduced.
struct Mutator {
    var generator: SplitMix64
    let seeds: [String]

    static let alphabet = Array("0123456789-+.,:;=/%<>[]{}\"' \t\nemsuµhkgbKMGBxnaiAEz_*&!#|~\u{0}é∞")
    static let extremes = ["0", "-0", "-1", "1e308", "1e400", "-1e400", "nan", "inf", "-inf", "9223372036854775807",
                           "9223372036854775808", "99999999999999999999", "0.0000000001", "1e-320", "0x1p64", "", " "]

    init(seed: UInt64, seeds: [String]) {
        generator = SplitMix64(seed: seed)
        self.seeds = seeds
    }

    mutating func next() -> String {
        var text = Array(seeds.randomElement(using: &generator)!)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = text.isEmpty ? 0 : Int.random(in: 0..<text.count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0 where !text.isEmpty: text[position] = Self.alphabet.randomElement(using: &generator)!
            case 1: text.insert(Self.alphabet.randomElement(using: &generator)!, at: position)
            case 2 where !text.isEmpty: text.remove(at: position)
            case 3:
                // A run of digits becomes an extreme number.
                if let start = text.indices.first(where: { $0 >= position && text[$0].isNumber }) {
                    let end = text[start...].firstIndex { !$0.isNumber && $0 != "." } ?? text.endIndex
                    text.replaceSubrange(start..<end, with: Array(Self.extremes.randomElement(using: &generator)!))
                }
            case 4:
                let other = Array(seeds.randomElement(using: &generator)!)
                if !other.isEmpty {
                    let cut = Int.random(in: 0..<other.count, using: &generator)
                    text.insert(contentsOf: other[cut...], at: position)
                }
            case 5 where !text.isEmpty:
                let end = min(text.count, position + Int.random(in: 1...8, using: &generator))
                text.insert(contentsOf: Array(repeating: text[position..<end], count: 50).joined(), at: position)
            default:
                text = Array(String(text).uppercased())
            }
        }
        return String(text)
    }
}

/// Parsers of everything a user types or writes, fed generated inputs: none
/// may crash or hang, and what parses must describe itself in a form that
/// parses back to the same value.
@Suite("Parser fuzzing")
struct ParserFuzzTests {
    /// Inputs per parser. Eight parsers get this many and workload YAML a
    /// fifth of it: about 165,000 inputs in all.
    static let inputsPerParser = 20_000

    static func fuzz(_ name: String, seeds: [String], count: Int = inputsPerParser, seed: UInt64,
                     _ check: (String) throws -> Void) rethrows {
        var mutator = Mutator(seed: seed, seeds: seeds)
        let started = Date()
        for _ in 0..<count { try check(mutator.next()) }
        let seconds = Date().timeIntervalSince(started)
        print("fuzz \(name): \(count) inputs in \(String(format: "%.2f", seconds)) s, "
            + "\(Int(Double(count) / max(seconds, 1e-9))) inputs/s")
    }

    @Test func durations() {
        Self.fuzz("durations", seeds: ["500ms", "5s", "1.5s", "2m", "1h", "250us", "10", "0s", "3600s", "1e3ms"], seed: 1) { text in
            guard let duration = DurationText.parse(text) else { return }
            #expect(duration >= .zero, "\(text)")
            // The short form parses back to the same duration to the nanosecond.
            let again = DurationText.parse(DurationText.format(duration))
            #expect(again.map { abs(DurationText.seconds($0 - duration)) < 1e-6 * max(1, DurationText.seconds(duration)) } == true,
                    "\(text) → \(DurationText.format(duration))")
        }
    }

    @Test func sizesAndRecordSizes() {
        Self.fuzz("sizes", seeds: ["100", "1k", "16k", "1m", "2g", "64kb", "1.5mb", "0", "uniform:100-1000", "normal:500,50"],
                  seed: 2) { text in
            if let bytes = ByteCount.parse(text) { #expect(bytes >= 0, "\(text)") }
            guard let size = RecordSizeDistribution(parsing: text) else { return }
            #expect(RecordSizeDistribution(parsing: size.description) == size, "\(text) → \(size)")
            var workload = ProduceWorkload()
            workload.recordSize = size
            _ = try? workload.validate()  // must not trap on any size that parses
            #expect(size.maximum >= 0)
        }
    }

    @Test func ratesKeysAndSLOs() {
        Self.fuzz("rates, keys, SLOs",
                  seeds: ["20000", "20k", "1.5m", "50MB/s", "100mb", "uniform:100", "zipf:1000,1.1", "sequential", "none",
                          "p99<=50ms", "p99.9<=200ms", "error-rate<=0.1%", "max<1s"], seed: 3) { text in
            if let rate = Rate(parsing: text) {
                #expect(rate.recordsPerSecond(recordBytes: 100) > 0, "\(text)")
            }
            if let keys = KeyDistribution(parsing: text) { #expect(KeyDistribution(parsing: keys.description) == keys, "\(text)") }
            if let slo = try? SLO(parsing: [text]) {
                #expect(!slo.conditions.isEmpty)
                #expect((try? SLO(parsing: [slo.conditions.map(\.description).joined(separator: ",")]))?.conditions.count
                            == slo.conditions.count, "\(text)")
            }
        }
    }

    @Test func kafkaURIs() {
        Self.fuzz("URIs", seeds: ["kafka://h:9092/t", "kafka://a:1,b:2/topic.name_1", "kafka://[::1]:9092/t",
                                  "kafka://localhost/t", "kafka://h:9092/t?acks=all"], seed: 4) { text in
            guard let uri = try? KafkaURI(text) else { return }
            #expect(!uri.brokers.isEmpty && !uri.topic.isEmpty, "\(text)")
            #expect((try? KafkaURI(uri.description))?.description == uri.description, "\(text) → \(uri)")
        }
    }

    @Test func faultsAndClusterCommands() {
        Self.fuzz("faults", seeds: ["at=10s broker=2 down for=5s", "at=500ms rtt broker=1 50ms", "at=3s leader partition=1 to=3",
                                    "at=2s error api=Produce code=NOT_LEADER_FOR_PARTITION count=5",
                                    "at=1s leader topic=t partition=0 to=2"], seed: 5) { text in
            guard let fault = try? FaultSpec(parsing: text) else { return }
            #expect((try? FaultSpec(parsing: fault.description)) == fault, "\(text) → \(fault)")
        }
        Self.fuzz("cluster commands", seeds: ["down 2", "up all", "rtt 1 50ms", "leader bench 0 3", "topic t:4",
                                              "error Produce NOT_LEADER_FOR_PARTITION 5"], seed: 6) { text in
            guard let command = try? ClusterChange(command: text) else { return }
            #expect((try? ClusterChange(command: command.description)) == command, "\(text) → \(command)")
        }
    }

    @Test func codecs() {
        Self.fuzz("codecs", seeds: ["gzip:6", "snappy", "lz4", "lz4hc:9", "zstd:3", "zstd:22"], seed: 7) { text in
            guard let codec = CodecSetting(parsing: text) else { return }
            #expect(CodecSetting(parsing: codec.description) == codec, "\(text) → \(codec)")
        }
    }

    /// Workload files: every mutated file is refused with a WorkloadError or
    /// loads as a workload that validates or is refused, never a crash.
    @Test func workloadYAML() {
        let seeds = [
            "acks: all\nnum-records: 1000\nrecord-size: uniform:100-1000\ncompression: lz4\n",
            "{\"acks\": 1, \"duration\": \"30s\", \"throughput\": 5000, \"fault\": [\"at=1s broker=1 down for=2s\"]}",
            "name: omb\ntopics: 1\npartitionsPerTopic: 4\nmessageSize: 1024\nproducerRate: 5000\ntestDurationMinutes: 1\n",
            "producer-props:\n  linger.ms: 5\nkeys: zipf:100,1.2\nheaders: 2\n",
            "sweep:\n  acks: [0, 1]\n  record-size: [100, 1k]\n",
        ]
        Self.fuzzWorkloadFiles("workload YAML", seeds: seeds, seed: 8)
    }

    /// Mutations of `seeds` as workload files: each is refused with an error
    /// naming the file, or loads as a workload that validates or is refused.
    static func fuzzWorkloadFiles(_ name: String, seeds: [String], seed: UInt64) {
        fuzz(name, seeds: seeds, count: inputsPerParser / 5, seed: seed) { text in
            do throws(WorkloadError) {
                let loaded = try WorkloadFile.parse(text, source: "fuzz")
                _ = try? loaded.workload.validate()
            } catch {
                #expect(error.description.hasPrefix("workload file 'fuzz'") || error.description.hasPrefix("OMB workload file 'fuzz'"),
                        "\(error.description)")
            }
        }
    }

    /// Every numeric field of a produce or consume workload set to numbers
    /// near the limits (and past them): validation refuses or accepts, and
    /// what it accepts feeds the arithmetic a run does with it (default
    /// bounds, record framing, per-producer shares, send intervals, the
    /// backlog topic's partitions) without a trap.
    @Test func numbersNearTheLimits() {
        let produceFields = ["partitions", "replication-factor", "num-records", "duration", "throughput", "warmup",
                             "warmup-records", "record-size", "compressibility", "headers", "producers", "batch-size",
                             "linger-ms", "transaction-size", "timeout", "connect-timeout", "interval"]
        let consumeFields = ["consumers", "groups", "num-records", "duration", "warmup", "backlog", "backlog-record-size",
                             "backlog-partitions", "idle-timeout", "join-timeout", "commit-interval", "interval"]
        let numbers = Mutator.extremes + ["100000000000000", "100000000000001", "0.001", "0.0009", "1e9", "1000000001",
                                          "10000", "10001", "5000", "5001", "999964", "999965", "99ms", "100ms", "720h",
                                          "721h", "1ms", "1e-300", "1e15", "1.5", "1e6", "4611686018427387904", "2147483648"]
        var generator = SplitMix64(seed: 10)
        let started = Date()
        var accepted = 0
        for round in 0..<Self.inputsPerParser {
            var produce = ProduceWorkload()
            var consume = ConsumeWorkload()
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let number = numbers.randomElement(using: &generator)!
                if round % 2 == 0 {
                    try? produce.set(produceFields.randomElement(using: &generator)!, to: number)
                } else {
                    try? consume.set(consumeFields.randomElement(using: &generator)!, to: number)
                }
            }
            if round % 2 == 0 {
                guard (try? produce.validate(stamped: round % 4 == 0)) != nil else { continue }
                accepted += 1
                let bounded = produce.withDefaultBounds()
                _ = bounded.largestRecordFraming(stamped: true)
                if let records = bounded.numRecords { _ = ProducerFleet.split(records + (bounded.warmupRecords ?? 0), into: bounded.producers) }
                if let throughput = bounded.throughput {
                    // The send schedule of the slowest producer, a year of records ahead.
                    let interval = 1e9 / (throughput / Double(bounded.producers))
                    #expect(interval.isFinite && interval > 0)
                    _ = UInt64(min(Double(ProduceWorkload.mostRecords) * interval, 3.2e16))
                }
            } else {
                guard (try? consume.validate()) != nil else { continue }
                accepted += 1
                #expect(ConsumeRun(workload: consume, brokers: nil).topicPartitions >= 1)
            }
        }
        print("fuzz numbers near the limits: \(Self.inputsPerParser) workloads in "
            + "\(String(format: "%.2f", Date().timeIntervalSince(started))) s, \(accepted) accepted")
    }

    /// YAML shapes: complex keys, anchors and aliases, tags, flow and block
    /// nesting, multi-documents, mutated: parsing never traps (the YAML
    /// library does on some shapes, so they are refused before it decodes).
    @Test func yamlShapes() {
        let seeds = [
            "? [a, b]\n: 1\nacks: 1\n", "{? {x: 1} : 2, acks: 1}", "base: &b {acks: 1}\nother: *b\n",
            "acks: !!int 1\nname: !!str x\nfault: !!seq [\"at=1s broker=1 down\"]\n", "--- \nacks: 1\n---\nacks: 0\n",
            "a: [[[[[[1]]]]]]\n", "a: {b: {c: {d: {e: 1}}}}\n", "? |\n  block key\n: 1\n", "acks: 1\nacks: 0\n",
            "producer-props: {linger.ms: [5], batch.size: {a: 1}}\n", "sweep: {acks: [0, {x: 1}]}\n", "fault: [[[]]]\n",
            "num-records: 0x10\nthroughput: .inf\nduration: 1_000s\n",
        ]
        Self.fuzzWorkloadFiles("workload YAML shapes", seeds: seeds, seed: 11)
    }
}
