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
    @Option(help: ArgumentHelp("Brokers and topic as one URI.", valueName: "kafka://host:port/topic"))
    var uri: String?
    @Option(help: "Topic. Default zoobench.") var topic: String?

    func validate() throws {
        if brokers != nil && uri != nil { throw ValidationError("give --brokers or --uri, not both") }
        if let brokers, brokers.isEmpty { throw ValidationError("--brokers is empty") }
    }

    /// The bootstrap list given, nil for the embedded cluster.
    func bootstrap() throws -> String? {
        try uri.map { try KafkaURI($0).bootstrapServers } ?? brokers
    }

    /// The topic from --uri or --topic, if either was given.
    func topicName() throws -> String? {
        try uri.map { try KafkaURI($0).topic } ?? topic
    }
}

/// Where results go and how much is printed.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Timeline interval. Default 1s.", valueName: "duration")) var interval: String?
    @Option(help: ArgumentHelp("Folder for result files. Default results.", valueName: "dir")) var output = "results"
    @Flag(help: "Do not write result files.") var noSave = false
    @Flag(help: "Print only the summary (no interval lines); for CI.") var quiet = false
    @Flag(help: "Print the result JSON on stdout instead of the console summary.") var json = false
    @Flag(help: "Also write an HTML report with charts beside the result files (see zoobench report).") var html = false

    /// Prints a console line unless --json.
    var say: (String) -> Void { json ? { _ in } : { print($0) } }

    /// Prints the result (JSON or `console`) and writes the files unless --no-save.
    func finish(_ result: RunResult, console: () -> String) throws {
        if json {
            print(String(decoding: try ResultFiles.json(result), as: UTF8.self))
        } else {
            print(console())
        }
        if !noSave {
            var paths = try ResultFiles.write(result, to: output)
            if html { paths.append(try writeHTML(HTMLReport.run(result), besideJSON: paths)) }
            say("results   " + paths.joined(separator: "  "))
        }
    }

    /// Writes `page` as `<stem>.html` beside the JSON among `paths`; returns its path.
    func writeHTML(_ page: String, besideJSON paths: [String]) throws -> String {
        guard let json = paths.first(where: { $0.hasSuffix(".json") }) else { return "" }
        let path = String(json.dropLast(5)) + ".html"
        try ResultFiles.writeAtomically(Data(page.utf8), to: URL(fileURLWithPath: path))
        return path
    }
}

/// The producer side's flags: shared by `produce` and `e2e`.
struct ProducerOptions: ParsableArguments {
    @Option(help: "Partitions when zoobench creates the topic. Default 6.") var partitions: String?
    @Option(help: "Replication factor when zoobench creates the topic. Default 1.") var replicationFactor: String?

    // Workload file and name
    @Option(help: ArgumentHelp("A workload file (zoobench YAML/JSON, or an OpenMessaging Benchmark workload).",
                               valueName: "file"))
    var workload: String?
    @Option(help: "Run name, used in result file names.") var name: String?

    // Producer
    @Option(help: ArgumentHelp("Acknowledgements: 0, 1, -1 or all. Default -1.", valueName: "0|1|-1|all"))
    var acks: String?
    @Option(help: ArgumentHelp("batch.size in bytes (16k, 1m …).", valueName: "bytes")) var batchSize: String?
    @Option(help: ArgumentHelp("linger.ms (librdkafka default 5).", valueName: "ms")) var lingerMs: String?
    @Option(help: ArgumentHelp("none, gzip, snappy, lz4 or zstd. Default none.", valueName: "codec"))
    var compression: String?
    @Flag(help: "Idempotent producers (enable.idempotence).") var idempotence = false
    @Option(help: ArgumentHelp("Send in transactions with this id (one per producer: ID-0, ID-1 …).", valueName: "id"))
    var transactionalID: String?
    @Option(help: "Records per transaction. Default 1000.") var transactionSize: String?
    @Option(name: [.customShort("X"), .customLong("producer-props")], parsing: .upToNextOption,
            help: ArgumentHelp("librdkafka producer properties, verbatim; later ones win.", valueName: "key=value"))
    var properties: [PropertyArgument] = []

