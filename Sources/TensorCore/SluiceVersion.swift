/// The version of Sluice, shared by the CLI (`sluice --version`) and the C ABI (`sluice_version`).
public enum SluiceVersion {
    public static let current = "0.1.0"
}
