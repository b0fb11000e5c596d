import Foundation

/// Complete runs of one workload, one after another (`--repeat N`), and
/// the result they make together: the run with the median records/s (with
/// its histograms and timeline), every run (percentiles only), and the
/// headline figures with their 95 % intervals (``RepeatFigures``).
public enum Repeats {
    /// The most repeats one invocation may ask for.
    public static let most = 100

    /// Runs `once` `count` times (it is given the run's number from 1) and
    /// combines the runs. A run that was stopped ends the series: the
    /// result then covers the runs so far and is partial.
    public static func run(_ count: Int, _ once: (Int) throws -> RunResult) rethrows -> RunResult {
        var runs: [RunResult] = []
        for number in 1...max(1, count) {
            let run = try once(number)
            runs.append(run)
            if run.partial { break }
        }
        return combine(runs)
    }

    /// One run is itself; more are the median run with every run and the
    /// intervals added; its warnings, and which runs warned.
    public static func combine(_ runs: [RunResult]) -> RunResult {
        guard runs.count > 1 else { return runs.first! }
        let figures = runs.map { CellFigures($0, cpuSeconds: nil) }
        var combined = runs[Estimate.medianIndex(of: figures.map(\.recordsPerSecond))]
        combined.runs = runs.map { run in
            var copy = run.withoutHistograms()
            copy.runs = nil
            copy.repeats = nil
            return copy
        }
        combined.repeats = RepeatFigures(figures)
        combined.partial = runs.contains { $0.partial }
        // The median run's warnings (its figures are shown), and which runs warned.
        let warned = runs.indices.filter { runs[$0].warnings != nil }.map { String($0 + 1) }
        var warnings = combined.warnings ?? []
        if !warned.isEmpty { warnings.append("\(warned.count) of \(runs.count) runs warned (run \(warned.joined(separator: ", ")))") }
        combined.warnings = warnings.isEmpty ? nil : warnings
        return combined
    }
}
