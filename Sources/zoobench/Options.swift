import ArgumentParser
import Foundation
import ZooBench
import ZooPipe
import ZooReport

/// Where a run goes: brokers (or a URI) and the topic.
struct TargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Bootstrap brokers. Without it (or --uri) an embedded cluster is started.",
                               valueName: "host:port,…"))
    var brokers: String?
    @Option(help: ArgumentHelp("Brokers and topic as one URI.", valueName: "kafka://host:port/topic")) var uri: String?
    @Option(help: .produce("topic")) var topic: String?

    func validate() throws {
        if brokers != nil && uri != nil { throw ValidationError("give --brokers or --uri, not both") }
        if let brokers, brokers.isEmpty { throw ValidationError("--brokers is empty") }
    }

    /// The bootstrap list given, nil for the embedded cluster.
    func bootstrap() throws -> String? {
        try uri.map { try KafkaURI($0).bootstrapServers } ?? brokers
    }

    /// The topic of --uri, if given (it wins over --topic).
    func uriTopic() throws -> String? { try uri.map { try KafkaURI($0).topic } }
}

/// Where results go and how much is printed.
struct OutputOptions: ParsableArguments {
    @Option(help: .produce("interval")) var interval: String?
    @Option(help: ArgumentHelp("Folder for result files.", valueName: "dir")) var output = "results"
    @Flag(help: "Do not write result files.") var noSave = false
    @Flag(help: "Print only the summary (no interval lines); for CI.") var quiet = false
    @Flag(help: "Print the result JSON on stdout instead of the console summary.") var json = false
    @Flag(help: "Also write an HTML report with charts beside the result files (see zoobench report).") var html = false

    /// A folder results cannot go to is refused before anything is measured.
    func validate() throws {
        if !noSave { try OutputDestination.checkFolder(output, label: "--output") }
    }

    /// Prints a console line unless --json.
    var say: (String) -> Void { json ? { _ in } : { print($0) } }

    /// Whether interval lines (and live faults) are shown.
    var showsIntervals: Bool { !(quiet || json) }

    /// Prints the result (its JSON with --json, else `console`), then writes
    /// its files with `write` unless --no-save, and with --html the `html`
    /// page beside them.
    func finish(json data: () throws -> Data, console: () -> String, write: (String) throws -> [String],
                html: () throws -> String) throws {
        print(json ? String(decoding: try data(), as: UTF8.self) : console())
        guard !noSave else { return }
        var paths = try ResultFiles.writing(to: output, write)
        if self.html { paths.append(try writeHTML(try html(), besideJSON: paths)) }
        say("results   " + paths.joined(separator: "  "))
    }

    /// ``finish(json:console:write:html:)`` for a run: the console summary
    /// ends with the repeats' intervals and the run's warnings (with --json
    /// the warning goes to standard error).
    func finish(_ result: RunResult, console: () -> String) throws {
        if json, let warning = TrustText.warningLine(result) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        try finish(json: { try ResultFiles.json(result) }, console: { console() + TrustText.lines(result) },
                   write: { try ResultFiles.write(result, to: $0) }, html: { HTMLReport.run(result) })
    }

    /// Writes `page` as `<stem>.html` beside the JSON among `paths`; returns its path.
    func writeHTML(_ page: String, besideJSON paths: [String]) throws -> String {
        guard let json = paths.first(where: { $0.hasSuffix(".json") }) else { return "" }
        let path = String(json.dropLast(5)) + ".html"
        try ResultFiles.writeAtomically(Data(page.utf8), to: URL(fileURLWithPath: path))
        return path
    }
}

/// Prints `line` and flushes it at once: into a file or a pipe too, a
/// worker's or coordinator's log is read while it runs (`kubectl logs -f`);
/// secret values never reach it. On a terminal it first clears the live status line.
func printNow(_ line: String, clearingStatus: Bool = false) {
    print((clearingStatus && isatty(STDOUT_FILENO) == 1 ? "\r\u{1B}[2K" : "") + SecretValues.scrub(line))
    fflush(nil)
}

/// `--repeat N`: complete runs of one workload in one invocation.
struct RepeatOptions: ParsableArguments {
    @Option(name: .customLong("repeat"),
            help: ArgumentHelp("Complete runs of the workload, one after another; the summary gives each headline figure's "
                + "median with its 95% CI and the result keeps every run.", valueName: "N"))
    var count = 1

    func validate() throws {
        guard (1...Repeats.most).contains(count) else { throw ValidationError("--repeat must be 1 to \(Repeats.most), not \(count)") }
    }

    /// Runs `once` --repeat times (until Ctrl-C), saying which run starts; the runs combined.
    func run(say: (String) -> Void, _ once: (StopSignal, Int) throws -> RunResult) throws -> RunResult {
        try Interrupt.during { stop in
            try Repeats.run(count) { number in
                if count > 1 { say("repeat    run \(number) of \(count)") }
                return try once(stop, number)
            }
        }
    }
}
