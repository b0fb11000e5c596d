import Foundation
import ZooPipe

/// A worker's share of a swarm run, run here: the worker's own properties
/// added (its secrets stay on it), measured against `brokers`, and the
/// result sent back as one line of JSON.
public enum SwarmShareRun {
    /// Runs `share` of `spec` against `brokers` with `local` properties added;
    /// `onInterval` sees each producer interval (the coordinator's), `onConsumeInterval`
    /// each consumer interval of an e2e share (this worker's live metrics).
    public static func run(_ spec: SwarmRunSpec, share: SwarmShare, brokers: String, local: [String: String],
                           stop: StopSignal, onInterval: @escaping @Sendable (IntervalSnapshot) -> Void,
                           onConsumeInterval: (@Sendable (ConsumeIntervalSnapshot) -> Void)? = nil) throws -> SwarmShareResult {
        let startedAt = Date()
        let cpuBefore = processCPUSeconds()
        var workload = share.workload
        workload.properties.merge(local) { $1 }
        var consume = share.consume ?? ConsumeWorkload()
        consume.properties.merge(local) { $1 }
        try workload.validate()
        let target = try BenchTarget(brokers: brokers, for: workload)
        var run = MeasuredRun(mode: spec.mode, produce: workload, consume: consume)
        run.onProduceInterval = onInterval
        run.onConsumeInterval = onConsumeInterval
        var result = try run.run(on: target, stop: stop, startedAt: startedAt)
        // A worker lives for many runs: its CPU time is this run's; peak memory is its highest so far.
        result.environment.cpuSeconds = processCPUSeconds() - cpuBefore
        result.environment.peakRSSBytes = processPeakRSSBytes()
        // A shared topic grows with every worker's records: the coordinator reads that growth.
        if spec.mode == .produce { result.summary?.brokerOffsetGrowth = nil }
        return SwarmShareResult(json: String(decoding: try ResultJSON.compact(result), as: UTF8.self), partial: result.partial)
    }
}
