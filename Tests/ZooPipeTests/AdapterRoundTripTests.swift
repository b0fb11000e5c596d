import Foundation
import Testing
@testable import ZooPipe

/// Produces to and consumes from a real (embedded) cluster over loopback TCP.
@Suite("Adapters on the embedded cluster", .serialized)
struct AdapterRoundTripTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var acks: Acks
        var codec: CompressionCodec
        var testDescription: String { "acks=\(acks) codec=\(codec)" }
    }

    static let cases: [Case] = Acks.allCases.flatMap { acks in
        CompressionCodec.allCases.map { Case(acks: acks, codec: $0) }
    }

    @Test(arguments: cases)
    func producesAndReadsBackExactly(_ example: Case) throws {
        let cluster = try EmbeddedCluster(brokers: 3)
        let topic = "roundtrip-\(example.acks.rawValue + 1)-\(example.codec)"
        try cluster.createTopic(topic, partitions: 3)
        let count = 600

        var configuration = KafkaProducerConfiguration()
        configuration.compression = example.codec
        configuration.linger = .milliseconds(2)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: topic), acks: example.acks,
                                            timeout: .seconds(20), configuration: configuration)
        var reports: [KafkaDeliveryReport] = []
        output.onDelivery = { reports.append($0) }
        for i in 0..<count {
            try output.send("value-\(i)", key: "key-\(i)",
                            headers: [KafkaHeader(name: "seq", string: String(i)), KafkaHeader(name: "null", value: nil)],
                            token: UInt64(i))
        }
        try output.flush()
        #expect(output.statistics.sent == count)
        #expect(output.statistics.delivered == count)
        #expect(output.statistics.failed == 0)
        #expect(reports.count == count)
        #expect(Set(reports.map(\.token)) == Set((0..<count).map(UInt64.init)))
        #expect(reports.allSatisfy { $0.succeeded && $0.deliveredTime >= $0.sendTime })

        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        let marks = try admin.watermarks(topic: topic)
        #expect(marks.count == 3)
        #expect(marks.values.reduce(0) { $0 + $1.high } == Int64(count))
        if example.acks != .none {
            // The broker's offsets, as reported in delivery, are exactly 0..<high for each partition.
            for (partition, mark) in marks {
                let offsets = reports.filter { $0.partition == partition }.map(\.offset).sorted()
                #expect(offsets == Array(0..<mark.high))
            }
        }

        // Simple consumer (no group) and group consumer each read everything once.
        for group in [nil, "group-\(topic)"] as [String?] {
            let input = try KafkaInputAdapter(uri: cluster.uri(topic: topic), groupID: group)
            var seen: [Int: KafkaMessage] = [:]
            let read = try input.consume(limit: count, idleTimeout: .seconds(15)) { record in
                let message = record.copy()
                let i = Int(message.keyString!.dropFirst(4))!
                #expect(seen[i] == nil, "duplicate \(i)")
                seen[i] = message
                #expect(record.id != nil)
                #expect(record.timestamp != nil)
            }
            #expect(read == count)
            #expect(seen.count == count)
            for (i, message) in seen {
                #expect(message.valueString == "value-\(i)")
                #expect(message.headers == [KafkaHeader(name: "seq", string: String(i)), KafkaHeader(name: "null", value: nil)])
            }
            let positions = input.positions()
            for (partition, mark) in marks {
                #expect(positions[partition] == mark.high, "partition \(partition), group \(group ?? "none")")
            }
            input.close()
        }
    }

    @Test func zeroCopySendKeepsCallerBytes() throws {
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic("nocopy", partitions: 1)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "nocopy"))
        let payloads: [[UInt8]] = (0..<10).map { i in Array(repeating: UInt8(i), count: 100 + i) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2000, alignment: 8)
        defer { buffer.deallocate() }
        var offset = 0
        var slices: [UnsafeRawBufferPointer] = []
        for p in payloads {
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<offset + p.count])
            slice.copyBytes(from: p)
            slices.append(UnsafeRawBufferPointer(slice))
            offset += p.count
        }
        for (i, slice) in slices.enumerated() {
            try output.send(noCopy: slice, token: UInt64(i))
        }
        try output.flush()
        let input = try KafkaInputAdapter(uri: cluster.uri(topic: "nocopy"), generateIDs: false)
        var values: [[UInt8]] = []
        try input.consume(limit: 10, idleTimeout: .seconds(10)) { record in
            #expect(record.id == nil)
            #expect(record.key == nil)
            values.append(Array(record.value))
        }
        #expect(values == payloads)
    }

    /// poll(until:) waits without spinning: with nothing in flight it
    /// returns at its deadline, not before; with a record in flight it
    /// returns when the delivery report comes, long before a far deadline.
    @Test func pollUntilWaitsForTheDeadlineOrTheFirstReport() throws {
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic("paced", partitions: 1)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "paced"), acks: .leader)
        var delivered = 0
        output.onDelivery = { _ in delivered += 1 }
        var began = MonotonicClock.nanoseconds()
        #expect(output.poll(until: began + 150_000_000) == 0)
        let idle = MonotonicClock.nanoseconds() - began
        #expect(idle >= 150_000_000 && idle < 5_000_000_000, "\(idle) ns")

        let bytes: [UInt8] = Array(repeating: 7, count: 100)
        try bytes.withUnsafeBytes { payload in
            try output.send(noCopy: payload, token: 1)
            began = MonotonicClock.nanoseconds()
            var served = 0
            while delivered == 0 && MonotonicClock.nanoseconds() - began < 20_000_000_000 {
                served += output.poll(until: MonotonicClock.nanoseconds() + 30_000_000_000)
            }
            #expect(served >= 1)
        }
        // One report, well before the 30 s deadline (the cluster acks in milliseconds).
        #expect(delivered == 1)
        #expect(MonotonicClock.nanoseconds() - began < 10_000_000_000)
    }

    /// A one-broker cluster with `topic`, a producer to it (acks=1), and a
    /// buffer of `bytes` bytes of `fill` to send from (the caller frees it).
    static func producing(_ topic: String, partitions: Int32, bytes: Int,
                          fill: UInt8) throws -> (EmbeddedCluster, KafkaOutputAdapter, UnsafeMutableRawBufferPointer) {
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic(topic, partitions: partitions)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: topic), acks: .leader)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: fill)
        return (cluster, output, buffer)
    }

    /// A delivery report carries the record's value length (the producer
    /// counts bytes from it instead of looking the size up again).
    @Test func deliveryReportsCarryTheValueLength() throws {
        let (cluster, output, buffer) = try Self.producing("lengths", partitions: 1, bytes: 4096, fill: 7)
        defer { buffer.deallocate() }
        var lengths: [UInt64: Int] = [:]
        output.onDelivery = { report in lengths[report.token] = report.length }
        let sizes = [0, 1, 100, 1000, 4096]
        for (token, size) in sizes.enumerated() {
            try output.send(noCopy: UnsafeRawBufferPointer(rebasing: buffer[0..<size]), token: UInt64(token))
        }
        try output.flush()
        #expect(sizes.indices.map { lengths[UInt64($0)] } == sizes)
        withExtendedLifetime(cluster) {}
    }

    /// drainQueued hands every queued record over in order through
    /// librdkafka's callback loop; a handler that stops leaves the rest
    /// queued, and next() and drainQueued go on from there: every offset of
    /// every partition exactly once. A group consumer drains nothing.
    @Test func drainingHandsEveryRecordOnceInOrder() throws {
        let (cluster, output, value) = try Self.producing("drain", partitions: 3, bytes: 10, fill: 1)
        defer { value.deallocate() }
        let total = 30_000
        for i in 0..<total {
            try output.send(noCopy: UnsafeRawBufferPointer(value), partition: Int32(i % 3), token: UInt64(i))
            if i & 1023 == 0 { output.poll() }
        }
        try output.flush()

        final class Collector: KafkaRecordHandler {
            var seen: [Int32: [Int64]] = [:]
            var stopAfter: Int
            var count = 0
            init(stopAfter: Int) { self.stopAfter = stopAfter }
            override func received(_ record: KafkaRecord) -> Bool {
                seen[record.partition, default: []].append(record.offset)
                count += 1
                return count % stopAfter != 0
            }
        }
        let input = try KafkaInputAdapter(uri: cluster.uri(topic: "drain"), generateIDs: false)
        let collector = Collector(stopAfter: 777)
        var drains = 0
        var stoppedEarly = 0
        let deadline = Date().addingTimeInterval(30)
        while collector.count < total && Date() < deadline {
            let before = collector.count
            let handed = try input.drainQueued(into: collector)
            #expect(handed == collector.count - before)
            drains += 1
            if handed > 0 && collector.count % 777 == 0 { stoppedEarly += 1 }
            // Between drains, one record the ordinary way (what the consume loop does when the queue is empty).
            if let record = try input.poll(timeout: .milliseconds(50)) {
                collector.seen[record.partition, default: []].append(record.offset)
                collector.count += 1
            }
        }
        #expect(collector.count == total)
        #expect(stoppedEarly > 0, "the handler never stopped a drain")
        for partition in Int32(0)..<3 {
            #expect(collector.seen[partition] == Array(0..<Int64(total / 3)), "partition \(partition)")
        }
        #expect(input.recordsConsumed == total)

        let member = try KafkaInputAdapter(uri: cluster.uri(topic: "drain"), groupID: "drainers", generateIDs: false)
        #expect(try member.drainQueued(into: Collector(stopAfter: 1)) == 0)
        member.close()
        input.close()
    }

    /// The per-record bookkeeping slots all come back: after a million
    /// no-copy sends and a flush every slot is free, every record reported,
    /// and the topic holds exactly a million (a count, not a time).
    @Test func everySlotReturnsAfterAMillionSends() throws {
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic("slots", partitions: 4)
        var configuration = KafkaProducerConfiguration()
        configuration.linger = .milliseconds(5)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "slots"), acks: .leader, configuration: configuration)
        let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
        defer { payload.deallocate() }
        payload.copyBytes(from: Array("zoobench-16bytes".utf8))
        let capacity = output.slotsAvailable.capacity
        #expect(output.slotsAvailable.free == capacity)
        var reported = 0
        output.onDelivery = { _ in reported += 1 }
        for i in 0..<1_000_000 {
            try output.send(noCopy: UnsafeRawBufferPointer(payload), token: UInt64(i))
            if i & 1023 == 0 { output.poll() }
        }
        try output.flush()
        #expect(reported == 1_000_000)
        #expect(output.statistics.delivered == 1_000_000)
        #expect(output.statistics.inFlight == 0)
        #expect(output.slotsAvailable.free == capacity, "slots still out: \(capacity - output.slotsAvailable.free)")
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        #expect(try admin.endOffsetTotal(topic: "slots") == 1_000_000)
    }

    @Test func encodableIsSentAsJSON() throws {
        struct Order: Codable, Equatable { var id: Int; var item: String }
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic("json", partitions: 1)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "json"), acks: .leader)
        try output.send(json: Order(id: 7, item: "tea"), key: "7")
        try output.flush()
        let input = try KafkaInputAdapter(uri: cluster.uri(topic: "json"))
        var orders: [Order] = []
        try input.consume(limit: 1, idleTimeout: .seconds(10)) { record in
            orders.append(try JSONDecoder().decode(Order.self, from: Data(record.value)))
            #expect(record.key.map { String(decoding: $0, as: UTF8.self) } == "7")
        }
        #expect(orders == [Order(id: 7, item: "tea")])
    }

    @Test func asyncSequenceYieldsCopies() async throws {
        let cluster = try EmbeddedCluster(brokers: 1)
        try cluster.createTopic("async", partitions: 2)
        let output = try KafkaOutputAdapter(uri: cluster.uri(topic: "async"))
        for i in 0..<50 { try output.send("m\(i)") }
        try output.flush()
        let input = try KafkaInputAdapter(uri: cluster.uri(topic: "async"))
        var values: Set<String> = []
        for try await message in input.messages(limit: 50, idleTimeout: .seconds(10)) {
            values.insert(message.valueString)
        }
        #expect(values == Set((0..<50).map { "m\($0)" }))
    }
}
