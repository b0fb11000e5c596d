import ZooPipe

/// What one consumer did.
public struct ConsumerFigures: Sendable, Codable, Hashable {
    public var index: Int
    /// Its group; nil for a simple consumer.
    public var group: String?
    public var consumed: Int
    public var bytes: Int
    /// Seconds from its first record to its last.
    public var seconds: Double
    public var recordsPerSecond: Double
    public var megabytesPerSecond: Double
    /// Partitions it held at the end.
    public var partitions: Int
    /// Seconds from subscribing to its first assignment (group mode).
    public var joinSeconds: Double?
    /// Seconds from subscribing to its first record.
    public var firstRecordSeconds: Double?
    /// Assignments received (more than one: it went through rebalances).
    public var assignments: Int
}
