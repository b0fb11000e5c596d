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
