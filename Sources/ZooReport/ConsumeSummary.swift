import Foundation
import ZooBench

/// The console view of a consume run, and of an e2e run's consumer side.
public enum ConsumeSummary {
    /// The two lines `kafka-consumer-perf-test` prints: its header and one
    /// row, with the same columns and meanings (times from the fleet's start;
    /// rebalance time is the slowest join; fetch time is the rest).
    public static func perfTestLines(_ result: RunResult) -> String {
        let csv = ResultFiles.consumeCSV(result).split(separator: "\n")
        guard csv.count == 2 else { return "" }
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false).prefix(10)
        let row = csv[1].split(separator: ",", omittingEmptySubsequences: false).prefix(10)
        return header.joined(separator: ", ") + "\n" + row.joined(separator: ", ")
    }

    /// zoobench's fuller table: counts and rates, join and first record,
    /// fetch waits, commits, per-consumer shares, the offset check and gaps.
    public static func table(_ result: RunResult) -> String {
        guard let c = result.consume else { return "" }
        typealias P = ProduceSummary
        var lines: [String] = []
        lines.append("consumed  \(c.consumed) records, \(P.fixed(Double(c.bytes) / 1_048_576, 2)) MB: "
            + "\(P.fixed(c.recordsPerSecond, 1)) records/s  \(P.fixed(c.megabytesPerSecond, 2)) MB/s "
            + "over \(P.fixed(c.elapsedSeconds, 3)) s (first record to last); ended: \(endText(c.end))")
        if let backlog = result.backlog {
            lines.append("backlog   \(backlog.records) records of \(backlog.recordSize) B over \(backlog.partitions) "
                + "partitions, produced at \(P.fixed(backlog.recordsPerSecond, 0)) records/s before measuring")
        }
        var start: [String] = []
        if let join = c.joinSeconds { start.append("slowest join \(P.fixed(join, 3)) s") }
        if let first = c.firstRecordSeconds { start.append("first record after \(P.fixed(first, 3)) s") }
        if !start.isEmpty { lines.append("start     " + start.joined(separator: ", ")) }
        var rows: [(String, LatencyPercentiles)] = []
        if c.fetchWait.count > 0 { rows.append(("fetch wait", c.fetchWait)) }
        if let commit = c.commitLatency, commit.count > 0 { rows.append(("commit", commit)) }
        if !rows.isEmpty { lines += P.latencyTable(rows) }
        if c.fetchWait.count > 0 {
            lines.append("          (fetch wait: \(c.fetchWait.count) times a consumer's queue ran empty and it waited for a fetch)")
        }
        if !c.commitFailures.isEmpty {
            lines.append("commits   failed: " + c.commitFailures.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                .joined(separator: ", "))
        }
        if c.consumers.count > 1 {
            for consumer in c.consumers {
                lines.append("consumer  #\(consumer.index)\(consumer.group.map { " (\($0))" } ?? ""): \(consumer.consumed) records, "
                    + "\(P.fixed(consumer.recordsPerSecond, 0)) records/s, \(consumer.partitions) partitions at the end"
                    + (consumer.assignments > 1 ? ", \(consumer.assignments) assignments" : ""))
            }
        }
        if let lag = c.finalLag { lines.append("lag       \(lag) records behind the high watermarks at the end") }
        lines.append(checkLine(c, groups: result.consumeWorkload?.groupMode == true ? result.consumeWorkload?.groups ?? 1 : 1))
        lines += pauseLines(c) + gapLines(c)
        if !c.transientErrors.isEmpty {
            lines.append("errors    " + c.transientErrors.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
                .joined(separator: ", ") + " (rode out)")
        }
        if let allocations = result.allocations {
            lines.append(allocations.verdictLine)
            lines.append(allocations.detailLine)
        }
        if result.partial { lines.append("partial   the run was stopped early; the figures cover what ran") }
        return lines.joined(separator: "\n")
    }

    /// One `gap` line per partition (and group) with offsets nobody read.
    /// `pauses    group g: 2 stretches of 100 ms or more with no record consumed; longest 9.81 s (from 3.12 s), 12.40 s in all`
    public static func pauseLines(_ c: ConsumeFigures) -> [String] {
        (c.pauses ?? []).filter { $0.count > 0 }.map { p in
            "pauses    \(p.group.map { "group \($0): " } ?? "")\(p.count) stretch\(p.count == 1 ? "" : "es") of "
                + "\(DurationText.format(.milliseconds(Int64((p.threshold * 1000).rounded())))) or more with no record consumed; "
                + "longest \(ProduceSummary.fixed(p.longest, 2)) s (from \(ProduceSummary.fixed(p.longestAt, 2)) s of the consumer timeline), "
                + "\(ProduceSummary.fixed(p.total, 2)) s in all"
        }
    }

    static func gapLines(_ c: ConsumeFigures) -> [String] {
        c.partitions.filter { $0.missing > 0 }.map { partition in
            "gap       \(partition.group.map { "group \($0), " } ?? "")partition \(partition.partition): "
                + "\(partition.missing) missing (offsets \(partition.gaps.map(\.description).joined(separator: ", "))"
                + (partition.gaps.count == 5 ? ", …" : "") + ")"
        }
    }

    /// `check     read 1000000 of the 1000000 records the watermarks held: 0 missing, 0 read twice`.
    static func checkLine(_ c: ConsumeFigures, groups: Int) -> String {
        let distinct = c.partitions.reduce(Int64(0)) { $0 + $1.consumed }
        let twice = "\(c.duplicatedOffsets) read twice"
        if let expected = c.expectedRecords {
            let perGroup = groups > 1 ? " (over \(groups) groups)" : ""
            return "check     read \(distinct) of the \(expected) records expected\(perGroup): "
                + "\(c.missing) missing, \(twice)"
        }
        return "check     read \(distinct) distinct offsets: \(c.missing) missing between them, \(twice)"
    }

    static func endText(_ end: ConsumeEnd) -> String {
        switch end {
        case .numRecords: return "--num-records reached"
        case .duration: return "--duration passed"
        case .endOfTopic: return "end of topic reached"
        case .idle: return "no record for --idle-timeout"
        case .stopped: return "stopped (Ctrl-C)"
        }
    }

    /// One timeline line: `    2.00s   1953125 rec/s   186.26 MB/s  lag 120034  fetch-wait p99 0.12 ms`
    /// (with end-to-end p50/p99 in e2e runs).
    public static func intervalLine(_ i: ConsumeIntervalSnapshot, endToEnd: Bool = false) -> String {
        typealias P = ProduceSummary
        var line = "\(P.pad(P.fixed(i.start + i.seconds, 2) + "s", 8))  \(P.pad(P.fixed(i.recordsPerSecond, 0), 8)) rec/s  "
            + "\(P.pad(P.fixed(i.megabytesPerSecond, 2), 8)) MB/s  consumed"
        if endToEnd {
            line += "  e2e p50 \(P.fixed(Double(i.p50) / 1000, 2)) ms  p99 \(P.fixed(Double(i.p99) / 1000, 2)) ms"
        } else {
            line += "  fetch-wait p99 \(P.fixed(Double(i.fetchWaitP99) / 1000, 2)) ms"
        }
        if let lag = i.lag { line += "  lag \(lag)" }
        if i.commits > 0 { line += "  commits \(i.commits) (max \(P.fixed(Double(i.commitMax) / 1000, 2)) ms)" }
        return line
    }

    /// `0–63` or `0–3,7,9–10`: a partition list with runs folded.
    public static func ranges(_ partitions: [Int32]) -> String {
        var parts: [String] = []
        var index = 0
        while index < partitions.count {
            var end = index
            while end + 1 < partitions.count && partitions[end + 1] == partitions[end] + 1 { end += 1 }
            parts.append(end > index + 1 ? "\(partitions[index])–\(partitions[end])"
                         : partitions[index...end].map(String.init).joined(separator: ","))
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// The workload in one line: `1 consumer(s) in group …, from earliest, until …`.
    public static func describe(_ w: ConsumeWorkload) -> String {
        var parts: [String] = []
        if let partitions = w.partitions {
            parts.append("\(w.consumers) simple consumer(s) of partitions \(ranges(partitions))")
        } else {
            parts.append("\(w.consumers) consumer(s) in \(w.groups == 1 ? "group \(w.group ?? "(generated)")" : "\(w.groups) groups")")
        }
        parts.append("from \(w.from)")
        parts.append("until " + w.stopDescription)
        if let commit = w.commitInterval { parts.append("committing every \(DurationText.format(commit))") }
        return parts.joined(separator: ", ")
    }

    /// The consumers of an e2e run in one line: they start at the end and read the producers' records.
    public static func describeEndToEnd(_ w: ConsumeWorkload) -> String {
        // e2e reads to the producers' last record; a backlog only delays the start.
        var reading = w
        reading.backlog = nil
        reading.untilEnd = false
        let text = describe(reading).replacingOccurrences(of: "from earliest, until ",
                                                          with: "from the current end, until the producers' last record, or ")
        guard let backlog = w.backlog else { return text }
        return text + "; reading once about \(ProduceSummary.fixed(Double(backlog) / 1_048_576, 2)) MiB of backlog is in the topic"
    }
}