    // Load shape
    @Option(help: "Producers, each its own librdkafka handle and thread. Default 1.") var producers: String?
    @Option(help: "Records to send after warm-up. Default 1000000 (unless --duration).") var numRecords: String?
    @Option(help: ArgumentHelp("Send for this long after warm-up (30s, 2m).", valueName: "duration"))
    var duration: String?
    @Option(help: ArgumentHelp("Records per second in total; -1 is unlimited (default).", valueName: "rate"))
    var throughput: String?
    @Option(help: ArgumentHelp("Warm-up time, reported apart from the main figures.", valueName: "duration"))
    var warmup: String?
    @Option(help: "Warm-up records, reported apart from the main figures.") var warmupRecords: String?

    // Records
    @Option(help: ArgumentHelp("Value size: 100, 1k, uniform:100-1000 or normal:500,50. Default 100.",
                               valueName: "size"))
    var recordSize: String?
    @Option(help: ArgumentHelp("random, text, json or file:PATH. Default random.", valueName: "kind"))
    var payload: String?
    @Option(help: ArgumentHelp("Fraction of repeated bytes in random payloads, 0.0–1.0. Default 0.",
                               valueName: "fraction"))
    var compressibility: String?
    @Option(help: ArgumentHelp("Record separator in a payload file. Default a newline.", valueName: "text"))
    var payloadDelimiter: String?
    @Option(help: ArgumentHelp("none, uniform:K, zipf:K,S or sequential. Default none.", valueName: "keys"))
    var keys: String?
    @Option(help: "Headers per record. Default 0.") var headers: String?

    // Timing
    @Option(help: ArgumentHelp("Delivery timeout per record. Default 30s.", valueName: "duration")) var timeout: String?
    @Option(help: ArgumentHelp("How long to wait for the cluster. Default 10s.", valueName: "duration"))
    var connectTimeout: String?

    // Faults
    @Option(help: ArgumentHelp(FaultKind.flagHelp(timedFrom: "sending", replacingWorkloadFile: true), valueName: "spec"))
    var fault: [String] = []

    /// The workload: the file's (or the defaults), then each flag given.
    func makeWorkload(target: TargetOptions, interval: String?, defaultName: String? = nil) throws
        -> (ProduceWorkload, [String]) {
        let loaded = try load(target: target, interval: interval, defaultName: defaultName)
        return (loaded.workload, loaded.notes)
    }

    /// The workload file as loaded (with what an OMB file says of consumers),
    /// its workload overridden by each flag given.
    func load(target: TargetOptions, interval: String?, defaultName: String? = nil) throws -> WorkloadFile.Loaded {
        var loaded = try workload.map { try WorkloadFile.load($0) } ?? WorkloadFile.Loaded(workload: ProduceWorkload(), notes: [])
        if let defaultName, workload == nil { loaded.workload.name = defaultName }
        for (field, value) in flagValues(target: target, interval: interval) {
            if let value { try loaded.workload.set(field, to: value, label: "--\(field)") }
        }
        if idempotence { loaded.workload.idempotence = true }
        if let uri = target.uri { loaded.workload.topic = try KafkaURI(uri).topic }
        // A duration on the command line replaces the default record count (but not an explicit one).
        if duration != nil && numRecords == nil { loaded.workload.numRecords = nil }
        for property in properties { loaded.workload.properties[property.key] = property.value }
        try applyFaults(to: &loaded.workload, target: target)
        try loaded.workload.validate()
        return loaded
    }

    /// Puts the --fault specs (when given) in place of the workload's, and
    /// refuses faults for a cluster other than the embedded one.
    func applyFaults(to workload: inout ProduceWorkload, target: TargetOptions) throws {
        if !fault.isEmpty {
            workload.faults = try fault.map { text throws(WorkloadError) in try FaultSpec(parsing: text) }
        }
        if !workload.faults.isEmpty, try target.bootstrap() != nil {
            throw MeasuredRun.faultsNeedTheEmbeddedCluster
        }
    }

    /// Every workload flag with the text given (nil when not given), by field name.
    func flagValues(target: TargetOptions, interval: String?) -> [(String, String?)] {
        [
            ("name", name), ("topic", target.topic), ("partitions", partitions),
            ("replication-factor", replicationFactor),
            ("acks", acks), ("batch-size", batchSize), ("linger-ms", lingerMs), ("compression", compression),
            ("transactional-id", transactionalID), ("transaction-size", transactionSize), ("producers", producers),
            ("num-records", numRecords), ("duration", duration), ("throughput", throughput), ("warmup", warmup),
            ("warmup-records", warmupRecords), ("record-size", recordSize), ("payload", payload),
            ("compressibility", compressibility), ("payload-delimiter", payloadDelimiter), ("keys", keys),
            ("headers", headers), ("timeout", timeout), ("connect-timeout", connectTimeout), ("interval", interval),
        ]
    }
}

