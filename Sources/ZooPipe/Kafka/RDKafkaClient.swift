import CRdKafka
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// State a librdkafka handle reaches through its opaque pointer: recent log
/// lines (so errors can say what the client saw) and the delivery-report sink.
final class RDKafkaClientState: @unchecked Sendable {
    /// One captured log line.
    struct LogLine: Sendable {
        var level: Int32
        var facility: String
        var message: String
    }

    private let recent = Mutex<[LogLine]>([])
    private static let keep = 64

    /// Receives every delivery report on the polling thread (producers only).
    /// Not retained: the adapter clears it before going away. Held unmanaged
    /// and called through a guaranteed reference, because a stored closure
    /// (or an unowned reference) costs a retain and release per report, which
    /// showed in profiles of the hot path.
    @exclusivity(unchecked) var deliverySink: Unmanaged<KafkaOutputAdapter>?
    /// Called on the polling thread with each statistics JSON document.
    var onStatistics: ((UnsafeRawBufferPointer) -> Void)?
    /// Group assignments received (each rebalance that gives this consumer
    /// its partitions, an empty set included), and how many partitions the
    /// latest one gave.
    let assignments = Atomic<Int>(0)
    let assignedCount = Atomic<Int>(0)
    /// How assignments are held: 0 not at all; 1 set aside, not applied
    /// (nothing fetched), until ``releaseAssignments(_:)``; 2 applied but
    /// paused (see ``pauseHeldAssignments(_:)``).
    let holdMode = Atomic<Int>(0)
    /// The assignment held aside; touched only on the polling thread.
    var heldAssignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    /// Where a held assignment starts, by partition, when the caller knows
    /// (``KafkaConsumerConfiguration/startOffsets`` in a group): applied with
    /// these offsets, partitions fetch at once instead of first asking the
    /// coordinator for committed offsets. Polling thread only.
    var heldStartOffsets: [Int32: Int64] = [:]

    /// Gives every partition of `list` without an offset its known start.
    func setKnownStarts(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        guard !heldStartOffsets.isEmpty else { return }
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].offset < 0 {
            if let start = heldStartOffsets[list.pointee.elems[index].partition] {
                list.pointee.elems[index].offset = start
            }
        }
    }

    /// Whether librdkafka's log lines are also written to stderr
    /// (`ZOOBENCH_LIBRDKAFKA_LOG=1`; with `-X debug=…` for the detail).
    static let echoLogs = getenv("ZOOBENCH_LIBRDKAFKA_LOG").map { String(cString: $0) == "1" } ?? false

    func log(level: Int32, facility: String, message: String) {
        if Self.echoLogs {
            let line = "librdkafka \(MonotonicClock.nanoseconds() / 1_000_000) \(level) \(facility): \(SecretValues.scrub(message))\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
        recent.withLock { lines in
            if lines.count == Self.keep { lines.removeFirst() }
            lines.append(LogLine(level: level, facility: facility, message: message))
        }
    }

    /// Captured lines, oldest first.
    var logLines: [LogLine] { recent.withLock { $0 } }
}

