import Foundation

/// One field of a workload: its name (the command-line flag and the key in
/// workload files and results), its help, the values it allows, how its text
/// is read and how it is written back. A workload's table of these
/// (``WorkloadFieldTable/fields``) is the only place a field is described:
/// flags, YAML and JSON files, OMB import, sweep axes and the `workload`
/// section of results all go through it.
public struct WorkloadField<Workload>: Sendable {
    /// `batch-size`: the flag (`--batch-size`) and the file key.
    public let name: String
    /// How help shows the value (`bytes`, `0|1|-1|all`); nil: the name.
    public let valueName: String?
    /// One line for `--help`, with the default.
    public let help: String
    /// The values it takes when they are a fixed set (`none`, `gzip` …).
    public let allowed: [String]?
    /// Whether a file gives it as a list (`fault:`), each item read in turn;
    /// flags given for it replace the list.
    public let isList: Bool
    let read: @Sendable (inout Workload, FieldText) throws(WorkloadError) -> Void
    let write: @Sendable (Workload) -> FieldValue?
    let clear: (@Sendable (inout Workload) -> Void)?

    init(_ name: String, valueName: String? = nil, allowed: [String]? = nil, isList: Bool = false, help: String,
         read: @escaping @Sendable (inout Workload, FieldText) throws(WorkloadError) -> Void,
         write: @escaping @Sendable (Workload) -> FieldValue?, clear: (@Sendable (inout Workload) -> Void)? = nil) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.allowed = allowed
        self.isList = isList
        self.read = read
        self.write = write
        self.clear = clear
    }

    /// Sets the field of `workload` from `text`; an error names it as `label`
    /// (default `field 'name'`) and says what the text is not.
    public func set(_ workload: inout Workload, to text: String, label: String? = nil) throws(WorkloadError) {
        try read(&workload, FieldText(field: name, text: text, label: label, allowed: allowed))
    }

    /// The field's value in `workload` as files and results write it; nil when unset.
    public func value(in workload: Workload) -> FieldValue? { write(workload) }
}

/// A field's value as a workload file or a result holds it.
public enum FieldValue: Sendable, Hashable, Encodable {
    case text(String)
    case integer(Int)
    case number(Double)
    case flag(Bool)
    case list([String])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        }
    }
}

// The kinds of field most workloads have, so that a table entry is one line.
extension WorkloadField {
    /// Text as given.
    static func text(_ name: String, _ path: WritableKeyPath<Workload, String> & Sendable, valueName: String? = nil,
                     help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = input.text },
             write: { .text($0[keyPath: path]) })
    }

    /// Text, or nothing.
    static func text(_ name: String, _ path: WritableKeyPath<Workload, String?> & Sendable, valueName: String? = nil,
                     help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = input.text },
             write: { $0[keyPath: path].map(FieldValue.text) })
    }

    /// A whole number (`16k` reads as 16384).
    static func integer(_ name: String, _ path: WritableKeyPath<Workload, Int> & Sendable, valueName: String? = nil,
                        help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.integer() },
             write: { .integer($0[keyPath: path]) })
    }

    /// A whole number, or nothing.
    static func integer(_ name: String, _ path: WritableKeyPath<Workload, Int?> & Sendable, valueName: String? = nil,
                        help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.integer() },
             write: { $0[keyPath: path].map(FieldValue.integer) })
    }

    /// A number.
    static func number(_ name: String, _ path: WritableKeyPath<Workload, Double> & Sendable, valueName: String? = nil,
                       help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.number() },
             write: { .number($0[keyPath: path]) })
    }

    /// A number, or nothing.
    static func number(_ name: String, _ path: WritableKeyPath<Workload, Double?> & Sendable, valueName: String? = nil,
                       help: String) -> Self {
        Self(name, valueName: valueName, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.number() },
             write: { $0[keyPath: path].map(FieldValue.number) })
    }

    /// A duration (`30s`, `500ms`), written back the short way.
    static func duration(_ name: String, _ path: WritableKeyPath<Workload, Duration> & Sendable, help: String) -> Self {
        Self(name, valueName: "duration", help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.duration() },
             write: { .text(DurationText.format($0[keyPath: path])) })
    }

    /// A duration, or nothing.
    static func duration(_ name: String, _ path: WritableKeyPath<Workload, Duration?> & Sendable, help: String) -> Self {
        Self(name, valueName: "duration", help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.duration() },
             write: { $0[keyPath: path].map { .text(DurationText.format($0)) } })
    }

    /// `true` or `false` (a flag on the command line).
    static func flag(_ name: String, _ path: WritableKeyPath<Workload, Bool> & Sendable, help: String) -> Self {
        Self(name, help: help,
             read: { workload, input throws(WorkloadError) in workload[keyPath: path] = try input.flag() },
             write: { .flag($0[keyPath: path]) })
    }

    /// A value parsed by its own type (`record-size`, `keys` …), written back
    /// as its description; `expected` says what the text should be.
    static func parsed<Value: CustomStringConvertible & Sendable>(
        _ name: String, _ path: WritableKeyPath<Workload, Value> & Sendable, valueName: String, allowed: [String]? = nil,
        expected: String, help: String, parse: @escaping @Sendable (String) -> Value?,
        written: (@Sendable (Value) -> FieldValue)? = nil) -> Self {
        Self(name, valueName: valueName, allowed: allowed, help: help,
             read: { workload, input throws(WorkloadError) in
                 guard let value = parse(input.text) else { throw input.bad(expected) }
                 workload[keyPath: path] = value
             },
             write: { workload in
                 let value = workload[keyPath: path]
                 return written?(value) ?? .text(value.description)
             })
    }

    /// One of a fixed set of values, each written as `text(value)`.
    static func choice<Value: CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Workload, Value> & Sendable, text: @escaping @Sendable (Value) -> String,
        written: @escaping @Sendable (Value) -> FieldValue, help: String) -> Self where Value.AllCases: Sendable {
        let values = Value.allCases.map(text)
        return Self(name, valueName: values.joined(separator: "|"), allowed: values, help: help,
                    read: { workload, input throws(WorkloadError) in
                        guard let value = Value.allCases.first(where: { text($0) == input.text }) else {
                            throw input.bad(FieldText.either(values))
                        }
                        workload[keyPath: path] = value
                    },
                    write: { written($0[keyPath: path]) })
    }
}
