import Foundation
import Synchronization
import Testing
import ZooPipe
@testable import ZooBench

/// The engine's runners driven from Swift, as a library user would, on
/// embedded clusters in this process: no binary, no command line.
@Suite("Engine runners: sweep, plan, consume and a two-worker swarm", .serialized, .timeLimit(.minutes(3)))
struct RunnerTests {
    /// A request for the fields given, as flags would give them.
    static func request(_ fields: [(String, String)]) -> WorkloadRequest {
        WorkloadRequest(fields: fields.map { (field: $0.0, text: $0.1) })
    }

    /// Two cells (acks 1 and all), each a fixed record count: every cell's
    /// run delivers exactly that many, and the broker's end offsets grew by as many.
    @Test func aSweepRunsEveryCellAndCountsMatchTheBroker() throws {
        let plan = try SweepPlan.load(Self.request([("acks", "1,all"), ("num-records", "3000"), ("record-size", "200"),
                                                    ("topic", "sweep-engine"), ("partitions", "3")]),
                                      warmupPerCell: "0s", repeats: 1)
        #expect(SweepPlan(base: ProduceWorkload(), axes: []).repeats == 3, "cells repeat 3 times unless told")
        #expect(plan.axes == [SweepAxis(name: "acks", values: ["1", "all"])])
        #expect(plan.cells.count == 2)
        let target = try BenchTarget(brokers: nil, topic: plan.base.topic, partitions: 3, replicationFactor: 1)
        var runner = SweepRunner(plan: plan)
        let starts = Mutex<[String]>([])
        let written = Mutex<[Int]>([])
        runner.onRun = { start in starts.withLock { $0.append("\(start.run)/\(start.runs) \(start.label)") } }
        runner.onCell = { sweep in
            #expect(sweep.partial)
            written.withLock { $0.append(sweep.cells.count) }
        }
        let sweep = try runner.run(on: target)
        #expect(!sweep.partial)
        #expect(starts.withLock { $0 } == ["1/2 acks=1", "2/2 acks=all"])
        #expect(written.withLock { $0 } == [1, 2])
        #expect(sweep.cells.map(\.axisValues) == [["1"], ["all"]])
        for cell in sweep.cells {
            let run = try #require(cell.runs.first)
            #expect(run.summary?.delivered == 3000)
            #expect(run.summary?.brokerOffsetGrowth == 3000)
            #expect(run.histograms == nil, "a sweep keeps percentiles only unless asked")
            #expect(cell.figures.recordsPerSecond > 0)
            #expect(cell.figures.errors == 0)
        }
        #expect(sweep.cells[1].runs[0].workload?.acks == .all)
    }

    /// A ramp of two fixed-rate steps under a lenient SLO: both pass, the
    /// answer is the top of the range, and each step sent what its rate and
    /// duration ask (the schedule's records; a starved sender is allowed 2 %).
    @Test func aPlanRampsToTheTopWhenEveryStepPasses() throws {
        var base = try ProduceWorkload.load(Self.request([("topic", "plan-engine"), ("partitions", "2")])).workload
        base.name = "plan"
        var planner = CapacityPlanner(base: base, slo: try SLO(parsing: ["p99<=5s"]))
        planner.minRate = .records(500)
        planner.maxRate = .records(1500)
        planner.steps = 2
        planner.stepDuration = .seconds(1)
        planner.stepWarmup = .zero
        let events = Mutex<[String]>([])
        planner.onEvent = { event in
            events.withLock { list in
                switch event {
                case .probing: list.append("probing")
                case .probed: list.append("probed")
                case .searching(let low, let high, let steps, _, _): list.append("search \(Int(low))-\(Int(high)) in \(steps)")
                case .stepped(let step, _): list.append("step \(Int(step.askedRate)) \(step.passed ? "pass" : "fail")")
                case .remeasuring(let steps, _): list.append("remeasure \(steps)")
                }
            }
        }
        let target = try BenchTarget(brokers: nil, topic: base.topic, partitions: 2, replicationFactor: 1)
        guard case .planned(let plan) = try planner.run(on: target) else {
            Issue.record("the plan stopped in its probe")
            return
        }
        #expect(events.withLock { $0 } == ["search 500-1500 in 2", "step 500 pass", "step 1500 pass"])
        #expect(!plan.partial)
        #expect(plan.probe == nil, "--max-rate given: no probe")
        #expect(plan.steps.map(\.askedRate) == [500, 1500])
        #expect(plan.answerRecordsPerSecond == 1500)
        #expect(plan.search.limitedByRange)
        for step in plan.steps {
            #expect(step.sent <= Int(step.askedRate) && step.sent >= Int(step.askedRate * 0.98), "\(step.sent) sent at \(step.askedRate)/s")
            #expect(step.run.summary?.brokerOffsetGrowth == Int64(step.run.summary?.delivered ?? -1))
        }
        #expect(plan.summary.hasPrefix("At p99 <= 5000 ms and error-rate <= 0% (send → ack) this target sustains 1500 records/s"))
    }

