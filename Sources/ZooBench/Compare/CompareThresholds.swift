import Foundation
import Yams

/// How much worse a current result may be than its baseline.
public struct CompareThresholds: Sendable, Codable, Hashable {
    /// Largest allowed drop of records/s, as a fraction (0.05 = 5 %).
    public var maxThroughputDrop = 0.05
    /// Largest allowed rise per latency percentile (`p50`, `p95`, `p99`, `p999`), as fractions.
    public var maxLatencyRise: [String: Double] = ["p50": 0.10, "p99": 0.10]
    /// Largest allowed share of failed records (0: none may fail).
    public var maxErrorRate = 0.0

    public init() {}

    /// Percentiles that can be given, in the order they are reported.
    public static let percentiles = ["p50", "p95", "p99", "p999"]

    /// `5%` or `0.05` as a fraction.
    public static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            return Double(trimmed.dropLast()).flatMap { $0 >= 0 && $0.isFinite ? $0 / 100 : nil }
        }
        return Double(trimmed).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
    }

    /// Parses `p99=10%,p50=10%`.
    public static func latencyRises(_ text: String) throws(CompareError) -> [String: Double] {
        var result: [String: Double] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, percentiles.contains(parts[0]), let value = fraction(parts[1]) else {
                throw .badInput("--max-latency-rise: '\(item)' is not PERCENTILE=PERCENT with PERCENTILE one of "
                    + percentiles.joined(separator: ", "))
            }
            result[parts[0]] = value
        }
        return result
    }

    /// Reads a thresholds file: `throughput-drop: 5%`, `latency-rise: {p99: 10%}`, `error-rate: 0`.
    public static func load(_ path: String) throws(CompareError) -> CompareThresholds {
        let text: String
        do {
            text = try WorkloadFile.read(path, what: "thresholds file")
        } catch {
            throw .badInput(error.description)
        }
        guard let fields = (try? Yams.load(yaml: text)) as? [String: Any] else {
            throw .badInput("thresholds file '\(path)': expected a mapping (throughput-drop, latency-rise, error-rate)")
        }
        var thresholds = CompareThresholds()
        for (key, value) in fields {
            switch key {
            case "throughput-drop":
                guard let f = fraction("\(value)") else { throw .badInput("thresholds file '\(path)': throughput-drop '\(value)' is not a percentage") }
                thresholds.maxThroughputDrop = f
            case "error-rate":
                guard let f = fraction("\(value)") else { throw .badInput("thresholds file '\(path)': error-rate '\(value)' is not a number") }
                thresholds.maxErrorRate = f
            case "latency-rise":
                guard let map = value as? [String: Any] else {
                    throw .badInput("thresholds file '\(path)': latency-rise must map percentiles to percentages")
                }
                thresholds.maxLatencyRise = try latencyRises(map.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","))
            default:
                throw .badInput("thresholds file '\(path)': unknown key '\(key)' (throughput-drop, latency-rise, error-rate)")
            }
        }
        return thresholds
    }
}
