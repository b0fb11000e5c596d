import Foundation

/// The header an end-to-end record carries, `zb.seq`: 32 bytes, little-endian.
///
/// | bytes | field |
/// |---|---|
/// | 0–3 | run id (records of other runs are told apart and ignored) |
/// | 4–5 | producer index |
/// | 6–7 | flags (bit 0: sent during warm-up) |
/// | 8–15 | the producer's sequence number, from 0 |
/// | 16–23 | intended send time, wall-clock ns since the epoch |
/// | 24–31 | actual send time, wall-clock ns since the epoch |
public struct SequenceStamp: Sendable, Hashable {
    /// The header's name.
    public static let headerName: StaticString = "zb.seq"
    /// The header's size in bytes.
    public static let size = 32
    static let warmupFlag: UInt16 = 1

    public var run: UInt32
    public var producer: UInt16
    public var warmup: Bool
    public var sequence: UInt64
    public var intendedTime: UInt64
    public var sendTime: UInt64

    public init(run: UInt32, producer: UInt16, warmup: Bool, sequence: UInt64, intendedTime: UInt64, sendTime: UInt64) {
        self.run = run
        self.producer = producer
        self.warmup = warmup
        self.sequence = sequence
        self.intendedTime = intendedTime
        self.sendTime = sendTime
    }

    /// Writes the stamp into the first 32 bytes of `buffer`.
    @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: run.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: producer.littleEndian, toByteOffset: 4, as: UInt16.self)
        buffer.storeBytes(of: (warmup ? Self.warmupFlag : 0).littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: intendedTime.littleEndian, toByteOffset: 16, as: UInt64.self)
        buffer.storeBytes(of: sendTime.littleEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// Reads a stamp; nil unless `bytes` is exactly 32 bytes long.
    @inline(__always)
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.size else { return nil }
        run = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        producer = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        warmup = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)) & Self.warmupFlag != 0
        sequence = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        intendedTime = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        sendTime = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }
}
