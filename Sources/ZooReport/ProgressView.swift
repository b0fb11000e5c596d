import Foundation
import ZooBench

/// How a run shows its progress: on a terminal, one status line rewritten in
/// place (elapsed of total, a bar, records/s, p99, errors); into a pipe or a
/// file, a line per interval; with `--quiet`, `--json` or `CI` set, nothing.
public final class ProgressView: @unchecked Sendable {
    public enum Mode: Sendable { case live, lines, silent }

    public let mode: Mode
    /// Seconds the run is bounded to, or nil.
    private let totalSeconds: Double?
    /// Records the run is bounded to, or nil.
    private let totalRecords: Int?
    private var done = 0
    private var shown = false
    private let lock = NSLock()

    /// `quietInCI`: whether `CI` in the environment silences it (interval
    /// lines) or only turns the live line into plain lines (sweep cells).
    public init(quiet: Bool, quietInCI: Bool = true, totalSeconds: Double? = nil, totalRecords: Int? = nil) {
        self.totalSeconds = totalSeconds
        self.totalRecords = totalRecords
        let environment = ProcessInfo.processInfo.environment
        if quiet || (quietInCI && environment["CI"] != nil) {
            mode = .silent
        } else if isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb" && environment["CI"] == nil {
            mode = .live
        } else {
            mode = .lines
        }
    }

    /// For a produce or e2e run: the time and record bounds of the workload.
    public convenience init(quiet: Bool, workload: ProduceWorkload) {
        let seconds = workload.duration.map { DurationText.seconds($0) + (workload.warmup.map(DurationText.seconds) ?? 0) }
        self.init(quiet: quiet, totalSeconds: seconds,
                  totalRecords: seconds == nil ? workload.recordLimit.map { $0 + (workload.warmupRecords ?? 0) } : nil)
    }

    /// A producer interval: its line, or the status line brought up to date.
    public func interval(_ i: IntervalSnapshot, prefix: String = "") {
        switch mode {
        case .silent: return
        case .lines: print(prefix + ProduceSummary.intervalLine(i))
        case .live:
            lock.withLock { done += i.delivered }
            let elapsed = i.start + i.seconds
            status(elapsed: elapsed, "\(NumberText.fixed(i.recordsPerSecond, 0)) rec/s  p99 "
                + "\(NumberText.fixed(Double(i.p99) / 1000, 2)) ms  errors \(i.errors)" + (i.warmup ? "  warm-up" : ""))
        }
    }

    /// A consumer interval: its line when printing lines (the status line follows the producers).
    public func consumeInterval(_ i: ConsumeIntervalSnapshot, endToEnd: Bool, prefix: String = "") {
        if mode == .lines { print(prefix + ConsumeSummary.intervalLine(i, endToEnd: endToEnd)) }
    }

    /// A step of many (sweep cells, plan steps).
    public func step(_ index: Int, of count: Int, _ what: String) {
        switch mode {
        case .silent: return
        case .lines: print(what)
        case .live: line("\(bar(Double(index - 1) / Double(max(count, 1))))  \(what)")
        }
    }

    /// Ends the status line, so what follows starts on a line of its own.
    public func finish() {
        guard mode == .live else { return }
        lock.withLock {
            if shown { FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8)) }
            shown = false
        }
    }

    private func status(elapsed: Double, _ figures: String) {
        var text = "\(NumberText.fixed(elapsed, 1))s"
        if let totalSeconds, totalSeconds > 0 {
            text += " of \(NumberText.fixed(totalSeconds, 0))s  " + bar(elapsed / totalSeconds)
        } else if let totalRecords, totalRecords > 0 {
            let done = lock.withLock { self.done }
            text += "  \(done)/\(totalRecords)  " + bar(Double(done) / Double(totalRecords))
        }
        line(text + "  " + figures)
    }

    private func bar(_ fraction: Double) -> String {
        let share = min(max(fraction, 0), 1)
        let filled = Int((share * 24).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled) + "] "
            + "\(Int((share * 100).rounded()))%"
    }

    private func line(_ text: String) {
        lock.withLock {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + text).utf8))
            shown = true
        }
    }
}
