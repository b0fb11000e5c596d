import Foundation
import Histogram
import ZooPipe

extension RunResult {
    /// The merged result of a swarm run: the workers' results added together
    /// as one run.
    ///
    /// - Counters add up; failures by error add up; elapsed time is the
    ///   longest worker's, so rates are all records over that window.
    /// - Latency histograms (producer, corrected, warm-up, send → consume,
    ///   fetch waits, commits) are merged exactly and their percentiles read
    ///   again.
    /// - The timeline is aligned by interval index (workers start together,
    ///   within ``SwarmFigures/startAlignmentMs``): counts add up, percentiles
    ///   are the highest any worker had (an upper bound), `max` is exact. A
    ///   lost worker's intervals are in it; its records are not in the summary.
    /// - e2e: consumer groups, consumers and partitions are listed per worker
    ///   (prefixed `w2/`), and there is one integrity verdict per worker and group.
    public static func swarm(spec: SwarmRunSpec, outcomes: [SwarmWorkerOutcome], requested: Int, late: [String],
                             environment: RunEnvironment, startedAt: Date, brokerOffsetGrowth: Int64?,
                             stopped: Bool) -> RunResult {
        var outcomes = outcomes
        var results: [(SwarmWorkerOutcome, RunResult)] = []
        for index in outcomes.indices {
            guard let json = outcomes[index].result else { continue }
            do {
                results.append((outcomes[index], try ResultJSON.decode(RunResult.self, from: Data(json.utf8))))
            } catch {
                // A result this zoobench cannot read counts as a failed part, not a failed run.
                outcomes[index].status = .failed
                outcomes[index].reason = "its result could not be read (\(error))"
                outcomes[index].result = nil
            }
        }

        var produced = ProduceOutcome()
        produced.correctedLatency = spec.workload.throughput != nil ? LatencyHistogram.make() : nil
        for (_, result) in results {
            guard let summary = result.summary, let histograms = result.histograms else { continue }
            produced.sent += summary.sent
            produced.delivered += summary.delivered
            produced.failed += summary.failed
            produced.failuresByError.merge(summary.failuresByError, uniquingKeysWith: +)
            produced.undelivered += summary.undelivered
            produced.queueFullRetries += summary.queueFullRetries
            produced.deliveredBytes += summary.deliveredBytes
            produced.transactions += summary.transactions
            produced.elapsedSeconds = max(produced.elapsedSeconds, summary.elapsedSeconds)
            produced.latency.add(histograms.latency)
            if let corrected = histograms.correctedLatency { produced.correctedLatency?.add(corrected) }
            produced.warmup.delivered += result.warmup?.delivered ?? 0
            produced.warmup.seconds = max(produced.warmup.seconds, result.warmup?.seconds ?? 0)
            produced.warmup.latency.add(histograms.warmup)
            if let wire = summary.wire {
                if produced.wire == nil { produced.wire = wire } else { produced.wire!.add(wire) }
            }
        }
        produced.timeline = mergeTimelines(outcomes.map { outcome in
            results.first { $0.0.info.id == outcome.info.id }?.1.timeline ?? outcome.intervals
        })
        // Partial: stopped early. A lost, refused or failed worker makes the run degraded instead (see `workers`).
        produced.partial = stopped || outcomes.contains { $0.status == .partial }

        var merged = RunResult(workload: totalWorkload(spec), outcome: produced, environment: environment,
                               startedAt: startedAt, brokerOffsetGrowth: brokerOffsetGrowth)
        merged.kind = spec.mode == .e2e ? .e2e : .produce
        if spec.mode == .e2e { mergeEndToEnd(into: &merged, results) }
        let coordinatorCPU = environment.cpuSeconds
        merged.environment.cpuSeconds = results.reduce(0) { $0 + $1.1.environment.cpuSeconds }
        merged.environment.peakRSSBytes = results.map(\.1.environment.peakRSSBytes).max() ?? 0
        if let first = results.first?.1.environment {
            merged.environment.producerConfiguration = first.producerConfiguration
            merged.environment.consumerConfiguration = first.consumerConfiguration
        }
        merged.workers = swarmFigures(spec: spec, outcomes: outcomes, results: results, requested: requested, late: late,
                                      stopped: stopped)
        merged.workers?.coordinatorCPUSeconds = coordinatorCPU
        merged.environment.clockNote = merged.workers?.clockNote
        return merged
    }

    /// The run's workload as a whole: the coordinator's, with the producer
    /// total the shares add up to.
    static func totalWorkload(_ spec: SwarmRunSpec) -> ProduceWorkload {
        var workload = spec.workload  // published without secrets
        workload.producers = spec.shares.reduce(0) { $0 + $1.workload.producers }
        return workload
    }

