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
        if let text = throughputDrop { maxThroughputDrop = try Self.throughputDrop(text, label: "--max-throughput-drop") }
        if let text = latencyRise { maxLatencyRise = try Self.latencyRises(text, label: "--max-latency-rise") }
        if let text = errorRate { maxErrorRate = try Self.errorRate(text, label: "--max-error-rate") }
    }

    /// A drop of records/s from 0 % to 100 % (`5%`, `0.05`); `label` names where it was given.
    static func throughputDrop(_ text: String, label: String) throws(CompareError) -> Double {
        guard let value = FractionText.parse(text), value <= 1 else {
            throw .badInput("\(label): '\(text)' is not a drop from 0% to 100%, such as 5%")
        }
        return value
    }

    /// A share of failed records from 0 to 1 (or 0 % to 100 %).
    static func errorRate(_ text: String, label: String) throws(CompareError) -> Double {
        guard let value = FractionText.parse(text), value <= 1 else {
            throw .badInput("\(label): '\(text)' is not a share of records from 0 to 1 (or 0% to 100%), such as 0 or 0.1%")
        }
        return value
    }

    /// Parses `p99=10%,p50=10%`: at least one percentile, each once.
    public static func latencyRises(_ text: String, label: String = "--max-latency-rise") throws(CompareError) -> [String: Double] {
        var result: [String: Double] = [:]
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, percentiles.contains(parts[0]), let value = FractionText.parse(parts[1]) else {
                throw .badInput("\(label): '\(item)' is not PERCENTILE=PERCENT with PERCENTILE one of "
                    + percentiles.joined(separator: ", ") + " (such as p99=10%)")
            }
            guard result.updateValue(value, forKey: parts[0]) == nil else {
                throw .badInput("\(label): \(parts[0]) is given twice")
            }
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
                thresholds.maxThroughputDrop = try throughputDrop("\(value)", label: "thresholds file '\(path)': throughput-drop")
            case "error-rate":
                thresholds.maxErrorRate = try errorRate("\(value)", label: "thresholds file '\(path)': error-rate")
            case "latency-rise":
                guard let map = value as? [String: Any], !map.isEmpty else {
                    throw .badInput("thresholds file '\(path)': latency-rise must map percentiles to percentages")
                }
                thresholds.maxLatencyRise = try latencyRises(map.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","),
                                                             label: "thresholds file '\(path)': latency-rise")
            default:
                throw .badInput("thresholds file '\(path)': unknown key '\(key)' (throughput-drop, latency-rise, error-rate)")
            }
        }
        return thresholds
    }
}
