import Foundation
import ZooPipe

/// A workload described by a table of fields (``WorkloadField``): it reads
/// and writes itself through the table, in files, results and flags alike.
public protocol WorkloadFieldTable: Sendable {
    /// Every field, in the order files and results write them.
    static var fields: [WorkloadField<Self>] { get }
    /// The key of the librdkafka properties in files (`producer-props`).
    static var propertiesKey: String { get }
    /// The topic, which a `kafka://…/topic` URI sets.
    var topic: String { get set }
    /// librdkafka properties passed verbatim.
    var properties: [String: String] { get set }
    init()
}

extension WorkloadFieldTable {
    /// Every key a workload file may use.
    public static var fieldNames: [String] { fields.map(\.name) + [propertiesKey] }

    /// The field called `name`.
    public static func field(_ name: String) -> WorkloadField<Self>? { fields.first { $0.name == name } }

    /// Sets one field from its text form, as flags and workload files write
    /// it; an error names the field as `label` (default `field 'name'`).
    public mutating func set(_ name: String, to text: String, label: String? = nil) throws(WorkloadError) {
        guard let field = Self.field(name) else { throw .invalid("unknown field '\(name)'") }
        try field.set(&self, to: text, label: label)
    }

    /// Sets the fields given on a command line (`--name` is each one's label):
    /// a list field given there replaces the file's list.
    public mutating func set(flags: [(field: String, text: String)]) throws(WorkloadError) {
        var cleared: Set<String> = []
        for (name, text) in flags {
            guard let field = Self.field(name) else { throw .invalid("unknown field '\(name)'") }
            if field.isList, cleared.insert(name).inserted { field.clear?(&self) }
            try field.set(&self, to: text, label: "--\(name)")
        }
    }

    /// Sets a request's fields and properties, and the topic of its URI.
    mutating func apply(_ request: WorkloadRequest) throws(WorkloadError) {
        try set(flags: request.fields)
        if let topic = request.uriTopic { self.topic = topic }
        for (key, value) in request.properties { properties[key] = value }
    }

    /// Reads a workload written with the fields' names as keys: refuses an
    /// unknown key (listing the known ones) and reads every field through the table.
    init(fieldsFrom decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: WorkloadKey.self)
        let known = Self.fieldNames
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw WorkloadError.invalid("unknown field '\(unknown)' (fields: \(known.joined(separator: ", ")))")
        }
        for key in container.allKeys {
            if key.stringValue == Self.propertiesKey {
                properties = try container.decode([String: FlexibleScalar].self, forKey: key).mapValues(\.text)
                continue
            }
            guard let field = Self.field(key.stringValue) else { continue }
            let values: [FlexibleScalar]
            if field.isList {
                // A list, or one value for a list of one.
                if let list = try? container.decode([FlexibleScalar].self, forKey: key) {
                    values = list
                } else if let single = try? container.decode(FlexibleScalar.self, forKey: key) {
                    values = [single]
                } else {
                    throw WorkloadError.invalid("field '\(key.stringValue)' must be a list of text values")
                }
            } else {
                do {
                    values = [try container.decode(FlexibleScalar.self, forKey: key)]
                } catch {
                    throw WorkloadError.invalid("field '\(key.stringValue)' must be a single value")
                }
            }
            for value in values { try field.set(&self, to: value.text) }
        }
    }

    /// Writes every field that has a value, then the properties (secrets redacted).
    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WorkloadKey.self)
        for field in Self.fields {
            if let value = field.value(in: self) { try container.encode(value, forKey: WorkloadKey(field.name)) }
        }
        if !properties.isEmpty { try container.encode(redactSecrets(properties), forKey: WorkloadKey(Self.propertiesKey)) }
    }
}

/// Keys of a workload in files and results: the fields' names.
struct WorkloadKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A scalar from YAML or JSON, whatever its type there, as text: as it is
/// written when the decoder gives it so (YAML reads `0x10` as 16 and
/// `1_000` as 1000; as text they reach the same parsers as flags, which
/// refuse them).
struct FlexibleScalar: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            text = value
        } else if let value = try? container.decode(Int.self) {
            text = String(value)
        } else if let value = try? container.decode(Double.self) {
            text = trim(value)
        } else if let value = try? container.decode(Bool.self) {
            text = value ? "true" : "false"
        } else {
            text = try container.decode(String.self)
        }
    }
}

/// A field's text as a flag or a workload file gives it, with the readers
/// the fields share; an error names the field (or `label`) and the text.
public struct FieldText: Sendable {
    var field: String
    var text: String
    var label: String?
    var allowed: [String]? = nil

    /// `--acks` or `field 'acks'`.
    var name: String { label ?? "field '\(field)'" }

    func bad(_ expected: String) -> WorkloadError {
        .invalid("\(name): '\(text)' is not \(expected)")
    }

    /// `0, 1, -1 or all`.
    static func either(_ values: [String]) -> String {
        values.count > 1 ? values.dropLast().joined(separator: ", ") + " or " + values.last! : values.joined()
    }

    /// A whole number: `1000`, `1e6`, `1000.0` or a size (`16k`).
    func integer() throws(WorkloadError) -> Int {
        if let value = Int(text) ?? ByteCount.parse(text) { return value }
        guard let value = DecimalText.parse(text), value == value.rounded(), abs(value) < 9.2e18 else { throw bad("a whole number") }
        return Int(value)
    }

    func number() throws(WorkloadError) -> Double {
        guard let value = DecimalText.parse(text) else { throw bad("a number") }
        return value
    }

    func duration() throws(WorkloadError) -> Duration {
        try DurationText.parse(text, label: name)
    }

    func flag() throws(WorkloadError) -> Bool {
        guard let value = Bool(text) else { throw bad("true or false") }
        return value
    }
}
