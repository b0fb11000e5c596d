import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        "records_per_s", "mb_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "faults",
    ].joined(separator: ",")

    /// `20261128-174501-produce`: the file stem for a result.
    public static func stem(for result: RunResult) -> String {
        stem(startedAt: result.startedAt, name: result.name)
    }

    /// `<UTC time>-<name>`.
    static func stem(startedAt: Date, name: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(formatter.string(from: startedAt))-\(name)"
    }

    /// Creates `directory` if needed; the path of `stem` in it.
    static func base(in directory: String, stem: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultFileError.unwritable(path: directory, reason: "cannot create the folder")
        }
        return (directory.hasSuffix("/") ? directory : directory + "/") + stem
    }

    /// The result as pretty, key-sorted JSON (see ``ResultJSON``).
    public static func json(_ result: RunResult) throws -> Data {
        try ResultJSON.encode(result)
    }

    /// The consume summary CSV's header: first the columns of
    /// `kafka-consumer-perf-test` (same names and meanings: times from the
    /// fleet's start, rebalance time = the slowest join, fetch time = the rest),
    /// then zoobench's own. Stable: columns are only ever added at the end.
    public static let consumeHeader = [
        "start.time", "end.time", "data.consumed.in.MB", "MB.sec", "data.consumed.in.nMsg", "nMsg.sec",
        "rebalance.time.ms", "fetch.time.ms", "fetch.MB.sec", "fetch.nMsg.sec",
        "name", "partial", "cluster", "consumers", "groups", "end", "first_to_last_s", "records_per_s", "mb_per_s",
        "expected_records", "missing", "duplicated_offsets", "first_record_s", "fetch_wait_p50_ms",
        "fetch_wait_p99_ms", "fetch_wait_max_ms", "commit_p50_ms", "commit_p99_ms", "final_lag",
        "backlog_records", "backlog_bytes", "cpu_s", "peak_rss_bytes",
    ].joined(separator: ",")

    /// Columns an e2e summary row adds after the produce ones.
    public static let endToEndColumns = [
        "e2e_p50_ms", "e2e_p99_ms", "e2e_p999_ms", "e2e_max_ms", "e2e_corrected_p50_ms", "e2e_corrected_p99_ms",
        "consumed", "consumed_records_per_s", "acknowledged", "lost", "duplicated", "reordered",
        "unacknowledged_delivered", "re_read",
    ]

    /// The consume timeline CSV's header.
    public static let consumeTimelineHeader = [
        "index", "start_s", "seconds", "warmup", "consumed", "records_per_s", "mb_per_s", "lag", "commits",
        "commit_max_ms", "fetch_wait_p99_ms", "e2e_p50_ms", "e2e_p90_ms", "e2e_p99_ms", "e2e_p999_ms", "e2e_max_ms",
    ].joined(separator: ",")

    /// The summary CSV (header and one row) for the result's kind.
    public static func summaryCSV(_ result: RunResult) -> String {
        if result.kind == .consume { return consumeCSV(result) }
        guard let s = result.summary, let workload = result.workload else { return "" }
        let warmup = result.warmup ?? WarmupSummary.none
        let c = s.correctedLatency
        let formatter = ISO8601DateFormatter()
        var row: [String] = [
            result.name, formatter.string(from: result.startedAt), String(result.partial),
            result.environment.clusterKind.rawValue, workload.acks.description,
            String(workload.producers), workload.recordSize.description,
            workload.compression.rawValue, workload.throughput.map { number($0) } ?? "-1",
            String(s.sent), String(s.delivered), String(s.failed), number(s.elapsedSeconds),
            number(s.recordsPerSecond), number(s.megabytesPerSecond),
            number(s.latency.p50), number(s.latency.p75), number(s.latency.p90), number(s.latency.p95),
            number(s.latency.p99), number(s.latency.p999), number(s.latency.p9999), number(s.latency.max),
            number(s.latency.mean),
            c.map { number($0.p50) } ?? "", c.map { number($0.p99) } ?? "", c.map { number($0.p999) } ?? "",
            c.map { number($0.max) } ?? "",
            String(warmup.delivered), number(warmup.seconds),
            s.brokerOffsetGrowth.map(String.init) ?? "", number(result.environment.cpuSeconds),
            String(result.environment.peakRSSBytes),
            s.wire.map { String($0.bytes) } ?? "", s.wire.map { String($0.requests) } ?? "",
        ]
        var header = summaryHeader
        if result.kind == .e2e {
            header += "," + endToEndColumns.joined(separator: ",")
            let e = result.endToEnd
            let i = result.integrity ?? []
            func sum(_ key: KeyPath<IntegrityReport, Int>) -> String { i.isEmpty ? "" : String(i.reduce(0) { $0 + $1[keyPath: key] }) }
            row += [
                e.map { number($0.latency.p50) } ?? "", e.map { number($0.latency.p99) } ?? "",
                e.map { number($0.latency.p999) } ?? "", e.map { number($0.latency.max) } ?? "",
                e?.correctedLatency.map { number($0.p50) } ?? "", e?.correctedLatency.map { number($0.p99) } ?? "",
                result.consume.map { String($0.consumed) } ?? "", result.consume.map { number($0.recordsPerSecond) } ?? "",
                sum(\.acknowledged), sum(\.lost), sum(\.duplicated), sum(\.reordered), sum(\.unacknowledgedDelivered),
                sum(\.reRead),
            ]
        }
        return header + "\n" + row.map(csvField).joined(separator: ",") + "\n"
    }

    /// The consume summary CSV: header and one row.
    public static func consumeCSV(_ result: RunResult) -> String {
        guard let c = result.consume, let workload = result.consumeWorkload else { return "" }
        let perfTime = DateFormatter()
        perfTime.locale = Locale(identifier: "en_US_POSIX")
        perfTime.timeZone = TimeZone(identifier: "UTC")
        perfTime.dateFormat = "yyyy-MM-dd HH:mm:ss:SSS"
        let megabytes = Double(c.bytes) / 1_048_576
        let rebalance = c.joinSeconds ?? 0
        let fetch = max(0, c.totalSeconds - rebalance)
        let row: [String] = [
            perfTime.string(from: result.startedAt),
            perfTime.string(from: result.startedAt.addingTimeInterval(c.totalSeconds)),
            number(megabytes, 4), number(c.totalSeconds > 0 ? megabytes / c.totalSeconds : 0, 4), String(c.consumed),
            number(c.totalSeconds > 0 ? Double(c.consumed) / c.totalSeconds : 0, 4), String(Int(rebalance * 1000)),
            String(Int(fetch * 1000)), number(fetch > 0 ? megabytes / fetch : 0, 4),
            number(fetch > 0 ? Double(c.consumed) / fetch : 0, 4),
            result.name, String(result.partial), result.environment.clusterKind.rawValue, String(workload.consumers),
            String(workload.groupMode ? workload.groups : 0), c.end.rawValue, number(c.elapsedSeconds),
            number(c.recordsPerSecond), number(c.megabytesPerSecond), c.expectedRecords.map(String.init) ?? "",
            String(c.missing), String(c.duplicatedOffsets), c.firstRecordSeconds.map { number($0) } ?? "",
            number(c.fetchWait.p50), number(c.fetchWait.p99), number(c.fetchWait.max),
            c.commitLatency.map { number($0.p50) } ?? "", c.commitLatency.map { number($0.p99) } ?? "",
            c.finalLag.map(String.init) ?? "", result.backlog.map { String($0.records) } ?? "",
            result.backlog.map { String($0.bytes) } ?? "", number(result.environment.cpuSeconds),
            String(result.environment.peakRSSBytes),
        ]
        return consumeHeader + "\n" + row.map(csvField).joined(separator: ",") + "\n"
    }

    /// The consume timeline CSV: header and one row per interval.
    public static func consumeTimelineCSV(_ result: RunResult) -> String {
        var text = consumeTimelineHeader + "\n"
        for i in result.consume?.timeline ?? [] {
            let row: [String] = [
                String(i.index), number(i.start), number(i.seconds), String(i.warmup), String(i.consumed),
                number(i.recordsPerSecond), number(i.megabytesPerSecond), i.lag.map(String.init) ?? "",
                String(i.commits), number(Double(i.commitMax) / 1000), number(Double(i.fetchWaitP99) / 1000),
                number(Double(i.p50) / 1000), number(Double(i.p90) / 1000), number(Double(i.p99) / 1000),
                number(Double(i.p999) / 1000), number(Double(i.max) / 1000),
            ]
            text += row.joined(separator: ",") + "\n"
        }
        return text
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
                // The faults that happened in this interval, so a spike has its cause beside it.
                csvField((result.faults ?? []).filter { $0.at >= i.start && $0.at < i.start + i.seconds }
                    .map { "\(number($0.at))s \($0.action)" }.joined(separator: "; ")),
            ]
            text += row.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes the files into `directory` (JSON, summary CSV, and the timeline
    /// CSVs of the sides the run had) (created if needed); returns
    /// their paths, relative when `directory` is.
    @discardableResult
    public static func write(_ result: RunResult, to directory: String) throws -> [String] {
        let base = try base(in: directory, stem: stem(for: result))
        var files: [(String, Data)] = [
            (base + ".json", try json(result)),
            (base + ".csv", Data(summaryCSV(result).utf8)),
        ]
        if result.kind != .consume { files.append((base + "-timeline.csv", Data(timelineCSV(result).utf8))) }
        if result.consume != nil {
            let name = result.kind == .consume ? "-timeline.csv" : "-consume-timeline.csv"
            files.append((base + name, Data(consumeTimelineCSV(result).utf8)))
        }
        for (path, data) in files {
            try writeAtomically(data, to: URL(fileURLWithPath: path))
        }
        return files.map(\.0)
    }

    /// Writes `<time>-<name>.json` and `.csv` into `directory` atomically (the
    /// two files of a sweep, a plan or a codec run); returns their paths.
    static func writeJSONAndCSV(_ json: Data, csv: String, startedAt: Date, name: String,
                                to directory: String) throws -> [String] {
        let base = try base(in: directory, stem: stem(startedAt: startedAt, name: name))
        let files = [(base + ".json", json), (base + ".csv", Data(csv.utf8))]
        for (path, data) in files { try writeAtomically(data, to: URL(fileURLWithPath: path)) }
        return files.map(\.0)
    }

    /// Runs `write` into `folder`; when that fails at the end of a run (the
    /// disk filled, the folder went away), into `fallback` instead
    /// (``OutputDestination/fallbackFolder()``), and throws
    /// ``ResultFileError/savedElsewhere(path:reason:fallback:)`` saying where
    /// what was measured went. Nothing measured is lost to a full disk.
    public static func writing(to folder: String, fallback: String = OutputDestination.fallbackFolder(),
                               _ write: (String) throws -> [String]) throws -> [String] {
        do {
            return try write(folder)
        } catch {
            guard fallback != folder, let saved = try? write(fallback) else { throw error }
            throw ResultFileError.savedElsewhere(path: folder, reason: "\(error)", fallback: saved)
        }
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into
    /// place; on failure nothing is left behind.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        removeAbandonedTemporaries(in: folder.path)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        func failure(_ what: String) -> ResultFileError {
            let reason = "\(what): \(String(cString: strerror(errno)))"
            unlink(temporary.path)
            return .unwritable(path: url.path, reason: reason)
        }
        // Written, then flushed to the disk (fsync), then renamed over the
        // old file: a crash leaves the old file or the new one, never half.
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file beside it") }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        guard written, fsync(descriptor) == 0 else {
            close(descriptor)
            throw failure("cannot write it")
        }
        close(descriptor)
        guard rename(temporary.path, url.path) == 0 else { throw failure("cannot rename the temporary file") }
        // The rename itself reaches the disk when the folder is flushed.
        let directory = open(folder.path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Removes the temporary files of writes whose process died before its
    /// rename (a SIGKILL mid-write): `.<name>.<pid>.tmp` beside a result,
    /// when no process `pid` runs any more. Only zoobench's own kinds of
    /// file (results, tables, pages, histograms) are touched.
    static func removeAbandonedTemporaries(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropFirst().dropLast(4).split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 1]), pid > 0,
                  ["json", "csv", "html", "hgrm"].contains(parts[parts.count - 2]) else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
            unlink((folder as NSString).appendingPathComponent(name))
        }
    }

    static func number(_ value: Double, _ digits: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "nan"
    }

    static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A result file that could not be written.
public enum ResultFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unwritable(path: String, reason: String)
    /// A destination given on the command line cannot take results (found before measuring).
    case badDestination(label: String, path: String, reason: String)
    /// The destination failed at the end; the results went to `fallback` instead.
    case savedElsewhere(path: String, reason: String, fallback: [String])

    public var description: String {
        switch self {
        case .unwritable(let path, let reason): return "cannot write '\(path)': \(reason)"
        case .badDestination(let label, let path, let reason): return "\(label) '\(path)': \(reason)"
        case .savedElsewhere(let path, let reason, let fallback):
            return "cannot write '\(path)': \(reason); what was measured is saved instead as \(fallback.joined(separator: "  "))"
        }
    }
}

/// The C library's write(2) (`ResultFiles.write` hides the name inside the type).
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
