import Foundation
import ZooBench
import ZooPipe

/// One codec's figures in a `zoobench codecs` result.
public struct CodecFigures: Sendable, Codable, Hashable {
    /// `zstd:3`, `lz4`, …
    public var codec: CodecSetting
    /// The Kafka `compression.type` it is.
    public var kafkaCodec: CompressionCodec
    public var inputBytes: Int
    public var compressedBytes: Int
    /// Compressed bytes ÷ input bytes (1.0 or more: no gain).
    public var ratio: Double
    /// The best and worst single batch's ratio.
    public var bestBatchRatio: Double
    public var worstBatchRatio: Double
    /// MB/s (1 MB = 1,048,576 bytes) of input per core, fastest round.
    public var compressMegabytesPerSecond: Double
    public var decompressMegabytesPerSecond: Double
    /// Network MB/s saved when producing `atRate` of values with this codec.
    public var savedMegabytesPerSecondAtRate: Double
    /// Cores busy compressing `atRate` (producers) and decompressing it (consumers).
    public var compressCoresAtRate: Double
    public var decompressCoresAtRate: Double
    public var compressPasses: Int
    public var decompressPasses: Int
    /// Batches whose round trip was checked byte for byte (all of them).
    public var batchesVerified: Int

    public init(_ m: CodecMeasurement, atRate bytesPerSecond: Double) {
        codec = m.codec
        kafkaCodec = m.codec.kafkaCodec
        inputBytes = m.inputBytes
        compressedBytes = m.compressedBytes
        ratio = m.ratio
        bestBatchRatio = m.bestBatchRatio
        worstBatchRatio = m.worstBatchRatio
        compressMegabytesPerSecond = m.compressBytesPerSecond / 1_048_576
        decompressMegabytesPerSecond = m.decompressBytesPerSecond / 1_048_576
        savedMegabytesPerSecondAtRate = bytesPerSecond * (1 - m.ratio) / 1_048_576
        compressCoresAtRate = m.compressBytesPerSecond > 0 ? bytesPerSecond / m.compressBytesPerSecond : 0
        decompressCoresAtRate = m.decompressBytesPerSecond > 0 ? bytesPerSecond / m.decompressBytesPerSecond : 0
        compressPasses = m.compressPasses
        decompressPasses = m.decompressPasses
        batchesVerified = m.batchesVerified
    }
}

/// What `zoobench codecs` measured: the sample, the machine and one row per codec.
public struct CodecResult: Sendable, Codable {
    public static let currentSchemaVersion = 1

    public var schemaVersion = CodecResult.currentSchemaVersion
    public var kind = ResultKind.codecs
    public var name: String
    public var startedAt: Date
    /// True when Ctrl-C stopped it before every codec was measured.
    public var partial = false
    /// `random`, `text`, `json` or `file:PATH`.
    public var payload: String
    public var recordSize: String
    public var compressibility: Double
    public var records: Int
    public var bytes: Int
    public var batches: Int
    public var batchSize: Int
    /// The uncompressed rate the network and core figures are for, bytes/s.
    public var atRateBytesPerSecond: Double
    public var zoobenchVersion = ZooBenchVersion.current
    public var host = ProcessInfo.processInfo.hostName
    public var cores = ProcessInfo.processInfo.activeProcessorCount
    /// Versions of the codec libraries measured.
    public var libraries = BatchCodec.libraryVersions
    public var codecs: [CodecFigures]

    public init(name: String, startedAt: Date, workload: ProduceWorkload, sample: CodecSample, batchSize: Int,
                atRateBytesPerSecond: Double, measurements: [CodecMeasurement]) {
        self.name = name
        self.startedAt = startedAt
        payload = workload.payload.description
        recordSize = workload.recordSize.description
        compressibility = workload.compressibility
        records = sample.records
        bytes = sample.bytes
        batches = sample.batches.count
        self.batchSize = batchSize
        self.atRateBytesPerSecond = atRateBytesPerSecond
        codecs = measurements.map { CodecFigures($0, atRate: atRateBytesPerSecond) }
    }

    /// Mean bytes per record in the sample.
    public var averageRecordBytes: Double { records > 0 ? Double(bytes) / Double(records) : 0 }
}

