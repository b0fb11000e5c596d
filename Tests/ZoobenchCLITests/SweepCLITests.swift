import Foundation
import Testing

@Suite("zoobench sweep and compare", .serialized)
struct SweepCLITests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// 2 × 2 × 2 cells on the embedded cluster: every cell present with its
    /// axes, one CSV row per cell, the JSON decodes (compare reads it).
    @Test func eightCells() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try ZoobenchProcess.run([
            "sweep", "--acks", "1,-1", "--compression", "none,lz4", "--axis", "linger.ms=1,5", "--num-records", "3000",
            "--warmup-per-cell", "100ms", "--name", "grid", "--sort", "cell", "--repeat", "1", "--output", out.path,
        ], timeout: 180)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("sweep     8 cells × 1 run(s): acks 1,-1 × compression none,lz4 × linger.ms 1,5"))
        #expect(lines.filter { $0.hasPrefix("cell ") && $0.contains("/8: ") }.count == 8)
        #expect(lines.contains("cell 8/8: acks=-1 compression=lz4 linger.ms=5") || lines.contains { $0.hasPrefix("cell 8/8: acks=-1 compression=lz4 linger.ms=5 (ETA") })
        #expect(lines.contains { $0.hasPrefix("best throughput: cell ") })
        #expect(lines.contains { $0.hasPrefix("pareto front (no other cell is as good on both and better beyond the noise on one): cells ") })
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        let json = try #require(files.first { $0.hasSuffix("-grid.json") })
        let csv = try #require(files.first { $0.hasSuffix("-grid.csv") })
        let rows = try String(contentsOf: out.appendingPathComponent(csv), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 9)
        #expect(rows[0].hasPrefix("acks,compression,linger.ms,cell,runs,records_per_s,mb_per_s,p50_ms,p95_ms,p99_ms"))
        #expect(rows[1].hasPrefix("1,none,1,1,1,"))
        #expect(rows[8].hasPrefix("-1,lz4,5,8,1,"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(json))) as? [String: Any])
        #expect(object["partial"] as? Bool == false)
        let cells = try #require(object["cells"] as? [[String: Any]])
        #expect(cells.count == 8)
        for cell in cells {
            let runs = try #require(cell["runs"] as? [[String: Any]])
            let summary = try #require(runs.first?["summary"] as? [String: Any])
            #expect(summary["delivered"] as? Int == 3000)
            #expect(summary["brokerOffsetGrowth"] as? Int == 3000 + ((runs.first?["warmup"] as? [String: Any])?["delivered"] as? Int ?? 0))
        }
        let same = try ZoobenchProcess.run(["compare", out.appendingPathComponent(json).path, out.appendingPathComponent(json).path])
        #expect(same.status == 0, "stderr: \(same.stderr)")
        #expect(same.stdout.contains("verdict   no regression in "))
    }

    /// The gate catches a real slowdown: the same cells with 20 ms added to
    /// every broker's responses regress (exit 4); against itself, exit 0.
    @Test func gateCatchesAddedRoundTripTime() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let common = ["sweep", "--acks", "1,-1", "--throughput", "2000", "--duration-per-cell", "2s",
                      "--warmup-per-cell", "500ms", "--quiet"]
        let base = try ZoobenchProcess.run(common + ["--name", "base", "--output", out.path], timeout: 120)
        #expect(base.status == 0, "stderr: \(base.stderr)")
        let slow = try ZoobenchProcess.run(common + ["--name", "slow", "--fault", "at=0s rtt broker=all 20ms",
                                                     "--output", out.path], timeout: 120)
        #expect(slow.status == 0, "stderr: \(slow.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        let baseJSON = out.appendingPathComponent(try #require(files.first { $0.hasSuffix("-base.json") })).path
        let slowJSON = out.appendingPathComponent(try #require(files.first { $0.hasSuffix("-slow.json") })).path

        let regressed = try ZoobenchProcess.run(["compare", baseJSON, slowJSON])
        #expect(regressed.status == 4, "stdout: \(regressed.stdout) stderr: \(regressed.stderr)")
        #expect(regressed.stdout.contains("p50 ms") && regressed.stdout.contains("REGRESSION"))
        #expect(regressed.stdout.contains("regression(s) in 8 metrics"))

        let itself = try ZoobenchProcess.run(["compare", slowJSON, slowJSON])
        #expect(itself.status == 0)
        let back = try ZoobenchProcess.run(["compare", slowJSON, baseJSON, "--format", "json"])
        #expect(back.status == 0, "faster is an improvement, not a failure")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as? [String: Any])
        let metrics = try #require(object["metrics"] as? [[String: Any]])
        #expect(metrics.contains { $0["metric"] as? String == "p50 ms" && $0["verdict"] as? String == "improvement" })

        let markdown = try ZoobenchProcess.run(["compare", baseJSON, slowJSON, "--format", "markdown"])
        #expect(markdown.status == 4)
        #expect(markdown.stdout.contains("| cell | metric | baseline | current | change | verdict |"))
        #expect(markdown.stdout.contains("**regression**"))
    }

}
