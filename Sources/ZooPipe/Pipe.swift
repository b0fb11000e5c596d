/// A source of records for a ``Pipe``.
public protocol InputAdapter {
    /// Hands records to `body` until the source ends or `limit` records were
    /// read. Returns how many were read.
    mutating func read(limit: Int?, _ body: (KafkaMessage) throws -> Void) throws -> Int
    /// Releases the source (a consumer leaves its group, committing its offsets).
    mutating func finish() throws
}

extension InputAdapter {
    public mutating func finish() throws {}
}

/// A destination of records for a ``Pipe``.
public protocol OutputAdapter {
    /// Writes one record (it may be buffered until ``finish()``).
    mutating func write(_ message: KafkaMessage) throws
    /// Makes everything written durable: flushes, waits for deliveries, closes.
    mutating func finish() throws
}

/// Moves records from an input adapter to an output adapter (Kafka → CSV,
/// JSONL → Kafka, Kafka → Kafka).
public struct Pipe<Input: InputAdapter, Output: OutputAdapter> {
    public var input: Input
    public var output: Output

    public init(input: Input, output: Output) {
        self.input = input
        self.output = output
    }

    /// Runs until the input ends or `limit` records moved; finishes the output
    /// and returns how many records moved.
    @discardableResult
    public mutating func run(limit: Int? = nil) throws -> Int {
        var output = self.output
        defer { self.output = output }
        let moved = try input.read(limit: limit) { message in
            try output.write(message)
        }
        try output.finish()
        try input.finish()
        return moved
    }
}

extension KafkaInputAdapter: InputAdapter {
    /// Reads owned copies; ends at `limit` or after ``pipeIdleTimeout`` with no record.
    public func read(limit: Int?, _ body: (KafkaMessage) throws -> Void) throws -> Int {
        try consume(limit: limit, idleTimeout: pipeIdleTimeout) { record in
            try body(record.copy())
        }
    }

    /// Commits (group mode) and closes the consumer.
    public func finish() throws {
        try commit()
        close()
    }
}

extension KafkaOutputAdapter: OutputAdapter {
    public func write(_ message: KafkaMessage) throws {
        try send(bytes: message.value, key: message.key, headers: message.headers)
        poll()
    }

    public func finish() throws {
        try flush()
    }
}

/// The ends of a pipe as a command line names them: a `kafka://host:port/topic`
/// URI, a `.jsonl` file (to read) or a `.csv` file (to write).
public enum PipeEnd {
    /// Whether `text` names Kafka (a `kafka://` URI).
    public static func isKafka(_ text: String) -> Bool { text.lowercased().hasPrefix("kafka://") }

    /// The source `text` names: a consumer (of `group`, or of every partition
    /// from the start), ending after `idleTimeout` without a record; or a JSONL file.
    public static func input(_ text: String, group: String?, keyField: String?, properties: [String: String],
                             connectTimeout: Duration, idleTimeout: Duration) throws -> any InputAdapter {
        guard isKafka(text) else { return try JSONLInputAdapter(path: text, keyField: keyField) }
        var configuration = KafkaConsumerConfiguration()
        configuration.client.properties = properties
        // A real broker can hold a new group's first join for a good part of
        // the session timeout: with librdkafka's 45 s default, Tansu gave a
        // pipe its first record after 23 s (6 s: after 3 s). The embedded
        // cluster never waited. The consume command uses 6 s too.
        if group != nil && properties["session.timeout.ms"] == nil {
            configuration.client.properties["session.timeout.ms"] = "6000"
        }
        configuration.client.connectTimeout = connectTimeout
        let adapter = try KafkaInputAdapter(uri: text, groupID: group, configuration: configuration)
        adapter.pipeIdleTimeout = idleTimeout
        return adapter
    }

    /// The destination `text` names: a producer with `acks`, or a CSV file.
    public static func output(_ text: String, acks: Acks, properties: [String: String],
                              connectTimeout: Duration) throws -> any OutputAdapter {
        guard isKafka(text) else { return CSVOutputAdapter(path: text) }
        var configuration = KafkaProducerConfiguration()
        configuration.client.properties = properties
        configuration.client.connectTimeout = connectTimeout
        return try KafkaOutputAdapter(uri: text, acks: acks, configuration: configuration)
    }

    /// Moves records from `input` to `output` (up to `limit`); returns how many moved.
    public static func move(from input: any InputAdapter, to output: any OutputAdapter, limit: Int?) throws -> Int {
        func run<I: InputAdapter, O: OutputAdapter>(_ input: I, _ output: O) throws -> Int {
            var pipe = Pipe(input: input, output: output)
            return try pipe.run(limit: limit)
        }
        return try run(input, output)
    }
}
