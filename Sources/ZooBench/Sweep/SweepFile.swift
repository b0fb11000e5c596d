import Foundation
import Yams
import ZooPipe

extension WorkloadFile {
    /// Reads a workload file with a `sweep:` section: the rest is the base
    /// workload (zoobench YAML/JSON), the section maps axis names (workload
    /// fields, or librdkafka properties, which contain a dot) to value lists.
    public static func loadSweep(_ path: String) throws(WorkloadError) -> (ProduceWorkload, [SweepAxis]) {
        let text = try read(path)
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw .invalid("workload file '\(path)': not valid YAML or JSON")
        }
        guard var fields = root as? [String: Any] else {
            throw .invalid("workload file '\(path)': expected a mapping of fields at the top level")
        }
        var axes: [SweepAxis] = []
        if let section = fields.removeValue(forKey: "sweep") {
            guard let mapping = section as? [String: Any] else {
                throw .invalid("workload file '\(path)': 'sweep' must map axis names to lists of values")
            }
            for key in mapping.keys.sorted() {
                guard let list = mapping[key] as? [Any], !list.isEmpty else {
                    throw .invalid("workload file '\(path)': sweep axis '\(key)' must be a non-empty list")
                }
                let isProperty = key.contains(".")
                if !isProperty && !ProduceWorkload.fieldNames.contains(key) {
                    throw .invalid("workload file '\(path)': sweep axis '\(key)' is neither a workload field nor a librdkafka property")
                }
                axes.append(SweepAxis(name: key, isProperty: isProperty, values: list.map { "\($0)" }))
            }
        }
        let rest: String
        do {
            rest = try Yams.dump(object: fields)
        } catch {
            throw .invalid("workload file '\(path)': cannot read its fields")
        }
        return (try parse(fields.isEmpty ? "{}" : rest, source: path).workload, axes)
    }
}
