import CRdKafka
import Foundation

/// What went over the wire, from librdkafka's own statistics.
public struct KafkaWireStatistics: Sendable, Hashable, Codable {
    /// Requests sent to brokers (`tx`).
    public var requests: Int
    /// Bytes sent to brokers, requests and framing included, after compression (`tx_bytes`).
    public var bytes: Int
    /// Records sent (`txmsgs`). A record sent again after a failed or refused
    /// request counts again, so this less the records sent is the records resent.
    public var messages: Int
    /// Record bytes sent, with batch framing, after compression (`txmsg_bytes`).
    public var messageBytes: Int
    /// How many statistics documents have arrived so far.
    public var reports: Int
    /// Requests sent again after they failed, summed over brokers (`txretries`).
    public var retries: Int
    /// Requests that could not be sent or whose response was bad, summed over
    /// brokers (`txerrs` + `rxerrs`).
    public var errors: Int
    /// Requests that timed out, summed over brokers (`req_timeouts`).
    public var timeouts: Int
    /// Connections lost, summed over brokers (`disconnects`).
    public var disconnects: Int

    public init(requests: Int = 0, bytes: Int = 0, messages: Int = 0, messageBytes: Int = 0, reports: Int = 0,
                retries: Int = 0, errors: Int = 0, timeouts: Int = 0, disconnects: Int = 0) {
        self.requests = requests
        self.bytes = bytes
        self.messages = messages
        self.messageBytes = messageBytes
        self.reports = reports
        self.retries = retries
        self.errors = errors
        self.timeouts = timeouts
        self.disconnects = disconnects
    }

    /// Reads librdkafka's statistics JSON; `reports` is the count to store.
    init?(statistics json: UnsafeRawBufferPointer, reports: Int) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        func number(_ key: String, in object: [String: Any]) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        self.init(requests: number("tx", in: object), bytes: number("tx_bytes", in: object),
                  messages: number("txmsgs", in: object), messageBytes: number("txmsg_bytes", in: object),
                  reports: reports)
        for case let broker as [String: Any] in (object["brokers"] as? [String: Any] ?? [:]).values {
            retries += number("txretries", in: broker)
            errors += number("txerrs", in: broker) + number("rxerrs", in: broker)
            timeouts += number("req_timeouts", in: broker)
            disconnects += number("disconnects", in: broker)
        }
    }

    /// Adds another client's figures (a swarm's producers).
    public mutating func add(_ other: KafkaWireStatistics) {
        requests += other.requests
        bytes += other.bytes
        messages += other.messages
        messageBytes += other.messageBytes
        reports += other.reports
        retries += other.retries
        errors += other.errors
        timeouts += other.timeouts
        disconnects += other.disconnects
    }

    private enum CodingKeys: String, CodingKey {
        case requests, bytes, messages, messageBytes, reports, retries, errors, timeouts, disconnects
    }

    /// Results written before the retry and error counts read them as 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func field(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        self.init(requests: try field(.requests), bytes: try field(.bytes), messages: try field(.messages),
                  messageBytes: try field(.messageBytes), reports: try field(.reports), retries: try field(.retries),
                  errors: try field(.errors), timeouts: try field(.timeouts), disconnects: try field(.disconnects))
    }
}
