import Foundation

/// The figures a sweep compares cells by, for one run or (over repeats) the median.
public struct CellFigures: Sendable, Codable, Hashable {
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// Send → acknowledgement latency in ms (send → consume in e2e mode).
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    /// Records failed or never reported.
    public var errors: Int
    /// Records that could have failed (sent).
    public var sent: Int
    /// Compressed ÷ uncompressed, as every ratio in zoobench: bytes sent
    /// (librdkafka's tx_bytes: compressed, framing included) per value byte,
    /// per record; nil when unknown. Below 1: compression pays.
    /// (Results before this key held `compressionRatio`, its inverse; that
    /// key is no longer read, so an old file's cells have no ratio.)
    public var wireRatio: Double?
    /// Process CPU seconds per GiB of values delivered.
    public var cpuSecondsPerGB: Double?

    public var errorRate: Double { sent > 0 ? Double(errors) / Double(sent) : 0 }

    /// A run's figures (`cpuSeconds` is what the run itself used).
    public init(_ run: RunResult, cpuSeconds: Double?) {
        let s = run.summary
        let latency = run.kind == .e2e ? run.endToEnd?.latency : s?.latency
        recordsPerSecond = s?.recordsPerSecond ?? run.consume?.recordsPerSecond ?? 0
        megabytesPerSecond = s?.megabytesPerSecond ?? run.consume?.megabytesPerSecond ?? 0
        p50 = latency?.p50 ?? 0
        p95 = latency?.p95 ?? 0
        p99 = latency?.p99 ?? 0
        p999 = latency?.p999 ?? 0
        errors = (s?.failed ?? 0) + (s?.undelivered ?? 0)
        sent = s?.sent ?? 0
        // Bytes librdkafka sent (tx_bytes: after compression, with batch and
        // request framing) per value byte, both per record, warm-up included.
        if let s, let wire = s.wire, wire.messages > 0, wire.bytes > 0, s.delivered > 0 {
            let valuePerRecord = Double(s.deliveredBytes) / Double(s.delivered)
            let wirePerRecord = Double(wire.bytes) / Double(wire.messages)
            wireRatio = wirePerRecord / valuePerRecord
        }
        let gigabytes = Double(s?.deliveredBytes ?? 0) / 1_073_741_824
        cpuSecondsPerGB = cpuSeconds.flatMap { gigabytes > 0 ? $0 / gigabytes : nil }
    }

    init(recordsPerSecond: Double, megabytesPerSecond: Double, p50: Double, p95: Double, p99: Double, p999: Double,
         errors: Int, sent: Int, wireRatio: Double?, cpuSecondsPerGB: Double?) {
        self.recordsPerSecond = recordsPerSecond
        self.megabytesPerSecond = megabytesPerSecond
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.errors = errors
        self.sent = sent
        self.wireRatio = wireRatio
        self.cpuSecondsPerGB = cpuSecondsPerGB
    }

    /// The median of each figure over `runs` (errors and sent are summed).
    public static func median(_ runs: [CellFigures]) -> CellFigures {
        func m(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
        let ratios = runs.compactMap(\.wireRatio)
        let cpu = runs.compactMap(\.cpuSecondsPerGB)
        return CellFigures(
            recordsPerSecond: m(runs.map(\.recordsPerSecond)), megabytesPerSecond: m(runs.map(\.megabytesPerSecond)),
            p50: m(runs.map(\.p50)), p95: m(runs.map(\.p95)), p99: m(runs.map(\.p99)), p999: m(runs.map(\.p999)),
            errors: runs.reduce(0) { $0 + $1.errors }, sent: runs.reduce(0) { $0 + $1.sent },
            wireRatio: ratios.isEmpty ? nil : m(ratios), cpuSecondsPerGB: cpu.isEmpty ? nil : m(cpu))
    }
}

/// The lowest and highest value over a cell's repeats.
public struct Spread: Sendable, Codable, Hashable {
    public var low: Double
    public var high: Double

    public init(_ values: [Double]) {
        low = values.min() ?? 0
        high = values.max() ?? 0
    }

    /// Whether the two spreads share any value.
    public func overlaps(_ other: Spread) -> Bool { low <= other.high && other.low <= high }
}
