import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// `zoobench codecs`: how well and how fast each Kafka codec compresses your records, offline.
struct CodecsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codecs",
        abstract: "Measure compression ratio and speed of each codec on your records (offline, no broker).",
        discussion: """
            Records (generated like produce's, or read from --payload file:PATH, one per \
            line: JSONL works as is) are laid end to end and cut into batches of \
            --batch-size, as a producer batches them; each batch is compressed with each \
            codec through the libraries librdkafka uses (libzstd, liblz4, zlib, libsnappy). \
            Every batch is decompressed and compared with its input before anything is timed.

            Reported per codec: ratio (compressed ÷ input; 1.0 or more is no gain), compress \
            and decompress MB/s per core (CPU time of one thread, fastest of three rounds), \
            and at --at-rate of uncompressed values: the network MB/s saved and the cores \
            busy compressing (producers) and decompressing (consumers). Kafka's per-record \
            framing (a few bytes of varints) is not in the batches; lz4 is measured in its \
            block format (Kafka's lz4 frame adds about 15 bytes per batch).

            Codecs: gzip:1-9, snappy, lz4, lz4hc:1-12, zstd:1-19 (higher levels up to 22 \
            are accepted). Default: gzip:6 snappy lz4 lz4hc:9 zstd:1 zstd:3 zstd:9.

            Examples:
              zoobench codecs --payload file:events.jsonl
              zoobench codecs --payload json --record-size 1k --batch-size 16k
              zoobench codecs --compressibility 0.5 --codec zstd:1,zstd:3,lz4 \\
                --at-rate 500MB/s
            """
    )

    @Option(help: ArgumentHelp("random, text, json or file:PATH (one record per line). Default random.", valueName: "kind"))
    var payload: String?
    @Option(help: ArgumentHelp("Value size of generated records: 100, 1k, uniform:100-1000. Default 1k.", valueName: "size"))
    var recordSize: String?
    @Option(help: ArgumentHelp("Fraction of repeated bytes in random payloads, 0.0–1.0. Default 0.", valueName: "fraction"))
    var compressibility: String?
    @Option(help: ArgumentHelp("Record separator in a payload file. Default a newline.", valueName: "text"))
    var payloadDelimiter: String?
    @Option(help: ArgumentHelp("Bytes of values per batch (16k, 64k, 1m). Default 64k.", valueName: "bytes"))
    var batchSize: String?
    @Option(parsing: .singleValue,
            help: ArgumentHelp("Codecs to measure, comma-separated or repeated; 'all' for the default set.",
                               valueName: "codec[:level],…"))
    var codec: [String] = []
    @Option(help: ArgumentHelp("CPU time per codec and direction. Default 0.6s.", valueName: "duration"))
    var minTime: String?
    @Option(help: ArgumentHelp("Most bytes of records to sample. Default 16m.", valueName: "bytes"))
    var sample: String?
    @Option(help: ArgumentHelp("Uncompressed produce rate the network and core figures are for. Default 100MB/s.",
                               valueName: "bytes/s"))
    var atRate: String?
    @Option(help: ArgumentHelp("Also write the sampled bytes, batches end to end, to PATH: with fixed-size records "
                               + "that fill each batch exactly, 'zstd -b1 -B<batch-size> PATH' measures the same input.",
                               valueName: "path"))
    var saveSample: String?
    @Option(help: "Run name, used in result file names.") var name = "codecs"
    @Option(help: ArgumentHelp("Folder for result files.", valueName: "dir")) var output = "results"
    @Flag(help: "Do not write result files.") var noSave = false
    @Flag(help: "Print the result JSON on stdout instead of the table.") var json = false

    /// Destinations that cannot be written are refused before measuring.
    func validate() throws {
        if !noSave { try OutputDestination.checkFolder(output, label: "--output") }
        if let saveSample { try OutputDestination.checkFile(saveSample, label: "--save-sample") }
    }

    /// The records to sample, as a produce workload describes them (1 KB each unless told).
    func makeWorkload() throws -> ProduceWorkload {
        var workload = ProduceWorkload()
        workload.name = name
        workload.recordSize = .fixed(1024)
        try workload.set(flags: FieldFlags.given(ProduceWorkload.self, in: self).filter { $0.field != "batch-size" })
        try workload.validate()
        return workload
    }

    func run() throws {
        let startedAt = Date()
        let workload = try makeWorkload()
        let bench = CodecBench(options: try CodecBenchOptions(batchSize: batchSize, sample: sample, minTime: minTime, codecs: codec))
        let rate = try atRate.map { text throws(WorkloadError) in try Rate.bytesPerSecond(parsing: text, label: "--at-rate") }
            ?? 100.0 * 1_048_576
        let say: (String) -> Void = json ? { _ in } : { print($0) }
        let sample = try bench.sample(of: workload)
        if let saveSample {
            try sample.withBytes { try ResultFiles.writeAtomically(Data($0), to: URL(fileURLWithPath: saveSample)) }
        }
        let codecs = bench.options.codecs
        say("codecs    measuring \(codecs.map(\.description).joined(separator: " ")): at least "
            + "\(DurationText.format(bench.options.minTime * (2 * codecs.count))) of CPU")
        let result = try Interrupt.during { stop in
            try bench.result(sample, of: workload, atRate: rate, startedAt: startedAt, stop: stop)
        }
        print(json ? String(decoding: try CodecReport.json(result), as: UTF8.self) : CodecReport.table(result))
        if !noSave { say("results   " + (try ResultFiles.writing(to: output) { try CodecReport.write(result, to: $0) }).joined(separator: "  ")) }
        if result.partial { throw Interrupt.exit }
    }
}