/// Views of a ``CodecResult``: the console table, CSV and JSON.
public enum CodecReport {
    public static let csvHeader = [
        "codec", "kafka_codec", "ratio", "saved_percent", "input_bytes", "compressed_bytes", "best_batch_ratio",
        "worst_batch_ratio", "compress_mb_per_s", "decompress_mb_per_s", "at_rate_mb_per_s", "saved_mb_per_s_at_rate",
        "compress_cores_at_rate", "decompress_cores_at_rate", "batches_verified",
    ].joined(separator: ",")

    public static func csv(_ result: CodecResult) -> String {
        var text = csvHeader + "\n"
        let rate = result.atRateBytesPerSecond / 1_048_576
        for c in result.codecs {
            let row = [
                c.codec.description, c.kafkaCodec.rawValue, number(c.ratio, 4), number((1 - c.ratio) * 100, 2),
                String(c.inputBytes), String(c.compressedBytes), number(c.bestBatchRatio, 4), number(c.worstBatchRatio, 4),
                number(c.compressMegabytesPerSecond, 1), number(c.decompressMegabytesPerSecond, 1), number(rate, 1),
                number(c.savedMegabytesPerSecondAtRate, 1), number(c.compressCoresAtRate, 3),
                number(c.decompressCoresAtRate, 3), String(c.batchesVerified),
            ]
            text += row.joined(separator: ",") + "\n"
        }
        return text
    }

    /// The sample line, one row per codec and the best of each kind.
    public static func table(_ result: CodecResult) -> String {
        let rate = ProduceSummary.fixed(result.atRateBytesPerSecond / 1_048_576, 0)
        var lines = [
            "sample    \(result.bytes) bytes in \(result.records) records (\(result.payload), record-size "
                + "\(result.recordSize)\(result.payload == "random" ? ", compressibility \(result.compressibility)" : ""))"
                + " cut into \(result.batches) batches of up to \(result.batchSize) bytes",
            "speed     MB/s of input per core (1 MB = 1,048,576 bytes), fastest of 3 rounds; every batch round-trip checked",
        ]
        var rows = [["codec", "ratio", "saved", "compress MB/s", "decompress MB/s", "saved MB/s at \(rate) MB/s",
                     "cores to compress", "cores to decompress"]]
        for c in result.codecs {
            rows.append([
                c.codec.description, ProduceSummary.fixed(c.ratio, 3), signed((1 - c.ratio) * 100) + " %",
                ProduceSummary.fixed(c.compressMegabytesPerSecond, 1), ProduceSummary.fixed(c.decompressMegabytesPerSecond, 1),
                signed(c.savedMegabytesPerSecondAtRate), ProduceSummary.fixed(c.compressCoresAtRate, 2),
                ProduceSummary.fixed(c.decompressCoresAtRate, 2),
            ])
        }
        lines += TextTable.lines(rows)
        if let smallest = result.codecs.min(by: { $0.ratio < $1.ratio }),
           let fastest = result.codecs.max(by: { $0.compressMegabytesPerSecond < $1.compressMegabytesPerSecond }) {
            lines.append("smallest  \(smallest.codec) (ratio \(ProduceSummary.fixed(smallest.ratio, 3)))")
            lines.append("fastest   \(fastest.codec) (\(ProduceSummary.fixed(fastest.compressMegabytesPerSecond, 1)) MB/s compress)")
            if result.codecs.allSatisfy({ $0.ratio >= 0.99 }) {
                lines.append("verdict   these records do not compress: compression would cost CPU and save nothing")
            }
        }
        if result.partial { lines.append("partial   \(result.codecs.count) codec(s) measured before the stop") }
        return lines.joined(separator: "\n")
    }

    /// Writes `<stem>.json` and `<stem>.csv` atomically; returns their paths.
    @discardableResult
    public static func write(_ result: CodecResult, to directory: String) throws -> [String] {
        try ResultFiles.writeJSONAndCSV(try json(result), csv: csv(result), startedAt: result.startedAt, name: result.name,
                                        to: directory)
    }

    public static func json(_ result: CodecResult) throws -> Data {
        try ResultFiles.encoder().encode(result)
    }

    public static func decode(_ data: Data) throws -> CodecResult {
        try ResultFiles.decoder().decode(CodecResult.self, from: data)
    }

    private static func number(_ value: Double, _ digits: Int) -> String { ResultFiles.number(value, digits) }

    /// One decimal, with "0.0" for anything that rounds to zero (never "-0.0").
    private static func signed(_ value: Double) -> String {
        let text = ProduceSummary.fixed(value, 1)
        return text == "-0.0" ? "0.0" : text
    }
}
