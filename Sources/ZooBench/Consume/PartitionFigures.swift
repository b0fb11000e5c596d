import ZooPipe

/// A half-open range of offsets, `[lower, upper)`.
public struct OffsetRange: Sendable, Codable, Hashable, CustomStringConvertible {
    public var lower: Int64
    public var upper: Int64

    public init(_ lower: Int64, _ upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    public var count: Int64 { upper - lower }
    public var description: String { count == 1 ? "\(lower)" : "\(lower)–\(upper - 1)" }
}

/// What one group read of one partition, checked against what it should have read.
public struct PartitionFigures: Sendable, Codable, Hashable {
    public var group: String?
    public var partition: Int32
    /// The offset reading should start at (low watermark for earliest, the
    /// committed or given offset); nil when unknown (a named group's commits).
    public var expectedStart: Int64?
    /// The end to read to (high watermark), with --until-end and in e2e runs.
    public var expectedEnd: Int64?
    /// First and one past the last offset read; nil if none was.
    public var firstOffset: Int64?
    public var nextOffset: Int64?
    /// Distinct offsets read.
    public var consumed: Int64
    /// Offsets between the expected start and end (or the last read) that
    /// no consumer read: records the cluster no longer had, or never gave.
    public var missing: Int64
    /// Offsets read more than once (rebalances, rewinds).
    public var duplicated: Int64
    /// The first few missing ranges.
    public var gaps: [OffsetRange]
}
