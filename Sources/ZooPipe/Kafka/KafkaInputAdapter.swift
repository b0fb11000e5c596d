import CRdKafka
import Foundation
import Synchronization

/// Consumes one topic: in a consumer group (joins, is assigned partitions,
/// commits offsets) or, without a group, as a simple consumer of every partition.
///
/// ``poll(timeout:)`` blocks the calling thread; run it on a thread of its own.
/// Records are views valid until the next poll. ``stop()`` may be called from
/// any thread and ends ``consume(limit:idleTimeout:_:)`` promptly.
public final class KafkaInputAdapter: @unchecked Sendable {
    /// Where records come from.
    public let uri: KafkaURI
    /// The consumer group, nil in simple-consumer mode.
    public let groupID: String?
    /// Whether each record gets a fresh UUID.
    public let generateIDs: Bool
    /// The typed settings this adapter was built with.
    public let configuration: KafkaConsumerConfiguration
    /// Partitions of the topic when the adapter started.
    public let partitions: [Int32]
    /// Simple-consumer mode: the partitions this adapter reads (all of
    /// ``partitions`` unless the configuration named some). Empty in group mode.
    public let assignedPartitions: [Int32]
    /// Records handed out so far.
    @exclusivity(unchecked) public private(set) var recordsConsumed = 0
    /// Consumer errors librdkafka reported and the adapter rode out, by name.
    public private(set) var transientErrors: [String: Int] = [:]

    /// How long a ``Pipe`` reading this adapter waits for a record before it
    /// takes the topic as drained. Default 5 s.
    public var pipeIdleTimeout: Duration = .seconds(5)
    /// The longest a group consumer waits to be assigned partitions. Default 60 s.
    public var joinTimeout: Duration = .seconds(60)

    let client: RDKafkaClient
    // Per-record state: one polling thread, never re-entered, so no
    // exclusivity checks (they showed in profiles of the consume loop).
    @exclusivity(unchecked) private var current: UnsafeMutablePointer<rd_kafka_message_t>?
    /// The consumer queue, read in batches: one lock per batch instead of per record.
    private let queue: OpaquePointer
    /// Records taken from the queue and not yet handed out; `batch[next..<count]`.
    private let batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private let batchCapacity = 1024
    @exclusivity(unchecked) private var batchCount = 0
    @exclusivity(unchecked) private var batchNext = 0
    private let stopRequested = Atomic<Bool>(false)
    @exclusivity(unchecked) private var closed = false

    /// Parses `uri` and connects; see ``init(uri:groupID:generateIDs:configuration:)-(KafkaURI,_,_,_)``.
    public convenience init(uri: String, groupID: String? = nil, generateIDs: Bool = true,
                            configuration: KafkaConsumerConfiguration = .init()) throws(KafkaError) {
        try self.init(uri: try KafkaURI(uri), groupID: groupID, generateIDs: generateIDs, configuration: configuration)
    }

