import Foundation

/// Colours that stay apart for readers with colour-blindness (Okabe and Ito's
/// palette), in the order series take them.
public enum ChartColors {
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static let good = "#009E73"
    public static let bad = "#D55E00"
    public static let neutral = "#8C8C8C"
    public static let fault = "#D55E00"
    public static let band = "#EDEDED"
}

/// A line or scatter chart drawn as one inline SVG element: axes with units,
/// ticks, a legend, shaded bands (a warm-up), vertical markers (faults),
/// horizontal lines (an SLO) and labelled points (a knee).
public struct SVGChart {
    /// How x values are placed.
    public enum XScale: Sendable {
        case linear
        /// Percentiles from 0 to 99.999, placed by the nines: 90, 99, 99.9 … equally apart.
        case percentile
        /// Powers of ten equally apart (sizes and counts over decades); x must be above 0.
        case log
    }

    /// The chart's text and line styles, for a page that shows charts.
    public static let style = """
        svg .chart-title { font-size: 15px; font-weight: 600; fill: #1a1a1a; }
        svg .tick, svg .legend { font-size: 12px; fill: #333333; } svg .cell { font-size: 12px; } svg .label { font-size: 13px; fill: #1a1a1a; } svg .note { font-size: 11px; }
        svg .grid { stroke: #e4e4e4; stroke-width: 1; } svg .axis { stroke: #555555; stroke-width: 1; }
        """

    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dashed = false
        /// Dots instead of a line.
        public var scatter = false

