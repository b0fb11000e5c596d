import Foundation
import Testing
import ZooBench
import ZooPipe

@Suite("codecs: ratio, speed and round trip")
struct CodecBenchTests {
    static func sample(_ payload: PayloadKind, compressibility: Double = 0, size: Int = 1000,
                       bytes: Int = 1 << 20) throws -> CodecSample {
        var workload = ProduceWorkload()
        workload.payload = payload
        workload.compressibility = compressibility
        workload.recordSize = .fixed(size)
        return CodecSample(pool: try PayloadPool(workload: workload), batchSize: 64 * 1024, sampleBytes: bytes)
    }

    static var quick: CodecBench {
        var options = CodecBenchOptions()
        options.minTime = .milliseconds(30)
        return CodecBench(options: options)
    }

    /// Every codec restores every batch of random, text and JSON records
    /// byte for byte (the bench compares each one before timing).
    @Test(arguments: [PayloadKind.random, .text, .json])
    func everyCodecRoundTrips(_ payload: PayloadKind) throws {
        let sample = try Self.sample(payload)
        #expect(sample.bytes == 1000 * 1048)  // whole records only: 1048 of 1000 bytes fit in 1 MiB
        #expect(sample.records == 1048)
        #expect(sample.batches.count == 17)  // 65 records of 1000 bytes fit in 64 KiB
        let measured = try Self.quick.run(sample: sample)
        #expect(measured.map(\.codec) == CodecBenchOptions.defaultCodecs)
        for m in measured {
            #expect(m.batchesVerified == 17)
            #expect(m.inputBytes == sample.bytes)
            #expect(m.compressBytesPerSecond > 0 && m.decompressBytesPerSecond > 0)
            #expect(m.compressPasses >= 3 && m.decompressPasses >= 3)
        }
    }

    /// Random bytes do not compress: no codec gains even 1 %.
    @Test func randomBytesGainNothing() throws {
        let measured = try Self.quick.run(sample: try Self.sample(.random))
        for m in measured {
            #expect(m.ratio >= 0.99, "\(m.codec) made random bytes \(m.ratio) of their size")
        }
    }

    /// 90 % repeated bytes compress to well under half with every codec, and
    /// text and JSON compress too.
    @Test func compressiblePayloadsShrink() throws {
        for m in try Self.quick.run(sample: try Self.sample(.random, compressibility: 0.9)) {
            #expect(m.ratio < 0.5, "\(m.codec): \(m.ratio)")
            #expect(m.compressedBytes < m.inputBytes / 2)
        }
        for payload in [PayloadKind.text, .json] {
            for m in try Self.quick.run(sample: try Self.sample(payload)) {
                #expect(m.ratio < 0.8, "\(m.codec) on \(payload): \(m.ratio)")
            }
        }
    }

    /// Higher zstd levels never make the sample larger than lower ones on text.
    @Test func zstdLevelsOrder() throws {
        let sample = try Self.sample(.text)
        let bench = Self.quick
        let sizes = try [1, 3, 9].map { try bench.measure(CodecSetting(.zstd, level: $0), sample: sample).compressedBytes }
        #expect(sizes[0] >= sizes[1] && sizes[1] >= sizes[2], "\(sizes)")
    }

    /// The ratio is the codec's own output: compressing a known batch of zeros
    /// directly gives the size the bench reports for a one-batch sample.
    @Test func ratioIsTheLibrarysOutput() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-zeros-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0x30, count: 50_000).write(to: file)
        var workload = ProduceWorkload()
        workload.payload = .file(file.path)
        let sample = CodecSample(pool: try PayloadPool(workload: workload), batchSize: 1 << 20, sampleBytes: 1 << 20)
        #expect(sample.records == 1 && sample.bytes == 50_000 && sample.batches.count == 1)
        for setting in CodecBenchOptions.defaultCodecs {
            let codec = try BatchCodec(setting)
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: codec.maxCompressedSize(50_000), alignment: 16)
            defer { output.deallocate() }
            let size = try codec.compress(sample.batch(0), into: output)
            let m = try Self.quick.measure(setting, sample: sample)
            #expect(m.compressedBytes == size)
            #expect(m.ratio == Double(size) / 50_000)
            #expect(size < 2_500, "\(setting) left 50 kB of one byte at \(size) bytes")
        }
    }

    /// A damaged batch is an error naming the codec, not a crash or wrong bytes.
    @Test func corruptInputIsAnError() throws {
        let text = Array(String(repeating: "kafka zoobench ", count: 400).utf8)
        for setting in CodecBenchOptions.defaultCodecs {
            let codec = try BatchCodec(setting)
            let compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: codec.maxCompressedSize(text.count), alignment: 16)
            let restored = UnsafeMutableRawBufferPointer.allocate(byteCount: text.count, alignment: 16)
            defer {
                compressed.deallocate()
                restored.deallocate()
            }
            let size = try text.withUnsafeBytes { try codec.compress($0, into: compressed) }
            // Truncated input cannot restore the original: an error or fewer bytes, never the full text.
            let truncated = UnsafeRawBufferPointer(rebasing: compressed[0..<size / 2])
            do {
                let restoredSize = try codec.decompress(truncated, into: restored)
                #expect(restoredSize < text.count, "\(setting) restored all \(text.count) bytes from half its output")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func settingsParse() {
        #expect(CodecSetting(parsing: "zstd:3") == CodecSetting(.zstd, level: 3))
        #expect(CodecSetting(parsing: "zstd") == CodecSetting(.zstd, level: 3))
        #expect(CodecSetting(parsing: "lz4hc") == CodecSetting(.lz4hc, level: 9))
        #expect(CodecSetting(parsing: "gzip:1")?.description == "gzip:1")
        #expect(CodecSetting(parsing: "snappy")?.description == "snappy")
        #expect(CodecSetting(parsing: "lz4")?.kafkaCodec == .lz4)
        #expect(CodecSetting(parsing: "lz4hc:12")?.kafkaCodec == .lz4)
        for bad in ["zstd:0", "zstd:23", "gzip:10", "lz4:1", "snappy:2", "brotli", "", "zstd:", "zstd:x"] {
            #expect(CodecSetting(parsing: bad) == nil, "'\(bad)' parsed")
        }
    }
}
