import Foundation
import Testing
@testable import ZooBench
@testable import ZooReport

/// Results files for `compare`, mutated: each is read or refused with a
/// CompareError naming the file, never a crash.
@Suite("Result file fuzzing")
struct ResultFuzzTests {
    @Test func mutatedResultsAreReadOrRefused() throws {
        let baseline = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/bad-input/results/baseline.json")
        let text = Array(try String(contentsOf: baseline, encoding: .utf8))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoobench-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mutated.json")
        var generator = SplitMix64(seed: 9)
        let pieces = Array("0123456789-.,:{}[]\"e ") + ["null", "true", "1e400", "-1", "\"x\"", "99999999999999999999"].flatMap { Array($0) }
        let count = 5_000
        var read = 0
        let started = Date()
        for _ in 0..<count {
            var mutated = text
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<mutated.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: mutated[position] = pieces.randomElement(using: &generator)!
                case 1: mutated.insert(pieces.randomElement(using: &generator)!, at: position)
                default: mutated.removeSubrange(position..<min(mutated.count, position + Int.random(in: 1...20, using: &generator)))
                }
            }
            try Data(String(mutated).utf8).write(to: file)
            do {
                _ = try ComparedResult.load(file.path)
                read += 1
            } catch {
                #expect(error.description.contains(file.path), "\(error.description)")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("fuzz results JSON: \(count) inputs in \(String(format: "%.2f", seconds)) s, \(Int(Double(count) / seconds)) inputs/s, \(read) still read")
        #expect(read > 0 && read < count)
    }
}
