import Foundation
import Testing
import ZooPipe

/// A `zoobench worker` process, its output in a file.
final class WorkerProcess: @unchecked Sendable {
    let id: String
    let process: Process
    let log: URL

    init(id: String, bootstrap: String, folder: URL, extra: [String] = []) throws {
        self.id = id
        log = folder.appendingPathComponent("\(id).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = ZoobenchProcess.binary
        // A short fetch wait: the embedded cluster holds every fetch that long, even with records waiting.
        process.arguments = ["worker", "--brokers", bootstrap, "--worker-id", id,
                             "--swarm-props", "fetch.wait.max.ms=10"] + extra
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds for `text` in the output.
    @discardableResult
    func await(_ text: String, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A shared cluster, workers on it, and a scratch folder; torn down by `stop()`.
final class SwarmBench: @unchecked Sendable {
    let cluster: ClusterProcess
    let folder: URL
    private let lock = NSLock()
    private var started: [WorkerProcess] = []
    var workers: [WorkerProcess] { lock.withLock { started } }

    init(topics: [String], workers count: Int, label: String, workerArguments: [String] = []) throws {
        folder = try scratchFolder(label)
        cluster = try ClusterProcess.start(topics: topics)
        for index in 1...max(1, count) where count > 0 {
            started.append(try WorkerProcess(id: "w\(index)", bootstrap: cluster.bootstrap, folder: folder,
                                             extra: workerArguments))
        }
        for worker in workers { worker.await("waiting for runs", timeout: 30) }
    }

    func addWorker(_ id: String) throws -> WorkerProcess {
        let worker = try WorkerProcess(id: id, bootstrap: cluster.bootstrap, folder: folder)
        lock.withLock { started.append(worker) }
        return worker
    }

    /// `zoobench swarm ARGS` against the cluster, results in the folder.
    func swarm(_ arguments: [String], timeout: TimeInterval = 120) throws -> ZoobenchProcess {
        try ZoobenchProcess.run(["swarm"] + arguments + ["--brokers", cluster.bootstrap, "--output", folder.path,
                                                         "--swarm-props", "fetch.wait.max.ms=10", "--quiet"],
                                timeout: timeout)
    }

    /// The one result JSON in the folder.
    func result() throws -> [String: Any] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(names.count == 1, "one result file, found \(names)")
        let data = try Data(contentsOf: folder.appendingPathComponent(try #require(names.first)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func stop() {
        workers.forEach { $0.stop() }
        cluster.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    func list(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func int(_ key: String) -> Int { self[key] as? Int ?? -1 }
}

@Suite("zoobench swarm and worker", .serialized)
struct SwarmCLITests {
    /// Four worker processes and a coordinator on a `zoobench cluster`: the
    /// merged count is the workers' sum and the broker's offset growth, the
    /// merged histogram holds every record, and compare and report take the result.
    @Test func fourWorkersMakeOneRun() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 4, label: "swarm4")
        defer { bench.stop() }
        let admin = try KafkaAdmin(bootstrapServers: bench.cluster.bootstrap)
        let before = try admin.endOffsetTotal(topic: "zoobench")
        let run = try bench.swarm(["produce", "--workers", "4", "--num-records", "40000", "--throughput", "20000",
                                   "--acks=all", "-X", "sasl.password=hunter2-swarm-secret"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("secrets   not sent to workers: sasl.password"))
        let after = try admin.endOffsetTotal(topic: "zoobench")

        let result = try bench.result()
        let summary = result.object("summary")
        #expect(summary.int("delivered") == 40_000)
        #expect(summary.int("failed") == 0)
        #expect(after - before == 40_000)
        #expect(summary.int("brokerOffsetGrowth") == 40_000)
        let members = result.object("workers").list("members")
        #expect(members.count == 4)
        #expect(members.map { $0.int("delivered") } == [10_000, 10_000, 10_000, 10_000])
        #expect(members.allSatisfy { $0["status"] as? String == "complete" && $0["fromIntervals"] as? Bool == false })
        #expect(Set(members.compactMap { $0["id"] as? String }) == ["w1", "w2", "w3", "w4"])
        #expect(result.object("workers")["degraded"] as? Bool == false)
        #expect((result.object("workers")["clockSkewBoundMs"] as? Double ?? -1) >= 0)
        #expect(result.object("summary").object("latency").int("count") == 40_000)
        let timeline = result.list("timeline")
        #expect(timeline.reduce(0) { $0 + $1.int("delivered") } == 40_000)
        #expect(run.stdout.contains("workers   4 of 4 complete"))
        for worker in bench.workers { #expect(worker.output.contains("done: result sent"), "\(worker.output)") }

        // The merged result is an ordinary one.
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: bench.folder.path)
            .first { $0.hasSuffix(".json") })
        let json = bench.folder.appendingPathComponent(name).path
        let compare = try ZoobenchProcess.run(["compare", json, json])
        #expect(compare.status == 0, "\(compare.stdout)\(compare.stderr)")
        let page = bench.folder.appendingPathComponent("swarm.html")
        let report = try ZoobenchProcess.run(["report", json, "-o", page.path])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("Workers (4 of 4 complete)"))

        // Nothing secret went over the swarm's topics; the run spec did. (Workers
        // stopped first: their heartbeats would keep the topic growing.)
        bench.workers.forEach { $0.stop() }
        var seen: [String] = []
        for topic in ["__zoobench_control", "__zoobench_results"] {
            var configuration = KafkaConsumerConfiguration()
            configuration.startPosition = .earliest
            let input = try KafkaInputAdapter(uri: "kafka://\(bench.cluster.bootstrap)/\(topic)", configuration: configuration)
            // Read to the topic's end as it is now (a second of silence is no end on a busy machine).
            let end = try admin.watermarks(topic: topic).values.reduce(Int64(0)) { $0 + $1.high - $1.low }
            var read: Int64 = 0
            let deadline = Date().addingTimeInterval(60)
            while read < end && Date() < deadline {
                guard let record = try input.poll(timeout: .seconds(1)) else { continue }
                seen.append(String(decoding: record.value, as: UTF8.self))
                read += 1
            }
        }
        #expect(seen.contains { $0.contains("\"kind\":\"run\"") })
        #expect(seen.filter { $0.contains("\"kind\":\"result\"") }.count == 4)
        #expect(!seen.contains { $0.contains("hunter2-swarm-secret") })
    }

    /// A worker killed mid-run: the run ends, degraded (exit 6), with the
    /// lost worker's interval figures and the others complete; a worker that
    /// comes after the start takes no part.
    @Test func aKilledWorkerLeavesADegradedRun() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 3, label: "swarmkill")
        defer { bench.stop() }
        let victim = bench.workers[1]
        let killer = Thread {
            guard victim.await("started", timeout: 60) else { return }
            Thread.sleep(forTimeInterval: 2.5)
            victim.kill()
        }
        killer.start()
        let first = bench.workers[0]
        let latecomer = Thread {
            guard first.await("started", timeout: 60) else { return }
            Thread.sleep(forTimeInterval: 1)
            _ = try? bench.addWorker("late1")
        }
        latecomer.start()
        let started = Date()
        let run = try bench.swarm(["produce", "--workers", "3", "--duration", "8s", "--throughput", "6000",
                                   "--heartbeat-timeout", "4s"])
        #expect(run.status == 6, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("swarm run degraded: w2 lost"))
        #expect(Date().timeIntervalSince(started) < 60)

        let result = try bench.result()
        let workers = result.object("workers")
        #expect(workers["degraded"] as? Bool == true)
        let members = workers.list("members")
        #expect(members.map { $0["status"] as? String } == ["complete", "lost", "complete"])
        let lost = members[1]
        #expect(lost["fromIntervals"] as? Bool == true)
        // Killed 2.5 s in: at least its first interval (about 2,000 records) reached the coordinator.
        #expect(lost.int("delivered") > 1_000 && lost.int("delivered") < 16_000, "\(lost)")
        #expect(lost.int("intervals") >= 1)
        for member in [members[0], members[2]] {
            // Within 2.5 %: on 2 busy cores a sender thread can fall a little behind its rate.
            #expect(abs(member.int("delivered") - 16_000) <= 400, "2000/s for 8 s: \(member)")
        }
        #expect(result.object("summary").int("delivered") == members[0].int("delivered") + members[2].int("delivered"))
        #expect(result["partial"] as? Bool == false)
        // The timeline keeps what the lost worker did before it went silent.
        #expect(result.list("timeline").reduce(0) { $0 + $1.int("delivered") }
            >= result.object("summary").int("delivered") + lost.int("delivered"))
        #expect((workers["late"] as? [String]) == ["late1"], "\(run.stdout)")
    }

    @Test func tooFewWorkersIsAClearErrorWithinTheWait() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 2, label: "swarmfew")
        defer { bench.stop() }
        let started = Date()
        let run = try bench.swarm(["produce", "--workers", "3", "--wait", "3s", "--num-records", "100"])
        let took = Date().timeIntervalSince(started)
        #expect(run.status == 6)
        #expect(took < 10, "took \(took) s")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("zoobench: error: only 2 of 3 workers answered within 3s (w1, w2)") == true, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: bench.folder.path).filter { $0.hasSuffix(".json") }.isEmpty)
    }

    /// Ctrl-C on the coordinator stops every worker; their figures are saved,
    /// marked partial (not degraded), and the workers wait for the next run.
    @Test func coordinatorCtrlCStopsEveryWorker() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 2, label: "swarmstop")
        defer { bench.stop() }
        let status = try ZoobenchProcess.interrupted(
            ["swarm", "produce", "--workers", "2", "--duration", "60s", "--throughput", "2000", "--brokers",
             bench.cluster.bootstrap, "--output", bench.folder.path, "--swarm-props", "fetch.wait.max.ms=10"],
            after: 8)
        #expect(status == 130)
        let result = try bench.result()
        #expect(result["partial"] as? Bool == true)
        #expect(result.object("workers")["degraded"] as? Bool == false)
        let members = result.object("workers").list("members")
        #expect(members.map { $0["status"] as? String } == ["partial", "partial"])
        #expect(members.allSatisfy { $0.int("delivered") > 0 })
        #expect(result.object("summary").int("delivered") == members.reduce(0) { $0 + $1.int("delivered") })
        for worker in bench.workers {
            #expect(worker.output.contains("stopped, partial: result sent"), "\(worker.output)")
            #expect(worker.process.isRunning, "a worker serves on after a stop")
        }
    }

    /// e2e on two workers, each on its own topic: integrity per worker and
    /// counts that match the topics' growth.
    @Test func e2eOnTwoWorkers() throws {
        let bench = try SwarmBench(topics: ["sw.w1:3", "sw.w2:3"], workers: 2, label: "swarme2e",
                                   workerArguments: ["--runs", "1"])
        defer { bench.stop() }
        let run = try bench.swarm(["e2e", "--workers", "2", "--topic", "sw", "--throughput", "4000", "--duration", "3s",
                                   "--acks=all", "--idempotence", "--consumer-props", "fetch.wait.max.ms=10"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let result = try bench.result()
        #expect(result["kind"] as? String == "e2e")
        let delivered = result.object("summary").int("delivered")
        #expect(abs(delivered - 12_000) <= 120, "4000/s for 3 s: \(delivered)")
        #expect(result.object("summary").int("brokerOffsetGrowth") == delivered)
        #expect(result.object("consume").int("consumed") == delivered)
        let integrity = result.list("integrity")
        #expect(integrity.count == 2)
        #expect(integrity.allSatisfy { $0.int("lost") == 0 && $0.int("duplicated") == 0 && $0.int("reordered") == 0 })
        #expect(integrity.reduce(0) { $0 + $1.int("acknowledged") } == delivered)
        #expect(integrity.compactMap { $0["group"] as? String }.map { String($0.prefix(3)) } == ["w1/", "w2/"])
        #expect(result.object("endToEnd").object("latency").int("count") == delivered)
        #expect(result.object("workers").list("members").map { $0["topic"] as? String } == ["sw.w1", "sw.w2"])
        // --runs 1: each worker exits 0 after its run.
        for worker in bench.workers {
            let deadline = Date().addingTimeInterval(15)
            while worker.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            #expect(!worker.process.isRunning && worker.process.terminationStatus == 0, "\(worker.output)")
        }
    }
}

extension SwarmCLITests {
    /// A sweep whose cells are swarm runs: each cell's run has its workers
    /// section and their counts, and the cell's CPU is the workers'.
    @Test func sweepCellsRunOnTheSwarm() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 2, label: "swarmsweep")
        defer { bench.stop() }
        let run = try bench.swarm(["sweep", "--workers", "2", "--acks", "1,all", "--throughput", "4000",
                                   "--duration-per-cell", "2s", "--warmup-per-cell", "1s"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let sweep = try bench.result()
        #expect(sweep["kind"] as? String == "sweep")
        let cells = sweep.list("cells")
        #expect(cells.count == 2)
        for cell in cells {
            let result = try #require(cell.list("runs").first)
            let members = result.object("workers").list("members")
            #expect(members.count == 2 && members.allSatisfy { $0["status"] as? String == "complete" })
            #expect(members.map { $0.int("delivered") }.reduce(0, +) == result.object("summary").int("delivered"))
            #expect(abs(result.object("summary").int("delivered") - 8_000) <= 80, "4000/s for 2 s")
            #expect(result.object("summary").int("brokerOffsetGrowth") == result.object("summary").int("delivered")
                + result.object("warmup").int("delivered"))
            let workerCPU = result.object("environment")["cpuSeconds"] as? Double ?? 0
            let figures = try #require(cell.list("runFigures").first)
            let perGB = figures["cpuSecondsPerGB"] as? Double ?? 0
            let gigabytes = Double(result.object("summary").int("deliveredBytes")) / 1_073_741_824
            #expect(workerCPU > 0 && abs(perGB * gigabytes - workerCPU) < 0.05 * workerCPU + 0.01,
                    "cpu s/GB \(perGB) from the workers' \(workerCPU) s")
        }
    }
}

