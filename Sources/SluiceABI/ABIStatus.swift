import CSluiceABI
import DataPipeline
import DatasetSources
import ImageCodecs
import ImageTransforms
import PipelineConfig
import TensorCore
import TensorShards
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A failure of a C ABI call: its status code and the message `sluice_last_error` returns.
struct ABIFailure: Error {
    let status: Int
    let message: String

    static func argument(_ message: String) -> ABIFailure { ABIFailure(status: SLUICE_E_ARGUMENT, message: message) }

    /// Sluice's typed errors, each to the status a caller can act on.
    init(_ error: any Error) {
        switch error {
        case let failure as ABIFailure: self = failure
        case let error as PipelineError: self.init(status: SLUICE_E_PIPELINE, message: error.description)
        case let error as TransformError: self.init(status: SLUICE_E_PIPELINE, message: error.message)
        case let error as ImageFileError: self.init(status: SLUICE_E_DECODE, message: error.description)
        case let error as DatasetError: self.init(status: SLUICE_E_DATA, message: error.description)
        case let error as ShardError: self.init(status: SLUICE_E_DATA, message: error.description)
        case let error as LoaderError: self.init(status: SLUICE_E_DATA, message: error.message)
        default: self.init(status: SLUICE_E_DATA, message: "\(error)")
        }
    }

    init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
}

enum ABI {
    /// Runs `body`, turning a thrown error into its (negative) status and this thread's last
    /// error; a result of 0 or more clears the last error.
    static func call<Result: BinaryInteger>(_ body: () throws -> Result) -> Result {
        do {
            let result = try body()
            if result >= 0 { sl_abi_set_error(nil) }
            return result
        } catch {
            let failure = ABIFailure(error)
            sl_abi_set_error(failure.message)
            return Result(failure.status)
        }
    }

    /// A C string argument that must be present.
    static func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(ABIFailure) -> String {
        guard let pointer else { throw .argument("\(name) is NULL") }
        return String(cString: pointer)
    }

    /// A copy of `string` the caller frees with sluice_string_free.
    static func copy(_ string: String) -> UnsafeMutablePointer<CChar>? { strdup(string) }

    /// A C handle to `object`, retained until `release` is called on it.
    static func retain<Object: AnyObject>(_ object: Object) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    static func object<Object: AnyObject>(_ handle: OpaquePointer, as type: Object.Type = Object.self) -> Object {
        Unmanaged<Object>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    static func release<Object: AnyObject>(_ handle: OpaquePointer, as type: Object.Type) {
        Unmanaged<Object>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}

@_cdecl("sluice_version")
public func sluice_version() -> UnsafePointer<CChar> {
    versionString
}

/// Made once, never freed: the version string lives as long as the library.
private nonisolated(unsafe) let versionString: UnsafePointer<CChar> = UnsafePointer(strdup(SluiceVersion.current)!)
