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
    /// (Results before held its inverse as `compressionRatio`; such a file
    /// reads with the ratio turned the right way up.)
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

    private enum CodingKeys: String, CodingKey {
        case recordsPerSecond, megabytesPerSecond, p50, p95, p99, p999, errors, sent, wireRatio, cpuSecondsPerGB
        /// The inverse of `wireRatio`, as results before issue 19 wrote it (read only).
        case compressionRatio
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recordsPerSecond = try c.decode(Double.self, forKey: .recordsPerSecond)
        megabytesPerSecond = try c.decode(Double.self, forKey: .megabytesPerSecond)
        p50 = try c.decode(Double.self, forKey: .p50)
        p95 = try c.decode(Double.self, forKey: .p95)
        p99 = try c.decode(Double.self, forKey: .p99)
        p999 = try c.decode(Double.self, forKey: .p999)
        errors = try c.decode(Int.self, forKey: .errors)
        sent = try c.decode(Int.self, forKey: .sent)
        wireRatio = try c.decodeIfPresent(Double.self, forKey: .wireRatio)
            ?? c.decodeIfPresent(Double.self, forKey: .compressionRatio).flatMap { $0 > 0 ? 1 / $0 : nil }
        cpuSecondsPerGB = try c.decodeIfPresent(Double.self, forKey: .cpuSecondsPerGB)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(recordsPerSecond, forKey: .recordsPerSecond)
        try c.encode(megabytesPerSecond, forKey: .megabytesPerSecond)
        try c.encode(p50, forKey: .p50)
        try c.encode(p95, forKey: .p95)
        try c.encode(p99, forKey: .p99)
        try c.encode(p999, forKey: .p999)
        try c.encode(errors, forKey: .errors)
        try c.encode(sent, forKey: .sent)
        try c.encodeIfPresent(wireRatio, forKey: .wireRatio)
        try c.encodeIfPresent(cpuSecondsPerGB, forKey: .cpuSecondsPerGB)
    }

    /// The median of each figure over `runs` (errors and sent are summed).
    public static func median(_ runs: [CellFigures]) -> CellFigures {
        let m = Estimate.median(of:)
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
