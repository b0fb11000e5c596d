import Foundation
import ZooPipe

/// What `zoobench codecs` measures: which records (the produce workload's
/// payload settings), cut into batches of what size, with which codecs, for
/// how long.
public struct CodecBenchOptions: Sendable, Hashable {
    /// Bytes of record values per batch (the batch is cut at a record
    /// boundary; a record larger than this is a batch of its own). Default 64 KiB.
    public var batchSize = 64 * 1024
    /// Codecs and levels, in order. Default: every codec at the levels Kafka users pick.
    public var codecs: [CodecSetting] = CodecBenchOptions.defaultCodecs
    /// CPU time spent on each direction (compress, decompress) of each codec;
    /// split into three rounds, the fastest of which is reported. Default 0.6 s.
    public var minTime: Duration = .milliseconds(600)
    /// Most bytes of record values sampled. Default 16 MiB (the payload pool's size).
    public var sampleBytes = PayloadPool.maxBytes

    /// The most CPU time per codec and direction: all seven default codecs
    /// both ways then take under 2.5 hours.
    public static let longestMinTime = Duration.seconds(600)

    public static let defaultCodecs: [CodecSetting] = [
        CodecSetting(.gzip, level: 6), CodecSetting(.snappy), CodecSetting(.lz4), CodecSetting(.lz4hc, level: 9),
        CodecSetting(.zstd, level: 1), CodecSetting(.zstd, level: 3), CodecSetting(.zstd, level: 9),
    ]

    public init() {}

    public func validate() throws(WorkloadError) {
        if batchSize < 1 || batchSize > 64 * 1024 * 1024 { throw .invalid("batch-size must be 1 byte to 64 MiB, not \(batchSize)") }
        if codecs.isEmpty { throw .invalid("codec: name at least one codec") }
        if minTime <= .zero || minTime > Self.longestMinTime {
            throw .invalid("min-time must be more than 0 and at most \(DurationText.formatBound(Self.longestMinTime)) per codec and direction")
        }
        if sampleBytes < 1 { throw .invalid("sample must be at least 1 byte") }
    }
}

/// A codec that failed the round trip or that its library refused.
public enum CodecBenchError: Error, Sendable, CustomStringConvertible {
    case library(CodecSetting, String)
    case roundTrip(CodecSetting, batch: Int, String)

    public var description: String {
        switch self {
        case .library(let codec, let reason): return "codec \(codec): \(reason)"
        case .roundTrip(let codec, let batch, let reason):
            return "codec \(codec): batch \(batch) did not decompress to its input (\(reason))"
        }
    }
}

/// Measures codecs on a sample, one codec at a time on the calling thread.
///
/// Every batch is compressed and decompressed once and compared byte for byte
/// with its input before anything is timed. Speed is input bytes over the
/// calling thread's CPU time (so "per core", and not skewed by other
/// processes' use of the machine), as the fastest of three rounds, the way
/// `zstd -b` and `lz4 -b` report theirs.
public struct CodecBench: Sendable {
    public var options: CodecBenchOptions

    public init(options: CodecBenchOptions) {
        self.options = options
    }

    /// Measures every codec in `options.codecs`, in order; `progress` is told
    /// each one as it starts. Stops early (returning what it has) when `stop` is set.
    public func run(sample: CodecSample, stop: StopSignal? = nil,
                    progress: (CodecSetting) -> Void = { _ in }) throws(CodecBenchError) -> [CodecMeasurement] {
        var measured: [CodecMeasurement] = []
        for codec in options.codecs {
            if stop?.isStopped == true { break }
            progress(codec)
            let measurement = try measure(codec, sample: sample, stop: stop)
            // A codec cut short by the stop measured less than its time: it is not kept.
            if stop?.isStopped == true { break }
            measured.append(measurement)
        }
        return measured
    }

