import Foundation
import Testing

@Suite("zoobench codecs")
struct CodecsCLITests {
    /// A JSONL file: one row per codec asked, the ratio equals compressed ÷
    /// input, every batch verified, and the CSV has the same rows.
    @Test func jsonLinesFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-codecs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("events.jsonl")
        let lines = (0..<5000).map { #"{"id":\#($0),"user":"u\#($0 % 97)","action":"click","amount":\#($0 % 1000)}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let bytes = lines.reduce(0) { $0 + $1.utf8.count }
        let result = try ZoobenchProcess.run([
            "codecs", "--payload", "file:\(file.path)", "--codec", "zstd:1,lz4", "--codec", "gzip:6", "--batch-size", "16k",
            "--min-time", "60ms", "--output", folder.path, "--name", "events",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("sample    \(bytes) bytes in 5000 records (file:\(file.path)"))
        let json = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix("-events.json") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(json))) as? [String: Any])
        #expect(object["kind"] as? String == "codecs")
        #expect(object["records"] as? Int == 5000)
        #expect(object["bytes"] as? Int == bytes)
        let batches = try #require(object["batches"] as? Int)
        #expect(batches == (bytes + 16383) / 16384 || batches == (bytes + 16383) / 16384 + 1)
        let codecs = try #require(object["codecs"] as? [[String: Any]])
        #expect(codecs.map { $0["codec"] as? String } == ["zstd:1", "lz4", "gzip:6"])
        for codec in codecs {
            let input = try #require(codec["inputBytes"] as? Int)
            let compressed = try #require(codec["compressedBytes"] as? Int)
            #expect(input == bytes)
            // (JSONSerialization may read the last digit differently from how it was written.)
            let ratio = try #require(codec["ratio"] as? Double)
            #expect(abs(ratio - Double(compressed) / Double(input)) < 1e-12)
            #expect(compressed < input / 3, "JSON events should compress: \(codec)")
            #expect(codec["batchesVerified"] as? Int == batches)
        }
        let csv = try String(contentsOf: folder.appendingPathComponent(json.replacingOccurrences(of: ".json", with: ".csv")), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 4)
        #expect(rows[1].hasPrefix("zstd:1,zstd,"))
        #expect(rows[2].hasPrefix("lz4,lz4,"))
    }
}
