import CRdKafka
import Foundation

/// Publishes records to one topic, with batching, and reports each delivery.
///
/// Use it from one thread at a time: `send`, `poll` and `flush` run delivery
/// reports (and `onDelivery`) on the calling thread, which is what keeps the
/// per-record path free of locks.
public final class KafkaOutputAdapter: @unchecked Sendable {
    /// Where records go.
    public let uri: KafkaURI
    /// The acknowledgement level.
    public let acks: Acks
    /// Delivery timeout (`message.timeout.ms`): a record not acknowledged by then fails.
    public let timeout: Duration
    /// The typed settings this adapter was built with.
    public let configuration: KafkaProducerConfiguration
    /// Called for every delivery report, on the thread that polls.
    @exclusivity(unchecked) public var onDelivery: ((KafkaDeliveryReport) -> Void)?
    /// Called for every delivery report before `onDelivery`, without retaining
    /// the handler or going through a closure. The adapter does not keep the
    /// handler alive: set it to nil before the handler goes away.
    public var deliveryHandler: KafkaDeliveryHandler? {
        get { handler?.takeUnretainedValue() }
        set { handler = newValue.map { Unmanaged.passUnretained($0) } }
    }
    // Per-record state is confined to the polling thread and never accessed
    // re-entrantly, so the runtime's exclusivity checks (a measurable share of
    // the per-record cost) are turned off for it.
    /// Counters since creation.
    @exclusivity(unchecked) public private(set) var statistics = KafkaProducerStatistics()
    /// The latest wire figures librdkafka reported (needs
    /// ``KafkaProducerConfiguration/statisticsInterval``); nil until the first report.
    public private(set) var wireStatistics: KafkaWireStatistics?

    let client: RDKafkaClient
    private let topicHandle: OpaquePointer
    private let slots: InFlightSlots
    @exclusivity(unchecked) private var failuresSinceFlush = 0
    private var firstFailureSinceFlush: String?
    @exclusivity(unchecked) private var reportsUntilClockRead = 0
    @exclusivity(unchecked) private var reportClock: UInt64 = 0
    @exclusivity(unchecked) private var handler: Unmanaged<KafkaDeliveryHandler>?
    /// Records queued by ``sendBatched(noCopy:token:)`` for one `rd_kafka_produce_batch` call.
    private let pending: UnsafeMutablePointer<rd_kafka_message_t>
    @exclusivity(unchecked) private var pendingCount = 0
    /// An eventfd librdkafka signals when its main queue (delivery reports)
    /// goes from empty to not: ``poll(until:)`` waits on it. -1 until first
    /// used, -2 when none could be made (then it is not tried again).
    @exclusivity(unchecked) private var reportSignal: Int32 = -1
    /// The most records ``sendBatched(noCopy:token:)`` gathers before handing them over.
    public static let batchCapacity = 64

    /// Parses `uri` and connects; see ``init(uri:acks:timeout:configuration:)-(KafkaURI,_,_,_)``.
    public convenience init(uri: String, acks: Acks = .all, timeout: Duration = .seconds(30),
                            configuration: KafkaProducerConfiguration = .init()) throws(KafkaError) {
        try self.init(uri: try KafkaURI(uri), acks: acks, timeout: timeout, configuration: configuration)
    }

    /// Connects to the URI's brokers. Throws ``KafkaError/connectionFailed(brokers:underlying:)``
    /// when none answers within the connect timeout, and ``KafkaError/topicNotFound(_:)``
    /// when the topic is missing and auto-creation is off.
    public init(uri: KafkaURI, acks: Acks = .all, timeout: Duration = .seconds(30),
                configuration: KafkaProducerConfiguration = .init()) throws(KafkaError) {
        self.uri = uri
        self.acks = acks
        self.timeout = timeout
        self.configuration = configuration
        let properties = configuration.properties(bootstrap: uri.bootstrapServers, acks: acks, deliveryTimeout: timeout)
        client = try RDKafkaClient(kind: .producer, properties: properties, deliveryReports: true,
                                   statistics: configuration.statisticsInterval != nil)
        let metadata = try client.metadata(timeout: configuration.client.connectTimeout)
        if !configuration.allowAutoCreateTopics, metadata.topic(uri.topic) == nil {
            throw .topicNotFound(uri.topic)
        }
        guard let topicHandle = rd_kafka_topic_new(client.handle, uri.topic, nil) else {
            throw .from(rd_kafka_last_error())
        }
        self.topicHandle = topicHandle
        let capacity = client.effectiveProperty("queue.buffering.max.messages").flatMap(Int.init) ?? 100_000
        slots = InFlightSlots(capacity: capacity)
        pending = .allocate(capacity: Self.batchCapacity)
        pending.initialize(repeating: rd_kafka_message_t(), count: Self.batchCapacity)
        // Not retained: deinit clears the sink before the adapter goes.
        client.state.deliverySink = Unmanaged.passUnretained(self)
        client.state.onStatistics = { [unowned(unsafe) self] json in self.handleStatistics(json) }
    }

