/// A topic to create, written `name[:partitions[:replication-factor]]`
/// (`bench:4`, `orders:12:3`), as `zoobench cluster --topic` takes it.
public struct TopicSpec: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32

    /// Parses `text` for a cluster of `brokers` brokers (the replicas must fit).
    public init(parsing text: String, brokers: Int) throws(WorkloadError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 3, let name = parts.first.map(String.init), !name.isEmpty,
              let partitions = parts.count >= 2 ? Int32(parts[1]) : 1, (1...10_000).contains(partitions),
              let replicas = parts.count == 3 ? Int32(parts[2]) : 1, replicas >= 1 else {
            throw .invalid("--topic: '\(text)' is not name:partitions (e.g. bench:4) or name:partitions:rf (bench:4:3)")
        }
        guard replicas <= Int32(brokers) else {
            throw .invalid("--topic: '\(text)' asks for \(replicas) replicas; the cluster has \(brokers) brokers")
        }
        self.name = name
        self.partitions = partitions
        replicationFactor = replicas
    }

    /// `bench (4)`, `orders (12, rf 3)`.
    public var description: String {
        "\(name) (\(partitions)" + (replicationFactor > 1 ? ", rf \(replicationFactor)" : "") + ")"
    }
}

extension Sequence where Element: Hashable {
    /// The first element met a second time, if any.
    public func firstRepeated() -> Element? {
        var seen = Set<Element>()
        for element in self where !seen.insert(element).inserted { return element }
        return nil
    }
}
