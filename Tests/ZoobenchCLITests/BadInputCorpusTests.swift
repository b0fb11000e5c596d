import Foundation
import Synchronization
import Testing

/// Runs every case of `Tests/Fixtures/bad-input/cases.txt` through the built
/// binary: each must end with its exit code within 15 s, with exactly one
/// `zoobench: error: …` line on stderr holding the expected text, and no
/// crash report.
@Suite("Bad-input corpus")
struct BadInputCorpusTests {
    struct Case: Sendable {
        var line: Int
        var status: Int32
        var mustHold: String
        var arguments: String
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bad-input")

    static func load() throws -> [Case] {
        let text = try String(contentsOf: fixtures.appendingPathComponent("cases.txt"), encoding: .utf8)
        var cases: [Case] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.components(separatedBy: " | ")
            guard fields.count >= 3, let status = Int32(fields[0]) else {
                Issue.record("cases.txt line \(index + 1) is not 'EXIT | TEXT | ARGUMENTS': \(trimmed)")
                continue
            }
            cases.append(Case(line: index + 1, status: status, mustHold: fields[1],
                              arguments: fields[2...].joined(separator: " | ")))
        }
        return cases
    }

    /// Splits like a shell: whitespace separates words, single and double
    /// quotes group (no escapes inside single quotes).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test func shellWordsSplitLikeAShell() {
        #expect(Self.words("produce --acks ''") == ["produce", "--acks", ""])
        #expect(Self.words("produce --fault 'at=1s broker=1 down' -X a=b") == ["produce", "--fault", "at=1s broker=1 down", "-X", "a=b"])
        #expect(Self.words("  a\t\"b c\"d  ") == ["a", "b cd"])
        #expect(Self.command("cluster --control < /dev/zero") == (["cluster", "--control"], "/dev/zero"))
        #expect(Self.command("produce --acks 1").stdin == "/dev/null")
    }

    /// The most memory any case may take (peak resident set): a bad input
    /// is refused from what it is, not after reading gigabytes of it.
    static let peakBound = 1 << 30

    /// `ARGUMENTS` split into words, with stdin taken from a trailing `< PATH`.
    static func command(_ text: String) -> (words: [String], stdin: String) {
        var words = Self.words(text)
        if words.count >= 2, words[words.count - 2] == "<" {
            let path = words.removeLast()
            words.removeLast()
            return (words, path)
        }
        return (words, "/dev/null")
    }

    @Test func everyCaseGetsOneClearLineAndItsExitCode() throws {
        let cases = try Self.load()
        #expect(cases.count >= 200, "the corpus has \(cases.count) cases")
        let work = try scratchFolder("bad")
        defer { try? FileManager.default.removeItem(at: work) }
        // One 2 MB line: over librdkafka's default message.max.bytes and the 1 MiB a workload file may have.
        try Data(repeating: UInt8(ascii: "x"), count: 2_000_000).write(to: work.appendingPathComponent("gigantic.txt"))
        // A FIFO nobody writes to, a regular file where a folder is wanted, and a stale temporary file.
        let fifo = work.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try Data("x".utf8).write(to: work.appendingPathComponent("a-file"))
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("zero.jsonl").path, withDestinationPath: "/dev/zero")
        let cluster = try ClusterProcess.start(topics: ["exists:2"])
        defer { cluster.stop() }
        let brokers = cluster.bootstrap

        let results = Mutex<[(Case, MeasuredProcess)]>([])
        let next = Atomic<Int>(0)
        // Four at a time: most cases end in a tenth of a second, the unreachable-broker ones in about one.
        let workers = (0..<4).map { _ in
            Thread {
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < cases.count else { return }
                    let item = cases[index]
                    let text = item.arguments.replacingOccurrences(of: "$FIX", with: Self.fixtures.path)
                        .replacingOccurrences(of: "$WORK", with: work.path)
                        .replacingOccurrences(of: "$FIFO", with: fifo)
                        .replacingOccurrences(of: "$BROKERS", with: brokers)
                    let (words, stdin) = Self.command(text)
                    let run = (try? MeasuredProcess.run(words, stdin: stdin, timeout: 20, workingDirectory: work))
                        ?? MeasuredProcess(result: ZoobenchProcess(status: -1, stdout: "", stderr: "could not start"),
                                           peakBytes: 0, seconds: 0, killed: false)
                    results.withLock { $0.append((item, run)) }
                }
            }
        }
        workers.forEach { $0.start() }
        while results.withLock({ $0.count }) < cases.count { Thread.sleep(forTimeInterval: 0.05) }

        let all = results.withLock { $0 }.sorted { $0.0.line < $1.0.line }
        if let heaviest = all.max(by: { $0.1.peakBytes < $1.1.peakBytes }), let slowest = all.max(by: { $0.1.seconds < $1.1.seconds }) {
            print("bad-input corpus: \(all.count) cases; peak memory at most \(heaviest.1.peakBytes >> 20) MiB "
                + "(cases.txt:\(heaviest.0.line)), longest \(String(format: "%.2f", slowest.1.seconds)) s (cases.txt:\(slowest.0.line))")
        }
        for (item, run) in all {
            let (result, seconds) = (run.result, run.seconds)
            let context = "cases.txt:\(item.line) zoobench \(item.arguments)\nstderr: \(result.stderr)"
            #expect(!run.killed, "killed after 20 s; \(context)")
            #expect(run.peakBytes < Self.peakBound, "peak memory \(run.peakBytes >> 20) MiB; \(context)")
            #expect(result.status == item.status, "\(context)")
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.isEmpty }
            #expect(lines.count == 1, "\(context)")
            #expect(result.stderr.hasPrefix("zoobench: error: "), "\(context)")
            #expect(result.stderr.contains(item.mustHold), "should hold '\(item.mustHold)'; \(context)")
            for crash in ["Fatal error", "Program crashed", "Backtracing", "Assertion", "Segmentation"] {
                #expect(!result.stderr.contains(crash), "\(context)")
            }
            #expect(seconds < 15, "took \(seconds) s; \(context)")
        }
    }
}
