import Foundation

/// How every zoobench result is written as JSON and read back: pretty,
/// key-sorted, ISO 8601 dates, non-finite numbers as strings. Runs, sweeps,
/// plans, codec results and comparisons all go through it, so a file written
/// by one command reads in every other (and in the previous version).
public enum ResultJSON {
    /// The pretty, key-sorted JSON of `value`.
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        try encoder().encode(value)
    }

    /// `value` as JSON on one line: what a swarm worker sends (a quarter the
    /// size of the pretty form, whose histograms take a line per number).
    public static func compact<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Reads what ``encode(_:)`` or ``compact(_:)`` wrote.
    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        try decoder().decode(type, from: data)
    }

    /// The encoder behind ``encode(_:)``.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The decoder behind ``decode(_:from:)``.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
