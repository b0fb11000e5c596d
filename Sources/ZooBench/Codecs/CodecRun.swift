import Foundation
import ZooPipe

extension CodecBenchOptions {
    /// The options a command line gives: sizes (`64k`), a duration and codec
    /// names (`zstd:3,lz4`, repeated or comma-separated; `all` is the default
    /// set) as text; nil or empty keeps the default.
    public init(batchSize: String?, sample: String?, minTime: String?, codecs: [String]) throws(WorkloadError) {
        self.init()
        if let batchSize { self.batchSize = try ByteCount.parse(batchSize, label: "--batch-size") }
        if let sample { sampleBytes = try ByteCount.parse(sample, label: "--sample", example: "16m") }
        if let minTime { self.minTime = try DurationText.parse(minTime, label: "--min-time") }
        let names = codecs.flatMap {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if names.contains("") { throw .invalid("--codec: '\(codecs.joined(separator: ","))' has an empty entry; name each codec") }
        if let twice = names.firstRepeated() { throw .invalid("--codec: '\(twice)' is given twice") }
        if !names.isEmpty && names != ["all"] {
            self.codecs = try names.map { text throws(WorkloadError) in
                guard let setting = CodecSetting(parsing: text) else {
                    throw .invalid("--codec: '\(text)' is not gzip[:1-9], snappy, lz4, lz4hc[:1-12] or zstd[:1-22]")
                }
                return setting
            }
        }
        try validate()
    }
}

extension CodecBench {
    /// The records `workload` describes, laid end to end and cut into batches.
    public func sample(of workload: ProduceWorkload) throws -> CodecSample {
        // Empty generated records would first fill a pool of millions of empty slots.
        var fromFile = false
        if case .file = workload.payload { fromFile = true }
        if workload.recordSize.maximum == 0 && !fromFile {
            throw WorkloadError.invalid("--payload: the records hold no bytes to compress")
        }
        let sample = CodecSample(pool: try PayloadPool(workload: workload), batchSize: options.batchSize,
                                 sampleBytes: options.sampleBytes)
        guard sample.bytes > 0 else { throw WorkloadError.invalid("--payload: the records hold no bytes to compress") }
        return sample
    }

    /// Measures every codec on `sample` (of `workload`'s records) and makes
    /// the result, its network and core figures for `atRate` bytes/s; partial
    /// when `stop` ended it before the last codec.
    public func result(_ sample: CodecSample, of workload: ProduceWorkload, atRate: Double, startedAt: Date = Date(),
                       stop: StopSignal? = nil) throws -> CodecResult {
        let measurements = try run(sample: sample, stop: stop)
        var result = CodecResult(name: workload.name, startedAt: startedAt, workload: workload, sample: sample,
                                 batchSize: options.batchSize, atRateBytesPerSecond: atRate, measurements: measurements)
        result.partial = measurements.count < options.codecs.count
        return result
    }
}
