import ZooPipe

/// Takes the two readings of a topic's ends that ``OffsetCheck`` compares:
/// ListOffsets(latest) per partition, and the high watermark a Fetch from
/// there returns. Before a run and after it; after, when they disagree with
/// what was delivered, it reads the records between the two back.
struct OffsetProbe {
    /// One topic's ends at one moment.
    struct Ends {
        var listOffsets: [Int32: Int64]
        /// Nil when the fetch could not be made or did not finish in time.
        var highWatermarks: [Int32: Int64]?
    }

    let admin: KafkaAdmin
    let topics: [String]
    /// Bound on each fetch and on the read-back.
    var timeout: Duration = .seconds(30)

    /// Both readings of every topic now; nil when ListOffsets cannot be read.
    func read() -> [String: Ends]? {
        var result: [String: Ends] = [:]
        for topic in topics {
            guard let marks = try? admin.watermarks(topic: topic) else { return nil }
            let list = marks.mapValues(\.high)
            // From ListOffsets' answer to the end: a right answer gives the
            // end at once; one short of the end reads the rest on the way.
            let fetched = try? admin.readToEnd(topic: topic, from: list, timeout: timeout)
            let high = fetched.flatMap { $0.complete && $0.outOfRange.isEmpty ? $0.highWatermarks : nil }
            result[topic] = Ends(listOffsets: list, highWatermarks: high)
        }
        return result
    }

    /// Judges the growth from `before` to now against `delivered`.
    func check(since before: [String: Ends], delivered: Int64, acksZero: Bool, transactional: Bool,
               retriedWithoutIdempotence: Bool) -> (check: OffsetCheck, listOffsetsGrowth: Int64)? {
        guard let after = read() else { return nil }
        var list: Int64 = 0
        var high: Int64? = 0
        for topic in topics {
            guard let b = before[topic], let a = after[topic] else { return nil }
            list += Self.growth(from: b.listOffsets, to: a.listOffsets)
            if let bh = b.highWatermarks, let ah = a.highWatermarks, let h = high {
                high = h + Self.growth(from: bh, to: ah)
            } else {
                high = nil
            }
        }
        var readBack: Int64?
        if OffsetCheck.needsReadBack(delivered: delivered, listOffsetsGrowth: list, highWatermarkGrowth: high) {
            readBack = 0
            for topic in topics {
                guard let b = before[topic], let count = readBackCount(topic, from: b.highWatermarks ?? b.listOffsets) else {
                    readBack = nil
                    break
                }
                readBack! += count
            }
        }
        let check = OffsetCheck.judge(delivered: delivered, listOffsetsGrowth: list, highWatermarkGrowth: high,
                                      recordsReadBack: readBack, acksZero: acksZero, transactional: transactional,
                                      retriedWithoutIdempotence: retriedWithoutIdempotence)
        return (check, list)
    }

    private func readBackCount(_ topic: String, from start: [Int32: Int64]) -> Int64? {
        // Partitions that appeared during the run start at 0.
        var from = start
        if let partitions = try? admin.describeTopic(topic).partitions {
            for p in partitions where from[p.id] == nil { from[p.id] = 0 }
        }
        guard let ends = try? admin.readToEnd(topic: topic, from: from, timeout: timeout), ends.complete else { return nil }
        return ends.recordsRead.values.reduce(0, +)
    }

    private static func growth(from before: [Int32: Int64], to after: [Int32: Int64]) -> Int64 {
        after.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) }
    }
}

extension RunResult {
    /// The result with its producer side's end-offset check made against
    /// `before` (``OffsetProbe``): `brokerOffsetGrowth` is ListOffsets' growth.
    func checkingOffsets(_ probe: OffsetProbe, since before: [String: OffsetProbe.Ends]?) -> RunResult {
        guard let summary, let before, let workload else { return self }
        let delivered = Int64(summary.delivered + (warmup?.delivered ?? 0))
        // Retried: requests sent again, or more messages on the wire than records sent.
        let retried = summary.wire.map { $0.retries > 0 || $0.messages > summary.sent + (warmup?.delivered ?? 0) } ?? false
        let reading = probe.check(
            since: before, delivered: delivered, acksZero: workload.acks == .none,
            transactional: workload.transactionalID != nil,
            retriedWithoutIdempotence: retried && !workload.idempotence && workload.transactionalID == nil)
        var result = self
        result.summary?.brokerOffsetGrowth = reading?.listOffsetsGrowth
        result.summary?.offsetCheck = reading?.check
        return result
    }
}