    /// Timelines of several workers aligned by interval index.
    public static func mergeTimelines(_ timelines: [[IntervalSnapshot]]) -> [IntervalSnapshot] {
        let length = timelines.map(\.count).max() ?? 0
        return (0..<length).map { index in
            IntervalSnapshot.acrossWorkers(timelines.compactMap { $0.count > index ? $0[index] : nil })
        }
    }

    /// The consumer side of an e2e swarm run, merged.
    private static func mergeEndToEnd(into merged: inout RunResult, _ results: [(SwarmWorkerOutcome, RunResult)]) {
        let parts = results.compactMap { outcome, result in result.consume.map { (outcome.share.index, $0, result) } }
        guard var consume = parts.first?.1 else { return }
        func prefixed(_ index: Int, _ group: String?) -> String { "w\(index)" + (group.map { "/" + $0 } ?? "") }
        consume.consumers = []
        consume.partitions = []
        consume.timeline = []
        var fetchWait = LatencyHistogram.make()
        var commits: Histogram<UInt64>? = nil
        var expected: Int64? = 0
        var lag: Int64? = 0
        for (position, (index, figures, _)) in parts.enumerated() {
            if position > 0 {
                consume.consumed += figures.consumed
                consume.bytes += figures.bytes
                consume.elapsedSeconds = max(consume.elapsedSeconds, figures.elapsedSeconds)
                consume.totalSeconds = max(consume.totalSeconds, figures.totalSeconds)
                consume.joinSeconds = [consume.joinSeconds, figures.joinSeconds].compactMap { $0 }.max()
                consume.firstRecordSeconds = [consume.firstRecordSeconds, figures.firstRecordSeconds].compactMap { $0 }.min()
                consume.commitFailures.merge(figures.commitFailures, uniquingKeysWith: +)
                consume.missing += figures.missing
                consume.duplicatedOffsets += figures.duplicatedOffsets
                consume.transientErrors.merge(figures.transientErrors, uniquingKeysWith: +)
            }
            expected = expected.flatMap { e in figures.expectedRecords.map { e + $0 } }
            lag = lag.flatMap { l in figures.finalLag.map { l + $0 } }
            if let histogram = figures.fetchWaitHistogram { fetchWait.add(histogram) }
            if let histogram = figures.commitHistogram {
                if commits == nil { commits = histogram } else { commits!.add(histogram) }
            }
            consume.consumers += figures.consumers.map { var c = $0; c.group = prefixed(index, c.group); return c }
            consume.partitions += figures.partitions.map { var p = $0; p.group = prefixed(index, p.group); return p }
        }
        consume.expectedRecords = expected
        consume.finalLag = lag
        consume.recordsPerSecond = consume.elapsedSeconds > 0 ? Double(consume.consumed) / consume.elapsedSeconds : 0
        consume.megabytesPerSecond = consume.elapsedSeconds > 0 ? Double(consume.bytes) / 1_048_576 / consume.elapsedSeconds : 0
        consume.fetchWaitHistogram = fetchWait
        consume.fetchWait = LatencyPercentiles(fetchWait)
        consume.commitHistogram = commits
        consume.commitLatency = commits.map(LatencyPercentiles.init)
        let timelines = parts.map(\.1.timeline)
        consume.timeline = (0..<(timelines.map(\.count).max() ?? 0)).map { index in
            ConsumeIntervalSnapshot.acrossWorkers(timelines.compactMap { $0.count > index ? $0[index] : nil })
        }
        merged.consume = consume

        let ends = parts.compactMap { $0.2.endToEnd }
        if var endToEnd = ends.first {
            var latency = LatencyHistogram.make()
            var corrected: Histogram<UInt64>? = ends.allSatisfy { $0.correctedHistogram != nil } ? LatencyHistogram.make() : nil
            var warmup = LatencyHistogram.make()
            for part in ends {
                if let h = part.histogram { latency.add(h) }
                if let h = part.correctedHistogram { corrected?.add(h) }
                if let h = part.warmupHistogram { warmup.add(h) }
            }
            endToEnd.histogram = latency
            endToEnd.latency = LatencyPercentiles(latency)
            endToEnd.correctedHistogram = corrected
            endToEnd.correctedLatency = corrected.map(LatencyPercentiles.init)
            endToEnd.warmupHistogram = warmup
            endToEnd.warmupLatency = LatencyPercentiles(warmup)
            endToEnd.warmupConsumed = ends.reduce(0) { $0 + $1.warmupConsumed }
            merged.endToEnd = endToEnd
        }
        let reports = parts.flatMap { index, _, result in
            (result.integrity ?? []).map { var r = $0; r.group = prefixed(index, r.group); return r }
        }
        merged.integrity = parts.contains { $0.2.integrity != nil } ? reports : nil
        merged.consumeWorkload = parts.first?.2.consumeWorkload.map {
            var workload = SwarmSplit.withoutSecrets($0)
            workload.topic = merged.workload?.topic ?? workload.topic
            return workload
        }
    }

