/// zoobench's own version, recorded in every result.
public enum ZooBenchVersion {
    public static let current = "0.2.0"
}
