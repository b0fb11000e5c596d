import Foundation
import Yams
import ZooPipe

/// Reads workload files: zoobench's own (YAML or JSON, keys = the CLI's flag
/// names) and OpenMessaging Benchmark workload files.
public enum WorkloadFile {
    /// A loaded workload and what the loader has to say about it (e.g. which
    /// OMB fields were used and which were not).
    public struct Loaded: Sendable {
        public var workload: ProduceWorkload
        /// What the loader says of the file (which OMB fields it used).
        public var usage: [String]
        /// OMB fields a produce run does not use (consumers, backlogs), sorted.
        public var unusedFields: [String] = []
        /// From an OpenMessaging Benchmark workload: `subscriptionsPerTopic`
        /// (consumer groups) and `consumerPerSubscription` (consumers per
        /// group), for e2e runs; nil when the file has none.
        public var consumerGroups: Int?
        public var consumersPerGroup: Int?
        /// From an OpenMessaging Benchmark workload: `consumerBacklogSizeGB`
        /// in bytes (GiB, as OMB counts), for e2e's consumers; nil when none.
        public var consumerBacklogBytes: Int?
        /// A zoobench workload file's `consume` section: the consumers of an
        /// e2e run, with the consume flags' names; nil when the file has none.
        public var consume: ConsumeWorkload?

        public init(workload: ProduceWorkload, notes: [String] = []) {
            self.workload = workload
            usage = notes
        }

        /// The notes for a produce run: the usage, then the fields it does not use.
        public var notes: [String] { notes(for: "produce") }

        /// The notes for a `command` that also uses the OMB fields in `uses`.
        public func notes(for command: String, uses: Set<String> = []) -> [String] {
            let unused = unusedFields.filter { !uses.contains($0) }
            return usage + (unused.isEmpty ? [] : ["not used by \(command): " + unused.joined(separator: ", ")])
        }
    }

    /// OMB fields zoobench maps onto a produce workload.
    public static let ombUsedFields = [
        "name", "topics", "partitionsPerTopic", "messageSize", "payloadFile", "producersPerTopic", "producerRate",
        "keyDistributor", "testDurationMinutes", "warmupDurationMinutes",
    ]
    /// OMB fields about consumers and backlogs: accepted, not used by `produce`
    /// (e2e uses the first three).
    public static let ombIgnoredFields = [
        "subscriptionsPerTopic", "consumerPerSubscription", "consumerBacklogSizeGB", "useRandomizedPayloads",
        "randomBytesRatio", "randomizedPayloadPoolSize", "backlogDrainRatio",
    ]

    /// Loads `path`; every problem is a ``WorkloadError`` naming the file and field.
    public static func load(_ path: String) throws(WorkloadError) -> Loaded {
        try parse(try read(path), source: path)
    }

    /// Reads a consume workload (YAML or JSON with the `consume` flags' names).
    public static func loadConsume(_ path: String) throws(WorkloadError) -> ConsumeWorkload {
        try decode(ConsumeWorkload.self, from: try read(path), source: path)
    }

    /// The most bytes a workload or thresholds file may have.
    public static let largestFile = 1 << 20

    /// The file's text; a missing, empty, binary or oversized file, or one
    /// with YAML aliases, is an error naming it as `what` (`workload file`).
    /// A workload file may be `builtin:NAME` (``BuiltinWorkload``).
    public static func read(_ path: String, what: String = "workload file") throws(WorkloadError) -> String {
        if what == "workload file", let builtin = try BuiltinWorkload.named(path) { return builtin.text }
        switch FileProblem.contents(of: path, limit: largestFile) {
        case .failure(let reason):
            throw .invalid("\(what) '\(path)': cannot read it (\(reason))")
        case .success(let data):
            guard let text = String(data: data, encoding: .utf8), !text.contains("\u{0}") else {
                throw .invalid("\(what) '\(path)': cannot read it (not UTF-8 text)")
            }
            if let alias = firstAlias(in: text) {
                throw .invalid("\(what) '\(path)': YAML aliases (*\(alias)) are not supported; write the values out")
            }
            if let problem = shapeProblem(in: text) { throw .invalid("\(what) '\(path)': \(problem)") }
            return text
        }
    }

    /// The name of the first YAML alias (`*name`) whose anchor (`&name`) the
    /// text declares, if any. Aliases can make a few lines expand to
    /// gigabytes (the "billion laughs"), and a workload has no need of them.
    static func firstAlias(in text: String) -> String? {
        func names(after marker: Character) -> [String] {
            var found: [String] = []
            var rest = Substring(text)
            while let index = rest.firstIndex(of: marker) {
                rest = rest[rest.index(after: index)...]
                let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                if !name.isEmpty { found.append(String(name)) }
            }
            return found
        }
        let anchors = Set(names(after: "&"))
        guard !anchors.isEmpty else { return nil }
        return names(after: "*").first { anchors.contains($0) }
    }