    deinit {
        client.state.deliverySink = nil
        client.state.onStatistics = nil
        rd_kafka_topic_destroy(topicHandle)
        client.destroy()
        pending.deallocate()
        if reportSignal >= 0 { close(reportSignal) }
    }

    // MARK: Sending

    /// Sends `payload` without copying it: librdkafka reads the bytes in place.
    /// They must stay valid and unchanged until the delivery report carrying
    /// `token` arrives (or the adapter is gone). This is the measured path.
    ///
    /// - Parameters:
    ///   - partition: a partition, or nil for the partitioner to choose.
    ///   - token: any value; it comes back in the delivery report.
    ///   - intendedTime: ``MonotonicClock`` nanoseconds the record was scheduled
    ///     for (0: now), for coordinated-omission-corrected latency.
    ///   - now: the caller's fresh ``MonotonicClock`` reading, used as the send
    ///     time (0: the adapter reads the clock); saves a clock read per record.
    ///   - extraHeader: one more header whose value is given as bytes (copied
    ///     by librdkafka), added ahead of `headers` without building a
    ///     ``KafkaHeader``: for a value that changes with every record.
    @inline(__always)
    public func send(noCopy payload: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer? = nil,
                     headers: [KafkaHeader] = [], extraHeader: KafkaRawHeader? = nil, partition: Int32? = nil,
                     token: UInt64 = 0, intendedTime: UInt64 = 0, now: UInt64 = 0) throws(KafkaError) {
        try produce(value: payload, key: key, headers: headers, extraHeader: extraHeader, flags: 0,
                    partition: partition ?? RD_KAFKA_PARTITION_UA, token: token, intendedTime: intendedTime,
                    now: now)
    }

