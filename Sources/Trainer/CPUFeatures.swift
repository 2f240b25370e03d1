import CSluiceBLAS

/// The CPU facts the choice of OpenBLAS kernel depends on (CPUID, with the OS's register
/// support folded in: an instruction set counts only when its registers are saved).
public struct CPUFeatures: Equatable, Sendable {
    public enum Vendor: Equatable, Sendable { case intel, amd, other(String) }

    public var vendor: Vendor
    public var family: Int, model: Int
    public var avx2: Bool, fma: Bool
    /// AVX-512 Foundation, CD, BW, DQ and VL: the subsets OpenBLAS's SkylakeX kernels use.
    public var avx512: Bool
    public var avx512BF16: Bool

    public init(vendor: Vendor, family: Int = 0, model: Int = 0, avx2: Bool = false, fma: Bool = false,
                avx512: Bool = false, avx512BF16: Bool = false) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.avx2 = avx2
        self.fma = fma
        self.avx512 = avx512
        self.avx512BF16 = avx512BF16
    }

    /// The instruction sets that matter for the choice, e.g. "AVX-512 (with BF16)", "AVX2+FMA".
    public var summary: String {
        if avx512 { return avx512BF16 ? "AVX-512 (with BF16)" : "AVX-512" }
        return avx2 && fma ? "AVX2+FMA" : "no AVX2+FMA"
    }

    /// This machine's.
    public static let current: CPUFeatures = {
        var identity = sl_cpu_identity()
        sl_cpu_identify(&identity)
        let vendorName = withUnsafeBytes(of: identity.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let vendor: Vendor = switch vendorName {
        case "GenuineIntel": .intel
        case "AuthenticAMD", "HygonGenuine": .amd
        default: .other(vendorName)
        }
        let avx512 = identity.avx512f && identity.avx512cd && identity.avx512bw && identity.avx512dq && identity.avx512vl
        return CPUFeatures(vendor: vendor, family: Int(identity.family), model: Int(identity.model), avx2: identity.avx2,
                           fma: identity.fma, avx512: avx512, avx512BF16: identity.avx512_bf16)
    }()
}
