import CRdKafka

/// A topic's partition ends as a consumer finds them: the high watermark
/// each partition's Fetch responses carry, and the records read on the way
/// there. The second way to know a log's end, beside ListOffsets
/// (``KafkaAdmin/watermarks(topic:partition:)``): a broker can answer the two
/// differently, and only one of them can be right.
public struct LogEnds: Sendable, Hashable {
    /// The high watermark of the last Fetch response, by partition (absent
    /// for a partition that was not reached before the deadline).
    public var highWatermarks: [Int32: Int64]
    /// Records read from the start offsets to the end, by partition (control
    /// records of transactions are not records and are not counted).
    public var recordsRead: [Int32: Int64]
    /// Partitions whose start offset the broker refused as out of range.
    public var outOfRange: Set<Int32>
    /// True when every partition reached its end before the deadline.
    public var complete: Bool
}

extension KafkaAdmin {
    /// Reads `topic` from `from` (partition → offset) up to each partition's
    /// end, as a consumer outside any group, and returns the ends the Fetch
    /// responses gave and how many records lay between. Bounded by `timeout`;
    /// what was not reached by then is missing from the result
    /// (``LogEnds/complete`` false).
    public func readToEnd(topic: String, from: [Int32: Int64], timeout: Duration) throws(KafkaError) -> LogEnds {
        var ends = LogEnds(highWatermarks: [:], recordsRead: [:], outOfRange: [], complete: true)
        guard !from.isEmpty else { return ends }
        return try endReader.withLock { (reader: inout RDKafkaClient?) throws(KafkaError) -> LogEnds in
            if reader == nil { reader = try makeEndReader() }
            let consumer = reader!
            defer { rd_kafka_assign(consumer.handle, nil) }
            try read(consumer, topic: topic, from: from, timeout: timeout, into: &ends)
            return ends
        }
    }

    /// The offset each partition of `topic` ends at now, as a Fetch finds it
    /// (ListOffsets first, confirmed by fetching from there; where the two
    /// disagree the fetch's high watermark wins, as it is what consumers
    /// read up to). Falls back to ListOffsets for partitions the fetch did
    /// not reach in time.
    public func endOffsets(topic: String) throws(KafkaError) -> [Int32: Int64] {
        let listed = try watermarks(topic: topic).mapValues(\.high)
        guard let fetched = try? readToEnd(topic: topic, from: listed, timeout: timeout) else { return listed }
        return listed.merging(fetched.highWatermarks.filter { !fetched.outOfRange.contains($0.key) }) { $1 }
    }

    private func makeEndReader() throws(KafkaError) -> RDKafkaClient {
        var properties: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers), ("client.id", configuration.clientID),
            ("group.id", "zoobench-offset-check"), ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"), ("enable.partition.eof", "true"),
            ("auto.offset.reset", "error"), ("fetch.wait.max.ms", "20"),
        ]
        let fixed = Set(properties.map(\.0))
        properties += configuration.properties.sorted { $0.key < $1.key }.filter { !fixed.contains($0.key) }
        return try RDKafkaClient(kind: .consumer, properties: properties)
    }

    private func read(_ consumer: RDKafkaClient, topic: String, from: [Int32: Int64], timeout: Duration,
                      into ends: inout LogEnds) throws(KafkaError) {
        guard let list = rd_kafka_topic_partition_list_new(Int32(from.count)) else {
            throw .invalidConfiguration("librdkafka could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in from.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = max(0, offset)
            ends.recordsRead[partition] = 0
        }
        let err = rd_kafka_assign(consumer.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(err) }

        var pending = Set(from.keys)
        let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(timeout)) * 1_000_000
        while !pending.isEmpty && MonotonicClock.nanoseconds() < deadline {
            guard let message = rd_kafka_consumer_poll(consumer.handle, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            let partition = m.partition
            switch m.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                ends.recordsRead[partition, default: 0] += 1
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                // The EOF's offset is the fetch position, which equals the
                // high watermark the Fetch response carried.
                var low: Int64 = -1
                var high: Int64 = -1
                let known = rd_kafka_get_watermark_offsets(consumer.handle, topic, partition, &low, &high)
                ends.highWatermarks[partition] = known == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : m.offset
                pending.remove(partition)
            case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
                if partition >= 0 {
                    ends.outOfRange.insert(partition)
                    var low: Int64 = -1
                    var high: Int64 = -1
                    if rd_kafka_get_watermark_offsets(consumer.handle, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                       high >= 0 {
                        ends.highWatermarks[partition] = high
                    }
                    pending.remove(partition)
                }
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
                throw .topicNotFound(topic)
            default:
                continue  // transient (a broker reconnecting): keep reading until the deadline
            }
        }
        ends.complete = pending.isEmpty
    }
}
