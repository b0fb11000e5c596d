/// How a fault kind is written in one grammar, as words: the kind's name,
/// `key=ID` (a timeline spec's named value), `ID` (a value by position) and
/// `[…]` around an optional one. `broker=BROKER down`, `rtt BROKER LATENCY`,
/// `error API CODE [COUNT]`. One template reads a text and writes it back.
struct FaultTemplate: Sendable {
    enum Word: Sendable {
        case name(String)
        case named(key: String, FaultParameter, optional: Bool)
        case positional(FaultParameter, optional: Bool)
    }

    let words: [Word]

    init(_ text: String) {
        words = text.split(separator: " ").map { raw in
            var word = String(raw)
            let optional = word.hasPrefix("[") && word.hasSuffix("]")
            if optional { word = String(word.dropFirst().dropLast()) }
            if let equals = word.firstIndex(of: "=") {
                let id = String(word[word.index(after: equals)...])
                guard let parameter = FaultParameter.byID[id] else { preconditionFailure("fault template '\(text)': no parameter \(id)") }
                return .named(key: String(word[..<equals]), parameter, optional: optional)
            }
            if let parameter = FaultParameter.byID[word] { return .positional(parameter, optional: optional) }
            return .name(word)
        }
    }

    /// The parameters in the template, in order, with whether they are optional.
    var parameters: [(FaultParameter, optional: Bool)] {
        words.compactMap { word in
            switch word {
            case .name: return nil
            case let .named(_, parameter, optional), let .positional(parameter, optional): return (parameter, optional)
            }
        }
    }

    var positional: [(FaultParameter, optional: Bool)] {
        words.compactMap { word in
            if case let .positional(parameter, optional) = word { return (parameter, optional) }
            return nil
        }
    }

    /// Whether `key=…` is one of the template's named values.
    func takes(key: String) -> Bool {
        words.contains { word in
            if case .named(let named, _, _) = word { return named == key }
            return false
        }
    }

    /// A control command's usage: `down BROKER|all`, `error API CODE [COUNT]`.
    var usage: String {
        words.map { word in
            switch word {
            case .name(let name): return name
            case let .named(key, parameter, optional): return optional ? "[\(key)=\(parameter.usage)]" : "\(key)=\(parameter.usage)"
            case let .positional(parameter, optional): return optional ? "[\(parameter.usage)]" : parameter.usage
            }
        }.joined(separator: " ")
    }

    /// The arguments written in this template's words (unset optional values left out).
    func text(_ arguments: FaultArguments) -> String {
        words.compactMap { word -> String? in
            switch word {
            case .name(let name): return name
            case let .named(key, parameter, _): return parameter.write(arguments).map { "\(key)=\($0)" }
            case let .positional(parameter, _): return parameter.write(arguments)
            }
        }.joined(separator: " ")
    }

    /// Reads the positional values into `arguments` (which holds the named
    /// ones read already); `bad` turns a reason into the caller's error.
    /// Missing required values are named after `kind` (with `example`);
    /// defaults are filled.
    func read(_ given: FaultArguments = FaultArguments(), positional values: [String], kind: String, example: String? = nil,
              bad: (String) -> WorkloadError) throws(WorkloadError) -> FaultArguments {
        var arguments = given
        let slots = positional
        if values.count > slots.count { throw bad("unknown word '\(values[slots.count])'") }
        for (value, slot) in zip(values, slots) {
            if let reason = slot.0.read(value, &arguments) { throw bad(FaultParameter.complaint("'\(value)'", reason)) }
        }
        let missing = parameters.filter { !$0.optional && $0.0.write(arguments) == nil }.map(\.0)
        if let first = missing.first {
            if missing.count == 1, let phrase = first.missing { throw bad(phrase) }
            throw bad("\(kind) needs " + missing.map { parameter in
                parameter.key.map { "\($0)=…" } ?? "a \(parameter.id.lowercased())"
            }.joined(separator: " and ") + (example.map { " (e.g. '\($0)')" } ?? ""))
        }
        for (parameter, _) in parameters { parameter.fill?(&arguments) }
        return arguments
    }
}
