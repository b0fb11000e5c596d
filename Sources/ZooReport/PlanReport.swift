import Foundation
import ZooBench

/// Views of a ``PlanResult``: the console lines, the curve CSV and JSON.
public enum PlanReport {
    public static let csvHeader = [
        "step", "phase", "asked_records_per_s", "achieved_records_per_s", "delivered_records_per_s", "mb_per_s", "p50_ms", "p99_ms", "p999_ms",
        "p9999_ms", "max_ms", "raw_p99_ms", "errors", "sent", "passed", "reasons", "knee",
    ].joined(separator: ",")

    /// One row per step, in the order run.
    public static func csv(_ plan: PlanResult) -> String {
        var text = csvHeader + "\n"
        for s in plan.steps {
            let row = [
                String(s.index), s.phase, number(s.askedRate, 1), number(s.achievedRate, 1), number(s.deliveredRate, 1),
                number(s.megabytesPerSecond, 3),
                number(s.latency.p50, 3), number(s.latency.p99, 3), number(s.latency.p999, 3), number(s.latency.p9999, 3),
                number(s.latency.max, 3), number(s.rawLatency.p99, 3), String(s.errors), String(s.sent),
                s.passed ? "true" : "false", ResultFiles.csvField(s.reasons.joined(separator: "; ")),
                plan.kneeStep == s.index ? "true" : "false",
            ]
            text += row.joined(separator: ",") + "\n"
        }
        return text
    }

    /// `2/2`: how many of a step's runs passed.
    static func runsPassed(_ s: PlanStep) -> String {
        s.repeats.map { r in "\(r.filter(\.passed).count)/\(r.count)" } ?? (s.passed ? "1/1" : "0/1")
    }

    /// The line printed as each step finishes.
    public static func stepLine(_ s: PlanStep, of search: RateSearch) -> String {
        "step \(s.index) (\(s.phase)): asked \(NumberText.rate(s.askedRate))/s achieved \(NumberText.rate(s.achievedRate))/s  "
            + "p50 \(NumberText.fixed(s.latency.p50, 2)) p99 \(NumberText.fixed(s.latency.p99, 2)) "
            + "p99.9 \(NumberText.fixed(s.latency.p999, 2)) ms  errors \(s.errors)  "
            + (s.passed ? "pass" : "FAIL: " + s.reasons.joined(separator: "; "))
    }

    /// The curve table, the answer, the knee, the model and the summary.
    public static func table(_ plan: PlanResult) -> String {
        let latency = plan.mode == .e2e ? "send → consume" : "send → ack"
        var lines = ["curve     latency from the intended send time (\(latency), coordinated omission corrected); "
            + "sorted by rate asked"]
        var rows = [["step", "phase", "asked/s", "achieved/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors",
                     "runs passed", "verdict"]]
        for s in plan.steps.sorted(by: { $0.askedRate < $1.askedRate }) {
            rows.append([
                String(s.index), s.phase, NumberText.rate(s.askedRate), NumberText.rate(s.achievedRate), NumberText.fixed(s.megabytesPerSecond, 2),
                NumberText.fixed(s.latency.p50, 2), NumberText.fixed(s.latency.p99, 2),
                NumberText.fixed(s.latency.p999, 2), NumberText.fixed(s.latency.max, 2), String(s.errors),
                runsPassed(s),
                (s.passed ? "pass" : "fail") + (plan.kneeStep == s.index ? " (knee)" : ""),
            ])
        }
        lines += TextTable.lines(rows)
        if let region = plan.unstable {
            lines.append("unstable  between \(NumberText.rate(region.lowRecordsPerSecond)) and \(NumberText.rate(region.highRecordsPerSecond)) "
                + "records/s the curve stayed inconsistent after re-measuring: " + region.reasons.joined(separator: "; "))
            lines.append("answer    none: an unstable region is not sized from (longer steps or more --step-repeat)")
        } else if let answer = plan.answerRecordsPerSecond {
            lines.append("answer    \(NumberText.rate(answer)) records/s (\(NumberText.fixed(plan.answerMegabytesPerSecond ?? 0, 2)) MB/s) "
                + "meets \(plan.slo)" + (plan.lowestFailing.map { "; \(NumberText.rate($0)) records/s did not" } ?? ""))
            if let range = plan.answerRange {
                lines.append("interval  95% interval \(range.text): from the highest rate that met the SLO beyond the noise "
                    + "(every run, and its latency's 95% CI inside the bound) to the lowest that failed beyond it")
            }
        } else {
            lines.append("answer    no rate from \(NumberText.rate(plan.search.minRate)) records/s up meets \(plan.slo)")
        }
        if let knee = plan.kneeRecordsPerSecond, let step = plan.kneeStep {
            lines.append("knee      \(NumberText.rate(knee)) records/s (step \(step)): beyond it \(plan.slo.primaryLatency.rawValue) "
                + "rises faster than throughput")
        }
        if let m = plan.model {
            lines.append("model     for \(NumberText.rate(m.targetRecordsPerSecond)) records/s (\(NumberText.fixed(m.targetMegabytesPerSecond, 1)) MB/s): "
                + "\(m.producersNeeded) producers at \(NumberText.rate(m.recordsPerSecondPerProducer))/s each, "
                + "\(m.partitionsNeeded) partitions at \(NumberText.rate(m.recordsPerSecondPerPartition))/s each, "
                + "\(NumberText.fixed(m.wireMegabytesPerSecond, 1)) MB/s on the wire "
                + "(compression ratio \(NumberText.fixed(m.compressionRatio, 3)), \(m.compressionRatioSource))")
            lines.append("          a linear model, not a measurement; it assumes:")
            lines += m.assumptions.map { "          - " + $0 }
        }
        if plan.environment.clusterKind == .embedded {
            lines.append("note      the embedded cluster measures the client only: the answer is the rate this client sustains "
                + "under the SLO, not a cluster's capacity")
        }
        lines.append("summary   " + plan.summary)
        if plan.partial { lines.append("partial   stopped after \(plan.steps.count) step(s): the answer is a lower bound") }
        return lines.joined(separator: "\n")
    }

    /// Writes `<stem>.json` and `<stem>.csv` (the curve) atomically; returns their paths.
    @discardableResult
    public static func write(_ plan: PlanResult, to directory: String) throws -> [String] {
        try ResultFiles.writeJSONAndCSV(try json(plan), csv: csv(plan), startedAt: plan.startedAt, name: plan.name,
                                        to: directory)
    }

    public static func json(_ plan: PlanResult) throws -> Data {
        try ResultJSON.encode(plan)
    }


    private static func number(_ value: Double, _ digits: Int) -> String { ResultFiles.number(value, digits) }
}
