import Foundation

/// Writes records as CSV (RFC 4180): a header, then one row per record with
/// `id,partition,offset,timestamp,key,value,headers`. The file appears only
/// when ``finish()`` succeeds (written beside it, then renamed).
public struct CSVOutputAdapter: OutputAdapter {
    /// The header row.
    public static let header = "id,partition,offset,timestamp,key,value,headers"

    /// The file written.
    public let path: String
    private var text: String

    public init(path: String) {
        self.path = path
        text = Self.header + "\n"
    }

    public mutating func write(_ message: KafkaMessage) throws {
        let headers = message.headers.map { "\($0.name)=\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "")" }
            .joined(separator: ";")
        let fields = [
            message.id?.uuidString ?? "",
            String(message.partition),
            String(message.offset),
            message.timestamp.map(String.init) ?? "",
            message.keyString ?? "",
            message.valueString,
            headers,
        ]
        text += fields.map(Self.escape).joined(separator: ",") + "\n"
    }

    public mutating func finish() throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FileAdapterError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    /// Quotes a field when it holds a comma, quote or line break.
    public static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
