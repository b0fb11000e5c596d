import ArgumentParser
import Foundation
import ZooBench
import ZooReport

/// `zoobench report`: a self-contained HTML page from result files, and
/// HdrHistogram `.hgrm` files for other tools.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Make a self-contained HTML report (charts and tables) from result files.",
        discussion: """
            One file: a page for a run (produce, consume, e2e), a sweep or a plan. \
            Several run files: one page comparing them, their latency spectra \
            overlaid; with two, the second is compared with the first as \
            'zoobench compare' does. The page has inline CSS and SVG and needs no \
            network to view. It goes beside the first file (RESULT.html) unless \
            -o says where.

            --hgrm also writes each latency histogram of each run in HdrHistogram's \
            percentile distribution format (values in ms), for HdrHistogram's plotter.

            Examples:
              zoobench report results/20261129-101500-produce.json --open
              zoobench report baseline.json current.json -o compare.html
              zoobench report results/20261129-111000-sweep.json --x acks --y compression
              zoobench report results/20261129-101500-e2e.json --hgrm
            """
    )

    @Argument(help: ArgumentHelp("Result files (.json) written by zoobench.", valueName: "result.json"))
    var files: [String]
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where the HTML goes.", valueName: "path"))
    var output: String?
    @Flag(help: "Print the report's path and open it with xdg-open when there is one.") var open = false
    @Flag(help: "Also write each latency histogram as an .hgrm file beside the result.") var hgrm = false
    @Option(help: ArgumentHelp("Sweep axis across the heatmaps. Default the first.", valueName: "axis")) var x: String?
    @Option(help: ArgumentHelp("Sweep axis down the heatmaps. Default the second.", valueName: "axis")) var y: String?

    /// Where the page goes: -o, or beside the first result.
    var target: String { output ?? (files[0].hasSuffix(".json") ? String(files[0].dropLast(5)) : files[0]) + ".html" }

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one result file") }
        // Beside a result that is not there, the missing result is the error to report (when it is read).
        if output != nil || FileManager.default.fileExists(atPath: files[0]) {
            try OutputDestination.checkFile(target, label: output == nil ? "the report beside the result" : "-o")
        }
    }

    func run() throws {
        let documents = try files.map { path throws(CompareError) in (path, try ResultDocument.load(path)) }
        let html = try HTMLReport.page(documents, xAxis: x, yAxis: y)
        try ResultFiles.writeAtomically(Data(html.utf8), to: URL(fileURLWithPath: target))
        print("report    \(target)")
        if hgrm {
            for (file, document) in documents {
                guard case .run(let run) = document else { continue }
                for path in try HgrmFiles.write(run, beside: file) { print("hgrm      \(path)") }
            }
        }
        if open { Self.open(target) }
    }

    /// Opens `path` with xdg-open when the machine has it.
    static func open(_ path: String) {
        guard let opener = ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"].first(where: FileManager.default.isExecutableFile) else {
            print("open      no xdg-open here; open \(path) in a browser")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