    /// How deep a workload's values may nest (a workload needs 3 levels).
    static let deepestNesting = 32

    /// What makes `text` a YAML shape no workload has, if anything: a
    /// mapping key that is not a plain value (`? [a, b]`: the YAML library
    /// traps on it), or nesting deeper than ``deepestNesting``. Text that is
    /// not YAML at all is left for the parse to name.
    static func shapeProblem(in text: String) -> String? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        var pending: [(Node, Int)] = [(node, 1)]
        while let (node, depth) = pending.popLast() {
            guard depth <= deepestNesting else { return "values nested more than \(deepestNesting) deep" }
            switch node {
            case .scalar: continue
            case .sequence(let sequence): pending += sequence.map { ($0, depth + 1) }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    guard case .scalar = key else {
                        return "a mapping key that is a list or a mapping (line \(key.mark?.line ?? 0)); keys are field names"
                    }
                    pending.append((value, depth + 1))
                }
            default: continue
            }
        }
        return nil
    }

    /// Decodes a workload type from YAML text; the error names the file and field.
    static func decode<T: Decodable>(_ type: T.Type, from text: String, source: String) throws(WorkloadError) -> T {
        do {
            return try YAMLDecoder().decode(type, from: text)
        } catch let error as WorkloadError {
            throw .invalid("workload file '\(source)': \(error.description)")
        } catch let DecodingError.dataCorrupted(context) where context.underlyingError is WorkloadError {
            throw .invalid("workload file '\(source)': \((context.underlyingError as! WorkloadError).description)")
        } catch {
            throw .invalid("workload file '\(source)': \(firstLine(of: error))")
        }
    }

    /// Parses workload text (YAML, which includes JSON).
    public static func parse(_ text: String, source: String) throws(WorkloadError) -> Loaded {
        if let problem = shapeProblem(in: text) { throw .invalid("workload file '\(source)': \(problem)") }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw .invalid("workload file '\(source)': not valid YAML or JSON (\(firstLine(of: error)))")
        }
        guard var fields = root as? [String: Any] else {
            throw .invalid("workload file '\(source)': expected a mapping of fields at the top level")
        }
        // An OMB file has a field of OMB's own; `topics` alone is also
        // zoobench's (--topics), so it marks OMB only among no zoobench fields.
        let ombOnly = Set(ombUsedFields + ombIgnoredFields).subtracting(["name", "topics"])
        let zoobenchNames = Set(ProduceWorkload.fields.map(\.name) + ["consume"])
        if !ombOnly.isDisjoint(with: fields.keys)
            || (fields["topics"] != nil && zoobenchNames.subtracting(["topics", "name"]).isDisjoint(with: fields.keys)) {
            return try openMessaging(fields, source: source)
        }
        guard let section = fields.removeValue(forKey: "consume") else {
            return Loaded(workload: try decode(ProduceWorkload.self, from: text, source: source), notes: [])
        }
        guard section is [String: Any] else {
            throw .invalid("workload file '\(source)': 'consume' must map consume field names to values")
        }
        var loaded = Loaded(workload: try decode(ProduceWorkload.self, from: try dump(fields, source: source), source: source))
        loaded.consume = try decode(ConsumeWorkload.self, from: try dump(section, source: source), source: source + " (consume)")
        loaded.unusedFields = ["consume"]
        return loaded
    }

    /// `value` written back as YAML, to decode a part of a file on its own.
    static func dump(_ value: Any, source: String) throws(WorkloadError) -> String {
        do {
            return try Yams.dump(object: value)
        } catch {
            throw .invalid("workload file '\(source)': \(firstLine(of: error))")
        }
    }

    /// Renders `workload` as a zoobench YAML workload file.
    public static func yaml(_ workload: ProduceWorkload) throws -> String {
        try YAMLEncoder().encode(workload)
    }

    private static func openMessaging(_ fields: [String: Any], source: String) throws(WorkloadError) -> Loaded {
        func fail(_ field: String, _ message: String) -> WorkloadError {
            .invalid("OMB workload file '\(source)': field '\(field)' \(message)")
        }
        let known = Set(ombUsedFields + ombIgnoredFields)
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(unknown, "is not an OpenMessaging Benchmark workload field zoobench knows")
        }
        func number(_ field: String) throws(WorkloadError) -> Double? {
            guard let value = fields[field] else { return nil }
            if let int = value as? Int { return Double(int) }
            if let double = value as? Double, double.isFinite { return double }
            throw fail(field, "must be a number")
        }
        /// A field that must be a whole number in `range`.
        func whole(_ field: String, _ range: ClosedRange<Double>) throws(WorkloadError) -> Int? {
            guard let value = try number(field) else { return nil }
            guard range.contains(value), value == value.rounded() else {
                throw fail(field, "must be a whole number from \(trim(range.lowerBound)) to \(trim(range.upperBound)), not \(trim(value))")
            }
            return Int(value)
        }
        /// A field of minutes, at most 30 days.
        func minutes(_ field: String) throws(WorkloadError) -> Duration? {
            guard let value = try number(field) else { return nil }
            guard (0...43_200).contains(value) else { throw fail(field, "must be 0 to 43200 minutes (30 days), not \(trim(value))") }
            return .seconds(value * 60)
        }
        var workload = ProduceWorkload()
        var notes: [String] = []
        if let name = fields["name"] as? String {
            workload.name = name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
                .reduce(into: "") { $0.append($1) }
        }
        if let topics = try whole("topics", 1...256) { workload.topics = topics }
        if let partitions = try whole("partitionsPerTopic", 1...Double(ProduceWorkload.mostPartitions)) { workload.partitions = Int32(partitions) }
        if let size = try whole("messageSize", 0...104_857_600) { workload.recordSize = .fixed(size) }
        if let path = fields["payloadFile"] {
            guard let path = path as? String else { throw fail("payloadFile", "must be a path") }
            // OMB payload files hold one payload of messageSize bytes.
            workload.payload = .file(path)
            workload.payloadDelimiter = "\u{0}NO-DELIMITER\u{0}"
        }
        if let producers = try whole("producersPerTopic", 1...256) {
            guard producers * workload.topics <= 256 else {
                throw fail("producersPerTopic", "is \(producers) for each of \(workload.topics) topics: \(producers * workload.topics) producers; at most 256")
            }
            // OMB's producers are per topic, zoobench's in all.
            workload.producers = producers * workload.topics
        } else {
            workload.producers = workload.topics
        }
        if workload.topics > 1 {
            notes.append("OMB topics \(workload.topics) → topics \(workload.topicNames.first!), \(workload.topicNames.first!)-2 … (--topics), "
                + "\(workload.producers / workload.topics) producer(s) each; producerRate is the total")
        }
        // OMB's producerRate 0 is its "as fast as possible"; a negative rate is an error there and here.
        if let rate = try number("producerRate") {
            guard rate >= 0 else { throw fail("producerRate", "must be 0 (unlimited) or a rate in messages/s, not \(trim(rate))") }
            if rate > 0 {
                workload.throughput = rate
            } else {
                notes.append("OMB producerRate 0 → as fast as it goes (no --throughput)")
            }
        }
        if let distributor = fields["keyDistributor"] {
            switch distributor as? String {
            case "NO_KEY": workload.keys = .none
            case "KEY_ROUND_ROBIN": workload.keys = .sequential
            case "RANDOM_NANO": workload.keys = .uniform(1_000_000)
            default: throw fail("keyDistributor", "must be NO_KEY, KEY_ROUND_ROBIN or RANDOM_NANO")
            }
        }
        if let duration = try minutes("testDurationMinutes") {
            guard duration >= ProduceWorkload.shortestDuration else {
                throw fail("testDurationMinutes", "must be at least \(DurationText.format(ProduceWorkload.shortestDuration)) of minutes, "
                    + "not \(DurationText.format(duration))")
            }
            workload.duration = duration
        }
        if let warmup = try minutes("warmupDurationMinutes"), warmup > .zero { workload.warmup = warmup }
        let used = fields.keys.filter { ombUsedFields.contains($0) }.sorted()
        let ignored = fields.keys.filter { ombIgnoredFields.contains($0) }.sorted()
        notes.insert("OpenMessaging Benchmark workload: used \(used.joined(separator: ", "))", at: 0)
        var loaded = Loaded(workload: workload, notes: notes)
        loaded.unusedFields = ignored
        loaded.consumerGroups = try whole("subscriptionsPerTopic", 0...64)
        loaded.consumersPerGroup = try whole("consumerPerSubscription", 0...256)
        if let gigabytes = try number("consumerBacklogSizeGB") {
            guard (0...1024).contains(gigabytes) else { throw fail("consumerBacklogSizeGB", "must be 0 to 1024, not \(trim(gigabytes))") }
            if gigabytes > 0 { loaded.consumerBacklogBytes = Int(gigabytes * Double(1 << 30)) }
        }
        return loaded
    }

    private static func firstLine(of error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
