import Foundation
import ZooBench

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
        let rate = NumberText.fixed(result.atRateBytesPerSecond / 1_048_576, 0)
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
                c.codec.description, NumberText.fixed(c.ratio, 3), signed((1 - c.ratio) * 100) + " %",
                NumberText.fixed(c.compressMegabytesPerSecond, 1), NumberText.fixed(c.decompressMegabytesPerSecond, 1),
                signed(c.savedMegabytesPerSecondAtRate), NumberText.fixed(c.compressCoresAtRate, 2),
                NumberText.fixed(c.decompressCoresAtRate, 2),
            ])
        }
        lines += TextTable.lines(rows)
        if let smallest = result.codecs.min(by: { $0.ratio < $1.ratio }),
           let fastest = result.codecs.max(by: { $0.compressMegabytesPerSecond < $1.compressMegabytesPerSecond }) {
            lines.append("smallest  \(smallest.codec) (ratio \(NumberText.fixed(smallest.ratio, 3)))")
            lines.append("fastest   \(fastest.codec) (\(NumberText.fixed(fastest.compressMegabytesPerSecond, 1)) MB/s compress)")
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
        try ResultJSON.encode(result)
    }


    private static func number(_ value: Double, _ digits: Int) -> String { ResultFiles.number(value, digits) }

    /// One decimal, with "0.0" for anything that rounds to zero (never "-0.0").
    private static func signed(_ value: Double) -> String {
        let text = NumberText.fixed(value, 1)
        return text == "-0.0" ? "0.0" : text
    }
}
