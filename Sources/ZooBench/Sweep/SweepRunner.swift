import Foundation
import ZooPipe

/// Where a sweep is, as it starts a run of a cell.
public struct SweepRunStart: Sendable {
    /// This run's number from 1, of `runs` (cells × repeats).
    public var run: Int
    public var runs: Int
    /// The cell's number from 1, of `cells`.
    public var cell: Int
    public var cells: Int
    /// The repeat of the cell from 1, of `repeats`.
    public var attempt: Int
    public var repeats: Int
    /// `acks=-1 compression=zstd`.
    public var label: String
    /// The time left at the pace so far; nil before the first run is done.
    public var remaining: Duration?
}

/// Runs a sweep's cells one after another on one target, each `repeats`
/// times, and collects their results. A cell whose axes change the topic
/// (partitions, replication factor, topic) gets a topic of its own.
public struct SweepRunner {
    /// Runs one cell's or plan step's workload: ``local`` here, a swarm on its workers.
    public typealias Measure = (_ mode: RunMode, _ workload: ProduceWorkload, _ consume: ConsumeWorkload,
                                _ target: BenchTarget, _ stop: StopSignal) throws -> RunResult

    /// A ``MeasuredRun`` in this process.
    public static func local(_ mode: RunMode, _ workload: ProduceWorkload, _ consume: ConsumeWorkload,
                             _ target: BenchTarget, _ stop: StopSignal) throws -> RunResult {
        try MeasuredRun(mode: mode, produce: workload, consume: consume).run(on: target, stop: stop)
    }

    public var plan: SweepPlan
    /// The consumers of e2e cells.
    public var consume: ConsumeWorkload
    /// Keep every run's full histograms in the result (large); by default the percentiles only.
    public var keepHistograms = false
    public var measure: Measure = SweepRunner.local
    /// Called as each run starts.
    public var onRun: ((SweepRunStart) -> Void)?
    /// Called after each finished cell with the sweep so far (marked partial), to write it out.
    public var onCell: ((SweepResult) throws -> Void)?

    public init(plan: SweepPlan, consume: ConsumeWorkload = ConsumeWorkload()) {
        self.plan = plan
        self.consume = consume
    }

    /// Whether cells need topics of their own: an axis changes the topic's shape.
    public var topicPerCell: Bool {
        plan.axes.contains { $0.name == "partitions" || $0.name == "replication-factor" || $0.name == "topic" }
    }

    /// Runs every cell until done or `stop`. A cell stopped part-way is not
    /// kept; the result is then partial.
    public func run(on target: BenchTarget, stop: StopSignal = StopSignal(), startedAt: Date = Date()) throws -> SweepResult {
        let environment = MeasuredRun(mode: plan.mode, produce: plan.base, consume: consume).environment(target)
        var sweep = SweepResult(plan: plan, startedAt: startedAt, environment: environment)
        let cells = plan.cells
        let runs = cells.count * plan.repeats
        let began = MonotonicClock.nanoseconds()
        var done = 0
        cellLoop: for cell in cells {
            var workload = try plan.workload(for: cell)
            if topicPerCell {
                workload.topic = "\(plan.base.topic)-cell\(cell.index + 1)"
                for name in workload.topicNames {
                    try target.ensureTopic(name, partitions: workload.partitions, replicationFactor: workload.replicationFactor)
                }
            }
            var results: [RunResult] = []
            var figures: [CellFigures] = []
            for attempt in 0..<plan.repeats {
                let elapsed = Double(MonotonicClock.nanoseconds() - began) / 1e9
                onRun?(SweepRunStart(run: done + 1, runs: runs, cell: cell.index + 1, cells: cells.count,
                                     attempt: attempt + 1, repeats: plan.repeats, label: plan.label(cell),
                                     remaining: done > 0 ? .seconds(Int64(elapsed / Double(done) * Double(runs - done))) : nil))
                let cpuBefore = processCPUSeconds()
                let result = try measure(plan.mode, workload, consume, target, stop)
                if result.partial { break cellLoop }  // an unfinished cell is not kept
                results.append(keepHistograms ? result : result.withoutHistograms())
                // A swarm run's CPU is its workers' (their sum), not this process's.
                let cpu = result.workers != nil ? result.environment.cpuSeconds : processCPUSeconds() - cpuBefore
                figures.append(CellFigures(result, cpuSeconds: cpu))
                done += 1
            }
            sweep.cells.append(SweepCell(index: cell.index, axisValues: cell.values, runs: results, runFigures: figures))
            // Partial until the last cell: a sweep ended by an error leaves a file that says so.
            sweep.partial = true
            try onCell?(sweep)
        }
        sweep.partial = sweep.cells.count < cells.count
        return sweep
    }
}

extension SweepPlan {
    /// About how long the sweep takes (cells × repeats × warm-up and
    /// duration); nil when cells are bounded by record counts.
    public var estimatedDuration: Duration? {
        guard let duration = base.duration else { return nil }
        return (duration + (base.warmup ?? .zero)) * (cells.count * repeats)
    }
}