    /// The `workers` section.
    private static func swarmFigures(spec: SwarmRunSpec, outcomes: [SwarmWorkerOutcome],
                                     results: [(SwarmWorkerOutcome, RunResult)], requested: Int,
                                     late: [String], stopped: Bool) -> SwarmFigures {
        let members = outcomes.map { outcome -> SwarmMemberFigures in
            let result = results.first { $0.0.info.id == outcome.info.id }?.1
            let fromIntervals = result?.summary == nil
            let counted = outcome.intervals.filter { !$0.warmup }
            return SwarmMemberFigures(
                id: outcome.info.id, index: outcome.share.index, host: outcome.info.host, cores: outcome.info.cores,
                zoobenchVersion: outcome.info.zoobenchVersion, status: outcome.status, reason: outcome.reason,
                clockOffsetMs: outcome.clock.map { $0.offset * 1000 },
                clockUncertaintyMs: outcome.clock.map { $0.uncertainty * 1000 },
                topic: outcome.share.workload.topic, producers: outcome.share.workload.producers,
                throughputTarget: outcome.share.workload.throughput, numRecords: outcome.share.workload.numRecords,
                sent: result?.summary?.sent ?? counted.reduce(0) { $0 + $1.sent },
                delivered: result?.summary?.delivered ?? counted.reduce(0) { $0 + $1.delivered },
                failed: result?.summary?.failed ?? counted.reduce(0) { $0 + $1.errors },
                recordsPerSecond: result?.summary?.recordsPerSecond
                    ?? (counted.isEmpty ? 0 : Double(counted.reduce(0) { $0 + $1.delivered })
                        / max(counted.reduce(0) { $0 + $1.seconds }, 1e-9)),
                p99Ms: result?.summary?.latency.p99,
                endToEndP99Ms: result?.endToEnd?.latency.p99, consumed: result?.consume?.consumed,
                integrity: result?.integrity?.map(\.verdict),
                intervals: result?.timeline.count ?? outcome.intervals.count, fromIntervals: fromIntervals,
                cpuSeconds: result?.environment.cpuSeconds, peakRSSBytes: result?.environment.peakRSSBytes)
        }
        // A worker stopped because the coordinator was stopped is partial, not a problem.
        let problems = outcomes.filter { $0.status != .complete && !(stopped && $0.status == .partial) }.map { outcome -> String in
            let member = members.first { $0.id == outcome.info.id }!
            return "\(outcome.info.id) \(outcome.status.rawValue)" + (outcome.reason.map { ": \($0)" } ?? "")
                + (member.fromIntervals
                    ? "; its \(member.delivered) records delivered in \(member.intervals) interval(s) are in the timeline, not the summary"
                    : "")
        } + (outcomes.count < requested ? ["\(requested - outcomes.count) worker(s) never joined"] : [])
        let clocks = outcomes.compactMap(\.clock)
        let bound = clocks.map { abs($0.offset) + $0.uncertainty }.max()
        let alignment = clocks.map(\.uncertainty).max()
        let ms = { (value: Double) in String(format: "%.1f", value * 1000) }
        var clockNote = bound.map { "worker clocks are within ±\(ms($0)) ms of the coordinator's (largest |offset| + half the "
            + "ping round trip over the control topic); starts were corrected by each offset, so workers began within "
            + "about ±\(ms(alignment ?? 0)) ms of one another" } ?? "worker clocks were not measured"
        if spec.mode == .e2e {
            clockNote += "; each worker consumes its own records (topic \(SwarmSplit.topic(spec.workload.topic, worker: 1)) …), "
                + "so send → consume latency is timed on one clock and holds no skew"
        }
        return SwarmFigures(
            requested: requested, degraded: !problems.isEmpty, problems: problems,
            clockSkewBoundMs: bound.map { $0 * 1000 }, startAlignmentMs: alignment.map { $0 * 1000 },
            clockNote: clockNote,
            timelineNote: "intervals aligned by index across workers: counts add up; p50–p99.9 are the highest of any "
                + "worker's (an upper bound of the merged value); max is exact",
            members: members, late: late, coordinatorCPUSeconds: nil)
    }
}
