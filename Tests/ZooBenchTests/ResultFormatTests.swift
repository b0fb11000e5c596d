import Foundation
import Testing
@testable import ZooBench

/// Result files written before the engine owned the results (the committed
/// CI baseline, a sweep; a fixture run) read back and write out the same
/// JSON, field for field: the format did not change with the move.
@Suite("Result files of the previous version")
struct ResultFormatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    /// `value` with only what `shape` has: the keys a newer version added
    /// (gate.json predates the wire statistics' retry counts) left out.
    static func projected(_ value: Any, like shape: Any) -> Any {
        if let dictionary = value as? NSDictionary, let keys = shape as? NSDictionary {
            let result = NSMutableDictionary()
            for case let key as String in keys.allKeys {
                if let inner = dictionary[key], let like = keys[key] { result[key] = projected(inner, like: like) }
            }
            return result
        }
        if let list = value as? NSArray, let like = shape as? NSArray, list.count == like.count {
            return NSArray(array: zip(list, like).map { projected($0, like: $1) })
        }
        return value
    }

    /// `value` with every `compressionRatio: x` made `wireRatio: 1/x`, and
    /// every `wireRatio` rounded to 12 significant digits.
    static func renamingRatio(_ value: Any) -> Any {
        if let dictionary = value as? NSDictionary {
            let result = NSMutableDictionary()
            for case let (key as String, inner) in dictionary {
                if key == "compressionRatio", let x = inner as? Double, x > 0 {
                    result["wireRatio"] = Double(String(format: "%.12g", 1 / x))
                } else if key == "wireRatio", let x = inner as? Double {
                    result["wireRatio"] = Double(String(format: "%.12g", x))
                } else {
                    result[key] = renamingRatio(inner)
                }
            }
            return result
        }
        if let list = value as? NSArray { return NSArray(array: list.map(renamingRatio)) }
        return value
    }

    /// Every key and value of the file reads back the same; a key the file
    /// lacks may be added only where a newer version added it (the rewrite
    /// of `baseline.json`, written by the version before this one, adds none).
    @Test(arguments: [("results/baseline/gate.json", false), ("Tests/Fixtures/bad-input/results/baseline.json", true)])
    func readAndWriteBackTheSame(_ path: String, exactly: Bool) throws {
        let file = Self.root.appendingPathComponent(path).path
        let read = try Self.object(try Data(contentsOf: URL(fileURLWithPath: file)))
        let again: Data
        switch try ResultDocument.load(file) {
        case .run(let run): again = try ResultJSON.encode(run)
        case .sweep(let sweep): again = try ResultJSON.encode(sweep)
        case .plan(let plan): again = try ResultJSON.encode(plan)
        }
        // The one key renamed since (issue 19): a sweep cell's `compressionRatio`
        // (value ÷ wire) is now `wireRatio`, its inverse, as every ratio in zoobench;
        // inverted twice it is compared to 12 significant digits.
        let rewritten = try #require(Self.renamingRatio(try Self.object(again)) as? NSDictionary)
        let original = try #require(Self.renamingRatio(read) as? NSDictionary)
        let kept = Self.projected(rewritten, like: original) as? NSDictionary
        for key in original.allKeys.compactMap({ $0 as? String }).sorted() {
            #expect(kept?[key] as? NSObject == original[key] as? NSObject, "'\(key)' of \(path) reads back differently")
        }
        if exactly { #expect(rewritten == read, "\(path) reads back with keys added") }
    }
}
