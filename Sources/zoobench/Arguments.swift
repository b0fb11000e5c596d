import ArgumentParser
import ZooBench
import ZooPipe

extension Acks: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["0", "1", "-1", "all"] }
}

/// A duration flag value such as `5s`, `500ms` or `2m`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init?(argument: String) {
        guard let duration = DurationText.parse(argument), duration <= DurationText.longest else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String { DurationText.format(duration) }
}

/// A `key=value` librdkafka property (`-X linger.ms=5`).
struct PropertyArgument: ExpressibleByArgument, Sendable {
    var key: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    /// The properties as the engine takes them, in the order given (later ones win).
    static func pairs(_ properties: [PropertyArgument]) -> [(key: String, value: String)] {
        properties.map { ($0.key, $0.value) }
    }
}

extension ArgumentHelp {
    /// A workload field's help and value name, from the engine's field table.
    static func field<Workload: WorkloadFieldTable>(_ type: Workload.Type, _ name: String) -> ArgumentHelp {
        guard let field = Workload.field(name) else { preconditionFailure("no workload field '\(name)'") }
        return ArgumentHelp(field.help, valueName: field.valueName)
    }

    static func produce(_ name: String) -> ArgumentHelp { field(ProduceWorkload.self, name) }
    static func consume(_ name: String) -> ArgumentHelp { field(ConsumeWorkload.self, name) }
}

/// The workload fields given on a command line. An option group declares a
/// field's flag once (`@Option(help: .produce("acks")) var acks: String?`);
/// its value is found here the way ArgumentParser finds options, by
/// reflection: each `String?` or `[String]` option and each `Bool` flag whose
/// name (`batchSize` → `batch-size`) is a field of `Workload`, if given.
enum FieldFlags {
    static func given<Workload: WorkloadFieldTable>(_ type: Workload.Type, in groups: Any...) -> [(field: String, text: String)] {
        var given: [(field: String, text: String)] = []
        for group in groups {
            for child in Mirror(reflecting: group).children {
                guard let label = child.label else { continue }
                let name = flagName(label.hasPrefix("_") ? String(label.dropFirst()) : label)
                guard Workload.field(name) != nil else { continue }
                if let option = child.value as? Option<String?>, let text = option.wrappedValue {
                    given.append((name, text))
                } else if let option = child.value as? Option<[String]> {
                    given += option.wrappedValue.map { (name, $0) }
                } else if let flag = child.value as? Flag<Bool>, flag.wrappedValue {
                    given.append((name, "true"))
                }
            }
        }
        return given
    }

    /// `transactionalID` → `transactional-id`, as ArgumentParser names a property's flag.
    static func flagName(_ property: String) -> String {
        var name = ""
        var afterLower = false
        for character in property {
            if character.isUppercase {
                if afterLower { name.append("-") }
                name += character.lowercased()
                afterLower = false
            } else {
                name.append(character)
                afterLower = character.isLowercase || character.isNumber
            }
        }
        return name
    }
}
