import Foundation
import Histogram
import ZooBench

/// One self-contained HTML page (inline CSS and SVG, nothing fetched) for a
/// run, a sweep, a plan or several runs compared. Every chart has a table of
/// the exact numbers under it. The page is well-formed XML (XHTML), so tools
/// and tests can parse it.
public enum HTMLReport {
    // MARK: Pages

    /// A produce, consume or e2e run.
    public static func run(_ result: RunResult) -> String {
        var body = header(title: "\(result.kind) run \(result.name)", result.startedAt, partial: result.partial)
        body += facts(workload: result.workload.map(ProduceSummary.describe),
                      environment: result.environment, verdicts: verdicts(result))
        body += throughputSection(result)
        body += spectrumSection([(result.name, result)])
        body += latencyOverTimeSection(result)
        body += workersSection(result)
        return page(title: "zoobench \(result.kind) \(result.name)", body: body)
    }

    /// Several runs side by side: spectra overlaid, and with two runs the
    /// comparison `compare` makes, a bar per metric.
    public static func comparison(_ runs: [(name: String, result: RunResult)], comparison: Comparison?) -> String {
        var body = header(title: "comparison of \(runs.count) runs", runs.first?.result.startedAt ?? Date(),
                          partial: runs.contains { $0.result.partial })
        var rows: [[String]] = []
        for (name, run) in runs {
            let s = run.summary
            rows.append([name, run.kind.rawValue, fixed(s?.recordsPerSecond ?? run.consume?.recordsPerSecond ?? 0, 1),
                         fixed(s?.latency.p50 ?? 0, 2), fixed(s?.latency.p99 ?? 0, 2), fixed(s?.latency.p999 ?? 0, 2),
                         String(s?.failed ?? 0)])
        }
        body += section("Runs", table(["run", "kind", "records/s", "p50 ms", "p99 ms", "p99.9 ms", "failed"], rows))
        if let comparison { body += compareSection(comparison) }
        body += spectrumSection(runs)
        return page(title: "zoobench comparison", body: body)
    }

    /// A sweep: a heatmap per metric over two axes, and throughput against p99
    /// with the Pareto front.
    public static func sweep(_ sweep: SweepResult, xAxis: String? = nil, yAxis: String? = nil) throws -> String {
        var body = header(title: "sweep \(sweep.name) (\(sweep.mode.rawValue))", sweep.startedAt, partial: sweep.partial)
        body += facts(workload: sweep.axes.map { "\($0.name) \($0.values.joined(separator: ","))" }.joined(separator: " × ")
                          + ", \(sweep.repeats) run(s) a cell",
                      environment: sweep.environment, verdicts: [])
        let names = sweep.axes.map(\.name)
        let x = xAxis ?? names.first ?? ""
        let y = yAxis ?? (names.count > 1 ? names[1] : nil)
        guard let xIndex = names.firstIndex(of: x) else { throw ReportError.badInput("--x: the sweep has no axis '\(x)' (it has \(names.joined(separator: ", ")))") }
        let yIndex = try y.map { name -> Int in
            guard let index = names.firstIndex(of: name) else { throw ReportError.badInput("--y: the sweep has no axis '\(name)'") }
            return index
        }
        let front = Set(sweep.paretoFront)
        let metrics: [(String, (CellFigures) -> Double, Bool)] = [
            ("records/s", \.recordsPerSecond, true), ("p99 ms", \.p99, false), ("p50 ms", \.p50, false),
        ]
        for (label, value, higherIsBetter) in metrics {
            body += section("\(label) by \(x)" + (yIndex.map { " and \(names[$0])" } ?? ""),
                            heatmap(sweep, xIndex: xIndex, yIndex: yIndex, label: label, value: value, higherIsBetter: higherIsBetter))
        }
        var chart = SVGChart(title: "Throughput against p99 latency (the Pareto front joined)", xLabel: "records/s",
                             yLabel: "p99 latency (ms, log scale)")
        chart.yScale = .log
        chart.series.append(.init(name: "cells", points: sweep.cells.map { ($0.figures.recordsPerSecond, $0.figures.p99) },
                                  color: ChartColors.series[0], scatter: true))
        let frontPoints = sweep.cells.filter { front.contains($0.index) }.map { ($0.figures.recordsPerSecond, $0.figures.p99) }
            .sorted { $0.0 < $1.0 }
        chart.series.append(.init(name: "Pareto front", points: frontPoints, color: ChartColors.series[1]))
        let rows = sweep.cells.map { cell in
            [String(cell.index + 1)] + cell.axisValues + [fixed(cell.figures.recordsPerSecond, 1), fixed(cell.figures.p50, 2),
                                                          fixed(cell.figures.p99, 2), String(cell.figures.errors),
                                                          front.contains(cell.index) ? "yes" : ""]
        }
        body += section("Throughput and latency", chart.render()
            + table(["cell"] + names + ["records/s", "p50 ms", "p99 ms", "errors", "Pareto"], rows))
        return page(title: "zoobench sweep \(sweep.name)", body: body)
    }

