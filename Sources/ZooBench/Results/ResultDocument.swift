import Foundation
import ZooPipe

/// Any result file zoobench writes that can be read back: a run, a sweep or
/// a plan, told apart by its `kind` and checked against its schema version.
public enum ResultDocument: Sendable {
    case run(RunResult)
    case sweep(SweepResult)
    case plan(PlanResult)

    /// Reads `path`; every problem is a ``CompareError`` naming the file.
    public static func load(_ path: String) throws(CompareError) -> ResultDocument {
        let data: Data
        switch FileProblem.contents(of: path) {
        case .failure(let reason): throw .badInput("'\(path)': cannot read it (\(reason))")
        case .success(let bytes): data = bytes
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badInput("'\(path)': not a zoobench result (not JSON)")
        }
        guard let name = object["kind"] as? String, let version = object["schemaVersion"] as? Int else {
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
            throw .badInput("'\(path)': a \(kind) result zoobench cannot read (\(error))")
        }
    }
}