extension SwarmCLITests {
    /// A capacity plan whose steps are swarm runs: each step's run is a
    /// merged result with its workers, holding the rate it asked for.
    @Test func planStepsRunOnTheSwarm() throws {
        let bench = try SwarmBench(topics: ["zoobench:6"], workers: 2, label: "swarmplan")
        defer { bench.stop() }
        let run = try bench.swarm(["plan", "--workers", "2", "--slo", "p99<=2s", "--max-rate", "6000", "--steps", "2",
                                   "--step-duration", "2s", "--step-warmup", "1s", "--precision", "50%"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("workload  --producers 1 raised to 2: one per worker at least"))
        let plan = try bench.result()
        #expect(plan["kind"] as? String == "plan")
        let steps = plan.list("steps")
        #expect(steps.count == 2)
        for step in steps {
            let result = step.object("run")
            let asked = step["askedRate"] as? Double ?? 0
            let members = result.object("workers").list("members")
            #expect(members.count == 2 && members.allSatisfy { $0["status"] as? String == "complete" })
            let delivered = result.object("summary").int("delivered")
            #expect(members.map { $0.int("delivered") }.reduce(0, +) == delivered)
            #expect(abs(Double(delivered) - asked * 2) <= asked * 2 * 0.02 + 2, "asked \(asked)/s for 2 s: \(delivered)")
            #expect(step["passed"] as? Bool == true)
        }
    }
}
