import Foundation
import ZooPipe

/// Record values for a run, generated once into one immutable buffer.
///
/// Records are slices of it handed to librdkafka without a copy; nothing
/// writes to the buffer after it is made, so a slice stays valid for as long
/// as the pool lives, whatever is in flight. The buffer is large (up to
/// 16 MiB of distinct values) so a batch does not see the same bytes twice and
/// codecs are not flattered by repetition beyond what `compressibility` asks.
public final class PayloadPool: @unchecked Sendable {
    /// Distinct values in the pool.
    public let slotCount: Int
    /// Sizes of records, cycled through by record index.
    private let sizes: [Int]
    private let offsets: [Int]
    private let lengths: [Int]
    private let fromFile: Bool
    private let storage: UnsafeMutableRawBufferPointer

    /// The most bytes a payload file may have (its records are held in memory).
    public static let largestFile = 64 << 20
    /// The most bytes a generated pool holds.
    public static let maxBytes = 16 * 1024 * 1024
    /// How many sizes are drawn from a size distribution (then cycled).
    static let sizeTableLength = 65_536

    /// Builds the pool for `workload`'s payload kind, sizes and compressibility;
    /// a payload file that cannot be read is a ``WorkloadError``.
    public init(workload: ProduceWorkload, stamped: Bool = false, seed: UInt64 = 0x5EED) throws(WorkloadError) {
        var generator = SplitMix64(seed: seed)
        if case .file(let path) = workload.payload {
            let data: Data
            switch FileProblem.contents(of: path, limit: Self.largestFile) {
            case .failure(let reason): throw .invalid("payload file '\(path)': cannot read it (\(reason))")
            case .success(let bytes): data = bytes
            }
            let delimiter = Array(workload.payloadDelimiter.utf8)
            var entries: [Range<Int>] = []
            let bytes = [UInt8](data)
            if workload.payloadDelimiter.hasPrefix("\u{0}NO-DELIMITER") || delimiter.isEmpty {
                entries = [0..<bytes.count]
            } else {
                var start = 0
                var i = 0
                while i + delimiter.count <= bytes.count {
                    if bytes[i..<i + delimiter.count].elementsEqual(delimiter) {
                        if i > start { entries.append(start..<i) }
                        i += delimiter.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < bytes.count { entries.append(start..<bytes.count) }
            }
            guard !entries.isEmpty else { throw .invalid("payload file '\(path)': it holds no records") }
            let framing = workload.largestRecordFraming(stamped: stamped)
            let limit = workload.messageMaxBytes - framing
            if let largest = entries.indices.max(by: { entries[$0].count < entries[$1].count }), entries[largest].count > limit {
                throw .invalid("payload file '\(path)': record \(largest + 1) is \(entries[largest].count) bytes; with up to "
                    + "\(framing) bytes of key, headers and framing that is more than message.max.bytes "
                    + "(\(workload.messageMaxBytes)); raise it with -X message.max.bytes=… or use smaller records")
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
            storage = buffer
            offsets = entries.map(\.lowerBound)
            lengths = entries.map(\.count)
            sizes = lengths
            slotCount = entries.count
            fromFile = true
            return
        }
        fromFile = false
        let maximum = max(workload.recordSize.maximum, 0)
        let wanted = workload.recordLimit.map { $0 + (workload.warmupRecords ?? 0) } ?? Int.max
        slotCount = max(1, min(wanted, Self.maxBytes / max(maximum, 1)))
        storage = .allocate(byteCount: max(1, slotCount * maximum), alignment: 8)
        offsets = (0..<slotCount).map { $0 * maximum }
        lengths = Array(repeating: maximum, count: slotCount)
        if case .fixed(let size) = workload.recordSize {
            sizes = [size]
        } else {
            sizes = (0..<Self.sizeTableLength).map { _ in workload.recordSize.sample(&generator) }
        }
        switch workload.payload {
        case .random, .file:
            fillRandom(compressibility: workload.compressibility, generator: &generator)
        case .text:
            fillText(generator: &generator)
        case .json:
            fillJSON(slotSize: maximum, generator: &generator)
        }
    }

    /// A pool of `recordSize`-byte random values (for tests and simple callers).
    public convenience init(recordSize: Int, records: Int, seed: UInt64 = 0x5EED) {
        var workload = ProduceWorkload()
        workload.recordSize = .fixed(recordSize)
        workload.numRecords = records
        try! self.init(workload: workload, seed: seed)  // generated payloads cannot fail
    }

    deinit {
        storage.deallocate()
    }

    /// The size of record `index`.
    @inline(__always)
    public func size(_ index: Int) -> Int {
        sizes.count == 1 ? sizes[0] : sizes[index % sizes.count]
    }

    /// The value of record `index` (a view into the pool; no copy).
    @inline(__always)
    public func payload(_ index: Int) -> UnsafeRawBufferPointer {
        let slot = index % slotCount
        let start = offsets[slot]
        let length = fromFile ? lengths[slot] : size(index)
        return UnsafeRawBufferPointer(rebasing: storage[start..<start + length])
    }

    /// Where a sender that takes records 0, 1, 2 … in order is in the pool.
    public struct Cursor: Sendable {
        fileprivate var slot = 0
        fileprivate var size = 0
        public init() {}
    }

    /// The value of the record at `cursor`, which then moves to the next:
    /// the same bytes as ``payload(_:)`` gives for indexes 0, 1, 2 …, without
    /// the two divisions per record that indexing costs.
    @inline(__always)
    public func payload(at cursor: inout Cursor) -> UnsafeRawBufferPointer {
        let start = offsets[cursor.slot]
        let length = fromFile ? lengths[cursor.slot] : sizes[cursor.size]
        cursor.slot += 1
        if cursor.slot == slotCount { cursor.slot = 0 }
        cursor.size += 1
        if cursor.size == sizes.count { cursor.size = 0 }
        return UnsafeRawBufferPointer(start: storage.baseAddress.unsafelyUnwrapped + start, count: length)
    }

    // MARK: Generation

    /// Random bytes in 64-byte blocks; a block is, with probability
    /// `compressibility`, a copy of one fixed block instead, so a codec finds
    /// about that fraction of the bytes repeated.
    private func fillRandom(compressibility: Double, generator: inout SplitMix64) {
        let block = 64
        var motif = [UInt8](repeating: 0, count: block)
        for i in 0..<block { motif[i] = UInt8(truncatingIfNeeded: generator.next()) }
        var position = 0
        while position < storage.count {
            let length = min(block, storage.count - position)
            if compressibility > 0 && Double.random(in: 0..<1, using: &generator) < compressibility {
                for i in 0..<length { storage[position + i] = motif[i] }
            } else {
                var i = 0
                while i < length {
                    var word = generator.next()
                    for _ in 0..<8 where i < length {
                        storage[position + i] = UInt8(truncatingIfNeeded: word)
                        word >>= 8
                        i += 1
                    }
                }
            }
            position += length
        }
    }

    private static let words: [String] = [
        "kafka", "broker", "topic", "partition", "offset", "record", "batch", "leader", "replica", "consumer",
        "producer", "group", "commit", "latency", "throughput", "segment", "log", "index", "fetch", "acks",
        "the", "a", "of", "and", "to", "in", "is", "it", "that", "was", "for", "on", "are", "with", "as", "at",
        "order", "payment", "user", "event", "click", "view", "cart", "price", "stock", "ship", "status",
    ]

    private func fillText(generator: inout SplitMix64) {
        var position = 0
        while position < storage.count {
            let word = Self.words[Int(generator.next() % UInt64(Self.words.count))]
            for byte in word.utf8 where position < storage.count {
                storage[position] = byte
                position += 1
            }
            if position < storage.count {
                storage[position] = 0x20
                position += 1
            }
        }
    }

    private func fillJSON(slotSize: Int, generator: inout SplitMix64) {
        for slot in 0..<slotCount {
            let words = Self.words
            var object = "{\"id\":\(slot),\"user\":\"user-\(generator.next() % 100_000)\","
                + "\"event\":\"\(words[Int(generator.next() % UInt64(words.count))])\","
                + "\"amount\":\(generator.next() % 100_000),\"note\":\""
            while object.utf8.count < slotSize - 2 {
                object += words[Int(generator.next() % UInt64(words.count))] + " "
            }
            var bytes = Array(object.utf8.prefix(max(0, slotSize - 2)))
            bytes += Array("\"}".utf8)
            bytes = Array(bytes.prefix(slotSize))
            let start = offsets[slot]
            for (i, byte) in bytes.enumerated() { storage[start + i] = byte }
        }
    }
}
