import ArgumentParser
import Foundation
import ZooBench
import ZooMetrics

/// `--metrics-port`, `--metrics-address`, `--metrics-linger`: a live
/// Prometheus endpoint while the command runs.
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve live Prometheus metrics at http://ADDRESS:PORT/metrics while the run goes "
                               + "(0: a free port, printed). Updated once per interval.", valueName: "port"))
    var metricsPort: UInt16?
    @Option(help: ArgumentHelp("The address --metrics-port listens on. Default 127.0.0.1; 0.0.0.0 (or ::) for every interface.",
                               valueName: "ip"))
    var metricsAddress: String?
    @Option(help: ArgumentHelp("Keep serving this long after the run ends, so a scrape sees the last interval. Default 0s.",
                               valueName: "duration"))
    var metricsLinger: DurationArgument?

    func validate() throws {
        if metricsPort == nil, metricsAddress != nil || metricsLinger != nil {
            throw ValidationError("--metrics-address and --metrics-linger need --metrics-port")
        }
        if let metricsAddress, !Self.isAddress(metricsAddress) {
            throw ValidationError("--metrics-address '\(metricsAddress)' is not an IPv4 or IPv6 address (such as 127.0.0.1, 0.0.0.0 or ::)")
        }
        if let metricsLinger, metricsLinger.duration > .seconds(3600) {
            throw ValidationError("--metrics-linger must be at most 1h")
        }
    }

    /// Whether `text` is an IPv4 or IPv6 literal.
    static func isAddress(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    /// The endpoint, listening, or nil without --metrics-port; a port that
    /// cannot be had is bad input (exit 2).
    func start(command: String, worker: String? = nil, say: (String) -> Void) throws -> LiveMetrics? {
        guard let metricsPort else { return nil }
        let exporter = worker.map { MetricsExporter(command: command, worker: $0) } ?? MetricsExporter(command: command)
        let server: MetricsServer
        do {
            server = try MetricsServer.start(exporter: exporter, address: metricsAddress ?? "127.0.0.1", port: metricsPort)
        } catch {
            throw WorkloadError.invalid("--metrics-port: \(error.description)")
        }
        say("metrics   \(server.url) (Prometheus text format, every interval)")
        fflush(nil)  // a script reading a pipe learns the port (0: chosen here) before the run
        return LiveMetrics(exporter: exporter, server: server, linger: metricsLinger?.duration ?? .zero)
    }
}

/// A running endpoint and what feeds it.
final class LiveMetrics: Sendable {
    let exporter: MetricsExporter
    let server: MetricsServer
    let linger: Duration

    init(exporter: MetricsExporter, server: MetricsServer, linger: Duration) {
        self.exporter = exporter
        self.server = server
        self.linger = linger
    }

    /// Waits out the linger, then stops serving.
    func finish() {
        if linger > .zero { Thread.sleep(forTimeInterval: DurationText.seconds(linger)) }
        server.stop()
    }

    /// A measure (sweep cell, plan step) that also publishes each run's intervals, labelled with its name.
    func measuring() -> SweepRunner.Measure {
        { [exporter] mode, workload, consume, target, stop in
            var run = MeasuredRun(mode: mode, produce: workload, consume: consume)
            run.onProduceInterval = { exporter.record($0, run: workload.name) }
            run.onConsumeInterval = { exporter.record($0, run: workload.name, endToEnd: true) }
            run.onFault = { exporter.record($0, run: workload.name) }
            return try run.run(on: target, stop: stop)
        }
    }
}
