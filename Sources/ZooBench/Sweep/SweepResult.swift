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
    /// The headline figures' medians with 95 % intervals over the repeats
    /// (nil in files written before intervals: see ``estimates``).
    public var intervals: RepeatFigures?

    /// ``intervals``, or computed from the runs' figures.
    public var estimates: RepeatFigures { intervals ?? RepeatFigures(runFigures) }

    public init(index: Int, axisValues: [String], runs: [RunResult], runFigures: [CellFigures]) {
        self.index = index
        self.axisValues = axisValues
        self.runs = runs
        self.runFigures = runFigures
        figures = CellFigures.median(runFigures)
        throughputSpread = Spread(runFigures.map(\.recordsPerSecond))
        p99Spread = Spread(runFigures.map(\.p99))
        intervals = RepeatFigures(runFigures)
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

    /// The cell with the most records/s (by median).
    public var bestThroughput: SweepCell? { cells.max { $0.figures.recordsPerSecond < $1.figures.recordsPerSecond } }
    /// The cell with the lowest p99 (by median).
    public var bestP99: SweepCell? { cells.min { $0.figures.p99 < $1.figures.p99 } }

    /// Cells whose records/s interval overlaps the best cell's: tied with it
    /// within the noise of the repeats (the best one excluded).
    public var tiedThroughput: [Int] {
        guard let best = bestThroughput else { return [] }
        return cells.filter { $0.index != best.index && $0.estimates.recordsPerSecond.overlaps(best.estimates.recordsPerSecond) }
            .map(\.index)
    }

    /// Cells whose p99 interval overlaps the lowest p99's (the best one excluded).
    public var tiedP99: [Int] {
        guard let best = bestP99 else { return [] }
        return cells.filter { $0.index != best.index && $0.estimates.p99.overlaps(best.estimates.p99) }.map(\.index)
    }

    /// Cells no other cell beats. Beating one means being better beyond the
    /// noise on throughput or p99 (the two cells' 95 % intervals do not
    /// overlap) and not worse beyond it on the other; a difference inside
    /// the noise is a tie. With one run per cell there is no interval, so
    /// every difference counts.
    public var paretoFront: [Int] {
        let front = cells.filter { cell in !cells.contains { other in other.index != cell.index && Self.beats(other, cell) } }
        return (front.isEmpty ? cells : front).map(\.index)
    }

    static func beats(_ a: SweepCell, _ b: SweepCell) -> Bool {
        let (x, y) = (a.estimates, b.estimates)
        let throughputTie = x.recordsPerSecond.overlaps(y.recordsPerSecond)
        let p99Tie = x.p99.overlaps(y.p99)
        let faster = !throughputTie && x.recordsPerSecond.median > y.recordsPerSecond.median
        let slower = !throughputTie && x.recordsPerSecond.median < y.recordsPerSecond.median
        let lower = !p99Tie && x.p99.median < y.p99.median
        let higher = !p99Tie && x.p99.median > y.p99.median
        return (faster || lower) && !slower && !higher
    }
}
