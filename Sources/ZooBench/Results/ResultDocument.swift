import Foundation
import ZooPipe

/// Any result file zoobench writes that can be read back: a run, a sweep or
/// a plan, told apart by its `kind` and checked against its schema version.
public enum ResultDocument: Sendable {
    case run(RunResult)
    case sweep(SweepResult)
    case plan(PlanResult)

    /// The most bytes a result file may have.
    public static let largestFile = 256 << 20
    /// The most memory the histograms of one result file may take once read.
    public static let histogramAllowance = 256 << 20

    /// What every result file starts with: its kind and schema.
    private struct Header: Decodable {
        var kind: String?
        var schemaVersion: Int?
    }

    /// Reads `path`; every problem is a ``CompareError`` naming the file.
    public static func load(_ path: String) throws(CompareError) -> ResultDocument {
        let data: Data
        switch FileProblem.contents(of: path, limit: largestFile) {
        case .failure(let reason): throw .badInput("'\(path)': cannot read it (\(reason))")
        case .success(let bytes): data = bytes
        }
        guard let header = try? ResultJSON.decode(Header.self, from: data) else {
            throw .badInput("'\(path)': not a zoobench result (not JSON)")
        }
        guard let name = header.kind, let version = header.schemaVersion else {
            throw .badInput("'\(path)': not a zoobench result (no kind or schemaVersion)")
        }
        guard let kind = ResultKind(rawValue: name), kind != .codecs else {
            throw .badInput("'\(path)': unknown kind '\(name)'")
        }
        let expected = kind == .plan ? PlanResult.currentSchemaVersion : RunResult.currentSchemaVersion
        guard version == expected else {
            throw .badInput("'\(path)': schema version \(version), this zoobench reads version \(expected) "
                + "(re-run it, or compare with the zoobench that wrote it)")
        }
        let read = HistogramAllowance.$current.withValue(HistogramAllowance(bytes: histogramAllowance)) {
            Result { () throws(CompareError) -> ResultDocument in try decode(data, kind: kind, name: name, path: path) }
        }
        return try read.get()
    }

    private static func decode(_ data: Data, kind: ResultKind, name: String, path: String) throws(CompareError) -> ResultDocument {
        do {
            switch kind {
            case .sweep: return .sweep(try ResultJSON.decode(SweepResult.self, from: data))
            case .plan: return .plan(try ResultJSON.decode(PlanResult.self, from: data))
            case .produce, .consume, .e2e, .codecs:
                let run = try ResultJSON.decode(RunResult.self, from: data)
                let complete = kind == .consume ? run.consume != nil : run.summary != nil
                guard complete else {
                    throw CompareError.badInput("'\(path)': a \(name) result without its \(kind == .consume ? "consume" : "summary") section")
                }
                return .run(run)
            }
        } catch let error as CompareError {
            throw error
        } catch {
            throw .badInput("'\(path)': a \(kind) result zoobench cannot read (\(Self.reason(error)))")
        }
    }

    /// What a decoding error says, in a few words: its description and where
    /// (`histogram counts add up to 2000, its totalCount says 2005 at histograms.latency`).
    static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): context = c
        @unknown default: return "\(error)"
        }
        let place = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        var text = context.debugDescription
        if case .keyNotFound(let key, _) = error { text = "no '\(key.stringValue)'" }
        if let underlying = context.underlyingError, text.isEmpty || text == "The given data was not valid JSON." {
            text = "not valid JSON: \(underlying.localizedDescription)"
        }
        return place.isEmpty ? text : "\(text) at \(place)"
    }
}