/// One owner of one `rd_kafka_t`; destroys it in `deinit`.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let state: RDKafkaClientState
    let kind: Kind
    /// The bootstrap list this client was given, for error messages.
    let bootstrap: String
    private var closed = false

    /// Checks `properties` the way ``init(kind:properties:deliveryReports:)``
    /// would, without creating a client or touching the network.
    static func validate(_ properties: [(String, String)]) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw .invalidConfiguration("librdkafka could not allocate a configuration")
        }
        defer { rd_kafka_conf_destroy(conf) }
        try apply(properties, to: conf)
    }

    private static func apply(_ properties: [(String, String)], to conf: OpaquePointer) throws(KafkaError) {
        SecretValues.remember(properties)
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                let detail = string(fromCBuffer: errstr).trimmingCharacters(in: .whitespacesAndNewlines)
                if result == RD_KAFKA_CONF_UNKNOWN {
                    throw .invalidConfiguration("unknown librdkafka property '\(key)'")
                }
                let shown = isSecretProperty(key) ? "[redacted]" : value
                throw .invalidConfiguration("property '\(key)=\(shown)': \(detail)")
            }
        }
    }

    /// Creates a client from `properties`, applied in order. An unknown key or a
    /// bad value is ``KafkaError/invalidConfiguration(_:)`` naming the key.
    init(kind: Kind, properties: [(String, String)], deliveryReports: Bool = false,
         statistics: Bool = false, rebalances: Bool = false) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw .invalidConfiguration("librdkafka could not allocate a configuration")
        }
        do {
            try Self.apply(properties, to: conf)
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        var errstr = [CChar](repeating: 0, count: 512)
        let state = RDKafkaClientState()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(state).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdkafkaLogCallback)
        if deliveryReports {
            rd_kafka_conf_set_dr_msg_cb(conf, rdkafkaDeliveryCallback)
        }
        if statistics {
            rd_kafka_conf_set_stats_cb(conf, rdkafkaStatisticsCallback)
        }
        if rebalances {
            rd_kafka_conf_set_rebalance_cb(conf, rdkafkaRebalanceCallback)
        }
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            // rd_kafka_new frees conf only on success.
            rd_kafka_conf_destroy(conf)
            let detail = string(fromCBuffer: errstr)
            throw .invalidConfiguration(detail)
        }
        self.handle = handle
        self.state = state
        self.kind = kind
        self.bootstrap = properties.last { $0.0 == "bootstrap.servers" }?.1 ?? ""
    }

    deinit {
        destroy()
    }

    /// Destroys the handle now (idempotent). Consumers should be closed first.
    func destroy() {
        if closed { return }
        closed = true
        rd_kafka_destroy(handle)
    }

    /// The value librdkafka uses for `name` on this handle, after defaults.
    func effectiveProperty(_ name: String) -> String? {
        let conf = rd_kafka_conf(handle)
        var size = 0
        guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return string(fromCBuffer: buffer)
    }

    /// Cluster metadata (all topics), or a classified error: no broker answered
    /// → ``KafkaError/connectionFailed(brokers:underlying:)``; a broker refused
    /// the handshake → ``KafkaError/incompatibleBroker(broker:reason:)``.
    func metadata(timeout: Duration) throws(KafkaError) -> ClusterMetadata {
        var raw: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &raw, Int32(clamping: milliseconds(timeout)))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else {
            throw classifyConnectionError(err)
        }
        defer { rd_kafka_metadata_destroy(raw) }
        return ClusterMetadata(raw.pointee)
    }

    /// Turns a failed request into the most useful error, using what the client logged.
    func classifyConnectionError(_ err: rd_kafka_resp_err_t) -> KafkaError {
        let lines = state.logLines
        if let line = lines.last(where: { $0.message.contains("ApiVersionRequest failed") }) {
            return .incompatibleBroker(broker: brokerName(in: line.message),
                                       reason: "the ApiVersions handshake failed (\(apiVersionsDetail(line.message))); "
                                           + "the broker's ApiVersions response is one librdkafka \(KafkaVersion.librdkafka) cannot parse "
                                           + "(e.g. FinalizedFeaturesEpoch -1 sent with FinalizedFeatures)")
        }
        if err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT
            || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__RESOLVE {
            let last = lines.last(where: { $0.level <= 4 && ($0.facility == "FAIL" || $0.facility == "ERROR") })
            let underlying = last.map { stripBrokerPrefix($0.message) } ?? "no broker answered (\(rdErrorText(err)))"
            return .connectionFailed(brokers: bootstrap, underlying: underlying)
        }
        return .from(err)
    }
}

/// Splits a librdkafka log line such as
/// `[thrd:…]: zoobench#producer-1: 127.0.0.1:9092/1: Connect to … failed: … (after 0ms in state CONNECT)`
/// into the broker it is about (`127.0.0.1:9092`) and the text (`Connect to … failed: …`).
func parseLogLine(_ message: String) -> (broker: String?, text: String) {
    var rest = Substring(message)
    if rest.hasPrefix("[thrd:"), let end = rest.range(of: "]: ") { rest = rest[end.upperBound...] }
    if let colon = rest.range(of: ": "), rest[..<colon.lowerBound].contains("#") { rest = rest[colon.upperBound...] }
    var broker: String?
    if let colon = rest.range(of: ": ") {
        let head = rest[..<colon.lowerBound]
        if let slash = head.lastIndex(of: "/"), !head.contains(" ") {
            broker = String(head[..<slash])
            rest = rest[colon.upperBound...]
        }
    }
    if let after = rest.range(of: " (after ") { rest = rest[..<after.lowerBound] }
    return (broker, String(rest))
}

private func brokerName(in message: String) -> String {
    parseLogLine(message).broker ?? "(unknown broker)"
}

private func stripBrokerPrefix(_ message: String) -> String {
    parseLogLine(message).text
}

private func apiVersionsDetail(_ message: String) -> String {
    let text = parseLogLine(message).text
    guard let range = text.range(of: "ApiVersionRequest failed: ") else { return text }
    var rest = String(text[range.upperBound...])
    if let cut = rest.range(of: ": probably") { rest = String(rest[..<cut.lowerBound]) }
    return rest
}

private let rdkafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, buffer in
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let state = Unmanaged<RDKafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
    state.log(level: level,
              facility: facility.map { String(cString: $0) } ?? "",
              message: buffer.map { String(cString: $0) } ?? "")
}

