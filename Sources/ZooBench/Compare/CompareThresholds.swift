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

    /// The thresholds of a command line: a thresholds file's (or the
    /// defaults), each limit given as text replacing the file's.
    public init(file: String?, throughputDrop: String? = nil, latencyRise: String? = nil,
                errorRate: String? = nil) throws(CompareError) {
        self = try file.map { path throws(CompareError) in try Self.load(path) } ?? CompareThresholds()
        if let text = throughputDrop {
            guard let value = FractionText.parse(text) else {
                throw .badInput("--max-throughput-drop: '\(text)' is not a percentage such as 5%")
            }
            maxThroughputDrop = value
        }
        if let text = latencyRise { maxLatencyRise = try Self.latencyRises(text) }
        if let text = errorRate {
            guard let value = FractionText.parse(text), value <= 1 else {
                throw .badInput("--max-error-rate: '\(text)' is not a share of records from 0 to 1 (or 0% to 100%), such as 0 or 0.1%")
            }
            maxErrorRate = value
        }
    }

    /// Parses `p99=10%,p50=10%`.
    public static func latencyRises(_ text: String) throws(CompareError) -> [String: Double] {
        var result: [String: Double] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, percentiles.contains(parts[0]), let value = FractionText.parse(parts[1]) else {
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
                guard let f = FractionText.parse("\(value)") else { throw .badInput("thresholds file '\(path)': throughput-drop '\(value)' is not a percentage") }
                thresholds.maxThroughputDrop = f
            case "error-rate":
                guard let f = FractionText.parse("\(value)") else { throw .badInput("thresholds file '\(path)': error-rate '\(value)' is not a number") }
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
