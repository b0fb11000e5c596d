import Foundation
import ZooBench

/// The figures a sweep compares cells by, for one run or (over repeats) the median.
public struct CellFigures: Sendable, Codable, Hashable {
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// Send → acknowledgement latency in ms (send → consume in e2e mode).
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    /// Records failed or never reported.
    public var errors: Int
    /// Records that could have failed (sent).
    public var sent: Int
    /// Value bytes per byte sent (librdkafka's tx_bytes: compressed, framing
    /// included), per record; nil when unknown. Above 1: compression pays.
    public var compressionRatio: Double?
    /// Process CPU seconds per GiB of values delivered.
    public var cpuSecondsPerGB: Double?

    public var errorRate: Double { sent > 0 ? Double(errors) / Double(sent) : 0 }

    /// A run's figures (`cpuSeconds` is what the run itself used).
    public init(_ run: RunResult, cpuSeconds: Double?) {
        let s = run.summary
        let latency = run.kind == .e2e ? run.endToEnd?.latency : s?.latency
        recordsPerSecond = s?.recordsPerSecond ?? run.consume?.recordsPerSecond ?? 0
        megabytesPerSecond = s?.megabytesPerSecond ?? run.consume?.megabytesPerSecond ?? 0
        p50 = latency?.p50 ?? 0
        p95 = latency?.p95 ?? 0
        p99 = latency?.p99 ?? 0
        p999 = latency?.p999 ?? 0
        errors = (s?.failed ?? 0) + (s?.undelivered ?? 0)
        sent = s?.sent ?? 0
        // Value bytes per byte librdkafka sent (tx_bytes: after compression,
        // with batch and request framing), both per record, warm-up included.
        if let s, let wire = s.wire, wire.messages > 0, wire.bytes > 0, s.delivered > 0 {
            let valuePerRecord = Double(s.deliveredBytes) / Double(s.delivered)
            let wirePerRecord = Double(wire.bytes) / Double(wire.messages)
            compressionRatio = valuePerRecord / wirePerRecord
        }
        let gigabytes = Double(s?.deliveredBytes ?? 0) / 1_073_741_824
        cpuSecondsPerGB = cpuSeconds.flatMap { gigabytes > 0 ? $0 / gigabytes : nil }
    }

    init(recordsPerSecond: Double, megabytesPerSecond: Double, p50: Double, p95: Double, p99: Double, p999: Double,
         errors: Int, sent: Int, compressionRatio: Double?, cpuSecondsPerGB: Double?) {
        self.recordsPerSecond = recordsPerSecond
        self.megabytesPerSecond = megabytesPerSecond
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.errors = errors
        self.sent = sent
        self.compressionRatio = compressionRatio
        self.cpuSecondsPerGB = cpuSecondsPerGB
    }

    /// The median of each figure over `runs` (errors and sent are summed).
    public static func median(_ runs: [CellFigures]) -> CellFigures {
        func m(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
        let ratios = runs.compactMap(\.compressionRatio)
        let cpu = runs.compactMap(\.cpuSecondsPerGB)
        return CellFigures(
            recordsPerSecond: m(runs.map(\.recordsPerSecond)), megabytesPerSecond: m(runs.map(\.megabytesPerSecond)),
            p50: m(runs.map(\.p50)), p95: m(runs.map(\.p95)), p99: m(runs.map(\.p99)), p999: m(runs.map(\.p999)),
            errors: runs.reduce(0) { $0 + $1.errors }, sent: runs.reduce(0) { $0 + $1.sent },
            compressionRatio: ratios.isEmpty ? nil : m(ratios), cpuSecondsPerGB: cpu.isEmpty ? nil : m(cpu))
    }
}

/// The lowest and highest value over a cell's repeats.
public struct Spread: Sendable, Codable, Hashable {
    public var low: Double
    public var high: Double

    public init(_ values: [Double]) {
        low = values.min() ?? 0
        high = values.max() ?? 0
    }

    /// Whether the two spreads share any value.
    public func overlaps(_ other: Spread) -> Bool { low <= other.high && other.low <= high }
}

/// One cell of a sweep: its axis values, every run, and their median.
public struct SweepCell: Sendable, Codable {
    /// 0-based, in the sweep's stable order.
    public var index: Int
    /// Axis name → value, in the axes' order (as `axisValues`).
    public var axisValues: [String]
    public var runs: [RunResult]
    /// Per run, the figures compared.
    public var runFigures: [CellFigures]
    /// Their median.
    public var figures: CellFigures
    /// Spread of records/s and p99 over the repeats.
    public var throughputSpread: Spread
    public var p99Spread: Spread

    public init(index: Int, axisValues: [String], runs: [RunResult], runFigures: [CellFigures]) {
        self.index = index
        self.axisValues = axisValues
        self.runs = runs
        self.runFigures = runFigures
        figures = CellFigures.median(runFigures)
        throughputSpread = Spread(runFigures.map(\.recordsPerSecond))
        p99Spread = Spread(runFigures.map(\.p99))
    }
}

/// Everything a sweep measured: the plan and one entry per finished cell.
public struct SweepResult: Sendable, Codable {
    public var schemaVersion = RunResult.currentSchemaVersion
    public var kind = ResultKind.sweep
    public var name: String
    public var startedAt: Date
    /// True when Ctrl-C stopped it: `cells` holds the finished ones.
    public var partial: Bool
    public var mode: RunMode
    public var axes: [SweepAxis]
    public var repeats: Int
    /// The number of cells planned.
    public var plannedCells: Int
    public var cells: [SweepCell]
    public var environment: RunEnvironment

