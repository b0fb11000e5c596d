// Draws the figures of scripts/bench-scaling (docs/data/scaling.json) as SVG
// charts with ZooReport's SVGChart, the code zoobench's HTML reports use:
//
//   ZOOBENCH_BENCHMARKS=1 swift run -c release ScalingChart docs/data/scaling.json docs/images
//
// One chart per series and measure: instructions per record (callgrind) for
// partitions, producers and record size; CPU time per record for run length;
// peak RSS for all four.
import Foundation
import ZooReport

struct Point: Decodable {
    var series: String
    var x: Double
    var records: Int
    var instructionsPerRecord: Double?
    var peakRSSMiB: Double
    var cpuMicrosPerRecord: Double
}

struct Document: Decodable {
    var zoobench: String
    var measured: String
    var points: [Point]
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: ScalingChart SCALING.json OUTPUT-FOLDER\n".utf8))
    exit(2)
}
let document: Document
do {
    document = try JSONDecoder().decode(Document.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
} catch {
    FileHandle.standardError.write(Data("ScalingChart: cannot read \(arguments[1]): \(error)\n".utf8))
    exit(1)
}

/// The series, their x axis, and the file name stem of their charts.
let series: [(name: String, xLabel: String, stem: String, log: Bool)] = [
    ("partitions", "partitions of the topic (one producer, 100 B records)", "partitions", true),
    ("producers", "producers (16 partitions, 100 B records)", "producers", true),
    ("record size", "record size, bytes (4 partitions)", "record-size", true),
    ("run length", "run length, seconds (full speed, 100 B, 4 partitions)", "run-length", true),
]

func write(_ chart: SVGChart, _ name: String) {
    let url = URL(fileURLWithPath: arguments[2]).appendingPathComponent(name)
    do {
        try Data(chart.renderStandalone().utf8).write(to: url, options: .atomic)
        print("wrote \(url.path)")
    } catch {
        FileHandle.standardError.write(Data("ScalingChart: cannot write \(url.path): \(error)\n".utf8))
        exit(1)
    }
}

for entry in series {
    let points = document.points.filter { $0.series == entry.name }.sorted { $0.x < $1.x }
    guard !points.isEmpty else { continue }
    let counted = points.compactMap { point in point.instructionsPerRecord.map { (x: point.x, y: $0) } }
    var cost: SVGChart
    if counted.count == points.count {
        cost = SVGChart(title: "Instructions per record as \(entry.name) grows (callgrind, whole client)",
                        xLabel: entry.xLabel, yLabel: "instructions per record", xScale: entry.log ? .log : .linear)
        cost.series = [.init(name: "instructions per record", points: counted, color: ChartColors.series[0])]
    } else {
        cost = SVGChart(title: "CPU time per record as \(entry.name) grows (user + system)",
                        xLabel: entry.xLabel, yLabel: "CPU µs per record", xScale: entry.log ? .log : .linear)
        cost.series = [.init(name: "CPU µs per record", points: points.map { ($0.x, $0.cpuMicrosPerRecord) },
                             color: ChartColors.series[0])]
    }
    cost.yScale = entry.name == "record size" ? .log : .linear
    cost.width = 720
    cost.height = 300
    write(cost, "scaling-\(entry.stem)-cost.svg")

    var memory = SVGChart(title: "Peak RSS as \(entry.name) grows (client process)", xLabel: entry.xLabel,
                          yLabel: "peak RSS, MiB", xScale: entry.log ? .log : .linear)
    memory.series = [.init(name: "peak RSS", points: points.map { ($0.x, $0.peakRSSMiB) }, color: ChartColors.series[1])]
    memory.width = 720
    memory.height = 300
    write(memory, "scaling-\(entry.stem)-memory.svg")
}
