import ArgumentParser
import ImageCodecs

/// What to do with a bad file.
enum OnError: String, ExpressibleByArgument, CaseIterable {
    case skip, fail
}

extension ColorMode: ExpressibleByArgument {}

/// Options shared by every command that reads images.
struct DataOptions: ParsableArguments {
    @Option(help: "Parallel decode workers.")
    var workers: Int = SystemInfo.coreCount

    @Option(name: .customLong("on-error"), help: "skip: report each bad file and carry on (exit 0); fail: stop at the first (exit 65).")
    var onError: OnError = .skip

    @Flag(help: "Accept recoverable damage: libjpeg warnings (truncated JPEGs are grey-filled), libpng benign errors, bad CRCs.")
    var lenient = false

    @Option(name: .customLong("max-pixels"), help: "Reject images with more pixels, from the header, before allocating.")
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    func validate() throws {
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be between 1 and 256") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be positive") }
    }

    func decodeOptions(color: ColorMode = .auto) -> DecodeOptions {
        DecodeOptions(color: color, maxPixels: maxPixels, lenient: lenient)
    }
}
