import Foundation

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
