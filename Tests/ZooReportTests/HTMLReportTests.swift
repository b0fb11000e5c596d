import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Histogram
import Testing
import ZooBench
import ZooPipe
@testable import ZooReport

/// What an HTML report holds, read back with an XML parser.
final class ReportReader: NSObject, XMLParserDelegate {
    private(set) var svgCount = 0
    /// Per SVG element: how many drawn marks (paths with two or more points, rects, circles) it has.
    private(set) var marksPerSVG: [Int] = []
    private(set) var cells: [String] = []
    private(set) var error: Error?
    private var inCell = false
    private var text = ""

    init(_ html: String) {
        super.init()
        // The doctype line is not XML; the rest must be.
        let body = html.components(separatedBy: "\n").filter { !$0.hasPrefix("<!DOCTYPE") }.joined(separator: "\n")
        let parser = XMLParser(data: Data(body.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError ?? CocoaError(.coderReadCorrupt) }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "svg":
            svgCount += 1
            marksPerSVG.append(0)
        case "path" where (attributes["d"] ?? "").contains("L"), "rect", "circle":
            if !marksPerSVG.isEmpty { marksPerSVG[marksPerSVG.count - 1] += 1 }
        case "td":
            inCell = true
            text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inCell { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "td" {
            cells.append(text)
            inCell = false
        }
    }
}

@Suite("HTML reports and .hgrm files")
struct HTMLReportTests {
    @Test func runReportIsWellFormedWithChartsAndTheResultsNumbers() throws {
        var result = knownResult()
        result.faults = [FaultEvent(at: 1.5, action: "broker 1 down")]
        let html = HTMLReport.run(result)
        let reader = ReportReader(html)
        #expect(reader.error == nil, "not well-formed: \(String(describing: reader.error))")
        #expect(reader.svgCount == 3, "throughput, spectrum, latency over time")
        #expect(reader.marksPerSVG.allSatisfy { $0 > 0 }, "\(reader.marksPerSVG)")
        let summary = try #require(result.summary)
        // The tables hold the result's numbers as the console shows them.
        for value in [summary.latency.p50, summary.latency.p99, summary.latency.p999, summary.latency.max, summary.latency.mean] {
            #expect(reader.cells.contains(NumberText.fixed(value, 2)), "\(value) missing")
        }
        for interval in result.timeline { #expect(reader.cells.contains(NumberText.fixed(interval.recordsPerSecond, 1))) }
        #expect(html.contains("broker 1 down"))
        #expect(html.contains("broker end offsets grew by 1000: matches records delivered"))
        #expect(!html.contains("http://") || !html.contains("<link"), "nothing fetched")
        #expect(!html.contains("<script"))
    }

    @Test func comparisonHasABarPerMetricColouredByVerdict() throws {
        let baseline = knownResult()
        var current = knownResult()
        current.summary?.recordsPerSecond = 400  // a 20 % drop: a regression
        let comparison = try Compare.compare(baseline: .run(baseline), current: .run(current), baselineName: "a.json",
                                             currentName: "b.json", thresholds: CompareThresholds())
        let html = HTMLReport.comparison([("a", baseline), ("b", current)], comparison: comparison)
        let reader = ReportReader(html)
        #expect(reader.error == nil)
        #expect(reader.svgCount == 2, "the change bars and the overlaid spectra")
        #expect(reader.marksPerSVG[0] == comparison.metrics.count)
        #expect(html.contains("fill=\"\(ChartColors.bad)\""), "the regression is drawn in the bad colour")
        #expect(reader.cells.contains("regression"))
    }

    /// The .hgrm text is the library's own percentile distribution, in ms.
    @Test func hgrmIsTheLibrarysDistributionInMilliseconds() throws {
        var histogram = LatencyHistogram.make()
        for µs in 1...10_000 { histogram.record(UInt64(µs)) }
        let text = HgrmFiles.text(histogram)
        var expected = ""
        histogram.outputPercentileDistribution(to: &expected, outputValueUnitScalingRatio: 1000)
        #expect(text == expected)
        let lines = text.split(separator: "\n")
        #expect(lines.first?.contains("Value") == true && lines.first?.contains("1/(1-Percentile)") == true)
        #expect(lines.contains { $0.hasPrefix("#[Max     =       10.0") && $0.hasSuffix("Total count    =        10000]") },
                "\(lines.suffix(4))")
        #expect(lines.contains { $0.contains(" 5.003 0.500000000000 ") || $0.contains(" 5.000 0.500000000000 ") }, "the median is 5 ms")
    }

    @Test func axisTicksAndNumbers() {
        #expect(SVGChart.niceTicks(upTo: 9.3) == [0, 2, 4, 6, 8, 10])
        #expect(SVGChart.format(2_500_000) == "2.5M")
        #expect(SVGChart.format(0.25) == "0.25")
        #expect(abs(SVGChart.nines(99) - 2) < 1e-9)
        #expect(HTML.escape("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;")
    }

    /// A log x axis puts each decade the same width apart, with a tick at
    /// each power of ten; a standalone chart carries its own styles.
    @Test func logXAxisSpacesDecadesEqually() throws {
        var chart = SVGChart(title: "scaling", xLabel: "partitions", yLabel: "instructions", xScale: .log)
        chart.series = [.init(name: "cost", points: [(1, 10), (10, 20), (100, 30), (1000, 40)], color: "#000000")]
        let svg = chart.render()
        for label in ["1", "10", "100", "1000"] {
            #expect(svg.contains("text-anchor=\"middle\">\(label)</text>"), "no tick \(label)")
        }
        // The path's x coordinates: equal steps for equal ratios.
        let path = try #require(svg.range(of: "<path d=\"").map { svg[$0.upperBound...].prefix { $0 != "\"" } })
        let xs = path.split(separator: " ").compactMap { Double($0.dropFirst().split(separator: ",")[0]) }
        #expect(xs.count == 4)
        let steps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - steps[0]) < 0.02 }, "\(xs)")
        let standalone = chart.renderStandalone()
        #expect(standalone.hasPrefix("<svg") && standalone.contains("<style>") && standalone.contains(".grid {"))
        #expect(standalone.hasSuffix("</svg>"))
    }
}