    public init(plan: SweepPlan, startedAt: Date, environment: RunEnvironment) {
        name = plan.name
        self.startedAt = startedAt
        partial = true
        mode = plan.mode
        axes = plan.axes
        repeats = plan.repeats
        plannedCells = plan.cells.count
        cells = []
        self.environment = environment
    }

    /// `acks=1 compression=lz4` for a cell.
    public func label(_ cell: SweepCell) -> String {
        zip(axes, cell.axisValues).map { "\($0.name)=\($1)" }.joined(separator: " ")
    }

    /// The cell with the most records/s.
    public var bestThroughput: SweepCell? { cells.max { $0.figures.recordsPerSecond < $1.figures.recordsPerSecond } }
    /// The cell with the lowest p99.
    public var bestP99: SweepCell? { cells.min { $0.figures.p99 < $1.figures.p99 } }

    /// Cells no other cell beats on both throughput and p99 (at least as good
    /// on both, better on one), by index.
    public var paretoFront: [Int] {
        cells.filter { cell in
            !cells.contains { other in
                other.index != cell.index
                    && other.figures.recordsPerSecond >= cell.figures.recordsPerSecond
                    && other.figures.p99 <= cell.figures.p99
                    && (other.figures.recordsPerSecond > cell.figures.recordsPerSecond || other.figures.p99 < cell.figures.p99)
            }
        }.map(\.index)
    }
}

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
            "compression_ratio", "cpu_s_per_gb", "records_per_s_low", "records_per_s_high", "p99_ms_low", "p99_ms_high",
            "pareto",
        ]
        let front = Set(sweep.paretoFront)
        var text = header.map(csvField).joined(separator: ",") + "\n"
        for cell in sweep.cells {
            let f = cell.figures
            let row = cell.axisValues + [
                String(cell.index + 1), String(cell.runs.count), number(f.recordsPerSecond), number(f.megabytesPerSecond),
                number(f.p50), number(f.p95), number(f.p99), number(f.p999), String(f.errors),
                f.compressionRatio.map { number($0) } ?? "", f.cpuSecondsPerGB.map { number($0) } ?? "",
                number(cell.throughputSpread.low), number(cell.throughputSpread.high), number(cell.p99Spread.low),
                number(cell.p99Spread.high), front.contains(cell.index) ? "true" : "false",
            ]
            text += row.map(csvField).joined(separator: ",") + "\n"
        }
        return text
    }

    /// The console table, sorted, with the best cells and the Pareto front named.
    public static func table(_ sweep: SweepResult, order: Order) -> String {
        let front = Set(sweep.paretoFront)
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
            var throughput = ProduceSummary.fixed(f.recordsPerSecond, 0)
            var p99 = ProduceSummary.fixed(f.p99, 2)
            if cell.runs.count > 1 {
                throughput += " ±\(ProduceSummary.fixed((cell.throughputSpread.high - cell.throughputSpread.low) / 2, 0))"
                p99 += " ±\(ProduceSummary.fixed((cell.p99Spread.high - cell.p99Spread.low) / 2, 2))"
            }
            rows.append([String(cell.index + 1)] + cell.axisValues + [
                throughput, ProduceSummary.fixed(f.megabytesPerSecond, 2), ProduceSummary.fixed(f.p50, 2), p99,
                ProduceSummary.fixed(f.p999, 2), String(f.errors), f.compressionRatio.map { ProduceSummary.fixed($0, 2) } ?? "-",
                f.cpuSecondsPerGB.map { ProduceSummary.fixed($0, 2) } ?? "-", front.contains(cell.index) ? "pareto" : "",
            ])
        }
        var lines = TextTable.lines(rows)
        lines.insert("latency: \(latencyName); medians over \(sweep.repeats) run(s) per cell, ± half the spread", at: 0)
        if let best = sweep.bestThroughput {
            lines.append("best throughput: cell \(best.index + 1) (\(sweep.label(best))) "
                + "\(ProduceSummary.fixed(best.figures.recordsPerSecond, 0)) records/s")
        }
        if let best = sweep.bestP99 {
            lines.append("best p99:        cell \(best.index + 1) (\(sweep.label(best))) \(ProduceSummary.fixed(best.figures.p99, 2)) ms")
        }
        lines.append("pareto front (no cell is both faster and lower at p99): cells "
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
        try ResultFiles.encoder().encode(sweep)
    }

    public static func decode(_ data: Data) throws -> SweepResult {
        try ResultFiles.decoder().decode(SweepResult.self, from: data)
    }

    private static func number(_ value: Double) -> String { ResultFiles.number(value) }
    private static func csvField(_ field: String) -> String { ResultFiles.csvField(field) }
}
