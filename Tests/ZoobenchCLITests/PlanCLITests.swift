import Foundation
import Testing

@Suite("zoobench plan", .serialized)
struct PlanCLITests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func plan(in folder: URL, named name: String) throws -> [String: Any] {
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-\(name).json") })
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(file))) as? [String: Any])
    }

    static func csvRows(in folder: URL, named name: String) throws -> [Substring] {
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-\(name).csv") })
        return try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
    }

    /// 20 ms added to every broker's responses: send → ack cannot be under
    /// 10 ms at any rate. The plan says so, exits 0 and keeps the curve.
    static let common = ["plan", "--fault", "at=0s rtt broker=all 20ms", "--min-rate", "1000", "--max-rate", "4000",
                         "--steps", "3", "--step-duration", "1s", "--step-warmup", "300ms", "--record-size", "200"]

    @Test func noRateMeetsATightSLO() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try ZoobenchProcess.run(Self.common + ["--slo", "p99<=10ms", "--name", "tight", "--output", out.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("answer    no rate from 1000 records/s up meets p99 <= 10 ms and error-rate <= 0%"))
        #expect(result.stdout.contains("summary   No rate meets p99 <= 10 ms and error-rate <= 0% (send → ack)"))
        let plan = try Self.plan(in: out, named: "tight")
        #expect(plan["kind"] as? String == "plan")
        #expect(plan["partial"] as? Bool == false)
        #expect(plan["answerRecordsPerSecond"] == nil)
        let steps = try #require(plan["steps"] as? [[String: Any]])
        #expect(steps.count == 1)
        let step = try #require(steps.first)
        #expect(step["passed"] as? Bool == false)
        #expect(step["askedRate"] as? Double == 1000)
        let latency = try #require(step["latency"] as? [String: Any])
        #expect(try #require(latency["p99"] as? Double) >= 20, "20 ms of round trip must show: \(latency)")
        // Both runs of the step failed on p99 (a step passes by the majority of its runs).
        #expect((step["reasons"] as? [String])?.first?.hasPrefix("2 of 2 runs failed: p99 ") == true, "\(step["reasons"] ?? "")")
        #expect((step["repeats"] as? [[String: Any]])?.count == 2)
        let run = try #require(step["run"] as? [String: Any])
        let faults = try #require(run["faults"] as? [[String: Any]])
        #expect(faults.contains { ($0["action"] as? String)?.contains("20") == true })
        let rows = try Self.csvRows(in: out, named: "tight")
        #expect(rows.count == 2)
        #expect(rows[1].hasPrefix("1,ramp,1000.0,"))
        #expect(rows[1].contains(",false,"))
    }

    /// With room in the SLO every ramp step passes: each is in the curve with
    /// its own run, the answer is the top of the range (and says so), and the
    /// model's producer and partition counts follow from it.
    @Test func looseSLOFindsARate() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try ZoobenchProcess.run(Self.common + ["--slo", "p99<=200ms", "--target-rate", "10000", "--name", "loose",
                                                            "--output", out.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let plan = try Self.plan(in: out, named: "loose")
        #expect(plan["answerRecordsPerSecond"] as? Double == 4000)
        let steps = try #require(plan["steps"] as? [[String: Any]])
        #expect(steps.map { $0["askedRate"] as? Double } == [1000, 2500, 4000])
        for step in steps {
            #expect(step["passed"] as? Bool == true, "\(step["reasons"] ?? "")")
            #expect(step["phase"] as? String == "ramp")
            let run = try #require(step["run"] as? [String: Any])
            let summary = try #require(run["summary"] as? [String: Any])
            let asked = try #require(step["askedRate"] as? Double)
            let delivered = try #require(summary["delivered"] as? Int)
            // One second at the rate asked, give or take what a loaded machine leaves at the window's edge.
            #expect(Double(delivered) > asked * 0.9 && Double(delivered) <= asked * 1.02, "\(delivered) at \(asked)/s")
            #expect(summary["brokerOffsetGrowth"] as? Int == delivered + ((run["warmup"] as? [String: Any])?["delivered"] as? Int ?? -1))
        }
        let model = try #require(plan["model"] as? [String: Any])
        #expect(model["producersNeeded"] as? Int == 3)  // 10,000 / 4,000 per producer
        #expect(model["partitionsNeeded"] as? Int == 15)  // 10,000 / (4,000 / 6 partitions)
        #expect(result.stdout.contains("answer    4000 records/s"))
        #expect(result.stdout.contains("Every step passed, up to the top of the range"))
        #expect(try Self.csvRows(in: out, named: "loose").count == 4)
    }
}
