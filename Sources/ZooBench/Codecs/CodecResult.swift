import Foundation
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
