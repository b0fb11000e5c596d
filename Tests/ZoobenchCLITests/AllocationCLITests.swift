import Foundation
import Testing

@Suite("zoobench --count-allocations", .serialized)
struct AllocationCLITests {
    static func allocations(_ arguments: [String]) throws -> (ZoobenchProcess, [String: Any]) {
        let result = try ZoobenchProcess.run(["produce", "--no-save", "--json"] + arguments)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (result, try #require(object?["allocations"] as? [String: Any], "stderr: \(result.stderr)"))
    }

    /// 10 KB payloads sent without a copy: the send path allocates about
    /// librdkafka's own record per message, far under the payload; zoobench's
    /// per-message code allocates nothing; and the counter saw librdkafka's
    /// one allocation per message, so it was really counting.
    @Test func sendPathDoesNotCopyTenKilobytePayloads() throws {
        let (result, allocations) = try Self.allocations(["--record-size", "10k", "--num-records", "20000", "--require-zero-copy"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let counts = try #require(allocations["counts"] as? [String: Any])
        #expect(counts["messages"] as? Int == 20000)
        #expect(allocations["payloadBytes"] as? Double == 10240)
        let path = try #require(allocations["pathBytesPerMessage"] as? Double)
        #expect(path > 100 && path < 1024, "send path allocated \(path) B per 10 KB message")
        #expect(try #require(counts["librdkafkaCallMallocs"] as? Int) >= 20000)
        #expect(try #require(allocations["zoobenchAllocationsPerMessage"] as? Double) <= 0.001)
        #expect(allocations["zeroCopy"] as? Bool == true)
    }

    /// No leak across a million messages: allocations outstanding at the end
    /// of the window stay a small constant, not one per message.
    @Test func aMillionMessagesLeaveNothingBehind() throws {
        let (result, allocations) = try Self.allocations(["--num-records", "1000000", "--acks", "1", "--count-allocations"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let counts = try #require(allocations["counts"] as? [String: Any])
        let mallocs = try #require(counts["mallocs"] as? Int)
        let frees = try #require(counts["frees"] as? Int)
        #expect(counts["messages"] as? Int == 1_000_000)
        #expect(mallocs >= 1_000_000)
        #expect(mallocs - frees < 2000, "\(mallocs - frees) allocations outstanding after 1,000,000 messages")
    }

    /// Consumers read records as views into librdkafka's buffers: nothing
    /// per record in zoobench's code, nothing on the receive path.
    @Test func consumersReadViews() throws {
        let result = try ZoobenchProcess.run(["consume", "--backlog", "20MB", "--until-end", "--no-save", "--json",
                                              "--require-zero-copy"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let allocations = try #require(object["allocations"] as? [String: Any])
        let consumed = try #require((object["consume"] as? [String: Any])?["consumed"] as? Int)
        let counts = try #require(allocations["counts"] as? [String: Any])
        #expect(consumed > 100_000)
        #expect(counts["messages"] as? Int == consumed)
        #expect(allocations["path"] as? String == "receive")
        #expect(try #require(allocations["zoobenchAllocationsPerMessage"] as? Double) <= 0.001)
        #expect(try #require(allocations["pathBytesPerMessage"] as? Double) < 100)
        // librdkafka's threads make about one allocation per record fetched; the
        // window opens at the first record read, when some are already
        // fetched, so fewer than one per record fall inside it. The counter saw them.
        #expect(try #require(counts["librdkafkaThreadMallocs"] as? Int) > 10_000)
    }

    /// End to end, zoobench's own code allocates nothing per record on either
    /// side; librdkafka builds and parses the zb.seq header list for each
    /// record (so the bytes are shown, not judged).
    @Test func endToEndAllocatesNothingInZoobench() throws {
        let result = try ZoobenchProcess.run(["e2e", "--num-records", "20000", "--no-save", "--json", "--require-zero-copy"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let allocations = try #require(object["allocations"] as? [String: Any])
        let counts = try #require(allocations["counts"] as? [String: Any])
        #expect(counts["messages"] as? Int == 20000)
        #expect(allocations["path"] as? String == "send and receive")
        #expect(allocations["bytesJudged"] as? Bool == false)
        #expect(try #require(allocations["zoobenchAllocationsPerMessage"] as? Double) <= 0.001)
        // The producer's headers and record (at least 3 per record) were seen.
        #expect(try #require(counts["librdkafkaCallMallocs"] as? Int) >= 60_000)
    }

    @Test func verdictIsPrinted() throws {
        let result = try ZoobenchProcess.run(["produce", "--no-save", "--count-allocations", "--num-records", "50000"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let verdict = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("zero-copy: ") })
        #expect(verdict.hasPrefix("zero-copy: ok — 0.00 allocs/msg in zoobench, 1.0"))
        #expect(verdict.hasSuffix("B/msg allocated on the send path for 100 B payloads"))
    }
}
