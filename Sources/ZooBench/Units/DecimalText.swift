/// Numbers as people write them in decimal: `42`, `-1`, `0.5`, `1e6`,
/// `2.5E-3`. The one reader of fractional numbers in the tool: every rate,
/// size, duration, share and workload number goes through it, so they all
/// accept the same spellings. Swift's `Double(_:)` also reads hexadecimal
/// (`0x10`), `inf`, `nan` and `infinity`; none of those is a number a
/// benchmark setting should take, and flags that read whole numbers refuse
/// them already.
public enum DecimalText {
    /// The value of `text` (no spaces around it), nil unless it is a finite
    /// decimal number: an optional sign, digits with at most one point
    /// (`.5` and `5.` too), and an optional exponent.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        var digits = 0
        var sawPoint = false
        var index = text.startIndex
        if index < text.endIndex, text[index] == "+" || text[index] == "-" { index = text.index(after: index) }
        while index < text.endIndex {
            let c = text[index]
            if c.isASCII && c.isNumber {
                digits += 1
            } else if c == "." && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index = text.index(after: index)
        }
        guard digits > 0 else { return nil }
        if index < text.endIndex {
            guard text[index] == "e" || text[index] == "E" else { return nil }
            index = text.index(after: index)
            if index < text.endIndex, text[index] == "+" || text[index] == "-" { index = text.index(after: index) }
            var exponentDigits = 0
            while index < text.endIndex, text[index].isASCII, text[index].isNumber {
                exponentDigits += 1
                index = text.index(after: index)
            }
            guard exponentDigits > 0, index == text.endIndex else { return nil }
        }
        guard let value = Double(String(text)), value.isFinite else { return nil }
        return value
    }
}
