import Foundation
import ZooPipe

/// One codec's figures on a sample.
public struct CodecMeasurement: Sendable, Hashable {
    public var codec: CodecSetting
    public var inputBytes: Int
    public var compressedBytes: Int
    /// Compressed bytes over input bytes (1.0: no gain; above 1: the codec grew it).
    public var ratio: Double { inputBytes > 0 ? Double(compressedBytes) / Double(inputBytes) : 1 }
    /// The smallest and largest ratio of a single batch.
    public var bestBatchRatio: Double
    public var worstBatchRatio: Double
    /// Input bytes compressed per second of one core's CPU time (fastest round).
    public var compressBytesPerSecond: Double
    /// Input bytes restored per second of one core's CPU time (fastest round).
    public var decompressBytesPerSecond: Double
    /// Passes over the sample timed in each direction.
    public var compressPasses: Int
    public var decompressPasses: Int
    /// Batches whose decompressed bytes were compared with the input (all of them).
    public var batchesVerified: Int
}