    /// A plan: latency against throughput, the SLO line and the knee.
    public static func plan(_ plan: PlanResult) -> String {
        var body = header(title: "plan \(plan.name) (\(plan.mode))", plan.startedAt, partial: plan.partial)
        var verdicts = ["slo: \(plan.slo)"]
        if let answer = plan.answerRecordsPerSecond {
            verdicts.append("answer: \(fixed(answer, 1)) records/s meet the SLO" + (plan.answerRange.map { " (95% interval \($0.text))" } ?? ""))
        }
        if let region = plan.unstable {
            verdicts.append("unstable region \(fixed(region.lowRecordsPerSecond, 0))–\(fixed(region.highRecordsPerSecond, 0)) records/s: no answer")
        }
        body += facts(workload: ProduceSummary.describe(plan.workload), environment: plan.environment, verdicts: verdicts)
        body += section("Summary", "<p>\(HTML.escape(plan.summary))</p>")
        let steps = plan.steps.sorted { $0.achievedRate < $1.achievedRate }
        var chart = SVGChart(title: "Latency against throughput, from the intended send time", xLabel: "records/s achieved",
                             yLabel: "latency (ms, log scale)")
        chart.yScale = .log
        if let region = plan.unstable {
            chart.bands.append((region.lowRecordsPerSecond, region.highRecordsPerSecond, "unstable region"))
        }
        chart.series.append(.init(name: "p50", points: steps.map { ($0.achievedRate, $0.latency.p50) }, color: ChartColors.series[0]))
        chart.series.append(.init(name: "p99", points: steps.map { ($0.achievedRate, $0.latency.p99) }, color: ChartColors.series[1]))
        chart.series.append(.init(name: "p99.9", points: steps.map { ($0.achievedRate, $0.latency.p999) },
                                  color: ChartColors.series[2], dashed: true))
        for condition in plan.slo.conditions where condition.metric != .errorRate {
            chart.levels.append((condition.bound, "SLO \(condition)", "#000000"))
        }
        if let range = plan.answerRange, plan.unstable == nil {
            let low = range.lowRecordsPerSecond ?? (steps.first?.achievedRate ?? 0)
            let high = range.highRecordsPerSecond ?? (steps.last?.achievedRate ?? low)
            chart.bands.append((low, high, "answer's 95% interval"))
        }
        if let knee = plan.kneeStep, let step = plan.steps.first(where: { $0.index == knee }) {
            chart.labelled.append((step.achievedRate, step.latency.p99, "knee (step \(knee))"))
        }
        let rows = plan.steps.map { step in
            [String(step.index), step.phase, fixed(step.askedRate, 0), fixed(step.achievedRate, 1), fixed(step.latency.p50, 2),
             fixed(step.latency.p99, 2), fixed(step.latency.p999, 2), String(step.errors),
             PlanReport.runsPassed(step),
             step.passed ? "pass" : "fail"]
        }
        body += section("The curve", chart.render()
            + table(["step", "phase", "asked/s", "achieved/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "runs passed", "SLO"], rows))
        if let m = plan.model {
            body += section("Model for \(fixed(m.targetRecordsPerSecond, 0)) records/s", table(["figure", "value"], [
                ["target", "\(fixed(m.targetRecordsPerSecond, 0)) records/s (\(fixed(m.targetMegabytesPerSecond, 1)) MB/s)"],
                ["producers needed", "\(m.producersNeeded) at \(fixed(m.recordsPerSecondPerProducer, 0)) records/s each"],
                ["partitions needed", "\(m.partitionsNeeded) at \(fixed(m.recordsPerSecondPerPartition, 0)) records/s each"],
                ["wire MB/s", "\(fixed(m.wireMegabytesPerSecond, 1)) (compression ratio \(fixed(m.compressionRatio, 3)), \(m.compressionRatioSource))"],
            ]) + "<p>A linear model, not a measurement. It assumes:</p><ul>"
                + m.assumptions.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>")
        }
        return page(title: "zoobench plan \(plan.name)", body: body)
    }

    // MARK: Sections

    static func throughputSection(_ result: RunResult) -> String {
        var chart = SVGChart(title: "Throughput per interval", xLabel: "seconds from the start", yLabel: "records/s")
        var rows: [[String]] = []
        if !result.timeline.isEmpty {
            chart.series.append(.init(name: "delivered records/s", points: drawn(result.timeline, \.seconds).map { ($0.start + $0.seconds, $0.recordsPerSecond) },
                                      color: ChartColors.series[0]))
            if let warm = result.timeline.last(where: \.warmup) {
                chart.bands.append((0, warm.start + warm.seconds, "warm-up"))
            }
            let shown = drawn(result.timeline, \.seconds).count
            rows = result.timeline.map { i in
                [String(i.index), fixed(i.start, 3), fixed(i.recordsPerSecond, 1), fixed(i.megabytesPerSecond, 2),
                 ms(i.p50, when: i.delivered > 0), ms(i.p99, when: i.delivered > 0),
                 String(i.errors), note(i.warmup, partial: i.index >= shown, seconds: i.seconds)]
            }
        }
        // A consume run's own timeline. (In e2e the consumers' clock starts when
        // they join, before sending, so their intervals do not line up with
        // the producers'; the producers' timeline is the one drawn.)
        if let consume = result.consume, !consume.timeline.isEmpty, result.timeline.isEmpty {
            chart.series.append(.init(name: "consumed records/s", points: drawn(consume.timeline, \.seconds).map { ($0.start + $0.seconds, $0.recordsPerSecond) },
                                      color: ChartColors.series[2]))
            if let warm = consume.timeline.last(where: \.warmup) { chart.bands.append((0, warm.start + warm.seconds, "warm-up")) }
            let shown = drawn(consume.timeline, \.seconds).count
            rows = consume.timeline.map { i in
                [String(i.index), fixed(i.start, 3), fixed(i.recordsPerSecond, 1), fixed(i.megabytesPerSecond, 2),
                 "-", "-", "0", note(i.warmup, partial: i.index >= shown, seconds: i.seconds)]
            }
        }
        for fault in result.faults ?? [] { chart.markers.append((fault.at, fault.action)) }
        return section("Throughput", chart.render()
            + table(["interval", "start s", "records/s", "MB/s", "p50 ms", "p99 ms", "errors", ""], rows)
            + "<p class=\"note\">An interval with no records has no latency: the latency lines have a gap there. "
            + "A last interval shorter than half the others is not drawn (it is in the table).</p>")
            + (result.kind == .e2e ? consumersSection(result) : "")
    }

    /// The intervals drawn: all but a last one shorter than half the first (a partial one would draw a false drop).
    static func drawn<Interval>(_ timeline: [Interval], _ seconds: KeyPath<Interval, Double>) -> ArraySlice<Interval> {
        guard timeline.count > 1, let first = timeline.first, let last = timeline.last,
              last[keyPath: seconds] < first[keyPath: seconds] / 2 else { return timeline[...] }
        return timeline.dropLast()
    }

    /// A latency in µs as ms for a table, or `-` for an interval with no records.
    static func ms(_ micros: UInt64, when present: Bool) -> String { present ? fixed(Double(micros) / 1000, 2) : "-" }

    /// Points at each interval's end; an interval `y` says nothing of (nil) is a gap.
    static func gapped<Interval>(_ timeline: ArraySlice<Interval>, end: (Interval) -> Double, _ y: (Interval) -> Double?)
        -> [(x: Double, y: Double)] {
        timeline.map { (end($0), y($0) ?? .nan) }
    }

    static func note(_ warmup: Bool, partial: Bool, seconds: Double) -> String {
        [warmup ? "warm-up" : nil, partial ? "partial (\(fixed(seconds, 3)) s, not drawn)" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    /// An e2e run's consumers over time: their rate, their lag, and send → consume latency.
    static func consumersSection(_ result: RunResult) -> String {
        guard let consume = result.consume, !consume.timeline.isEmpty else { return "" }
        let timeline = drawn(consume.timeline, \.seconds)
        let x = "seconds from the consumers' start (they join before the producers send)"
        var rate = SVGChart(title: "Consumed records per interval", xLabel: x, yLabel: "records/s")
        rate.series.append(.init(name: "consumed records/s", points: timeline.map { ($0.start + $0.seconds, $0.recordsPerSecond) },
                                 color: ChartColors.series[2]))
        if let warm = consume.timeline.last(where: \.warmup) { rate.bands.append((0, warm.start + warm.seconds, "warm-up records")) }
        var lag = SVGChart(title: "Consumer lag at each interval's end", xLabel: x, yLabel: "records behind the high watermark")
        let end = { (i: ConsumeIntervalSnapshot) in i.start + i.seconds }
        lag.series.append(.init(name: "lag", points: gapped(timeline, end: end) { $0.lag.map(Double.init) },
                                color: ChartColors.series[3]))
        var latency = SVGChart(title: "Send → consume latency per interval", xLabel: x, yLabel: "latency (ms, log scale)")
        latency.yScale = .log
        for (index, (name, path)) in [("p50", \ConsumeIntervalSnapshot.p50), ("p99", \.p99), ("p99.9", \.p999)].enumerated() {
            // Warm-up records are not in an interval's latency: an interval of only those is a gap too.
            latency.series.append(.init(name: "send→consume \(name)", points: gapped(timeline, end: end) {
                $0[keyPath: path] > 0 ? Double($0[keyPath: path]) / 1000 : nil
            }, color: ChartColors.series[index], dashed: index == 2))
        }
        let rows = consume.timeline.map { i in
            [String(i.index), fixed(i.start, 3), fixed(i.recordsPerSecond, 1), i.lag.map(String.init) ?? "-",
             ms(i.p50, when: i.consumed > 0), ms(i.p99, when: i.consumed > 0), ms(i.p999, when: i.consumed > 0),
             i.warmup ? "warm-up records" : ""]
        }
        return section("Consumers", rate.render() + lag.render() + latency.render()
            + table(["interval", "start s", "consumed/s", "lag", "p50 ms", "p99 ms", "p99.9 ms", ""], rows))
    }

    /// The latency spectrum of each run: raw and corrected, send → ack and
    /// send → consume, from the stored histograms (or the summary's
    /// percentiles when a result was saved without them).
    static func spectrumSection(_ runs: [(name: String, result: RunResult)]) -> String {
        var chart = SVGChart(title: "Latency by percentile", xLabel: "percentile (log scale of 1/(1-p): 90, 99, 99.9 … equally apart)",
                             yLabel: "latency (ms, log scale)", xScale: .percentile)
        chart.yScale = .log
        var rows: [[String]] = []
        var color = 0
        for (name, run) in runs {
            let prefix = runs.count > 1 ? "\(name): " : ""
            for (label, histogram, summary) in latencyKinds(run) {
                let points = histogram.map(spectrum) ?? summaryPoints(summary)
                chart.series.append(.init(name: prefix + label, points: points, color: ChartColors.series[color % ChartColors.series.count],
                                          dashed: label.contains("scheduled") || label.contains("corrected")))
                color += 1
                rows.append([prefix + label, fixed(summary.p50, 2), fixed(summary.p90, 2), fixed(summary.p99, 2), fixed(summary.p999, 2),
                             fixed(summary.p9999, 2), fixed(summary.max, 2), fixed(summary.mean, 2), String(summary.count)])
            }
        }
        return section("Latency spectrum", chart.render()
            + table(["latency", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "p99.99 ms", "max ms", "mean ms", "records"], rows))
    }

    static func latencyOverTimeSection(_ result: RunResult) -> String {
        var chart = SVGChart(title: "Latency per interval", xLabel: "seconds from the start", yLabel: "latency (ms, log scale)")
        chart.yScale = .log
        if !result.timeline.isEmpty {
            let timeline = drawn(result.timeline, \.seconds)
            // No records, no latency: a gap, not a 0 ms reading at the worst moment of the run.
            func points(_ path: KeyPath<IntervalSnapshot, UInt64>) -> [(x: Double, y: Double)] {
                gapped(timeline, end: { $0.start + $0.seconds }) { $0.delivered > 0 ? Double($0[keyPath: path]) / 1000 : nil }
            }
            chart.series.append(.init(name: "send→ack p50", points: points(\.p50), color: ChartColors.series[0]))
            chart.series.append(.init(name: "send→ack p99", points: points(\.p99), color: ChartColors.series[1]))
            chart.series.append(.init(name: "send→ack p99.9", points: points(\.p999), color: ChartColors.series[2], dashed: true))
            if let warm = result.timeline.last(where: \.warmup) { chart.bands.append((0, warm.start + warm.seconds, "warm-up")) }
        }
        for fault in result.faults ?? [] { chart.markers.append((fault.at, fault.action)) }
        return section("Latency over time", chart.render())
    }

    static func compareSection(_ comparison: Comparison) -> String {
        let rowHeight = 34.0
        let width = 1100.0
        let height = 50 + rowHeight * Double(comparison.metrics.count)
        let largest = max(10, comparison.metrics.map { abs($0.changePercent) }.max() ?? 10)
        let middle = 560.0
        let scale = 440 / largest
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" aria-label=\"Change of each metric\"><title>Change of each metric</title>"
        svg += "<text x=\"20\" y=\"22\" class=\"chart-title\">Change against the baseline (%), coloured by verdict</text>"
        svg += "<line x1=\"\(middle)\" y1=\"34\" x2=\"\(middle)\" y2=\"\(Int(height) - 6)\" class=\"axis\"/>"
        for (index, metric) in comparison.metrics.enumerated() {
            let y = 40 + rowHeight * Double(index)
            let length = metric.changePercent * scale
            let color = metric.verdict == .regression ? ChartColors.bad : metric.verdict == .improvement ? ChartColors.good : ChartColors.neutral
            let x = length >= 0 ? middle : middle + length
            let label = (metric.cell.map { "\($0) " } ?? "") + metric.metric
            svg += "<text x=\"20\" y=\"\(SVGChart.format(y + 18))\" class=\"tick\">\(HTML.escape(label))</text>"
            svg += "<rect x=\"\(SVGChart.format(x))\" y=\"\(SVGChart.format(y + 4))\" width=\"\(SVGChart.format(max(1, abs(length))))\" "
                + "height=\"20\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(SVGChart.format(length >= 0 ? middle + length + 6 : middle + length - 6))\" y=\"\(SVGChart.format(y + 18))\" "
                + "class=\"tick\" text-anchor=\"\(length >= 0 ? "start" : "end")\">\(String(format: "%+.1f", metric.changePercent)) % "
                + "\(metric.verdict.rawValue)</text>"
        }
        svg += "</svg>"
        let rows = comparison.metrics.map { m in
            [(m.cell.map { "\($0) " } ?? "") + m.metric, fixed(m.baseline, 2), fixed(m.current, 2),
             String(format: "%+.1f", m.changePercent), String(format: "%+.1f", m.limitPercent), m.verdict.rawValue]
        }
        return section("Compared with \(comparison.baseline)", svg
            + table(["metric", "baseline", "current", "change %", "limit %", "verdict"], rows))
    }

    static func heatmap(_ sweep: SweepResult, xIndex: Int, yIndex: Int?, label: String, value: (CellFigures) -> Double,
                        higherIsBetter: Bool) -> String {
        let xValues = sweep.axes[xIndex].values
        let yValues = yIndex.map { sweep.axes[$0].values } ?? [""]
        // A cell of the map is the median over the other axes' cells with these two values.
        func figure(_ x: String, _ y: String) -> Double? {
            let values = sweep.cells.filter { cell in
                cell.axisValues[xIndex] == x && (yIndex.map { cell.axisValues[$0] == y } ?? true)
            }.map { value($0.figures) }
            return values.isEmpty ? nil : Estimate.median(of: values)
        }
        let all = xValues.flatMap { x in yValues.compactMap { figure(x, $0) } }
        let low = all.min() ?? 0, high = all.max() ?? 1
        let cellWidth = min(160.0, 900 / Double(max(1, xValues.count)))
        let cellHeight = 40.0
        let left = 170.0, top = 74.0
        let gridBottom = top + cellHeight * Double(yValues.count)
        let title = "\(label): the median over the cells with these values"
            + (sweep.axes.count > (yIndex == nil ? 1 : 2) ? " (other axes pooled)" : "")
        let width = max(left + cellWidth * Double(xValues.count) + 20, 560, 20 + Double(title.count) * 7.5)
        let height = gridBottom + 96
        // From a pale to a deep blue: darker is better (`share` 0 to 1 of the way from worst to best).
        func fill(_ share: Double) -> String {
            let shade = Int(235 - share * 175)
            return String(format: "#%02X%02X%02X", shade / 3, shade - 40 > 0 ? shade - 40 : 0, 235 - Int(share * 60))
        }
        func share(_ number: Double) -> Double {
            let s = high > low ? (number - low) / (high - low) : 1
            return higherIsBetter ? s : 1 - s
        }
        let xName = sweep.axes[xIndex].name
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" aria-label=\"\(HTML.escape(label)) heatmap\"><title>\(HTML.escape(label))</title>"
        svg += "<text x=\"10\" y=\"22\" class=\"chart-title\">\(HTML.escape(title))</text>"
        svg += "<text x=\"\(SVGChart.format(left + cellWidth * Double(xValues.count) / 2))\" y=\"\(SVGChart.format(top - 30))\" "
            + "class=\"label\" text-anchor=\"middle\">\(HTML.escape(xName))</text>"
        if let yIndex {
            svg += "<text x=\"\(SVGChart.format(left - 8))\" y=\"\(SVGChart.format(top - 8))\" class=\"label\" text-anchor=\"end\">"
                + "\(HTML.escape(sweep.axes[yIndex].name)) ↓</text>"
        }
        for (column, x) in xValues.enumerated() {
            svg += "<text x=\"\(SVGChart.format(left + cellWidth * (Double(column) + 0.5)))\" y=\"\(SVGChart.format(top - 8))\" "
                + "class=\"tick\" text-anchor=\"middle\">\(HTML.escape(x))</text>"
        }
        for (row, y) in yValues.enumerated() {
            svg += "<text x=\"\(SVGChart.format(left - 8))\" y=\"\(SVGChart.format(top + cellHeight * (Double(row) + 0.5) + 4))\" "
                + "class=\"tick\" text-anchor=\"end\">\(HTML.escape(y.isEmpty ? "all cells" : y))</text>"
            for (column, x) in xValues.enumerated() {
                let cellX = left + cellWidth * Double(column), cellY = top + cellHeight * Double(row)
                guard let number = figure(x, y) else { continue }
                let s = share(number)
                svg += "<rect x=\"\(SVGChart.format(cellX))\" y=\"\(SVGChart.format(cellY))\" width=\"\(SVGChart.format(cellWidth - 2))\" "
                    + "height=\"\(SVGChart.format(cellHeight - 2))\" fill=\"\(fill(s))\"/>"
                svg += "<text x=\"\(SVGChart.format(cellX + cellWidth / 2))\" y=\"\(SVGChart.format(cellY + cellHeight / 2 + 4))\" "
                    + "class=\"cell\" text-anchor=\"middle\" fill=\"\(s > 0.5 ? "#FFFFFF" : "#000000")\">\(SVGChart.format(number))</text>"
            }
        }
        // The colour scale: worst to best, with the values at its ends and middle.
        let scaleY = gridBottom + 30, scaleWidth = 300.0, steps = 20
        svg += "<text x=\"\(SVGChart.format(left))\" y=\"\(SVGChart.format(scaleY - 8))\" class=\"label\">colour scale: "
            + "\(HTML.escape(label)) (\(higherIsBetter ? "higher" : "lower") is better, darker)</text>"
        for step in 0..<steps {
            let s = Double(step) / Double(steps - 1)
            svg += "<rect x=\"\(SVGChart.format(left + scaleWidth * Double(step) / Double(steps)))\" y=\"\(SVGChart.format(scaleY))\" "
                + "width=\"\(SVGChart.format(scaleWidth / Double(steps) + 0.5))\" height=\"14\" fill=\"\(fill(s))\"/>"
        }
        let worst = higherIsBetter ? low : high, best = higherIsBetter ? high : low
        for (position, value) in [(0.0, worst), (0.5, (low + high) / 2), (1.0, best)] {
            svg += "<text x=\"\(SVGChart.format(left + scaleWidth * position))\" y=\"\(SVGChart.format(scaleY + 30))\" class=\"tick\" "
                + "text-anchor=\"\(position == 0 ? "start" : position == 1 ? "end" : "middle")\">\(SVGChart.format(value))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: Pieces

    /// Each latency the run has: label, histogram (when stored) and percentiles.
    static func latencyKinds(_ run: RunResult) -> [(String, Histogram<UInt64>?, LatencyPercentiles)] {
        var kinds: [(String, Histogram<UInt64>?, LatencyPercentiles)] = []
        if let s = run.summary, s.latency.count > 0 {
            kinds.append(("send→ack", run.histograms?.latency, s.latency))
            if let corrected = s.correctedLatency { kinds.append(("send→ack, scheduled", run.histograms?.correctedLatency, corrected)) }
        }
        if let e2e = run.endToEnd {
            kinds.append(("send→consume", e2e.histogram, e2e.latency))
            if let corrected = e2e.correctedLatency { kinds.append(("send→consume, scheduled", e2e.correctedHistogram, corrected)) }
        }
        // A consume run has no record latency of its own: its fetch waits and commits.
        if run.summary == nil, run.endToEnd == nil, let consume = run.consume {
            kinds.append(("fetch wait", consume.fetchWaitHistogram, consume.fetchWait))
            if let commits = consume.commitLatency { kinds.append(("commit", consume.commitHistogram, commits)) }
        }
        return kinds
    }

    /// Points of the percentile spectrum, 0 to 99.999 in even steps of nines, in ms.
    static func spectrum(_ histogram: Histogram<UInt64>) -> [(x: Double, y: Double)] {
        guard histogram.totalCount > 0 else { return [] }
        return stride(from: 0.0, through: 5.0, by: 0.05).map { nines in
            let percentile = 100 * (1 - pow(10, -nines))
            return (percentile, Double(histogram.valueAtPercentile(percentile)) / 1000)
        }
    }

    static func summaryPoints(_ p: LatencyPercentiles) -> [(x: Double, y: Double)] {
        [(50, p.p50), (75, p.p75), (90, p.p90), (95, p.p95), (99, p.p99), (99.9, p.p999), (99.99, p.p9999), (99.999, p.max)]
    }

    /// A swarm run's workers: each one's share, how it ended and its clock.
    static func workersSection(_ result: RunResult) -> String {
        guard let swarm = result.workers else { return "" }
        let e2e = result.kind == .e2e
        let rows = swarm.members.map { m -> [String] in
            var row = [m.id, m.host, m.status.rawValue + (m.reason.map { ": \($0)" } ?? ""), String(m.producers),
                       String(m.sent), String(m.delivered) + (m.fromIntervals ? " (intervals)" : ""),
                       fixed(m.recordsPerSecond, 0), m.p99Ms.map { fixed($0, 2) } ?? "–"]
            if e2e { row.append(m.endToEndP99Ms.map { fixed($0, 2) } ?? "–") }
            row.append(m.clockOffsetMs.map { String(format: "%+.1f ± %.1f", $0, m.clockUncertaintyMs ?? 0) } ?? "–")
            return row
        }
        var html = table(["worker", "host", "status", "producers", "sent", "delivered", "records/s", "p99 ms"]
                            + (e2e ? ["send→consume p99 ms"] : []) + ["clock ms"], rows)
        func sentence(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() + "." }
        html += "<p class=\"note\">\(HTML.escape(sentence(swarm.clockNote))) \(HTML.escape(sentence(swarm.timelineNote)))</p>"
        for problem in swarm.problems { html += "<p class=\"verdict bad\">degraded: \(HTML.escape(problem))</p>" }
        if !swarm.late.isEmpty {
            html += "<p class=\"note\">Arrived after the start, not part of the run: \(HTML.escape(swarm.late.joined(separator: ", "))).</p>"
        }
        return section("Workers (\(swarm.members.filter { $0.status == .complete }.count) of \(swarm.requested) complete)", html)
    }

    static func verdicts(_ result: RunResult) -> [String] {
        var lines: [String] = []
        for report in result.integrity ?? [] { lines.append(report.verdict + (report.group.map { " (group \($0))" } ?? "")) }
        if let allocations = result.allocations { lines.append(allocations.verdictLine) }
        if let line = OffsetCheckText.line(result) { lines.append(line) }
        if result.partial { lines.append("partial: the run was stopped before its end") }
        lines += TrustText.repeatLines(result).map { $0.trimmingCharacters(in: .whitespaces) }
        if let warning = TrustText.warningLine(result) { lines.append(warning) }
        if let swarm = result.workers, swarm.degraded {
            lines.append("DEGRADED swarm run: " + swarm.problems.joined(separator: "; "))
        }
        return lines
    }

    static func header(title: String, _ startedAt: Date, partial: Bool) -> String {
        "<header><h1>\(HTML.escape(title))</h1><p class=\"when\">started \(ISO8601DateFormatter().string(from: startedAt))"
            + (partial ? " — <strong>partial</strong>" : "") + "</p></header>"
    }

    static func facts(workload: String?, environment: RunEnvironment, verdicts: [String]) -> String {
        var rows: [[String]] = []
        if let workload { rows.append(["workload", workload]) }
        rows.append(["zoobench", "\(environment.zoobenchVersion) (librdkafka \(environment.librdkafkaVersion)"
                        + (environment.allocator.map { ", \($0)" } ?? "") + ")"])
        if let features = environment.librdkafkaFeatures, !features.isEmpty {
            rows.append(["librdkafka features", features.joined(separator: ", ")])
        }
        rows.append(["host", "\(environment.host), \(environment.cores) cores, \(environment.operatingSystem)"])
        rows.append(["cluster", "\(environment.clusterKind.rawValue): \(environment.bootstrapServers), "
                        + "\(environment.brokers.count) brokers, \(environment.topicPartitions) partitions"])
        var html = "<section class=\"facts\">" + table(["", ""], rows, header: false)
        if let note = environment.clusterNote {
            html += "<p class=\"caveat\">\(HTML.escape(note))</p>"
        }
        for verdict in verdicts {
            let bad = verdict.contains("VIOLATED") || verdict.hasPrefix("DEGRADED") || verdict.hasPrefix("warning:") || (verdict.hasPrefix("integrity:") && !verdict.contains(" 0 lost, 0 duplicated, 0 reordered"))
            html += "<p class=\"verdict \(bad ? "bad" : "good")\">\(HTML.escape(verdict))</p>"
        }
        return html + "</section>"
    }

    static func section(_ title: String, _ content: String) -> String {
        "<section><h2>\(HTML.escape(title))</h2>\(content)</section>"
    }

    static func table(_ columns: [String], _ rows: [[String]], header: Bool = true) -> String {
        var html = "<table>"
        if header { html += "<thead><tr>" + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead>" }
        html += "<tbody>" + rows.map { "<tr>" + $0.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody>"
        return html + "</table>"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { NumberText.fixed(value, digits) }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>\(HTML.escape(title))</title>
        <style>
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a; background: #ffffff; margin: 24px auto; max-width: 1140px; padding: 0 12px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d0d0; padding-bottom: 4px; }
        .when { color: #555555; margin: 0 0 12px; }
        table { border-collapse: collapse; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid #d6d6d6; padding: 3px 8px; text-align: right; } th { background: #f3f3f3; }
        td:first-child, th:first-child { text-align: left; }
        .facts td { text-align: left; }
        .caveat { background: #fff6e0; border-left: 4px solid #E69F00; padding: 6px 10px; }
        .verdict { padding: 4px 10px; margin: 4px 0; border-left: 4px solid; } .verdict.good { border-color: #009E73; } .verdict.bad { border-color: #D55E00; background: #fdecea; }
        svg.chart { display: block; margin: 8px 0; background: #ffffff; }
        \(SVGChart.style)
        </style></head>
        <body>\(body)<footer><p class="when">Made by zoobench; every number in a chart is in the table under it.</p></footer></body></html>

        """
    }
}

/// A report that cannot be made from the files given.
public enum ReportError: Error, CustomStringConvertible {
    case badInput(String)
    public var description: String {
        switch self {
        case .badInput(let message): return message
        }
    }
}