    /// Connects, checks the topic exists (unless auto-creation is on), then
    /// subscribes (group) or assigns every partition (no group).
    public init(uri: KafkaURI, groupID: String? = nil, generateIDs: Bool = true,
                configuration: KafkaConsumerConfiguration = .init()) throws(KafkaError) {
        self.uri = uri
        self.groupID = groupID
        self.generateIDs = generateIDs
        self.configuration = configuration
        client = try RDKafkaClient(kind: .consumer,
                                   properties: configuration.properties(bootstrap: uri.bootstrapServers, groupID: groupID),
                                   rebalances: groupID != nil)
        let metadata = try client.metadata(timeout: configuration.client.connectTimeout)
        let topic = metadata.topic(uri.topic)
        if topic == nil && !configuration.allowAutoCreateTopics { throw .topicNotFound(uri.topic) }
        let partitions = topic?.partitions.map(\.id) ?? []
        self.partitions = partitions
        if groupID == nil, let wanted = configuration.partitions {
            if let missing = wanted.first(where: { !partitions.contains($0) }) {
                throw .invalidConfiguration("topic '\(uri.topic)' has no partition \(missing) "
                    + "(it has \(partitions.count): 0–\(max(0, partitions.count - 1)))")
            }
            assignedPartitions = wanted
        } else {
            assignedPartitions = groupID == nil ? partitions : []
        }
        rd_kafka_poll_set_consumer(client.handle)
        guard let queue = rd_kafka_queue_get_consumer(client.handle) else {
            throw .invalidConfiguration("librdkafka gave no consumer queue")
        }
        self.queue = queue
        batch = .allocate(capacity: batchCapacity)

        guard let list = rd_kafka_topic_partition_list_new(Int32(max(partitions.count, 1))) else {
            throw .invalidConfiguration("librdkafka could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if groupID != nil {
            client.state.holdMode.store(configuration.holdAssignments ? 1 : 0, ordering: .releasing)
            if configuration.holdAssignments { client.state.heldStartOffsets = configuration.startOffsets }
            rd_kafka_topic_partition_list_add(list, uri.topic, RD_KAFKA_PARTITION_UA)
            let err = rd_kafka_subscribe(client.handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(err) }
        } else {
            let start: Int64
            switch configuration.startPosition {
            case .earliest: start = Int64(RD_KAFKA_OFFSET_BEGINNING)
            case .latest: start = Int64(RD_KAFKA_OFFSET_END)
            case .offset(let offset): start = offset
            }
            for partition in assignedPartitions {
                rd_kafka_topic_partition_list_add(list, uri.topic, partition).pointee.offset =
                    configuration.startOffsets[partition] ?? start
            }
            let err = rd_kafka_assign(client.handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(err) }
        }
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        batch.deallocate()
    }

    /// Waits up to about `timeout` for the next record. The previous record's view
    /// ends here. Returns nil when none arrived in time. Throws for errors that
    /// will not pass (topic deleted, authorization, fatal); transient ones are
    /// counted in ``transientErrors`` and polling goes on.
    public func poll(timeout: Duration) throws(KafkaError) -> KafkaRecord? {
        try poll(milliseconds: Int32(clamping: milliseconds(timeout)))
    }

    /// The next record if one is already here, without waiting: the
    /// measured path's call (no duration arithmetic).
    @inline(__always)
    public func next() throws(KafkaError) -> KafkaRecord? {
        // The common case inline: a record already taken in the last batch.
        if batchNext < batchCount, !generateIDs, let message = batch[batchNext],
           message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            releaseCurrent()
            batchNext += 1
            current = message
            recordsConsumed &+= 1
            return KafkaRecord(message: message, id: nil)
        }
        return try poll(milliseconds: 0)
    }

