/// Which OpenBLAS kernel Sluice asks for (`OPENBLAS_CORETYPE`), from the CPU's features alone,
/// so that a CPU missing from OpenBLAS's own model table (Debian 12's 0.3.21 runs its Prescott
/// kernel on some AVX-512 Xeons, 5x slower) still gets the kernel its instructions allow.
public enum BLASKernel {
    /// The kernel for `cpu`, or nil to leave the choice to OpenBLAS (CPUs without AVX2 and FMA,
    /// where its table is complete).
    ///
    /// Measured on an Intel Xeon with AVX-512 (family 6, model 207), one thread, 1024^3 sgemm
    /// (README "The trainer's BLAS"): SkylakeX 137-161 GFLOPS, Cooperlake the same within noise
    /// (it adds bf16 routines Sluice does not call), Haswell 74-83, Prescott 24-32. AMD CPUs with
    /// AVX-512 (Zen 4) get SkylakeX as upstream OpenBLAS gives them since 0.3.22; with AVX2 only,
    /// Zen (the Haswell kernels with AMD's blocking).
    public static func best(for cpu: CPUFeatures) -> String? {
        if cpu.avx512 { return "SkylakeX" }
        guard cpu.avx2, cpu.fma else { return nil }
        return cpu.vendor == .amd ? "Zen" : "Haswell"
    }
}
