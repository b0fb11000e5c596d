/// A run's name, which goes into its result files' names
/// (`<time>-<name>-cell3.json`): one path component a file system takes.
public enum RunName {
    /// The longest name: with the time stamp and the longest suffix zoobench
    /// adds, a file name stays well under the usual 255-byte limit.
    public static let longest = 100

    /// Why `name` cannot name result files, nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "name must not be empty" }
        if name.utf8.count > longest { return "name is \(name.utf8.count) bytes; at most \(longest) (it names the result files)" }
        if name.contains("/") { return "name must be without '/' (it names the result files)" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "name must be without control characters (it names the result files)"
        }
        return nil
    }
}
