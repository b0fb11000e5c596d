// JSONL → Kafka and Kafka → CSV with ZooPipe's adapters and a Pipe, on an
// embedded cluster (librdkafka's mock brokers on loopback), as
// docs/library.md shows them. Run: swift run KafkaPipes [FOLDER]
import Foundation
import ZooPipe

let folder = CommandLine.arguments.count > 1
    ? CommandLine.arguments[1]
    : FileManager.default.temporaryDirectory.appendingPathComponent("kafka-pipes-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let jsonl = folder + "/orders.jsonl"
let csv = folder + "/orders.csv"
try """
{"id": 1, "item": "tea", "qty": 2}
{"id": 2, "item": "cake", "qty": 1}
{"id": 3, "item": "tea", "qty": 4}

""".write(toFile: jsonl, atomically: true, encoding: .utf8)

// A broker to talk to: the embedded cluster (any kafka:// URI works the same).
let cluster = try EmbeddedCluster(brokers: 1)
try cluster.createTopic("orders", partitions: 3)
let topic = cluster.uri(topic: "orders")

// JSONL → Kafka. A Pipe is a struct whose run() is mutating: keep it in a `var`.
var load = Pipe(input: try JSONLInputAdapter(path: jsonl, keyField: "id"),
                output: try KafkaOutputAdapter(uri: topic, acks: .all))
let loaded = try load.run()
print("moved \(loaded) records from \(jsonl) to kafka")

// Kafka → CSV: a simple consumer of every partition from the start; it stops
// after the limit, or after pipeIdleTimeout with no record.
let consumer = try KafkaInputAdapter(uri: topic, generateIDs: false)
consumer.pipeIdleTimeout = .seconds(2)
var unload = Pipe(input: consumer, output: CSVOutputAdapter(path: csv))
let unloaded = try unload.run(limit: loaded)
print("moved \(unloaded) records from kafka to \(csv)")

let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
print("\(csv) has \(rows.count - 1) rows under its header: \(rows[0])")
guard loaded == 3, unloaded == 3, rows.count == 4 else {
    FileHandle.standardError.write(Data("kafka-pipes: expected 3 records each way\n".utf8))
    exit(1)
}