        public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false, scatter: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
            self.scatter = scatter
        }
    }

    /// How y values are placed.
    public enum YScale: Sendable {
        case linear
        /// Powers of ten equally apart (latency over decades: an SLO line stays visible).
        case log
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: XScale = .linear
    public var yScale: YScale = .linear
    public var series: [Series] = []
    public var bands: [(from: Double, to: Double, label: String)] = []
    public var markers: [(x: Double, label: String)] = []
    public var levels: [(y: Double, label: String, color: String)] = []
    public var labelled: [(x: Double, y: Double, label: String)] = []
    public var width = 1100.0
    public var height = 380.0

    public init(title: String, xLabel: String, yLabel: String, xScale: XScale = .linear) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
    }

    /// Where percentile `p` (0–100) sits on a nines axis: 90 → 1, 99 → 2 …
    public static func nines(_ p: Double) -> Double {
        -log10(max(1e-5, 1 - min(p, 99.999) / 100))
    }

    private let left = 78.0, right = 24.0, top = 40.0, bottom = 58.0

    public func render() -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let all = series.flatMap(\.points)
        let xs = all.map { transform($0.x) } + bands.flatMap { [transform($0.from), transform($0.to)] }
            + markers.map { transform($0.x) }
        var xLow = xs.min() ?? 0
        var xHigh = xs.max() ?? 1
        if case .percentile = xScale { xLow = 0; xHigh = 5 }
        if xHigh <= xLow { xHigh = xLow + 1 }
        // A y of NaN is a gap: no line through it (an interval with no records has no latency).
        let ys = (all.map(\.y) + levels.map(\.y)).filter(\.isFinite)
        let yHighData = ys.max() ?? 1
        let yTicks: [Double]
        let yLow: Double
        let yHigh: Double
        switch yScale {
        case .linear:
            yTicks = Self.niceTicks(upTo: yHighData > 0 ? yHighData : 1)
            (yLow, yHigh) = (0, yTicks.last ?? 1)
        case .log:
            let positive = ys.filter { $0 > 0 }
            let low = pow(10, floor(log10(positive.min() ?? 1)))
            let high = max(low * 10, pow(10, ceil(log10(positive.max() ?? 10))))
            yTicks = Self.logTicks(from: low, to: high)
            (yLow, yHigh) = (low, high)
        }
        func px(_ x: Double) -> Double { left + (transform(x) - xLow) / (xHigh - xLow) * plotWidth }
        func pxRaw(_ t: Double) -> Double { left + (t - xLow) / (xHigh - xLow) * plotWidth }
        func py(_ y: Double) -> Double {
            switch yScale {
            case .linear: return top + plotHeight - min(max(y, 0), yHigh) / yHigh * plotHeight
            case .log:
                let clamped = min(max(y, yLow), yHigh)
                return top + plotHeight - (log10(clamped) - log10(yLow)) / (log10(yHigh) - log10(yLow)) * plotHeight
            }
        }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<title>\(HTML.escape(title))</title>"
        svg += "<text x=\"\(left)\" y=\"22\" class=\"chart-title\">\(HTML.escape(title))</text>"
        for band in bands {
            let x0 = px(band.from), x1 = px(band.to)
            svg += "<rect x=\(q(x0)) y=\(q(top)) width=\(q(max(0, x1 - x0))) height=\(q(plotHeight)) fill=\"\(ChartColors.band)\"/>"
            svg += "<text x=\(q(x0 + 4)) y=\(q(top + 14)) class=\"note\" fill=\"#555555\">\(HTML.escape(band.label))</text>"
        }
        // Grid and y axis.
        for tick in yTicks {
            let y = py(tick)
            svg += "<line x1=\(q(left)) y1=\(q(y)) x2=\(q(left + plotWidth)) y2=\(q(y)) class=\"grid\"/>"
            svg += "<text x=\(q(left - 8)) y=\(q(y + 4)) class=\"tick\" text-anchor=\"end\">\(Self.format(tick))</text>"
        }
        for (t, label) in xTickPositions(low: xLow, high: xHigh) {
            let x = pxRaw(t)
            svg += "<line x1=\(q(x)) y1=\(q(top + plotHeight)) x2=\(q(x)) y2=\(q(top + plotHeight + 5)) class=\"axis\"/>"
            svg += "<text x=\(q(x)) y=\(q(top + plotHeight + 20)) class=\"tick\" text-anchor=\"middle\">\(label)</text>"
        }
        svg += "<line x1=\(q(left)) y1=\(q(top + plotHeight)) x2=\(q(left + plotWidth)) y2=\(q(top + plotHeight)) class=\"axis\"/>"
        svg += "<line x1=\(q(left)) y1=\(q(top)) x2=\(q(left)) y2=\(q(top + plotHeight)) class=\"axis\"/>"
        svg += "<text x=\(q(left + plotWidth / 2)) y=\(q(height - 14)) class=\"label\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text x=\"16\" y=\(q(top + plotHeight / 2)) class=\"label\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 16 \(Self.format(top + plotHeight / 2)))\">\(HTML.escape(yLabel))</text>"
        for level in levels {
            let y = py(level.y)
            svg += "<line x1=\(q(left)) y1=\(q(y)) x2=\(q(left + plotWidth)) y2=\(q(y)) stroke=\"\(level.color)\" "
                + "stroke-width=\"2\" stroke-dasharray=\"8 4\"/>"
            svg += "<text x=\(q(left + plotWidth - 4)) y=\(q(y - 6)) class=\"note\" text-anchor=\"end\" fill=\"\(level.color)\">"
                + "\(HTML.escape(level.label))</text>"
        }
        for (index, marker) in markers.enumerated() {
            let x = px(marker.x)
            svg += "<line x1=\(q(x)) y1=\(q(top)) x2=\(q(x)) y2=\(q(top + plotHeight)) stroke=\"\(ChartColors.fault)\" "
                + "stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
            svg += "<text x=\(q(x + 4)) y=\(q(top + 28 + Double(index % 4) * 13)) class=\"note\" fill=\"\(ChartColors.fault)\">"
                + "\(HTML.escape(marker.label))</text>"
        }
        for line in series where !line.points.isEmpty {
            if line.scatter {
                for point in line.points where point.y.isFinite {
                    svg += "<circle cx=\(q(px(point.x))) cy=\(q(py(point.y))) r=\"4\" fill=\"\(line.color)\"/>"
                }
            } else {
                var path = ""
                var drawing = false
                for point in line.points {
                    guard point.y.isFinite else {
                        drawing = false
                        continue
                    }
                    path += (path.isEmpty ? "" : " ") + (drawing ? "L" : "M") + "\(Self.format(px(point.x))),\(Self.format(py(point.y)))"
                    drawing = true
                }
                svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\""
                    + (line.dashed ? " stroke-dasharray=\"6 3\"" : "") + "/>"
            }
        }
        for point in labelled {
            svg += "<circle cx=\(q(px(point.x))) cy=\(q(py(point.y))) r=\"6\" fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>"
            svg += "<text x=\(q(px(point.x) + 9)) y=\(q(py(point.y) - 9)) class=\"note\" fill=\"#1a1a1a\">\(HTML.escape(point.label))</text>"
        }
        // Legend.
        var legendX = left + 8
        for line in series where !line.name.isEmpty {
            svg += "<rect x=\(q(legendX)) y=\"30\" width=\"14\" height=\"4\" fill=\"\(line.color)\"/>"
            svg += "<text x=\(q(legendX + 18)) y=\"35\" class=\"legend\">\(HTML.escape(line.name))</text>"
            legendX += 26 + Double(line.name.count) * 7
        }
        return svg + "</svg>"
    }

    /// The chart as an SVG file of its own: ``render()`` with its styles and
    /// a white background inside, for a page (a README, docs) that has none.
    public func renderStandalone() -> String {
        let svg = render()
        guard let close = svg.range(of: ">") else { return svg }
        let head = "<style>\n" + Self.style.replacingOccurrences(of: "svg .", with: ".") + "\n</style>"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
        return String(svg[..<close.upperBound]) + head + String(svg[close.upperBound...])
    }

    private func transform(_ x: Double) -> Double {
        switch xScale {
        case .linear: return x
        case .percentile: return Self.nines(x)
        case .log: return log10(max(x, 1e-12))
        }
    }

    private func xTickPositions(low: Double, high: Double) -> [(Double, String)] {
        switch xScale {
        case .percentile:
            return [(0, "0"), (1, "90"), (2, "99"), (3, "99.9"), (4, "99.99"), (5, "99.999")]
        case .log:
            // low and high are log10 of the data: a tick at each power of ten between.
            return Self.logTicks(from: pow(10, floor(low + 1e-9)), to: pow(10, ceil(high - 1e-9)))
                .map { (log10($0), Self.format($0)) }
                .filter { $0.0 >= low - 1e-9 && $0.0 <= high + 1e-9 }
        case .linear:
            let ticks = Self.niceTicks(upTo: high, from: low)
            return ticks.filter { $0 >= low && $0 <= high }.map { ($0, Self.format($0)) }
        }
    }

    /// Ticks of a log axis from `low` to `high` (powers of ten): 1, 2 and 5 of each decade, or the decades alone when there are many.
    public static func logTicks(from low: Double, to high: Double) -> [Double] {
        let decades = Int((log10(high) - log10(low)).rounded())
        var ticks: [Double] = []
        for k in 0...max(0, decades) {
            let base = low * pow(10, Double(k))
            for m in decades > 3 ? [1.0] : [1.0, 2, 5] where base * m <= high * 1.0001 { ticks.append(base * m) }
        }
        return ticks
    }

    /// Round tick values from `from` (0 by default) to at least `upTo`, five or so.
    public static func niceTicks(upTo high: Double, from low: Double = 0) -> [Double] {
        let span = max(high - low, 1e-9)
        let rough = span / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let start = floor(low / step) * step
        var ticks: [Double] = []
        var value = start
        while value < high + step * 0.999 && ticks.count < 20 {
            ticks.append(value)
            value += step
        }
        return ticks
    }

    /// A number short enough for an axis: 1200 → 1200, 0.25 → 0.25, 2500000 → 2.5M.
    public static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return trimmed(value / 1_000_000) + "M" }
        if magnitude >= 10_000 { return trimmed(value / 1000) + "k" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return String(result)
    }

    private func q(_ value: Double) -> String { "\"\(Self.format(value))\"" }
}

/// Escaping for text and attribute values in the HTML report.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
