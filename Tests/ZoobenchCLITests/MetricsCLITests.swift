import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import ZooBench
import ZooMetrics
import ZooPipe
import ZooTestSupport

/// A real Prometheus server (Debian's `prometheus`), on loopback, scraping a
/// running zoobench every 250 ms; its HTTP API is then asked for the values,
/// which must be the run's own.
final class PrometheusServer {
    static let binary: String? = {
        let candidates = [ProcessInfo.processInfo.environment["ZOOBENCH_PROMETHEUS"], "/usr/bin/prometheus"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let skipReason: Comment = "no prometheus binary (scripts/test installs Debian's prometheus package)"

    let process = Process()
    let port: Int
    let folder: URL

    /// Scrapes `target` (host:port) every 250 ms.
    init(scraping target: String) throws {
        port = try freeLoopbackPort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("zb-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 250ms
              scrape_timeout: 200ms
            scrape_configs:
              - job_name: zoobench
                static_configs:
                  - targets: ['\(target)']

            """.write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["--config.file=\(config.path)", "--storage.tsdb.path=\(folder.appendingPathComponent("data").path)",
                             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while (try? get("/-/ready")) == nil {
            if Date() > deadline || !process.isRunning {
                stop()
                throw PrometheusFailure(text: "Prometheus did not become ready on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    struct PrometheusFailure: Error { var text: String }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The body of GET `path`, or nil unless 200.
    func get(_ path: String) throws -> Data? {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var body: Data?
        let task = URLSession.shared.dataTask(with: url) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200 { body = data }
            done.signal()
        }
        task.resume()
        guard done.wait(timeout: .now() + 10) == .success else {
            task.cancel()
            return nil
        }
        return body
    }

    /// An instant query's samples (at `at`, seconds since 1970; default now): labels and value.
    func query(_ expression: String, at: Double? = nil) throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents()
        components.path = "/api/v1/query"
        components.queryItems = [URLQueryItem(name: "query", value: expression)] + (at.map { [URLQueryItem(name: "time", value: "\($0)")] } ?? [])
        let path = try #require(components.string)
        let data = try #require(try get(path), "query \(expression) failed")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let result = try #require((json["data"] as? [String: Any])?["result"] as? [[String: Any]])
        return result.map { sample in
            let labels = sample["metric"] as? [String: String] ?? [:]
            let value = ((sample["value"] as? [Any])?.last as? String).flatMap(Double.init) ?? .nan
            return (labels, value)
        }
    }

    /// The one value of `expression`, or nil when it has no sample.
    /// Once zoobench has exited its series are stale (no instant value), so
    /// the figures at the end are asked as `last_over_time(…[5m])`.
    func last(_ selector: String) throws -> Double? {
        try value("last_over_time(\(selector)[5m])")
    }

    /// When the last sample of `selector` was scraped (seconds since 1970).
    func lastScrape(of selector: String) throws -> Double? {
        var components = URLComponents()
        components.path = "/api/v1/query"
        components.queryItems = [URLQueryItem(name: "query", value: "\(selector)[5m]")]
        let path = try #require(components.string)
        let data = try #require(try get(path))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let result = try #require((json["data"] as? [String: Any])?["result"] as? [[String: Any]])
        return result.compactMap { (($0["values"] as? [[Any]])?.last?.first as? NSNumber)?.doubleValue }.max()
    }

    func value(_ expression: String) throws -> Double? {
        let samples = try query(expression)
        #expect(samples.count <= 1, "\(expression): \(samples.count) series")
        return samples.first?.value
    }
}

@Suite("Live metrics for Prometheus", .timeLimit(.minutes(3)))
struct MetricsCLITests {
    /// An e2e run scraped by Prometheus while it goes: every counter Prometheus
    /// holds at the end is the run's own figure, it saw the counters grow
    /// (several scrapes mid-run), and the last interval's latency quantiles
    /// and the histogram's count agree with the result.
    @Test(.enabled(if: PrometheusServer.binary != nil, PrometheusServer.skipReason))
    func prometheusScrapesTheRunsOwnFigures() throws {
        let metricsPort = try freeLoopbackPort()
        let prometheus = try PrometheusServer(scraping: "127.0.0.1:\(metricsPort)")
        defer { prometheus.stop() }

        let run = try ZoobenchProcess.run(["e2e", "--name", "scraped", "--num-records", "60000", "--throughput", "20000",
                                           "--warmup", "0s", "--partitions", "3", "--metrics-port", "\(metricsPort)",
                                           "--metrics-address", "127.0.0.1", "--metrics-linger", "1500ms", "--json", "--no-save"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultJSON.decode(RunResult.self, from: Data(run.stdout.utf8))
        let integrity = try #require(result.integrity?.first)
        #expect(integrity.lost == 0 && integrity.consumed == 60_000)
        let delivered = result.timeline.reduce(0) { $0 + $1.delivered }
        #expect(delivered == 60_000)

        let producer = #"{run="scraped",role="producer"}"#
        let consumer = #"{run="scraped",role="consumer"}"#
        #expect(try prometheus.last("zoobench_records_delivered_total\(producer)") == Double(delivered))
        #expect(try prometheus.last("zoobench_records_sent_total\(producer)") == Double(result.timeline.reduce(0) { $0 + $1.sent }))
        #expect(try prometheus.last("zoobench_bytes_delivered_total\(producer)") == Double(result.timeline.reduce(0) { $0 + $1.bytes }))
        #expect(try prometheus.last(#"zoobench_errors_total{run="scraped",role="producer",error="delivery"}"#) == 0)
        #expect(try prometheus.last("zoobench_records_in_flight\(producer)") == 0)
        let consumeTimeline = try #require(result.consume?.timeline)
        let consumed = consumeTimeline.reduce(0) { $0 + $1.consumed }
        #expect(try prometheus.last("zoobench_records_consumed_total\(consumer)") == Double(consumed))
        #expect(consumed == integrity.consumed + integrity.reRead)
        #expect(try prometheus.last("zoobench_intervals_total\(producer)") == Double(result.timeline.count))

        // Live: Prometheus saw the counter part-way, more than once.
        let samples = try #require(try prometheus.value("count_over_time(zoobench_records_delivered_total\(producer)[5m])"))
        #expect(samples >= 6, "only \(samples) scrapes")
        let lowest = try #require(try prometheus.value("min_over_time(zoobench_records_delivered_total\(producer)[5m])"))
        #expect(lowest < Double(delivered))

        // Latency: the histogram holds every record; the quantile gauges are the last interval's.
        #expect(try prometheus.last(#"zoobench_latency_seconds_count{run="scraped",role="producer",path="send_ack"}"#) == Double(delivered))
        #expect(try prometheus.last(#"zoobench_latency_seconds_count{run="scraped",role="consumer",path="send_consume"}"#)
            == Double(consumed - integrity.reRead))
        let last = try #require(result.timeline.last { $0.delivered > 0 })
        #expect(try prometheus.last(#"zoobench_interval_latency_seconds{run="scraped",role="producer",quantile="0.99"}"#)
            == Double(last.p99) / 1e6)
        let lastConsumed = try #require(consumeTimeline.last { $0.consumed > 0 })
        #expect(try prometheus.last(#"zoobench_interval_latency_seconds{run="scraped",role="consumer",quantile="1"}"#)
            == Double(lastConsumed.max) / 1e6)
        // histogram_quantile over the buckets lands in the bucket holding the result's p50.
        let p50 = try #require(try prometheus.value(
            #"histogram_quantile(0.5, last_over_time(zoobench_latency_seconds_bucket{run="scraped",role="producer",path="send_ack"}[5m]))"#))
        let exact = Double(try #require(result.summary?.latency.p50)) / 1e3
        let bucket = try #require(LatencyBuckets.bounds.map { Double($0) / 1e6 }.firstIndex { exact <= $0 })
        #expect(p50 <= Double(LatencyBuckets.bounds[bucket]) / 1e6 && (bucket == 0 || p50 >= Double(LatencyBuckets.bounds[bucket - 1]) / 1e6),
                "histogram_quantile p50 \(p50) s, the result's \(exact) s")
        let info = try prometheus.query(#"last_over_time(zoobench_info{command="e2e"}[5m])"#)
        #expect(info.count == 1 && info.first?.labels["librdkafka"] == KafkaVersion.librdkafka)

        // Every query of the Grafana dashboard is PromQL Prometheus accepts, and
        // those of the panels an e2e run feeds find its series. (Evaluated at
        // the last scrape: the series went stale when zoobench exited.)
        let at = try #require(try prometheus.lastScrape(of: #"zoobench_intervals_total{run="scraped",role="producer"}"#))
        for (panel, expression) in try Self.dashboardQueries() {
            let concrete = expression.replacingOccurrences(of: "$__rate_interval", with: "1m")
                .replacingOccurrences(of: "$run", with: ".*").replacingOccurrences(of: "$worker", with: ".*")
            let samples = try prometheus.query(concrete, at: at)
            if !["Errors and faults"].contains(panel) {
                #expect(!samples.isEmpty, "at \(at) (now \(Date().timeIntervalSince1970)) dashboard panel '\(panel)': \(concrete) found nothing")
            }
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The dashboard's queries: panel title and PromQL expression.
    static func dashboardQueries() throws -> [(panel: String, expression: String)] {
        let data = try Data(contentsOf: repository.appendingPathComponent("docs/grafana/zoobench-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        return panels.flatMap { panel in
            ((panel["targets"] as? [[String: Any]]) ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "", $0) }
            }
        }
    }

    /// The dashboard names only metrics zoobench exports (a histogram by its
    /// `_bucket`, `_sum` or `_count` series), and shows every one of them.
    @Test func theDashboardUsesExactlyTheExportedNames() throws {
        var exported: [String: String] = [:]  // series name → metric name
        for metric in MetricsExporter.metrics {
            if metric.type == "histogram" {
                for suffix in ["_bucket", "_sum", "_count"] { exported[metric.name + suffix] = metric.name }
            } else {
                exported[metric.name] = metric.name
            }
        }
        let queries = try Self.dashboardQueries()
        #expect(queries.count >= 10)
        var shown: Set<String> = []
        for (panel, expression) in queries {
            let names = expression.matches(of: /zoobench_[a-z_]+/).map { String($0.output) }
            #expect(!names.isEmpty, "panel '\(panel)': \(expression) names no zoobench metric")
            for name in names {
                #expect(exported[name] != nil, "panel '\(panel)' queries \(name), which zoobench does not export")
                if let metric = exported[name] { shown.insert(metric) }
            }
        }
        #expect(shown == Set(MetricsExporter.metrics.map(\.name)), "not on the dashboard: \(Set(MetricsExporter.metrics.map(\.name)).subtracting(shown).sorted())")
    }

    /// A port that cannot be had, an address that is not one and the metrics
    /// flags without a port are bad input: one line, exit 2, before any run.
    @Test func endpointProblemsAreOneLineAndExitTwo() throws {
        // A port held by a listening socket of this test's own.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && listen(holder, 4) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        #expect(listening)
        let port = UInt16(bigEndian: address.sin_port)
        let taken = try ZoobenchProcess.run(["produce", "--num-records", "10", "--metrics-port", "\(port)", "--no-save"])
        #expect(taken.status == 2)
        #expect(taken.stderr.contains("--metrics-port: cannot serve metrics on 127.0.0.1:\(port): the address is in use"), "\(taken.stderr)")
        #expect(taken.stderr.split(separator: "\n").count == 1)
        for arguments in [["--metrics-port", "0", "--metrics-address", "localhost"], ["--metrics-linger", "1s"],
                          ["--metrics-port", "70000"], ["--metrics-address", "127.0.0.1"]] {
            let bad = try ZoobenchProcess.run(["produce", "--num-records", "10", "--no-save"] + arguments)
            #expect(bad.status == 2, "\(arguments): \(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").count == 1, "\(arguments): \(bad.stderr)")
        }
    }

    /// The endpoint answers while the run goes, with every series labelled,
    /// and 404 elsewhere; port 0 takes a free port and says which.
    @Test func theEndpointServesTheTextFormatWhileTheRunGoes() throws {
        let process = Process()
        process.executableURL = ZoobenchProcess.binary
        process.arguments = ["produce", "--name", "live", "--duration", "3s", "--warmup", "0s", "--throughput", "5000",
                             "--metrics-port", "0", "--no-save", "--quiet"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        // The metrics line comes before the run; read until it.
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("/metrics"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("metrics ") })
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.flatMap { URL(string: String($0)) })
        #expect(url.host == "127.0.0.1" && url.path == "/metrics" && (url.port ?? 0) > 0)
        Thread.sleep(forTimeInterval: 2)
        let body = try #require(try Self.get(url))
        #expect(body.contains("# TYPE zoobench_records_delivered_total counter"))
        #expect(body.contains("# TYPE zoobench_latency_seconds histogram"))
        let delivered = body.split(separator: "\n").first { $0.hasPrefix("zoobench_records_delivered_total{") }
        #expect(delivered?.contains(#"run="live",role="producer",worker=""#) == true)
        #expect((delivered?.split(separator: " ").last.flatMap { Double($0) } ?? 0) > 0)
        var other = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        other.path = "/other"
        #expect(try Self.get(try #require(other.url)) == nil)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// Runs zoobench with `--metrics-port` on a free port, reading the
    /// endpoint every 100 ms until it exits; its status and the last page read.
    static func scrapedUntilExit(_ arguments: [String], stdin: FileHandle? = nil) throws -> (status: Int32, page: String) {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = ZoobenchProcess.binary
        process.arguments = arguments + ["--metrics-port", "\(port)", "--metrics-linger", "1s"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
        var page = ""
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning, Date() < deadline {
            if let body = try get(url) { page = body }
            Thread.sleep(forTimeInterval: 0.1)
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, page)
    }

    /// The value of the one line starting with `series`.
    static func value(_ page: String, _ series: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    /// A sweep's cells are series of their own (their run names; a cell's
    /// repeats add up in its series); a consume
    /// run's consumed count and lag are its own.
    @Test func sweepCellsAndConsumeRunsHaveTheirOwnSeries() throws {
        let sweep = try Self.scrapedUntilExit(["sweep", "--name", "sw", "--acks", "1,-1", "--num-records", "3000", "--warmup", "0s", "--repeat", "2",
                                               "--no-save", "--quiet"])
        #expect(sweep.status == 0)
        for cell in ["sw-cell1", "sw-cell2"] {
            #expect(Self.value(sweep.page, "zoobench_records_delivered_total{run=\"\(cell)\",role=\"producer\",worker=\"\(ProcessInfo.processInfo.hostName)\"}") == 6000,
                    "\(cell)")
        }
        #expect(sweep.page.contains(#"zoobench_info{command="sweep""#))

        let consume = try Self.scrapedUntilExit(["consume", "--name", "drain", "--backlog", "2MB", "--backlog-record-size", "1000",
                                                 "--no-save", "--quiet"])
        #expect(consume.status == 0)
        let consumed = try #require(Self.value(consume.page, #"zoobench_records_consumed_total{run="drain",role="consumer",worker="\#(ProcessInfo.processInfo.hostName)"}"#))
        #expect(consumed >= 1_900 && consumed <= 2_200, "\(consumed)")
        #expect(Self.value(consume.page, #"zoobench_consumer_lag_records{run="drain",role="consumer",worker="\#(ProcessInfo.processInfo.hostName)"}"#) == 0)
    }

    /// `cluster --control`: each change it makes is counted; a command it
    /// refuses is not.
    @Test func theClusterCountsItsControlChanges() throws {
        let commands = Pipe()
        // Written before it starts: they wait in the pipe until it reads them.
        commands.fileHandleForWriting.write(Data("rtt 1 5ms\nrtt 1 0ms\nnonsense\n".utf8))
        try commands.fileHandleForWriting.close()
        let cluster = try Self.scrapedUntilExit(["cluster", "--brokers", "2", "--topic", "t:2", "--for", "3s", "--control"],
                                                stdin: commands.fileHandleForReading)
        #expect(cluster.status == 0)
        #expect(Self.value(cluster.page, #"zoobench_faults_total{run="cluster",role="cluster",worker="\#(ProcessInfo.processInfo.hostName)"}"#) == 2)
        #expect(cluster.page.contains(#"zoobench_info{command="cluster""#))
    }

    static func get(_ url: URL) throws -> String? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var body: String?
        URLSession.shared.dataTask(with: url) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200, let data { body = String(decoding: data, as: UTF8.self) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        return body
    }
}
