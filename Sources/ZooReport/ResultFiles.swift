import Foundation
import ZooBench

/// Writes a run's result as files: `<stem>.json` (the whole RunResult),
/// `<stem>.csv` (one summary row) and `<stem>-timeline.csv` (one row per
/// interval). Each file is written beside its name and renamed into place,
/// so a reader never sees half a file.
public enum ResultFiles {
    /// The summary CSV's header. Stable: columns are only ever added at the end.
    public static let summaryHeader = [
        "name", "started_at", "partial", "cluster", "acks", "producers", "record_size", "compression",
        "throughput_target", "sent", "delivered", "failed", "elapsed_s", "records_per_s", "mb_per_s",
        "p50_ms", "p75_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "p9999_ms", "max_ms", "mean_ms",
        "corrected_p50_ms", "corrected_p99_ms", "corrected_p999_ms", "corrected_max_ms",
        "warmup_delivered", "warmup_s", "broker_offset_growth", "cpu_s", "peak_rss_bytes",
        "wire_bytes", "wire_requests",
    ].joined(separator: ",")

    /// The timeline CSV's header.
    public static let timelineHeader = [
        "index", "start_s", "seconds", "warmup", "sent", "delivered", "errors", "in_flight",
        "records_per_s", "mb_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms",
    ].joined(separator: ",")

    /// `20261128-174501-produce`: the file stem for a result.
    public static func stem(for result: RunResult) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(formatter.string(from: result.startedAt))-\(result.name)"
    }

    /// The result as pretty, key-sorted JSON.
    public static func json(_ result: RunResult) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(result)
    }

    /// Reads a result written by ``json(_:)``.
    public static func decode(_ data: Data) throws -> RunResult {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(RunResult.self, from: data)
    }

    /// The summary CSV: header and one row.
    public static func summaryCSV(_ result: RunResult) -> String {
        let s = result.summary
        let c = s.correctedLatency
        let formatter = ISO8601DateFormatter()
        let row: [String] = [
            result.name, formatter.string(from: result.startedAt), String(result.partial),
            result.environment.clusterKind.rawValue, result.workload.acks.description,
            String(result.workload.producers), result.workload.recordSize.description,
            result.workload.compression.rawValue, result.workload.throughput.map { number($0) } ?? "-1",
            String(s.sent), String(s.delivered), String(s.failed), number(s.elapsedSeconds),
            number(s.recordsPerSecond), number(s.megabytesPerSecond),
            number(s.latency.p50), number(s.latency.p75), number(s.latency.p90), number(s.latency.p95),
            number(s.latency.p99), number(s.latency.p999), number(s.latency.p9999), number(s.latency.max),
            number(s.latency.mean),
            c.map { number($0.p50) } ?? "", c.map { number($0.p99) } ?? "", c.map { number($0.p999) } ?? "",
            c.map { number($0.max) } ?? "",
            String(result.warmup.delivered), number(result.warmup.seconds),
            s.brokerOffsetGrowth.map(String.init) ?? "", number(result.environment.cpuSeconds),
            String(result.environment.peakRSSBytes),
            s.wire.map { String($0.bytes) } ?? "", s.wire.map { String($0.requests) } ?? "",
        ]
        return summaryHeader + "\n" + row.map(csvField).joined(separator: ",") + "\n"
    }

    /// The timeline CSV: header and one row per interval.
    public static func timelineCSV(_ result: RunResult) -> String {
        var text = timelineHeader + "\n"
        for i in result.timeline {
            let row: [String] = [
                String(i.index), number(i.start), number(i.seconds), String(i.warmup), String(i.sent),
                String(i.delivered), String(i.errors), String(i.inFlight), number(i.recordsPerSecond),
                number(i.megabytesPerSecond), number(Double(i.p50) / 1000), number(Double(i.p90) / 1000),
                number(Double(i.p99) / 1000), number(Double(i.p999) / 1000), number(Double(i.max) / 1000),
            ]
            text += row.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes the three files into `directory` (created if needed); returns
    /// their paths, relative when `directory` is.
    @discardableResult
    public static func write(_ result: RunResult, to directory: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultFileError.unwritable(path: directory, reason: "cannot create the folder")
        }
        let base = (directory.hasSuffix("/") ? directory : directory + "/") + stem(for: result)
        let files: [(String, Data)] = [
            (base + ".json", try json(result)),
            (base + ".csv", Data(summaryCSV(result).utf8)),
            (base + "-timeline.csv", Data(timelineCSV(result).utf8)),
        ]
        for (path, data) in files {
            try writeAtomically(data, to: URL(fileURLWithPath: path))
        }
        return files.map(\.0)
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into
    /// place; on failure nothing is left behind.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw ResultFileError.unwritable(path: url.path, reason: reason)
            }
        } catch let error as ResultFileError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ResultFileError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "nan"
    }

    private static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A result file that could not be written.
public enum ResultFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unwritable(let path, let reason): return "cannot write '\(path)': \(reason)"
        }
    }
}