/// Allocation counting and the zero-copy gate.
struct AllocationOptions: ParsableArguments {
    @Flag(help: "Count allocations (mallocs, frees, bytes) over the measured window, split between zoobench and librdkafka, and judge them against the zero-copy budget.")
    var countAllocations = false
    @Flag(help: "Count allocations and exit 5 when the run broke the zero-copy budget (for CI).")
    var requireZeroCopy = false

    /// The counter to give the run, nil when not counting. The interposer must
    /// be preloaded: when it is not, zoobench runs itself again with
    /// `LD_PRELOAD` set to the library beside its binary (this call then does
    /// not return); call it before starting anything.
    func counter() throws -> AllocationCounter? {
        guard countAllocations || requireZeroCopy else { return nil }
        if AllocationCounter.isAvailable { return AllocationCounter() }
        let library = Self.interposerLibrary
        let marker = "ZOOBENCH_INTERPOSER_PRELOADED"
        if ProcessInfo.processInfo.environment[marker] != nil {
            throw ValidationError("--count-allocations: \(library) was preloaded but counts no allocation in this process")
        }
        guard FileManager.default.fileExists(atPath: library) else {
            throw ValidationError("--count-allocations: the allocation interposer is not loaded and \(library) is not there "
                + "to load; build it with 'swift build -c release --product MallocInterposerSwift' (scripts/run does), "
                + "or run with LD_PRELOAD=<path>/libMallocInterposerSwift.so")
        }
        let preload = ProcessInfo.processInfo.environment["LD_PRELOAD"].map { "\(library):\($0)" } ?? library
        setenv("LD_PRELOAD", preload, 1)
        setenv(marker, "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw ValidationError("--count-allocations: could not run zoobench again with the interposer: \(String(cString: strerror(errno)))")
    }

    /// libMallocInterposerSwift.so in the folder of the running binary.
    static var interposerLibrary: String {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return binary.deletingLastPathComponent().appendingPathComponent("libMallocInterposerSwift.so").path
    }

    /// Exits 5 when --require-zero-copy was given and the run broke the budget.
    func check(_ result: RunResult) throws {
        guard requireZeroCopy, let figures = result.allocations, !figures.zeroCopy else { return }
        FileHandle.standardError.write(Data(("zoobench: error: zero-copy budget broken: "
            + figures.violations.joined(separator: "; ") + "\n").utf8))
        throw ExitCode(ExitStatus.zeroCopy.rawValue)
    }
}

/// What every run prints about its target first.
enum TargetLines {
    /// The embedded cluster answers a fetch only when fetch.wait.max.ms has
    /// passed, even with data waiting (a real broker answers as soon as
    /// fetch.min.bytes are there). Unless the user chose a value, consumers on
    /// it wait 5 ms, so end-to-end latency shows the client, not that quirk.
    static func adaptToEmbedded(_ workload: inout ConsumeWorkload, target: BenchTarget, say: (String) -> Void) {
        guard target.kind == .embedded, workload.properties["fetch.wait.max.ms"] == nil else { return }
        workload.properties["fetch.wait.max.ms"] = "5"
        say("note      the embedded cluster holds every fetch for fetch.wait.max.ms, data or not: consumers use 5 ms "
            + "here (librdkafka's default is 500; --consumer-props fetch.wait.max.ms=… overrides)")
    }

    /// `faults    at=2s broker=1 down for=2s; …`: the faults a run will apply, when it has any.
    static func faults(_ specs: [FaultSpec], note: String = "", say: (String) -> Void) {
        guard !specs.isEmpty else { return }
        say("faults    " + specs.map(\.description).joined(separator: "; ") + note)
    }

    static func describe(_ target: BenchTarget, topic: String, say: (String) -> Void) {
        let partitionCount = target.topic?.partitions.count ?? 0
        switch target.kind {
        case .embedded:
            say("target    embedded cluster, \(target.metadata.brokers.count) brokers at \(target.uri.bootstrapServers); "
                + "topic \(topic) (\(partitionCount) partitions)")
            say("note      the embedded cluster runs in this process and does not replicate: these figures measure "
                + "the client, not a cluster's capacity (acks=-1 costs what acks=1 does here)")
        case .external:
            say("target    \(target.uri.bootstrapServers), \(target.metadata.brokers.count) brokers; topic \(topic) "
                + "(\(partitionCount) partitions\(target.createdTopic ? ", created" : ""))")
        }
    }
}