    /// Queues `payload` (no copy, no key, the partitioner's choice of
    /// partition) to be handed to librdkafka together with up to
    /// ``batchCapacity`` others in one `rd_kafka_produce_batch` call: one
    /// call and one queue lock for the lot instead of one each. The batch is
    /// handed over when full and by ``flushPending(now:)``, which the caller
    /// must call before ``poll(timeout:)`` and when it stops sending
    /// (``flush(timeout:)`` does it too). A record's send time is when its
    /// batch is handed over. The bytes must stay valid until the delivery report.
    @inline(__always)
    public func sendBatched(noCopy payload: UnsafeRawBufferPointer, token: UInt64) throws(KafkaError) {
        var slot = slots.acquire()
        if slot < 0 {
            // Every slot is in flight: hand over what is gathered and wait for reports.
            try flushPending()
            let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(timeout)) * 1_000_000
            while slot < 0 {
                statistics.queueFullRetries += 1
                if MonotonicClock.nanoseconds() > deadline {
                    throw .timeout(operation: "waiting for room in the producer queue", seconds: Double(milliseconds(timeout)) / 1000)
                }
                servePoll(milliseconds: 1)
                slot = slots.acquire()
            }
        }
        slots.tokens[slot] = token
        let message = pending + pendingCount
        message.pointee.payload = UnsafeMutableRawPointer(mutating: payload.baseAddress)
        message.pointee.len = payload.count
        message.pointee._private = UnsafeMutableRawPointer(bitPattern: slot + 1)
        pendingCount += 1
        if pendingCount == Self.batchCapacity { try flushPending() }
    }

    /// Hands the records gathered by ``sendBatched(noCopy:token:)`` to
    /// librdkafka in one call, stamping each with the send time `now` (read
    /// here when 0). When librdkafka's queue is full it serves delivery
    /// reports and retries the rest, up to the delivery timeout.
    public func flushPending(now given: UInt64 = 0) throws(KafkaError) {
        guard pendingCount > 0 else { return }
        var waitedSince: UInt64 = 0
        while pendingCount > 0 {
            let now = given != 0 && waitedSince == 0 ? given : MonotonicClock.nanoseconds()
            for index in 0..<pendingCount {
                let slot = Int(bitPattern: pending[index]._private) - 1
                slots.sendTimes[slot] = now
                slots.intendedTimes[slot] = now
                pending[index].err = RD_KAFKA_RESP_ERR_NO_ERROR
            }
            let count = Int32(pendingCount)
            let enqueued = AllocationAttribution.librdkafka {
                rd_kafka_produce_batch(topicHandle, RD_KAFKA_PARTITION_UA, 0, pending, count)
            }
            if enqueued == count {
                statistics.sent += pendingCount
                pendingCount = 0
                return
            }
            // Keep the ones the full queue refused, in order; give up the rest.
            var kept = 0
            var failure: rd_kafka_resp_err_t?
            for index in 0..<pendingCount {
                let err = pending[index].err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    statistics.sent += 1
                } else if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    pending[kept] = pending[index]
                    kept += 1
                } else {
                    slots.release(Int(bitPattern: pending[index]._private) - 1)
                    if failure == nil { failure = err }
                }
            }
            pendingCount = kept
            if let failure {
                for index in 0..<pendingCount { slots.release(Int(bitPattern: pending[index]._private) - 1) }
                pendingCount = 0
                if failure == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || failure == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
                    throw .topicNotFound(uri.topic)
                }
                throw .from(failure)
            }
            if pendingCount == 0 { return }
            statistics.queueFullRetries += 1
            let now2 = MonotonicClock.nanoseconds()
            if waitedSince == 0 { waitedSince = now2 }
            if now2 - waitedSince > UInt64(milliseconds(timeout)) * 1_000_000 {
                for index in 0..<pendingCount { slots.release(Int(bitPattern: pending[index]._private) - 1) }
                pendingCount = 0
                throw .timeout(operation: "waiting for room in the producer queue", seconds: Double(milliseconds(timeout)) / 1000)
            }
            servePoll(milliseconds: 1)
        }
    }

    /// Bookkeeping slots not in flight, and how many there are: every slot is
    /// back once each record sent has its delivery report.
    public var slotsAvailable: (free: Int, capacity: Int) { (slots.available, slots.capacity) }

    /// Serves delivery reports that are ready, waiting up to `timeout` for one.
    /// Returns how many events were served.
    @discardableResult
    public func poll(timeout: Duration = .zero) -> Int {
        servePoll(milliseconds: timeout == .zero ? 0 : Int32(clamping: milliseconds(timeout)))
    }

    /// Serves delivery reports until `deadline` (``MonotonicClock``
    /// nanoseconds): waits, without spinning, for the first report or the
    /// deadline, to the microsecond (librdkafka's own poll waits in whole
    /// milliseconds), then serves what is ready. A report is served as it
    /// comes, so its latency is not stretched to the end of the wait.
    /// Returns the events served.
    @discardableResult
    public func poll(until deadline: UInt64) -> Int {
        if reportSignal == -1 { watchReports() }
        if reportSignal < 0 { return servePoll(milliseconds: 0) }
        // Cleared before serving: a report that comes after the serve signals again.
        var count: UInt64 = 0
        _ = read(reportSignal, &count, 8)
        var served = servePoll(milliseconds: 0)
        let now = MonotonicClock.nanoseconds()
        if served == 0 && deadline > now {
            _ = zoobench_wait_readable(reportSignal, Int64(deadline - now))
            served = servePoll(milliseconds: 0)
        }
        return served
    }

    /// Makes ``reportSignal`` and has librdkafka write to it (-2 if it cannot).
    private func watchReports() {
        let signal = zoobench_event_fd()
        guard signal >= 0, let queue = rd_kafka_queue_get_main(client.handle) else {
            if signal >= 0 { close(signal) }
            reportSignal = -2
            return
        }
        defer { rd_kafka_queue_destroy(queue) }
        var one: UInt64 = 1
        withUnsafeBytes(of: &one) { bytes in
            rd_kafka_queue_io_event_enable(queue, signal, bytes.baseAddress, 8)
        }
        reportSignal = signal
    }

    /// One `rd_kafka_poll`. Delivery reports served by one call were all
    /// waiting together, so the clock is read at the first of them and again
    /// every 64 (a clock read costs more than the rest of the report here).
    @inline(__always) @discardableResult
    private func servePoll(milliseconds: Int32) -> Int {
        reportsUntilClockRead = 0
        return Int(AllocationAttribution.librdkafka { rd_kafka_poll(client.handle, milliseconds) })
    }

    /// Waits until every record sent so far is delivered or failed. Throws
    /// ``KafkaError/timeout(operation:seconds:)`` if some are still in flight
    /// after `timeout` (default: the delivery timeout plus 5 s), and
    /// ``KafkaError/deliveryFailed(count:reason:)`` if any failed since the last flush.
    public func flush(timeout: Duration? = nil) throws(KafkaError) {
        try flushPending()
        let limit = timeout ?? (self.timeout + .seconds(5))
        // rd_kafka_flush would serve reports over many waits with no hook
        // between them; poll in short steps instead, so report times stay fresh.
        reportsUntilClockRead = 0
        AllocationAttribution.librdkafka { _ = rd_kafka_flush(client.handle, 0) }  // sends what lingers now
        let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(limit)) * 1_000_000
        while rd_kafka_outq_len(client.handle) > 0 && MonotonicClock.nanoseconds() < deadline {
            servePoll(milliseconds: 5)
        }
        if rd_kafka_outq_len(client.handle) > 0 {
            throw .timeout(operation: "delivering \(statistics.inFlight) in-flight record(s)",
                           seconds: Double(milliseconds(limit)) / 1000)
        }
        if failuresSinceFlush > 0 {
            let error = KafkaError.deliveryFailed(count: failuresSinceFlush, reason: firstFailureSinceFlush ?? "unknown")
            failuresSinceFlush = 0
            firstFailureSinceFlush = nil
            throw error
        }
    }

    /// Serves events until a statistics report newer than the current one
    /// arrives (so it covers everything delivered so far) or `timeout` passes.
    /// Returns whether one arrived.
    @discardableResult
    public func awaitWireStatistics(timeout: Duration) -> Bool {
        guard configuration.statisticsInterval != nil else { return false }
        let seen = wireStatistics?.reports ?? 0
        let deadline = MonotonicClock.nanoseconds() + UInt64(milliseconds(timeout)) * 1_000_000
        while (wireStatistics?.reports ?? 0) == seen && MonotonicClock.nanoseconds() < deadline {
            servePoll(milliseconds: 10)
        }
        return (wireStatistics?.reports ?? 0) > seen
    }

    // MARK: Internals

    private func handleStatistics(_ json: UnsafeRawBufferPointer) {
        if let figures = KafkaWireStatistics(statistics: json, reports: (wireStatistics?.reports ?? 0) + 1) {
            wireStatistics = figures
        }
    }

    @inline(__always)
    func produce(value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, headers: [KafkaHeader],
                         extraHeader: KafkaRawHeader? = nil, flags: Int32, partition: Int32, token: UInt64, intendedTime: UInt64,
                         now given: UInt64 = 0) throws(KafkaError) {
        var slot = slots.acquire()
        var waitedSince: UInt64 = 0
        var given = given
        while true {
            if slot >= 0 {
                let now = given != 0 ? given : MonotonicClock.nanoseconds()
                slots.fill(slot, sendTime: now, intendedTime: intendedTime == 0 ? now : intendedTime, token: token)
                let err = AllocationAttribution.librdkafka {
                    enqueue(value: value, key: key, headers: headers, extraHeader: extraHeader, flags: flags,
                            partition: partition, opaque: UnsafeMutableRawPointer(bitPattern: slot + 1))
                }
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    statistics.sent += 1
                    return
                }
                if err != RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    slots.release(slot)
                    if err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
                        throw .topicNotFound(uri.topic)
                    }
                    throw .from(err)
                }
            }
            // Queue full: serve delivery reports until there is room, but not forever.
            given = 0  // the send time is read afresh after waiting
            statistics.queueFullRetries += 1
            let now = MonotonicClock.nanoseconds()
            if waitedSince == 0 { waitedSince = now }
            if now - waitedSince > UInt64(milliseconds(timeout)) * 1_000_000 {
                if slot >= 0 { slots.release(slot) }
                throw .timeout(operation: "waiting for room in the producer queue", seconds: Double(milliseconds(timeout)) / 1000)
            }
            servePoll(milliseconds: 1)
            if slot < 0 { slot = slots.acquire() }
        }
    }

    @inline(__always)
    private func enqueue(value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, headers: [KafkaHeader],
                         extraHeader: KafkaRawHeader?, flags: Int32, partition: Int32,
                         opaque: UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t {
        if headers.isEmpty && extraHeader == nil {
            let rc = rd_kafka_produce(topicHandle, partition, flags,
                                      UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                                      key?.baseAddress, key?.count ?? 0, opaque)
            return rc == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error()
        }
        guard let list = rd_kafka_headers_new(headers.count + (extraHeader == nil ? 0 : 1)) else {
            return RD_KAFKA_RESP_ERR__FAIL
        }
        if let extraHeader {
            let name = extraHeader.name
            _ = name.utf8Start.withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount + 1) {
                rd_kafka_header_add(list, $0, name.utf8CodeUnitCount, extraHeader.value.baseAddress,
                                    extraHeader.value.count)
            }
        }
        for header in headers {
            var name = header.name
            name.withUTF8 { nameBytes in
                if let value = header.value {
                    value.withUnsafeBytes { v in
                        _ = rd_kafka_header_add(list, nameBytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                                nameBytes.count, v.baseAddress, v.count)
                    }
                } else {
                    _ = rd_kafka_header_add(list, nameBytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                            nameBytes.count, nil, 0)
                }
            }
        }
        let error = withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
            vus.initialize(repeating: rd_kafka_vu_t())
            vus[0].vtype = RD_KAFKA_VTYPE_RKT
            vus[0].u.rkt = topicHandle
            vus[1].vtype = RD_KAFKA_VTYPE_PARTITION
            vus[1].u.i32 = partition
            vus[2].vtype = RD_KAFKA_VTYPE_VALUE
            vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
            vus[2].u.mem.size = value.count
            vus[3].vtype = RD_KAFKA_VTYPE_KEY
            vus[3].u.mem.ptr = UnsafeMutableRawPointer(mutating: key?.baseAddress)
            vus[3].u.mem.size = key?.count ?? 0
            vus[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS
            vus[4].u.i = flags
            vus[5].vtype = RD_KAFKA_VTYPE_OPAQUE
            vus[5].u.ptr = opaque
            vus[6].vtype = RD_KAFKA_VTYPE_HEADERS
            vus[6].u.headers = list
            return rd_kafka_produceva(client.handle, vus.baseAddress, vus.count)
        }
        let code = rd_kafka_error_code(error)
        if let error {
            rd_kafka_error_destroy(error)
            rd_kafka_headers_destroy(list)  // ownership passes only on success
        }
        return code
    }

    func handleDelivery(_ message: UnsafePointer<rd_kafka_message_t>) {
        if reportsUntilClockRead == 0 {
            reportClock = MonotonicClock.nanoseconds()
            reportsUntilClockRead = 64
        }
        reportsUntilClockRead -= 1
        let now = reportClock
        let slot = Int(bitPattern: message.pointee._private) - 1
        let err = message.pointee.err
        var report = KafkaDeliveryReport(token: 0, partition: message.pointee.partition, offset: message.pointee.offset,
                                         sendTime: now, intendedTime: now, deliveredTime: now, errorCode: err.rawValue,
                                         length: message.pointee.len)
        if slot >= 0 && slot < slots.capacity {
            report.token = slots.tokens[slot]
            report.sendTime = slots.sendTimes[slot]
            report.intendedTime = slots.intendedTimes[slot]
            slots.release(slot)
        }
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            statistics.delivered += 1
        } else {
            statistics.failed += 1
            let name = rdErrorName(err)
            statistics.failuresByError[name, default: 0] += 1
            failuresSinceFlush += 1
            if firstFailureSinceFlush == nil { firstFailureSinceFlush = "\(name): \(rdErrorText(err))" }
        }
        handler?._withUnsafeGuaranteedRef { $0.delivered(report) }
        onDelivery?(report)
    }
}
