import Foundation
import ZooBench

extension HTMLReport {
    /// The page for result files, as `zoobench report` makes it: one file's
    /// own page (a run, a sweep, a plan), or several runs compared (with two,
    /// the second against the first as `zoobench compare` judges it).
    /// `xAxis` and `yAxis` choose a sweep's heatmap axes.
    public static func page(_ files: [(path: String, document: ResultDocument)], xAxis: String? = nil,
                            yAxis: String? = nil) throws -> String {
        guard let first = files.first else { throw ReportError.badInput("no result file given") }
        if xAxis != nil || yAxis != nil {
            guard files.count == 1, case .sweep = first.document else {
                throw ReportError.badInput("--x and --y choose a sweep's heatmap axes; '\(first.path)' is not a sweep")
            }
        }
        if files.count == 1 {
            switch first.document {
            case .run(let run): return HTMLReport.run(run)
            case .sweep(let sweep): return try HTMLReport.sweep(sweep, xAxis: xAxis, yAxis: yAxis)
            case .plan(let plan): return HTMLReport.plan(plan)
            }
        }
        var runs: [(name: String, result: RunResult)] = []
        for (path, document) in files {
            guard case .run(let run) = document else {
                throw ReportError.badInput("'\(path)': only runs can be compared in one report (a sweep or plan gets a page of its own)")
            }
            runs.append((URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, run))
        }
        var comparison: Comparison?
        if runs.count == 2 {
            comparison = try? Compare.compare(baseline: .run(runs[0].result), current: .run(runs[1].result),
                                              baselineName: files[0].path, currentName: files[1].path,
                                              thresholds: CompareThresholds())
        }
        return HTMLReport.comparison(runs, comparison: comparison)
    }
}
