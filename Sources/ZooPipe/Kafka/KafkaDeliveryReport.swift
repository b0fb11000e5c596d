import CRdKafka
import Foundation

/// What the broker (or the client, on failure) said about one sent record.
public struct KafkaDeliveryReport: Sendable {
    /// The caller's token given to `send`, returned untouched.
    public var token: UInt64
    /// Partition the record went to (-1 if it never got one).
    public var partition: Int32
    /// Offset the broker gave it, or -1 (always -1 with acks=0).
    public var offset: Int64
    /// ``MonotonicClock`` nanoseconds when librdkafka accepted the record.
    public var sendTime: UInt64
    /// When the record was meant to be sent (the schedule's time, for
    /// coordinated-omission correction); equal to `sendTime` if none was given.
    public var intendedTime: UInt64
    /// When this report reached the adapter.
    public var deliveredTime: UInt64
    /// librdkafka's error code, 0 on success.
    public var errorCode: Int32
    /// The record's value length in bytes.
    public var length: Int

    public init(token: UInt64, partition: Int32, offset: Int64, sendTime: UInt64, intendedTime: UInt64,
                deliveredTime: UInt64, errorCode: Int32, length: Int = 0) {
        self.token = token
        self.partition = partition
        self.offset = offset
        self.sendTime = sendTime
        self.intendedTime = intendedTime
        self.deliveredTime = deliveredTime
        self.errorCode = errorCode
        self.length = length
    }

    /// Whether the record was delivered.
    public var succeeded: Bool { errorCode == 0 }
    /// Delivery latency from the actual send, in nanoseconds.
    public var latency: UInt64 { deliveredTime &- sendTime }
    /// Delivery latency from the intended send, in nanoseconds.
    public var correctedLatency: UInt64 { deliveredTime &- intendedTime }
    /// The error's symbolic name (e.g. `_MSG_TIMED_OUT`), nil on success.
    public var errorName: String? {
        succeeded ? nil : rdErrorName(rd_kafka_resp_err_t(rawValue: errorCode))
    }
}

/// Receives delivery reports with no closure and no reference counting in
/// between: the fast path for load generators. Subclass it and override
/// ``delivered(_:)``; see ``KafkaOutputAdapter/deliveryHandler``.
open class KafkaDeliveryHandler {
    public init() {}

    /// Called for every delivery report, on the thread that polls.
    open func delivered(_ report: KafkaDeliveryReport) {}
}
