import Foundation
import Testing
import ZooBench

@Suite("plan: SLO, rate search, knee")
struct CapacityPlanTests {
    /// A made-up target: p99 is 2 ms at rest and reaches exactly 50 ms at
    /// 73,000 records/s, steeper beyond; it always keeps up and never errs.
    static func fakeStep(_ rate: Double, keepUp: Double = 1) -> PlanStepFigures {
        let p99 = 2 + 48 * pow(rate / 73_000, 4)
        return PlanStepFigures(askedRate: rate, achievedRate: rate * keepUp,
                               latencyByPercentile: [50: p99 / 4, 99: p99, 99.9: p99 * 1.5, 100: p99 * 2],
                               errors: 0, sent: Int(rate))
    }

    static func search(_ search: RateSearch, slo: SLO, curve: (Double) -> PlanStepFigures = { fakeStep($0) }) -> (RateSearch, [Double]) {
        var search = search
        var tried: [Double] = []
        while let rate = search.next() {
            tried.append(rate)
            search.record(rate: rate, passed: PlanVerdict(curve(rate), slo: slo).passed)
            if tried.count > 100 { break }
        }
        return (search, tried)
    }

    /// Ramp 10k, 57.5k, 105k (fails), then bisection between 57.5k and 105k
    /// until within 5 %: the exact sequence and answer worked out by hand.
    @Test func bisectionFindsTheEdge() throws {
        let slo = try SLO(parsing: ["p99<=50ms"])
        let (search, tried) = Self.search(RateSearch(minRate: 10_000, maxRate: 200_000, rampSteps: 5, precision: 0.05), slo: slo)
        #expect(tried == [10_000, 57_500, 105_000, 81_250, 69_375, 75_312.5, 72_343.75])
        #expect(search.phase == .done)
        #expect(search.answer == 72_343.75)
        #expect(search.lowestFailing == 75_312.5)
        #expect(!search.limitedByRange)
    }

    /// A tighter precision keeps bisecting; the answer stays below the true edge and within 0.1 % of it.
    @Test func precisionBoundsTheAnswer() throws {
        let slo = try SLO(parsing: ["p99<=50ms"])
        let (search, _) = Self.search(RateSearch(minRate: 10_000, maxRate: 200_000, rampSteps: 5, precision: 0.001), slo: slo)
        let answer = try #require(search.answer)
        let failing = try #require(search.lowestFailing)
        #expect(answer <= 73_000 && failing > 73_000)
        #expect(failing - answer <= 0.001 * answer)
    }

    @Test func noRateMeetsTheSLO() throws {
        let slo = try SLO(parsing: ["p99<=1ms"])  // the curve never goes under 2 ms
        let (search, tried) = Self.search(RateSearch(minRate: 10_000, maxRate: 200_000, rampSteps: 5), slo: slo)
        #expect(tried == [10_000])
        #expect(search.answer == nil)
        #expect(search.phase == .done)
        #expect(!search.limitedByRange)
    }

    @Test func everyStepPassesUpToTheTop() throws {
        let slo = try SLO(parsing: ["p99<=50ms"])
        let (search, tried) = Self.search(RateSearch(minRate: 1_000, maxRate: 41_000, rampSteps: 5), slo: slo)
        #expect(tried == [1_000, 11_000, 21_000, 31_000, 41_000])
        #expect(search.answer == 41_000)
        #expect(search.limitedByRange)
    }

    /// A rate the producers could not reach fails even with good latency.
    @Test func fallingBehindFails() throws {
        let slo = try SLO(parsing: ["p99<=50ms"])
        let verdict = PlanVerdict(Self.fakeStep(10_000, keepUp: 0.9), slo: slo)
        #expect(!verdict.passed)
        #expect(verdict.reasons == ["achieved 9000 of 10000 records/s (under 95%)"])
        #expect(PlanVerdict(Self.fakeStep(10_000, keepUp: 0.96), slo: slo).passed)
    }

