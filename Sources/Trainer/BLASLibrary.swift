import CSluiceBLAS
import Glibc
import ModelSpec

/// OpenBLAS as the trainer runs it: loaded once per process, the first time a layer that
/// multiplies matrices is made, with the kernel `BLASKernel.best(for:)` picks for this CPU,
/// unless `OPENBLAS_CORETYPE` is set (then OpenBLAS reads the user's choice).
public struct BLASLibrary: Sendable, Equatable {
    /// The kernel OpenBLAS runs (`openblas_get_corename`), e.g. "SkylakeX".
    public let kernel: String
    /// What Sluice asked for: the user's `OPENBLAS_CORETYPE`, Sluice's choice, or nil when
    /// OpenBLAS chose alone.
    public let requested: String?
    public let requestedBy: RequestSource
    /// OpenBLAS's build line (`openblas_get_config`: version, DYNAMIC_ARCH, threading).
    public let configuration: String
    /// The file loaded.
    public let path: String

    public enum RequestSource: String, Sendable, Equatable {
        case user = "set by OPENBLAS_CORETYPE"
        case sluice = "chosen by Sluice from CPUID"
        case openBLAS = "OpenBLAS's own detection"
    }

    /// Loads OpenBLAS (once; later calls give the same library or the same error).
    public static func load() throws(ModelError) -> BLASLibrary {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): throw error
        }
    }

    /// One line for reports: "OpenBLAS 0.3.21 ..., kernel SkylakeX (chosen by Sluice from CPUID), /usr/lib/...".
    public var summary: String {
        let why = switch requestedBy {
        case .openBLAS: requestedBy.rawValue
        case _ where requested?.lowercased() == kernel.lowercased(): requestedBy.rawValue
        case .user: "OPENBLAS_CORETYPE=\(requested ?? "") is not a kernel of this OpenBLAS, which chose"
        case .sluice: "Sluice asked for \(requested ?? ""), which this OpenBLAS lacks"
        }
        return "\(configuration), kernel \(kernel) (\(why)), \(path)"
    }

    private static let loaded: Result<BLASLibrary, ModelError> = {
        let userChoice = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let requested = userChoice ?? BLASKernel.best(for: .current)
        let source: RequestSource = userChoice != nil ? .user : requested != nil ? .sluice : .openBLAS
        var message = [CChar](repeating: 0, count: 512)
        // With the user's variable set, OpenBLAS reads it itself: nothing is set for it.
        let status = if userChoice == nil, let requested {
            sl_blas_load(requested, &message, message.count)
        } else {
            sl_blas_load(nil, &message, message.count)
        }
        guard status == 0 else {
            return .failure(ModelError(layer: nil, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        return .success(BLASLibrary(kernel: String(cString: sl_blas_corename()), requested: requested, requestedBy: source,
                                    configuration: String(cString: sl_blas_config()), path: String(cString: sl_blas_path())))
    }()
}
