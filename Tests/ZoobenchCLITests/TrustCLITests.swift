import Foundation
import Testing

/// Runs long enough to trust, and repeats with their intervals, as the binary gives them.
@Suite("zoobench: honest defaults, warnings and repeats", .serialized)
struct TrustCLITests {
    /// No count and no duration: 10 s measured after a 2 s warm-up, both in
    /// the result; a steady timeline of at least 10 measured intervals, no warning.
    @Test func theDefaultRunMeasuresTenSecondsAfterAWarmUp() throws {
        let result = try ZoobenchProcess.run(["produce", "--acks=-1", "--json", "--no-save"], timeout: 90)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let workload = try #require(object["workload"] as? [String: Any])
        #expect(workload["duration"] as? String == "10s")
        #expect(workload["warmup"] as? String == "2s")
        #expect(workload["num-records"] == nil)
        let summary = try #require(object["summary"] as? [String: Any])
        let elapsed = try #require(summary["elapsedSeconds"] as? Double)
        #expect(elapsed >= 10 && elapsed < 11, "measured \(elapsed) s")
        let warmup = try #require(object["warmup"] as? [String: Any])
        #expect(abs((warmup["seconds"] as? Double ?? 0) - 2) < 0.1)
        let timeline = try #require(object["timeline"] as? [[String: Any]])
        #expect(timeline.filter { $0["warmup"] as? Bool == false && ($0["seconds"] as? Double ?? 0) >= 0.5 }.count >= 10)
        // A steady run has no warnings (the machine may be loaded: the only
        // acceptable one is unsteadiness, which the loaded run really has).
        let warnings = object["warnings"] as? [String] ?? []
        #expect(warnings.allSatisfy { $0.hasPrefix("unsteady") || $0.hasPrefix("a trend") }, "\(warnings)")
        #expect(!result.stderr.contains("fewer than 10"))
    }

    /// A short run warns in one line on the console and in the JSON; two
    /// repeats print every headline figure with its 95% CI and keep both runs.
    @Test func aShortRepeatedRunWarnsAndGivesIntervals() throws {
        let text = try ZoobenchProcess.run(["produce", "--num-records", "20000", "--repeat", "2", "--no-save"], timeout: 90)
        #expect(text.status == 0, "stderr: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("repeat    run 1 of 2") && lines.contains("repeat    run 2 of 2"))
        #expect(lines.filter { $0.hasPrefix("warning:  ") }.count == 1)
        let warning = try #require(lines.first { $0.hasPrefix("warning:  ") })
        #expect(warning.contains("(fewer than 10)") && warning.contains("(less than 5 s)") && warning.contains("2 of 2 runs warned"))
        #expect(lines.contains { $0.contains("records/s ") && $0.contains("(95% CI ") })
        #expect(lines.contains { $0.contains("send→ack p50 ") && $0.contains("p99 ") && $0.contains("p99.9 ") && $0.contains("95% CI") })

        let json = try ZoobenchProcess.run(["produce", "--num-records", "20000", "--repeat", "3", "--json", "--no-save"], timeout: 90)
        #expect(json.status == 0)
        #expect(json.stderr.contains("warning:  "), "with --json the warning goes to standard error")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { (($0["summary"] as? [String: Any])?["delivered"] as? Int) == 20000 })
        let repeats = try #require(object["repeats"] as? [String: Any])
        #expect(repeats["runs"] as? Int == 3)
        let rate = try #require(repeats["recordsPerSecond"] as? [String: Double])
        let rates = runs.compactMap { ($0["summary"] as? [String: Any])?["recordsPerSecond"] as? Double }.sorted()
        #expect(rate["median"] == rates[1], "the median of \(rates)")
        #expect(try #require(rate["low"]) <= rates[1] && rates[1] <= (try #require(rate["high"])))
        #expect((object["summary"] as? [String: Any])?["recordsPerSecond"] as? Double == rates[1], "the result is the median run")
        #expect((object["warnings"] as? [String])?.isEmpty == false)
    }

    @Test func repeatIsBounded() throws {
        let result = try ZoobenchProcess.run(["produce", "--repeat", "0", "--no-save"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--repeat must be 1 to 100, not 0"))
    }
}

/// Help examples copy-paste: at 80 columns no example is wrapped by the
/// terminal, and a long one is split with a shell continuation instead.
@Suite("zoobench: help examples")
struct HelpExampleTests {
    @Test(arguments: ["produce", "consume", "e2e", "sweep", "plan", "compare", "codecs", "report", "cluster", "pipe",
                      "worker", "swarm"])
    func examplesFitAndContinue(command: String) throws {
        let help = try ZoobenchProcess.run([command, "--help"], environment: ["COLUMNS": "80"]).stdout
        guard let start = help.range(of: "Examples:\n") else { return }
        let block = help[start.upperBound...].prefix { _ in true }.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
        #expect(!block.isEmpty)
        var continued = false
        for line in block {
            #expect(line.count <= 80, "\(command): example line of \(line.count) columns: \(line)")
            // A command starts at 2 columns; only a continuation (after " \") is indented further.
            #expect(continued ? line.hasPrefix("    ") : line.hasPrefix("  ") && !line.hasPrefix("   "),
                    "\(command): '\(line)' is not an example or its continuation")
            continued = line.hasSuffix(" \\")
        }
        #expect(!continued, "\(command): the last example ends with a continuation")
    }
}
