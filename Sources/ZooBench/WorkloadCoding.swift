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

extension ProduceWorkload: Codable {
    /// Every key a workload file may use.
    public static let fieldNames = [
        "name", "topic", "partitions", "replication-factor", "acks", "num-records", "duration", "throughput",
        "warmup", "warmup-records", "record-size", "payload", "compressibility", "payload-delimiter", "keys",
        "headers", "producers", "linger-ms", "batch-size", "compression", "idempotence", "transactional-id",
        "transaction-size", "timeout", "connect-timeout", "interval", "fault", "producer-props",
    ]

    public init(from decoder: any Decoder) throws {
        self.init()
        properties = try decodeFlagFields(from: decoder, fieldNames: Self.fieldNames, propertiesKey: "producer-props",
                                          listFields: ["fault"]) {
            field, text throws(WorkloadError) in try set(field, to: text)
        }
    }

    /// Sets one field from its text form, as the CLI and workload files write
    /// it; an error names the field as `label` (default `field 'name'`).
    public mutating func set(_ field: String, to text: String, label: String? = nil) throws(WorkloadError) {
        let input = FieldText(field: field, text: text, label: label)
        switch field {
        case "name": name = text
        case "topic": topic = text
        case "partitions":
            let value = try input.integer()
            guard (1...100_000).contains(value) else { throw .invalid("partitions must be 1 to 100000, not \(value)") }
            partitions = Int32(value)
        case "replication-factor":
            let value = try input.integer()
            guard (1...Int(Int16.max)).contains(value) else {
                throw .invalid("replication-factor must be 1 to \(Int16.max), not \(value)")
            }
            replicationFactor = Int16(value)
        case "acks":
            guard let value = Acks(parsing: text) else { throw input.bad("0, 1, -1 or all") }
            acks = value
        case "num-records": numRecords = try input.integer()
        case "duration": duration = try input.duration()
        case "throughput":
            let value = try input.number()
            throughput = value == -1 ? nil : value
        case "warmup": warmup = try input.duration()
        case "warmup-records": warmupRecords = try input.integer()
        case "record-size":
            guard let value = RecordSizeDistribution(parsing: text) else { throw input.bad("a size, uniform:MIN-MAX or normal:MEAN,SD") }
            recordSize = value
        case "payload":
            guard let value = PayloadKind(parsing: text) else { throw input.bad("random, text, json or file:PATH") }
            payload = value
        case "compressibility": compressibility = try input.number()
        case "payload-delimiter": payloadDelimiter = text
        case "keys":
            guard let value = KeyDistribution(parsing: text) else { throw input.bad("none, uniform:K, zipf:K,S or sequential") }
            keys = value
        case "headers": headers = try input.integer()
        case "producers": producers = try input.integer()
        case "linger-ms": lingerMs = try input.number()
        case "batch-size": batchSize = try input.integer()
        case "compression":
            guard let value = CompressionCodec(rawValue: text) else { throw input.bad("none, gzip, snappy, lz4 or zstd") }
            compression = value
        case "idempotence": idempotence = try input.flag()
        case "transactional-id": transactionalID = text
        case "transaction-size": transactionSize = try input.integer()
        case "timeout": deliveryTimeout = try input.duration()
        case "connect-timeout": connectTimeout = try input.duration()
        case "interval": interval = try input.duration()
        case "fault": faults.append(try FaultSpec(parsing: text, label: label ?? "field 'fault'"))
        default:
            throw WorkloadError.invalid("unknown field '\(field)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WorkloadKey.self)
        try container.encode(name, forKey: WorkloadKey("name"))
        try container.encode(topic, forKey: WorkloadKey("topic"))
        try container.encode(partitions, forKey: WorkloadKey("partitions"))
        try container.encode(replicationFactor, forKey: WorkloadKey("replication-factor"))
        try container.encode(acks.rawValue, forKey: WorkloadKey("acks"))
        try container.encodeIfPresent(numRecords, forKey: WorkloadKey("num-records"))
        try container.encodeIfPresent(duration.map(DurationText.format), forKey: WorkloadKey("duration"))
        try container.encode(throughput ?? -1, forKey: WorkloadKey("throughput"))
        try container.encodeIfPresent(warmup.map(DurationText.format), forKey: WorkloadKey("warmup"))
        try container.encodeIfPresent(warmupRecords, forKey: WorkloadKey("warmup-records"))
        try container.encode(recordSize.description, forKey: WorkloadKey("record-size"))
        try container.encode(payload.description, forKey: WorkloadKey("payload"))
        try container.encode(compressibility, forKey: WorkloadKey("compressibility"))
        try container.encode(payloadDelimiter, forKey: WorkloadKey("payload-delimiter"))
        try container.encode(keys.description, forKey: WorkloadKey("keys"))
        try container.encode(headers, forKey: WorkloadKey("headers"))
        try container.encode(producers, forKey: WorkloadKey("producers"))
        try container.encodeIfPresent(lingerMs, forKey: WorkloadKey("linger-ms"))
        try container.encodeIfPresent(batchSize, forKey: WorkloadKey("batch-size"))
        try container.encode(compression.rawValue, forKey: WorkloadKey("compression"))
        try container.encode(idempotence, forKey: WorkloadKey("idempotence"))
        try container.encodeIfPresent(transactionalID, forKey: WorkloadKey("transactional-id"))
        try container.encodeIfPresent(transactionSize, forKey: WorkloadKey("transaction-size"))
        try container.encode(DurationText.format(deliveryTimeout), forKey: WorkloadKey("timeout"))
        try container.encode(DurationText.format(connectTimeout), forKey: WorkloadKey("connect-timeout"))
        try container.encode(DurationText.format(interval), forKey: WorkloadKey("interval"))
        if !faults.isEmpty { try container.encode(faults.map(\.description), forKey: WorkloadKey("fault")) }
        if !properties.isEmpty {
            try container.encode(redactSecrets(properties), forKey: WorkloadKey("producer-props"))
        }
    }
}