    private func poll(milliseconds: Int32) throws(KafkaError) -> KafkaRecord? {
        releaseCurrent()
        if closed { return nil }
        // The clock is read only when an event that is not a record comes
        // first, so handing out a record costs no clock read.
        var remaining = milliseconds
        var deadline: UInt64 = 0
        while true {
            let message: UnsafeMutablePointer<rd_kafka_message_t>
            if batchNext < batchCount {
                message = batch[batchNext]!
                batchNext += 1
            } else {
                // Take whatever is queued in one go; only when nothing is, wait
                // for one record (a batch read would wait to fill the batch).
                let taken = AllocationAttribution.librdkafka { rd_kafka_consume_batch_queue(queue, 0, batch, batchCapacity) }
                if taken > 0 {
                    batchCount = taken
                    batchNext = 1
                    message = batch[0]!
                } else {
                    batchCount = 0
                    batchNext = 0
                    guard remaining > 0,
                          let one = AllocationAttribution.librdkafka({ rd_kafka_consumer_poll(client.handle, remaining) })
                    else { return nil }
                    message = one
                }
            }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                current = message
                recordsConsumed += 1
                return KafkaRecord(message: message, id: generateIDs ? UUID() : nil)
            }
            rd_kafka_message_destroy(message)
            try classify(err)
            let now = MonotonicClock.nanoseconds()
            if deadline == 0 { deadline = now + UInt64(remaining) * 1_000_000 }
            if now >= deadline { return nil }
            remaining = Int32(clamping: (deadline - now) / 1_000_000)
        }
    }

    /// An event that is not a record: thrown when it will not pass,
    /// counted in ``transientErrors`` when it may.
    private func classify(_ err: rd_kafka_resp_err_t) throws(KafkaError) {
        switch err {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            break
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            throw .topicNotFound(uri.topic)
        case RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
             RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
            throw .from(err)
        default:
            transientErrors[rdErrorName(err), default: 0] += 1
        }
    }

    /// Hands every record already here to `handler`, one at a time, without
    /// waiting: the records left from the last batch first, then all the
    /// queue holds, served by one `rd_kafka_consume_callback_queue` call
    /// (the queue's messages pass through librdkafka's own callback loop,
    /// with no batch to fill and no destroy call per record from here). Each
    /// record is a view that ends when ``KafkaRecordHandler/received(_:)``
    /// returns; it returns false to stop, and the records not yet handed out
    /// stay queued, in order. Returns how many records the handler saw.
    /// Errors are treated as ``poll(timeout:)`` treats them.
    ///
    /// Simple-consumer mode only: a group's rebalance events are served by
    /// ``poll(timeout:)``, so in group mode this hands out nothing (returns 0).
    @discardableResult
    public func drainQueued(into handler: KafkaRecordHandler) throws(KafkaError) -> Int {
        if closed || groupID != nil { return 0 }
        // What the last batch read left, first, the way next() hands it out.
        var handed = 0
        while batchNext < batchCount, let record = try next() {
            handed += 1
            if !handler.received(record) { return handed }
        }
        releaseCurrent()
        var context = DrainContext(adapter: Unmanaged.passUnretained(self), handler: Unmanaged.passUnretained(handler))
        _ = withUnsafeMutablePointer(to: &context) { pointer in
            AllocationAttribution.librdkafka {
                rd_kafka_consume_callback_queue(queue, 0, drainCallback, UnsafeMutableRawPointer(pointer))
            }
        }
        recordsConsumed &+= context.handed
        if let error = context.error { throw error }
        return handed + context.handed
    }

    /// What ``drainQueued(into:)``'s C callback needs, on the caller's stack;
    /// the references are not retained (the caller holds both).
    fileprivate struct DrainContext {
        let adapter: Unmanaged<KafkaInputAdapter>
        let handler: Unmanaged<KafkaRecordHandler>
        var handed = 0
        var error: KafkaError?
    }

    /// One message served by ``drainQueued(into:)``: a record for the
    /// handler, or an event classified as a poll would; stopping (or an
    /// error) asks librdkafka to yield, and it hands out nothing more.
    @inline(__always)
    fileprivate func drained(_ message: UnsafeMutablePointer<rd_kafka_message_t>,
                             _ context: UnsafeMutablePointer<DrainContext>) {
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            context.pointee.handed += 1
            let record = KafkaRecord(message: message, id: generateIDs ? UUID() : nil)
            let goOn = AllocationAttribution.marked(.caller) {
                context.pointee.handler._withUnsafeGuaranteedRef { $0.received(record) }
            }
            if !goOn { rd_kafka_yield(client.handle) }
            return
        }
        do {
            try classify(err)
        } catch {
            context.pointee.error = error
            rd_kafka_yield(client.handle)
        }
    }

    /// Polls until `limit` records were handed to `body`, no record came for
    /// `idleTimeout`, or ``stop()`` was called. Returns how many records `body` saw.
    ///
    /// In group mode the idle clock starts once the group has assigned this
    /// consumer partitions; joining may take at most ``joinTimeout``.
    @discardableResult
    public func consume(limit: Int? = nil, idleTimeout: Duration? = nil,
                        _ body: (KafkaRecord) throws -> Void) throws -> Int {
        var seen = 0
        let started = MonotonicClock.nanoseconds()
        var idleSince = started
        var recordsSinceIdleCheck = false
        var assigned = groupID == nil
        let idleLimit = idleTimeout.map { UInt64(milliseconds($0)) * 1_000_000 }
        while !stopRequested.load(ordering: .relaxed) {
            if let limit, seen >= limit { break }
            if let record = try poll(timeout: .milliseconds(100)) {
                try body(record)
                seen += 1
                assigned = true
                recordsSinceIdleCheck = true
                continue
            }
            // An empty poll: the idle clock starts at the first one after records.
            let now = MonotonicClock.nanoseconds()
            if recordsSinceIdleCheck {
                recordsSinceIdleCheck = false
                idleSince = now
            }
            if !assigned {
                if hasAssignment() {
                    assigned = true
                    idleSince = now
                } else if now - started > UInt64(milliseconds(joinTimeout)) * 1_000_000 {
                    throw KafkaError.timeout(operation: "joining consumer group '\(groupID ?? "")'",
                                             seconds: Double(milliseconds(joinTimeout)) / 1000)
                }
                continue
            }
            if let idleLimit, now - idleSince >= idleLimit { break }
        }
        releaseCurrent()
        return seen
    }

    /// Whether the group has assigned this consumer any partition.
    public func hasAssignment() -> Bool {
        withAssignment { $0.pointee.cnt > 0 } ?? false
    }

    /// Group mode: how many assignments the group has given this consumer so
    /// far (an empty one counts: it has joined, there was just nothing for
    /// it). Always 1 for a simple consumer. Updated by ``poll(timeout:)``.
    public var assignmentCount: Int {
        groupID == nil ? 1 : client.state.assignments.load(ordering: .acquiring)
    }

    /// Whether assignments are still held back (see
    /// ``KafkaConsumerConfiguration/holdAssignments``).
    public var holdingAssignments: Bool { client.state.holdMode.load(ordering: .acquiring) != 0 }

    /// Whether an assignment is set aside, waiting for ``resume()``.
    public var hasHeldAssignment: Bool { client.state.heldAssignment != nil }

    /// Ends the hold of ``KafkaConsumerConfiguration/holdAssignments``: applies
    /// the assignment the group gave (fetching starts), and later ones apply
    /// at once. Call it on the thread that polls.
    public func resume() {
        client.state.releaseAssignments(client.handle)
    }

    /// Keeps holding, but lets the group rebalance again: the assignment set
    /// aside is applied with its partitions paused, as are later ones, until
    /// ``resume()``. (While an assignment is set aside, librdkafka cannot
    /// join a further rebalance, so a member waiting for later joiners must
    /// switch to this.) Resuming paused partitions can take librdkafka up to
    /// a second to notice. Call it on the thread that polls.
    public func holdByPausing() {
        client.state.pauseHeldAssignments(client.handle)
    }

    /// Partitions assigned now (group mode: as of the latest rebalance).
    public var assignedPartitionCount: Int {
        groupID == nil ? assignedPartitions.count : client.state.assignedCount.load(ordering: .relaxed)
    }

    /// Runs `body` on the current assignment (nil when it cannot be read).
    private func withAssignment<R>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> R) -> R? {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return nil }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return body(list)
    }

    /// Owned copies of the records, polled on a thread of their own; ends
    /// after `limit` records or `idleTimeout` without one. Cancelling the
    /// iteration stops the thread.
    public func messages(limit: Int? = nil, idleTimeout: Duration? = nil) -> AsyncThrowingStream<KafkaMessage, Error> {
        AsyncThrowingStream { continuation in
            let thread = Thread.named("zb-messages") { [self] in
                do {
                    try consume(limit: limit, idleTimeout: idleTimeout) { record in
                        continuation.yield(record.copy())
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { [weak self] _ in self?.stop() }
            thread.start()
        }
    }

    /// Asks a running ``consume(limit:idleTimeout:_:)`` to return; safe from any thread.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Commits the current positions now and waits for the answer (group
    /// mode); a no-op without a group. Returns false when there was nothing
    /// new to commit (no request was sent).
    @discardableResult
    public func commit() throws(KafkaError) -> Bool {
        guard groupID != nil, !closed else { return false }
        let err = AllocationAttribution.librdkafka { rd_kafka_commit(client.handle, nil, 0) }
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return false }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .from(err) }
        return true
    }

    /// The position (next offset to read) of each assigned partition.
    public func positions() -> [Int32: Int64] {
        withAssignment { list in
            rd_kafka_position(client.handle, list)
            var result: [Int32: Int64] = [:]
            for i in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[i]
                result[element.partition] = element.offset
            }
            return result
        } ?? [:]
    }

    /// Each assigned partition's position (next offset this consumer will
    /// read, or nil before it has read one) and its high watermark as last
    /// seen in a fetch response (nil before the first). Asks no broker.
    public func progress() -> [PartitionProgress] {
        withAssignment { list in
            rd_kafka_position(client.handle, list)
            var result: [PartitionProgress] = []
            result.reserveCapacity(Int(list.pointee.cnt))
            for i in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[i]
                var low: Int64 = -1
                var high: Int64 = -1
                let err = rd_kafka_get_watermark_offsets(client.handle, uri.topic, element.partition, &low, &high)
                result.append(PartitionProgress(
                    partition: element.partition, position: element.offset >= 0 ? element.offset : nil,
                    highWatermark: err == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil))
            }
            return result
        } ?? []
    }

    /// Leaves the group (committing final offsets when auto-commit is on) and
    /// destroys the handle. Idempotent.
    public func close() {
        if closed { return }
        releaseCurrent()
        while batchNext < batchCount {
            rd_kafka_message_destroy(batch[batchNext])
            batchNext += 1
        }
        closed = true
        rd_kafka_consumer_close(client.handle)
        if let held = client.state.heldAssignment {
            rd_kafka_topic_partition_list_destroy(held)
            client.state.heldAssignment = nil
        }
        client.destroy()
    }

    @inline(__always)
    private func releaseCurrent() {
        if let current {
            AllocationAttribution.librdkafka { rd_kafka_message_destroy(current) }
            self.current = nil
        }
    }
}