    /// An SLO nothing meets: the first step fails, the search ends with no answer.
    @Test func aPlanWithAnSLONothingMeetsHasNoAnswer() throws {
        var base = ProduceWorkload()
        base.topic = "plan-none"
        base.name = "plan"
        var planner = CapacityPlanner(base: base, slo: try SLO(parsing: ["p99<=1us"]))
        planner.minRate = .records(1000)
        planner.maxRate = .records(2000)
        planner.stepDuration = .seconds(1)
        planner.stepWarmup = .zero
        let target = try BenchTarget(brokers: nil, topic: base.topic, partitions: 2, replicationFactor: 1)
        guard case .planned(let plan) = try planner.run(on: target) else {
            Issue.record("the plan stopped in its probe")
            return
        }
        #expect(plan.steps.count == 1)
        #expect(plan.steps[0].passed == false)
        #expect(plan.steps[0].reasons.first?.hasPrefix("2 of 2 runs failed: p99 ") == true, "\(plan.steps[0].reasons)")
        #expect(plan.steps[0].repeats?.count == 2, "each step runs twice by default")
        #expect(plan.answerRecordsPerSecond == nil)
        #expect(plan.summary.hasPrefix("No rate meets p99 <= 0.001 ms"))
    }

    /// A consume run that makes its own backlog reads all of it, none missing.
    @Test func aConsumeRunDrainsTheBacklogItMakes() throws {
        var workload = try ConsumeWorkload.load(Self.request([("topic", "drain-engine"), ("backlog", "2MB"),
                                                              ("backlog-record-size", "500"), ("idle-timeout", "5s")]))
        workload.untilEnd = true
        var run = ConsumeRun(workload: workload, brokers: nil)
        #expect(!run.defaultedBacklog)
        #expect(run.topicPartitions == 1)
        let events = Mutex<[String]>([])
        run.onEvent = { event in
            events.withLock { list in
                switch event {
                case .producingBacklog(let records, _, _, _): list.append("producing \(records)")
                case .backlogReady(let records, _): list.append("ready \(records)")
                case .reading: list.append("reading")
                }
            }
        }
        let target = try run.makeTarget(brokers: nil)
        let result = try run.run(on: target)
        let records = (2 << 20) / 500
        #expect(events.withLock { $0 } == ["producing \(records)", "ready \(records)", "reading"])
        #expect(result.backlog?.records == records)
        #expect(result.consume?.consumed == records)
        #expect(result.consume?.missing == 0)
        #expect(result.consume?.end == .endOfTopic)
        #expect(ConsumeRun(workload: ConsumeWorkload(), brokers: nil).defaultedBacklog)
        #expect(!ConsumeRun(workload: ConsumeWorkload(), brokers: "h:1").defaultedBacklog)
    }

    /// A coordinator and two workers in this process, talking through the
    /// control and results topics of an embedded cluster: the run is split,
    /// both workers complete, and the merged count is the broker's growth.
    @Test func aTwoWorkerSwarmMergesWhatTheBrokerGot() throws {
        let cluster = try BenchTarget(brokers: nil, topic: "swarm-engine", partitions: 4, replicationFactor: 1)
        let brokers = cluster.uri.bootstrapServers
        var topics = SwarmTopics(brokers: brokers)
        topics.control = "__engine_control"
        topics.results = "__engine_results"
        let stop = StopSignal()
        let group = DispatchGroup()
        let failures = Mutex<[String]>([])
        for id in ["w-a", "w-b"] {
            let worker = SwarmWorker(link: try SwarmLink(topics, readResults: false),
                                     info: SwarmWorkerInfo.current(id: id))
            group.enter()
            Thread {
                do {
                    try worker.serve(runs: 1, stop: stop) { spec, share, runStop, onInterval in
                        try SwarmShareRun.run(spec, share: share, brokers: brokers, local: [:], stop: runStop, onInterval: onInterval)
                    }
                } catch {
                    failures.withLock { $0.append("\(id): \(error)") }
                }
                group.leave()
            }.start()
        }
        defer {
            stop.stop()
            _ = group.wait(timeout: .now() + 20)
        }
        var settings = SwarmSettings(workers: 2, topics: topics)
        settings.wait = .seconds(30)
        settings.startDelay = .seconds(1)
        let session = try SwarmSession(settings: settings)
        var workload = ProduceWorkload()
        workload.topic = "swarm-engine"
        workload.partitions = 4
        workload.numRecords = 4001
        workload.producers = 2
        let target = try BenchTarget(brokers: brokers, topic: workload.topic, partitions: 4, replicationFactor: 1)
        let result = try session.run(mode: .produce, workload: workload, consume: nil, target: target, stop: StopSignal())

        #expect(failures.withLock { $0 }.isEmpty)
        let swarm = try #require(result.workers)
        #expect(!swarm.degraded, "\(swarm.problems)")
        #expect(swarm.members.map(\.id) == ["w-a", "w-b"])
        #expect(swarm.members.allSatisfy { $0.status == .complete })
        #expect(swarm.members.map(\.numRecords) == [2001, 2000])
        #expect(swarm.members.map(\.delivered).reduce(0, +) == 4001)
        #expect(result.summary?.delivered == 4001)
        #expect(result.summary?.brokerOffsetGrowth == 4001)
        #expect(result.histograms?.latency.totalCount == 4001, "the workers' histograms merged exactly")
        #expect(session.problems.isEmpty)
    }
}
