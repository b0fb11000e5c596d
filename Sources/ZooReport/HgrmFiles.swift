import Foundation
import Histogram
import ZooBench

/// A run's latency histograms in HdrHistogram's percentile distribution
/// format (`.hgrm`, what `outputPercentileDistribution` prints), the format
/// HdrHistogram's plotter reads. Values are in milliseconds.
public enum HgrmFiles {
    /// Each stored latency histogram of `run`, with a short name for its file.
    public static func histograms(_ run: RunResult) -> [(name: String, histogram: Histogram<UInt64>)] {
        var result: [(String, Histogram<UInt64>)] = []
        if let stored = run.histograms {
            if stored.latency.totalCount > 0 { result.append(("send-ack", stored.latency)) }
            if let corrected = stored.correctedLatency, corrected.totalCount > 0 { result.append(("send-ack-scheduled", corrected)) }
        }
        if let e2e = run.endToEnd {
            if let histogram = e2e.histogram, histogram.totalCount > 0 { result.append(("send-consume", histogram)) }
            if let corrected = e2e.correctedHistogram, corrected.totalCount > 0 { result.append(("send-consume-scheduled", corrected)) }
        }
        return result
    }

    /// The distribution text of `histogram` (recorded in µs), in ms.
    public static func text(_ histogram: Histogram<UInt64>) -> String {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        return text
    }

    /// Writes `<file stem>-<name>.hgrm` beside `file` for each histogram; returns the paths.
    public static func write(_ run: RunResult, beside file: String) throws -> [String] {
        let stem = file.hasSuffix(".json") ? String(file.dropLast(5)) : file
        return try histograms(run).map { name, histogram in
            let path = "\(stem)-\(name).hgrm"
            try ResultFiles.writeAtomically(Data(text(histogram).utf8), to: URL(fileURLWithPath: path))
            return path
        }
    }
}