private let rdkafkaStatisticsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, json, length, opaque in
    guard let json, let opaque else { return 0 }
    let state = Unmanaged<RDKafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
    AllocationAttribution.marked(.callerPeriodic) { state.onStatistics?(UnsafeRawBufferPointer(start: json, count: length)) }
    return 0  // librdkafka frees the document
}

private let rdkafkaDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, opaque in
    guard let message, let opaque else { return }
    // The handle's owner keeps the state alive while it polls; no retain needed.
    AllocationAttribution.marked(.caller) {
        Unmanaged<RDKafkaClientState>.fromOpaque(opaque)._withUnsafeGuaranteedRef { state in
            state.deliverySink?._withUnsafeGuaranteedRef { $0.handleDelivery(message) }
        }
    }
}

/// Applies each group rebalance as librdkafka's default would (eager or
/// cooperative), and counts assignments so a consumer knows it has joined
/// even when the group gave it no partition. While the state holds
/// assignments, an assignment is kept aside, not applied, until
/// ``RDKafkaClientState/applyHeldAssignment(_:)``: nothing is fetched before.
private let rdkafkaRebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t,
                                                      UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                                                      UnsafeMutableRawPointer?) -> Void = {
    handle, err, partitions, opaque in
    guard let handle, let opaque else { return }
    let state = Unmanaged<RDKafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
    if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
        switch state.holdMode.load(ordering: .acquiring) {
        case 1:
            if let held = state.heldAssignment { rd_kafka_topic_partition_list_destroy(held) }
            state.heldAssignment = partitions.flatMap { rd_kafka_topic_partition_list_copy($0) }
            state.assignedCount.store(Int(partitions?.pointee.cnt ?? 0), ordering: .relaxed)
        case 2:
            applyAssignment(handle, partitions)
            if let partitions { _ = rd_kafka_pause_partitions(handle, partitions) }
            state.assignedCount.store(assignmentSize(handle), ordering: .relaxed)
        default:
            applyAssignment(handle, partitions)
            state.assignedCount.store(assignmentSize(handle), ordering: .relaxed)
        }
        state.assignments.add(1, ordering: .releasing)
    } else {
        if let held = state.heldAssignment {
            rd_kafka_topic_partition_list_destroy(held)
            state.heldAssignment = nil
        }
        if isCooperative(handle) {
            if let error = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(error) }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }
        state.assignedCount.store(assignmentSize(handle), ordering: .relaxed)
    }
}

private func isCooperative(_ handle: OpaquePointer) -> Bool {
    rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
}

private func applyAssignment(_ handle: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
    if isCooperative(handle) {
        if let error = rd_kafka_incremental_assign(handle, partitions) { rd_kafka_error_destroy(error) }
    } else {
        _ = rd_kafka_assign(handle, partitions)
    }
}

private func assignmentSize(_ handle: OpaquePointer) -> Int {
    var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return 0 }
    defer { rd_kafka_topic_partition_list_destroy(list) }
    return Int(list.pointee.cnt)
}

extension RDKafkaClientState {
    /// Stops holding: applies the assignment set aside, if any, and resumes
    /// paused ones. Call on the polling thread (the one that runs the
    /// rebalance callback).
    func releaseAssignments(_ handle: OpaquePointer) {
        let mode = holdMode.exchange(0, ordering: .acquiringAndReleasing)
        if let held = heldAssignment {
            heldAssignment = nil
            setKnownStarts(held)
            applyAssignment(handle, held)
            rd_kafka_topic_partition_list_destroy(held)
        }
        if mode == 2 {
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            if rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
                _ = rd_kafka_resume_partitions(handle, list)
                rd_kafka_topic_partition_list_destroy(list)
            }
        }
        assignedCount.store(assignmentSize(handle), ordering: .relaxed)
    }

    /// Keeps holding, but by applying assignments paused instead of setting
    /// them aside. librdkafka cannot take part in a further rebalance while an
    /// assignment waits to be applied, so a member that must wait for later
    /// joiners switches to this. Call on the polling thread.
    func pauseHeldAssignments(_ handle: OpaquePointer) {
        guard holdMode.load(ordering: .acquiring) == 1 else { return }
        holdMode.store(2, ordering: .releasing)
        guard let held = heldAssignment else { return }
        heldAssignment = nil
        setKnownStarts(held)
        applyAssignment(handle, held)
        _ = rd_kafka_pause_partitions(handle, held)
        rd_kafka_topic_partition_list_destroy(held)
        assignedCount.store(assignmentSize(handle), ordering: .relaxed)
    }
}

/// The NUL-terminated text librdkafka wrote into `buffer` (an error string or a property value).
func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
