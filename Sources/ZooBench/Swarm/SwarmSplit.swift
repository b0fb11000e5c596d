import Foundation
import ZooPipe

/// How a swarm run is split over its workers: totals are divided, shapes are kept.
public enum SwarmSplit {
    /// Divides `workload` (and `consume`, for e2e) among `workers`, in their order.
    ///
    /// - Producers: the total is divided as evenly as it goes, at least one
    ///   each (so the total may grow to the worker count).
    /// - Rate, record counts and warm-up records: in proportion to each
    ///   worker's producers; the counts add up exactly.
    /// - Duration, warm-up time, record shape, producer settings: as given.
    /// - A transactional id gets a worker suffix (`ID-w2`), so that workers
    ///   do not fence each other.
    /// - e2e: each worker produces to and consumes from its own topic
    ///   (`TOPIC.w2`), so its integrity ledger sees all of its records and
    ///   send → consume latency is timed on one clock; consumers (and a named
    ///   group, suffixed) are per worker.
    /// - Secret properties are dropped (each worker adds its own).
    public static func shares(of workload: ProduceWorkload, consume: ConsumeWorkload?, mode: RunMode,
                              workers: [String], clockOffsets: [String: Double] = [:]) -> [SwarmShare] {
        let count = workers.count
        guard count > 0 else { return [] }
        let producers = Swift.max(workload.producers, count)
        let perWorker = (0..<count).map { producers / count + ($0 < producers % count ? 1 : 0) }
        let records = workload.numRecords.map { divide($0, by: perWorker) }
        let warmupRecords = workload.warmupRecords.map { divide($0, by: perWorker) }
        return workers.enumerated().map { position, id in
            var share = withoutSecrets(workload)
            share.producers = perWorker[position]
            share.throughput = workload.throughput.map { $0 * Double(perWorker[position]) / Double(producers) }
            share.numRecords = records?[position]
            share.warmupRecords = warmupRecords?[position]
            share.transactionalID = workload.transactionalID.map { "\($0)-w\(position + 1)" }
            var consumeShare: ConsumeWorkload?
            if mode == .e2e {
                share.topic = topic(workload.topic, worker: position + 1)
                var c = withoutSecrets(consume ?? ConsumeWorkload())
                c.topic = share.topic
                c.group = c.group.map { "\($0)-w\(position + 1)" }
                consumeShare = c
            }
            return SwarmShare(worker: id, index: position + 1, clockOffset: clockOffsets[id] ?? 0,
                              workload: share, consume: consumeShare)
        }
    }

    /// The topic worker `index` (from 1) uses in an e2e swarm run.
    public static func topic(_ base: String, worker index: Int) -> String { "\(base).w\(index)" }

    /// `total` in parts proportional to `weights`, adding up to `total` exactly
    /// (largest remainders first, earlier parts winning ties).
    static func divide(_ total: Int, by weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        // total = base × sum + rest, so no product outgrows `total`.
        let base = total / sum, rest = total % sum
        var parts = weights.map { base * $0 + rest * $0 / sum }
        var left = total - parts.reduce(0, +)
        let remainder = weights.map { rest * $0 % sum }
        let order = weights.indices.sorted { (remainder[$0], $1) > (remainder[$1], $0) }
        for index in order where left > 0 {
            parts[index] += 1
            left -= 1
        }
        return parts
    }

    /// The workload with secret properties dropped.
    public static func withoutSecrets(_ workload: ProduceWorkload) -> ProduceWorkload {
        var copy = workload
        copy.properties = copy.properties.filter { !isSecretProperty($0.key) }
        return copy
    }

    public static func withoutSecrets(_ workload: ConsumeWorkload) -> ConsumeWorkload {
        var copy = workload
        copy.properties = copy.properties.filter { !isSecretProperty($0.key) }
        return copy
    }
}