/// Where a consumer stands in one partition.
public struct PartitionProgress: Sendable, Hashable {
    public var partition: Int32
    /// The next offset the consumer will read; nil before it has read any.
    public var position: Int64?
    /// The partition's end as of the latest fetch response; nil before one.
    public var highWatermark: Int64?

    public init(partition: Int32, position: Int64?, highWatermark: Int64?) {
        self.partition = partition
        self.position = position
        self.highWatermark = highWatermark
    }

    /// Records the consumer has yet to read, when both ends are known.
    public var lag: Int64? {
        guard let position, let highWatermark else { return nil }
        return max(0, highWatermark - position)
    }
}

/// The C side of ``KafkaInputAdapter/drainQueued(into:)``: librdkafka calls it
/// for each message while it serves the queue; the message is librdkafka's
/// again (destroyed) once it returns.
private let drainCallback: @convention(c) (UnsafeMutablePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    message, opaque in
    guard let message, let opaque else { return }
    let context = opaque.assumingMemoryBound(to: KafkaInputAdapter.DrainContext.self)
    context.pointee.adapter._withUnsafeGuaranteedRef { $0.drained(message, context) }
}

/// Receives records from ``KafkaInputAdapter/drainQueued(into:)`` with no
/// closure and no reference counting in between: the fast path for load
/// consumers. Subclass it and override ``received(_:)``.
open class KafkaRecordHandler {
    public init() {}

    /// Called for each record, on the thread that drains; the record is a
    /// view that ends when this returns. Return false to stop draining.
    open func received(_ record: KafkaRecord) -> Bool { true }
}
