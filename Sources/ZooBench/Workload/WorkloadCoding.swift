import Foundation
import ZooPipe

/// Keys of a workload in files and results: the CLI's flag names.
struct WorkloadKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A scalar from YAML or JSON, whatever its type there, as text.
struct FlexibleScalar: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
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

/// Decodes a workload written with the CLI's flag names as keys: refuses an
/// unknown key (listing the known ones), hands every scalar field to `set` as
/// text, and returns the librdkafka properties found under `propertiesKey`.
func decodeFlagFields(from decoder: any Decoder, fieldNames: [String], propertiesKey: String, listFields: Set<String> = [],
                      set: (String, String) throws(WorkloadError) -> Void) throws -> [String: String] {
    let container = try decoder.container(keyedBy: WorkloadKey.self)
    let known = Set(fieldNames)
    if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
        throw WorkloadError.invalid("unknown field '\(unknown)' (fields: \(fieldNames.joined(separator: ", ")))")
    }
    var properties: [String: String] = [:]
    for key in container.allKeys {
        if key.stringValue == propertiesKey {
            properties = try container.decode([String: FlexibleScalar].self, forKey: key).mapValues(\.text)
            continue
        }
        if listFields.contains(key.stringValue) {
            // A list, or one value for a list of one.
            let values: [FlexibleScalar]
            if let list = try? container.decode([FlexibleScalar].self, forKey: key) {
                values = list
            } else if let single = try? container.decode(FlexibleScalar.self, forKey: key) {
                values = [single]
            } else {
                throw WorkloadError.invalid("field '\(key.stringValue)' must be a list of text values")
            }
            for value in values { try set(key.stringValue, value.text) }
            continue
        }
        let value: FlexibleScalar
        do {
            value = try container.decode(FlexibleScalar.self, forKey: key)
        } catch {
            throw WorkloadError.invalid("field '\(key.stringValue)' must be a single value")
        }
        try set(key.stringValue, value.text)
    }
    return properties
}

/// A field's text as a flag or a workload file gives it, with the parsers
/// the workloads share; an error names the field (or `label`) and the text.
struct FieldText {
    var field: String
    var text: String
    var label: String?

    func bad(_ expected: String) -> WorkloadError {
        .invalid("\(label ?? "field '\(field)'"): '\(text)' is not \(expected)")
    }

    func integer() throws(WorkloadError) -> Int {
        guard let value = Int(text) ?? ByteCount.parse(text) else { throw bad("a whole number") }
        return value
    }

    func number() throws(WorkloadError) -> Double {
        guard let value = Double(text), value.isFinite else { throw bad("a number") }
        return value
    }

    func duration() throws(WorkloadError) -> Duration {
        guard let value = DurationText.parse(text) else { throw bad("a duration such as 30s or 500ms") }
        return value
    }

    func flag() throws(WorkloadError) -> Bool {
        guard let value = Bool(text) else { throw bad("true or false") }
        return value
    }
}