    /// `<` is a strict bound: a figure equal to it fails; `<=` lets it pass.
    /// `error-rate<0` could never hold and is refused.
    @Test func strictBoundsAreStrict() throws {
        let figures = Self.fakeStep(73_000)  // p99 50
        #expect(try SLO(parsing: ["p99<=50ms"]).violations(figures).isEmpty)
        #expect(try SLO(parsing: ["p99<50ms"]).violations(figures) == ["p99 50.00 ms >= 50 ms"])
        #expect(try SLO(parsing: ["p99<50.1ms"]).violations(figures).isEmpty)
        #expect(SLOCondition(parsing: "error-rate<0") == nil)
        #expect(SLOCondition(parsing: "error-rate<1%")?.strict == true)
    }

    @Test func sloBoundsAndErrors() throws {
        let slo = try SLO(parsing: ["p99<=50ms, p99.9 < 1s", "p50<=250us"])
        #expect(slo.conditions == [
            SLOCondition(.p99, 50), SLOCondition(.p999, 1000, strict: true), SLOCondition(.p50, 0.25), SLOCondition(.errorRate, 0),
        ])
        #expect(slo.description == "p99 <= 50 ms and p99.9 < 1000 ms and p50 <= 0.25 ms and error-rate <= 0%")
        #expect(slo.primaryLatency == .p99)
        var figures = Self.fakeStep(73_000)  // p99 50, p99.9 75, p50 12.5
        #expect(slo.violations(figures) == ["p50 12.50 ms > 0.25 ms"])
        figures.errors = 1
        #expect(try SLO(parsing: ["p99<=50ms"]).violations(figures) == ["error-rate 0.00137% > 0%"])
        #expect(try SLO(parsing: ["p99<=50ms", "error-rate<=0.1%"]).violations(figures).isEmpty)
        #expect(try SLO(parsing: ["error-rate<=0.01"]).conditions == [SLOCondition(.errorRate, 0.01)])
        for bad in ["p98<=5ms", "p99>=5ms", "p99<=0", "p99<=-1ms", "error-rate<=2", "p99", "latency<=5ms", "p99<=5parsecs"] {
            #expect(throws: WorkloadError.self, "'\(bad)' parsed") { try SLO(parsing: [bad]) }
        }
        #expect(throws: WorkloadError.self) { try SLO(parsing: []) }
    }

    /// A hockey stick bends at its last flat point; a noisy high reading on
    /// the flat part does not move the knee; a curve that does not bend
    /// upwards, or stays flat, has none.
    @Test func kneeOfTheCurve() {
        let stick: [(throughput: Double, latency: Double)] = [(10, 5), (20, 5.5), (30, 6), (40, 7), (50, 30), (60, 100)]
        #expect(curveKnee(stick) == 3)
        #expect(curveKnee(stick.reversed()) == 2)  // the same point, found whatever the order
        let noisy: [(throughput: Double, latency: Double)] = [(10, 5), (20, 9), (30, 6), (40, 7), (50, 30), (60, 100)]
        #expect(curveKnee(noisy) == 3)
        #expect(curveKnee([(10, 50), (20, 90), (30, 100)]) == nil)  // rises fast, then flattens
        #expect(curveKnee([(10, 5), (20, 6)]) == nil)
        #expect(curveKnee([(10, 5), (20, 5), (30, 5)]) == nil)
        #expect(curveKnee([(10, 10.5), (20, 10.4), (30, 11.5)]) == nil)  // flat within noise: no knee
        #expect(curveKnee([(10, 10), (20, 11), (30, 40)]) == 1)
    }

    @Test func ratesParse() {
        #expect(Rate(parsing: "200000") == .records(200_000))
        #expect(Rate(parsing: "200k") == .records(200_000))
        #expect(Rate(parsing: "1.5m/s") == .records(1_500_000))
        #expect(Rate(parsing: "50MB/s") == .bytes(52_428_800))
        #expect(Rate(parsing: "1GB/s") == .bytes(1_073_741_824))
        #expect(Rate(parsing: "1GB/s")?.recordsPerSecond(recordBytes: 1024) == 1_048_576)
        for bad in ["0", "-5", "fast", "", "k", "1e999"] {
            #expect(Rate(parsing: bad) == nil, "'\(bad)' parsed")
        }
    }
}
