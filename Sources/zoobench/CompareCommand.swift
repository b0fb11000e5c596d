import ArgumentParser
import Foundation
import ZooBench
import ZooReport

/// `zoobench compare BASELINE CURRENT`: the regression gate.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a result with a baseline; exit 4 on a regression (the CI gate).",
        discussion: """
            Works on run results (produce, consume, e2e) and sweep results (cells matched \
            by their axis values). For each metric it prints the baseline, the current \
            value, the change and a verdict: ok, REGRESSION (worse than the threshold), \
            improvement (better by more than it), or noise (beyond it, but both sides \
            carry repeats and their 95% CIs overlap). When both sides hold repeats \
            (--repeat N, sweep cells), a change counts only outside the noise of both \
            sides: beyond the threshold and with non-overlapping 95% CIs (Student's t \
            over the runs' logarithms). A single produce run of 10 intervals or more is \
            judged by its own intervals (a floor on the noise: runs vary more); a \
            shorter one has no interval, so the threshold alone decides. The output \
            says which.

            Defaults: --max-throughput-drop 5%, --max-latency-rise p50=10%,p99=10%, \
            --max-error-rate 0. A --thresholds YAML file may set them (throughput-drop, \
            latency-rise: {p99: 10%}, error-rate).

            Exit codes: 0 no regression, 4 regression found, 2 bad input (missing or \
            unreadable file, another schema version, different kinds, unmatched cells, \
            an embedded-cluster result against an external one without \
            --allow-different-targets).

            --update-baseline copies CURRENT over BASELINE (atomically) after comparing.

            Examples:
              zoobench compare results/baseline/sweep.json results/latest-sweep.json
              zoobench compare base.json now.json --max-latency-rise p99=20% \\
                --format markdown
            """
    )

    @Argument(help: "The baseline result (JSON).") var baseline: String
    @Argument(help: "The result to check (JSON).") var current: String
    @Option(help: ArgumentHelp("Largest allowed drop of records/s. Default 5%.", valueName: "percent"))
    var maxThroughputDrop: String?
    @Option(help: ArgumentHelp("Largest allowed latency rises. Default p50=10%,p99=10%.", valueName: "p99=10%,…"))
    var maxLatencyRise: String?
    @Option(help: ArgumentHelp("Largest allowed share of failed records. Default 0.", valueName: "fraction"))
    var maxErrorRate: String?
    @Option(help: ArgumentHelp("A thresholds file (YAML); flags given as well override it.", valueName: "file"))
    var thresholds: String?
    @Option(help: ArgumentHelp("text, markdown or json.", valueName: "format")) var format: String = "text"
    @Flag(help: "Compare an embedded-cluster result with an external-cluster one anyway.")
    var allowDifferentTargets = false
    @Flag(help: "After comparing, copy CURRENT over BASELINE.") var updateBaseline = false

    func run() throws {
        guard ["text", "markdown", "json"].contains(format) else {
            throw ValidationError("--format: '\(format)' is not text, markdown or json")
        }
        let limits = try CompareThresholds(file: thresholds, throughputDrop: maxThroughputDrop, latencyRise: maxLatencyRise,
                                           errorRate: maxErrorRate)
        let base = try ComparedResult.load(baseline)
        let now = try ComparedResult.load(current)
        let comparison = try Compare.compare(baseline: base, current: now, baselineName: baseline, currentName: current,
                                             thresholds: limits, allowDifferentTargets: allowDifferentTargets)
        switch format {
        case "markdown": print(CompareReport.markdown(comparison))
        case "json": print(String(decoding: try CompareReport.json(comparison), as: UTF8.self))
        default: print(CompareReport.text(comparison))
        }
        if updateBaseline {
            guard let data = FileManager.default.contents(atPath: current) else {
                throw CompareError.badInput("'\(current)': cannot read it")
            }
            try ResultFiles.writeAtomically(data, to: URL(fileURLWithPath: baseline))
            print("baseline  \(baseline) now holds \(current)")
            return
        }
        if !comparison.regressions.isEmpty { throw ExitCode(ExitStatus.regression.rawValue) }
    }
}
