import Foundation
import ZooPipe

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
