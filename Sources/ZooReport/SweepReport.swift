import Foundation
import ZooBench

/// Files and console views of a sweep.
public enum SweepReport {
    /// How the console table is sorted.
    public enum Order: String, Sendable {
        case throughput, p99, cell
    }

    /// The CSV: axes as columns, then the figures; one row per cell.
    public static func csv(_ sweep: SweepResult) -> String {
        let header = sweep.axes.map(\.name) + [
            "cell", "runs", "records_per_s", "mb_per_s", "p50_ms", "p95_ms", "p99_ms", "p999_ms", "errors",
            "wire_ratio", "cpu_s_per_gb", "records_per_s_ci_low", "records_per_s_ci_high", "p99_ms_ci_low", "p99_ms_ci_high",
            "pareto",
        ]
        let front = Set(sweep.paretoFront)
        var text = header.map(csvField).joined(separator: ",") + "\n"
        for cell in sweep.cells {
            let f = cell.figures
            let row = cell.axisValues + [
                String(cell.index + 1), String(cell.runs.count), number(f.recordsPerSecond), number(f.megabytesPerSecond),
                number(f.p50), number(f.p95), number(f.p99), number(f.p999), String(f.errors),
                f.wireRatio.map { number($0) } ?? "", f.cpuSecondsPerGB.map { number($0) } ?? "",
                number(cell.estimates.recordsPerSecond.low), number(cell.estimates.recordsPerSecond.high),
                number(cell.estimates.p99.low), number(cell.estimates.p99.high), front.contains(cell.index) ? "true" : "false",
            ]
            text += row.map(csvField).joined(separator: ",") + "\n"
        }
        return text
    }

    /// The console table, sorted, with the best cells and the Pareto front named.
    public static func table(_ sweep: SweepResult, order: Order) -> String {
        let front = Set(sweep.paretoFront)
        let tiedThroughput = Set(sweep.tiedThroughput)
        let tiedP99 = Set(sweep.tiedP99)
        let cells: [SweepCell]
        switch order {
        case .throughput: cells = sweep.cells.sorted { $0.figures.recordsPerSecond > $1.figures.recordsPerSecond }
        case .p99: cells = sweep.cells.sorted { $0.figures.p99 < $1.figures.p99 }
        case .cell: cells = sweep.cells
        }
        let latencyName = sweep.mode == .e2e ? "send→consume" : "send→ack"
        let header = ["cell"] + sweep.axes.map(\.name) + ["records/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "errors",
                                                           "ratio", "cpu s/GB", ""]
        var rows: [[String]] = [header]
        for cell in cells {
            let f = cell.figures
            var throughput = NumberText.fixed(f.recordsPerSecond, 0)
            var p99 = NumberText.fixed(f.p99, 2)
            let e = cell.estimates
            if e.runs > 1 {
                throughput += " [\(NumberText.fixed(e.recordsPerSecond.low, 0))–\(NumberText.fixed(e.recordsPerSecond.high, 0))]"
                p99 += " [\(NumberText.fixed(e.p99.low, 2))–\(NumberText.fixed(e.p99.high, 2))]"
            }
            var marks: [String] = []
            if front.contains(cell.index) { marks.append("pareto") }
            if tiedThroughput.contains(cell.index) { marks.append("tie: records/s") }
            if tiedP99.contains(cell.index) { marks.append("tie: p99") }
            rows.append([String(cell.index + 1)] + cell.axisValues + [
                throughput, NumberText.fixed(f.megabytesPerSecond, 2), NumberText.fixed(f.p50, 2), p99,
                NumberText.fixed(f.p999, 2), String(f.errors), f.wireRatio.map { NumberText.fixed($0, 2) } ?? "-",
                f.cpuSecondsPerGB.map { NumberText.fixed($0, 2) } ?? "-", marks.joined(separator: ", "),
            ])
        }
        var lines = TextTable.lines(rows)
        let repeated = sweep.cells.contains { $0.estimates.runs > 1 }
        lines.insert("latency: \(latencyName); medians over \(sweep.repeats) run(s) per cell"
            + (repeated ? ", [95% CI] (\(Estimate.method))" : "; one run per cell: no intervals, so every difference counts (--repeat 3)"),
            at: 0)
        func ties(_ cells: [Int]) -> String {
            cells.isEmpty ? "" : "; tied within the noise: cell" + (cells.count == 1 ? " " : "s ")
                + cells.map { String($0 + 1) }.joined(separator: ", ")
        }
        if let best = sweep.bestThroughput {
            lines.append("best throughput: cell \(best.index + 1) (\(sweep.label(best))) "
                + "\(NumberText.fixed(best.figures.recordsPerSecond, 0)) records/s" + ties(sweep.tiedThroughput))
        }
        if let best = sweep.bestP99 {
            lines.append("best p99:        cell \(best.index + 1) (\(sweep.label(best))) \(NumberText.fixed(best.figures.p99, 2)) ms"
                + ties(sweep.tiedP99))
        }
        lines.append("pareto front (no other cell is as good on both and better beyond the noise on one): cells "
            + sweep.paretoFront.map { String($0 + 1) }.joined(separator: ", "))
        if sweep.partial {
            lines.append("partial   \(sweep.cells.count) of \(sweep.plannedCells) cells finished")
        }
        return lines.joined(separator: "\n")
    }

    /// Writes `<stem>.json` and `<stem>.csv` atomically; returns their paths.
    @discardableResult
    public static func write(_ sweep: SweepResult, to directory: String) throws -> [String] {
        try ResultFiles.writeJSONAndCSV(try json(sweep), csv: csv(sweep), startedAt: sweep.startedAt, name: sweep.name,
                                        to: directory)
    }

    public static func json(_ sweep: SweepResult) throws -> Data {
        try ResultJSON.encode(sweep)
    }


    private static func number(_ value: Double) -> String { ResultFiles.number(value) }
    private static func csvField(_ field: String) -> String { ResultFiles.csvField(field) }
}
