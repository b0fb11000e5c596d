import CCodecs

/// A compression codec and level, as Kafka producers use them: `zstd:3`,
/// `lz4`, `lz4hc:9`, `gzip:6`, `snappy`.
public struct CodecSetting: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The algorithm families librdkafka offers (lz4hc is lz4 at a high level).
    public enum Algorithm: String, Sendable, Hashable, Codable, CaseIterable {
        case gzip, snappy, lz4, lz4hc, zstd
    }

    public var algorithm: Algorithm
    /// The level; nil for snappy and plain lz4, which have none.
    public var level: Int?

    public init(_ algorithm: Algorithm, level: Int? = nil) {
        self.algorithm = algorithm
        self.level = level ?? Self.defaultLevel(algorithm)
    }

    /// Parses `name` or `name:level`; nil when the name is unknown or the level
    /// out of the library's range (the range is in ``levels(of:)``).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let algorithm = Algorithm(rawValue: String(parts[0]).lowercased()) else { return nil }
        var level: Int?
        if parts.count == 2 {
            guard let number = Int(parts[1]), let range = Self.levels(of: algorithm), range.contains(number) else {
                return nil
            }
            level = number
        }
        self.init(algorithm, level: level)
    }

    /// The levels an algorithm accepts, nil when it has none.
    public static func levels(of algorithm: Algorithm) -> ClosedRange<Int>? {
        switch algorithm {
        case .gzip: return 1...9
        case .snappy, .lz4: return nil
        case .lz4hc: return 1...Int(LZ4HC_CLEVEL_MAX)
        case .zstd: return 1...Int(ZSTD_maxCLevel())
        }
    }

    /// The level librdkafka uses when `compression.level` is left at -1.
    static func defaultLevel(_ algorithm: Algorithm) -> Int? {
        switch algorithm {
        case .gzip: return 6
        case .snappy, .lz4: return nil
        case .lz4hc: return Int(LZ4HC_CLEVEL_DEFAULT)
        case .zstd: return 3
        }
    }

    /// The Kafka codec this setting is (for `compression.type`).
    public var kafkaCodec: CompressionCodec {
        switch algorithm {
        case .gzip: return .gzip
        case .snappy: return .snappy
        case .lz4, .lz4hc: return .lz4
        case .zstd: return .zstd
        }
    }

    /// The setting a producer with `codec` and `compression.level` -1 uses.
    public init?(kafka codec: CompressionCodec) {
        switch codec {
        case .none: return nil
        case .gzip: self.init(.gzip)
        case .snappy: self.init(.snappy)
        case .lz4: self.init(.lz4)
        case .zstd: self.init(.zstd)
        }
    }

    public var description: String {
        level.map { "\(algorithm.rawValue):\($0)" } ?? algorithm.rawValue
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let setting = CodecSetting(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a codec such as zstd:3"))
        }
        self = setting
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A codec library failed on a buffer (it names the library's reason).
public struct CodecError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// One codec's compressor and decompressor, with their working memory made
/// once: compressing and decompressing a batch allocates nothing.
///
/// The buffers are the caller's, so a measurement sees the library's own cost.
/// Formats: zstd frames, lz4 blocks (Kafka's lz4 frame adds a few bytes of
/// header per batch), gzip streams (zlib with the gzip wrapper) and raw snappy.
/// Not thread-safe: one per thread.
public final class BatchCodec {
    public let setting: CodecSetting
    private let zstdCompress: OpaquePointer?
    private let zstdDecompress: OpaquePointer?
    private let lz4State: UnsafeMutableRawPointer?
    private let deflater: UnsafeMutablePointer<z_stream>?
    private let inflater: UnsafeMutablePointer<z_stream>?

    public init(_ setting: CodecSetting) throws(CodecError) {
        self.setting = setting
        var zstdCompress: OpaquePointer?
        var zstdDecompress: OpaquePointer?
        var lz4State: UnsafeMutableRawPointer?
        var deflater: UnsafeMutablePointer<z_stream>?
        var inflater: UnsafeMutablePointer<z_stream>?
        switch setting.algorithm {
        case .zstd:
            zstdCompress = ZSTD_createCCtx()
            zstdDecompress = ZSTD_createDCtx()
        case .lz4:
            lz4State = .allocate(byteCount: Int(LZ4_sizeofState()), alignment: 16)
        case .lz4hc:
            lz4State = .allocate(byteCount: Int(LZ4_sizeofStateHC()), alignment: 16)
        case .gzip:
            deflater = .allocate(capacity: 1)
            deflater!.initialize(to: z_stream())
            inflater = .allocate(capacity: 1)
            inflater!.initialize(to: z_stream())
            let level = Int32(setting.level ?? 6)
            if zoobench_deflate_init_gzip(deflater, level) != Z_OK || zoobench_inflate_init_gzip(inflater) != Z_OK {
                deflater!.deallocate()
                inflater!.deallocate()
                throw CodecError(description: "zlib could not start a gzip stream at level \(level)")
            }
        case .snappy:
            break
        }
        self.zstdCompress = zstdCompress
        self.zstdDecompress = zstdDecompress
        self.lz4State = lz4State
        self.deflater = deflater
        self.inflater = inflater
    }

    deinit {
        if let zstdCompress { ZSTD_freeCCtx(zstdCompress) }
        if let zstdDecompress { ZSTD_freeDCtx(zstdDecompress) }
        lz4State?.deallocate()
        if let deflater {
            deflateEnd(deflater)
            deflater.deallocate()
        }
        if let inflater {
            inflateEnd(inflater)
            inflater.deallocate()
        }
    }

    /// The most bytes compressing `count` bytes can give.
    public func maxCompressedSize(_ count: Int) -> Int {
        switch setting.algorithm {
        case .zstd: return ZSTD_compressBound(count)
        case .lz4, .lz4hc: return Int(LZ4_compressBound(Int32(clamping: count)))
        case .gzip: return Int(deflateBound(deflater, uLong(count))) + 18  // the gzip header and trailer
        case .snappy: return snappy_max_compressed_length(count)
        }
    }

    /// Compresses `source` into `destination` (at least
    /// ``maxCompressedSize(_:)`` bytes) and returns the compressed size.
    public func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard let input = source.baseAddress, let output = destination.baseAddress else { return 0 }
        switch setting.algorithm {
        case .zstd:
            let size = ZSTD_compressCCtx(zstdCompress, output, destination.count, input, source.count,
                                         Int32(setting.level ?? 3))
            if ZSTD_isError(size) != 0 { throw CodecError(description: "zstd: " + String(cString: ZSTD_getErrorName(size))) }
            return size
        case .lz4:
            let size = LZ4_compress_fast_extState(lz4State, input, output, Int32(clamping: source.count),
                                                  Int32(clamping: destination.count), 1)
            if size <= 0 { throw CodecError(description: "lz4: the output buffer is too small") }
            return Int(size)
        case .lz4hc:
            let size = LZ4_compress_HC_extStateHC(lz4State, input, output, Int32(clamping: source.count),
                                                  Int32(clamping: destination.count), Int32(setting.level ?? 9))
            if size <= 0 { throw CodecError(description: "lz4hc: the output buffer is too small") }
            return Int(size)
        case .gzip:
            let stream = deflater!
            deflateReset(stream)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = output.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(destination.count)
            let status = deflate(stream, Z_FINISH)
            if status != Z_STREAM_END { throw CodecError(description: "gzip: deflate returned \(status)") }
            return Int(stream.pointee.total_out)
        case .snappy:
            var size = destination.count
            let status = snappy_compress(input.assumingMemoryBound(to: CChar.self), source.count,
                                         output.assumingMemoryBound(to: CChar.self), &size)
            if status != SNAPPY_OK { throw CodecError(description: "snappy: compress returned \(status.rawValue)") }
            return size
        }
    }

    /// Decompresses `source` into `destination`, which must hold the whole
    /// original; returns the decompressed size.
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard let input = source.baseAddress, let output = destination.baseAddress else { return 0 }
        switch setting.algorithm {
        case .zstd:
            let size = ZSTD_decompressDCtx(zstdDecompress, output, destination.count, input, source.count)
            if ZSTD_isError(size) != 0 { throw CodecError(description: "zstd: " + String(cString: ZSTD_getErrorName(size))) }
            return size
        case .lz4, .lz4hc:
            let size = LZ4_decompress_safe(input, output, Int32(clamping: source.count), Int32(clamping: destination.count))
            if size < 0 { throw CodecError(description: "lz4: the input is corrupt or the output buffer too small") }
            return Int(size)
        case .gzip:
            let stream = inflater!
            inflateReset(stream)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = output.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(destination.count)
            let status = inflate(stream, Z_FINISH)
            if status != Z_STREAM_END { throw CodecError(description: "gzip: inflate returned \(status)") }
            return Int(stream.pointee.total_out)
        case .snappy:
            var size = destination.count
            let status = snappy_uncompress(input.assumingMemoryBound(to: CChar.self), source.count,
                                           output.assumingMemoryBound(to: CChar.self), &size)
            if status != SNAPPY_OK { throw CodecError(description: "snappy: uncompress returned \(status.rawValue)") }
            return size
        }
    }

    /// The versions of the codec libraries linked in, by name.
    public static var libraryVersions: [String: String] {
        [
            "zstd": String(cString: ZSTD_versionString()),
            "lz4": String(cString: LZ4_versionString()),
            "zlib": String(cString: zlibVersion()),
            "snappy": "linked (the library reports no version)",
        ]
    }
}