    /// Measures one codec; `stop` ends its timed rounds early.
    public func measure(_ setting: CodecSetting, sample: CodecSample, stop: StopSignal? = nil) throws(CodecBenchError) -> CodecMeasurement {
        let codec: BatchCodec
        do {
            codec = try BatchCodec(setting)
        } catch {
            throw .library(setting, error.description)
        }
        let count = sample.batches.count
        let bound = codec.maxCompressedSize(sample.largestBatch)
        // Each batch's compressed form, kept for the decompression rounds.
        let compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bound * count), alignment: 16)
        defer { compressed.deallocate() }
        let restored = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, sample.largestBatch), alignment: 16)
        defer { restored.deallocate() }
        var sizes = [Int](repeating: 0, count: count)
        var best = Double.infinity
        var worst = 0.0
        for index in 0..<count {
            let input = sample.batch(index)
            let slot = UnsafeMutableRawBufferPointer(rebasing: compressed[index * bound..<(index + 1) * bound])
            do {
                sizes[index] = try codec.compress(input, into: slot)
                let output = UnsafeMutableRawBufferPointer(rebasing: restored[0..<input.count])
                let size = try codec.decompress(UnsafeRawBufferPointer(rebasing: slot[0..<sizes[index]]), into: output)
                guard size == input.count else {
                    throw CodecBenchError.roundTrip(setting, batch: index, "\(size) bytes, not \(input.count)")
                }
                guard input.count == 0 || memcmp(input.baseAddress!, output.baseAddress!, size) == 0 else {
                    throw CodecBenchError.roundTrip(setting, batch: index, "the bytes differ")
                }
            } catch let error as CodecError {
                throw .library(setting, error.description)
            } catch let error as CodecBenchError {
                throw error
            } catch {
                throw .library(setting, "\(error)")
            }
            if input.count > 0 {
                let ratio = Double(sizes[index]) / Double(input.count)
                best = min(best, ratio)
                worst = max(worst, ratio)
            }
        }
        let roundTime = DurationText.seconds(options.minTime) / 3
        var compressPasses = 0
        var fastestCompress = Double.infinity
        var failure: CodecError?
        for _ in 0..<3 {
            let (seconds, passes) = timed(minimum: roundTime, stop: stop) {
                for index in 0..<count {
                    let slot = UnsafeMutableRawBufferPointer(rebasing: compressed[index * bound..<(index + 1) * bound])
                    do throws(CodecError) {
                        _ = try codec.compress(sample.batch(index), into: slot)
                    } catch {
                        failure = error
                    }
                }
            }
            compressPasses += passes
            fastestCompress = min(fastestCompress, seconds / Double(passes))
        }
        var decompressPasses = 0
        var fastestDecompress = Double.infinity
        for _ in 0..<3 {
            let (seconds, passes) = timed(minimum: roundTime, stop: stop) {
                for index in 0..<count {
                    let source = UnsafeRawBufferPointer(rebasing: compressed[index * bound..<index * bound + sizes[index]])
                    do throws(CodecError) {
                        _ = try codec.decompress(source, into: restored)
                    } catch {
                        failure = error
                    }
                }
            }
            decompressPasses += passes
            fastestDecompress = min(fastestDecompress, seconds / Double(passes))
        }
        if let failure { throw .library(setting, failure.description) }
        let bytes = Double(sample.bytes)
        return CodecMeasurement(
            codec: setting, inputBytes: sample.bytes, compressedBytes: sizes.reduce(0, +),
            bestBatchRatio: best.isFinite ? best : 1, worstBatchRatio: count > 0 ? worst : 1,
            compressBytesPerSecond: fastestCompress > 0 ? bytes / fastestCompress : 0,
            decompressBytesPerSecond: fastestDecompress > 0 ? bytes / fastestDecompress : 0,
            compressPasses: compressPasses, decompressPasses: decompressPasses, batchesVerified: count)
    }

    /// Runs `pass` until at least `minimum` seconds of this thread's CPU time
    /// have gone (at least once); returns the CPU seconds and the passes.
    private func timed(minimum: Double, stop: StopSignal?, _ pass: () -> Void) -> (Double, Int) {
        let start = threadCPUSeconds()
        var passes = 0
        var elapsed = 0.0
        repeat {
            pass()
            passes += 1
            elapsed = threadCPUSeconds() - start
        } while elapsed < minimum && stop?.isStopped != true
        return (elapsed, passes)
    }
}

/// The calling thread's CPU time so far, in seconds.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
