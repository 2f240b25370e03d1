// OpenBLAS, loaded at run time, and the CPU facts its kernel is chosen from.
//
// OpenBLAS fixes its kernel when it is loaded (its constructor reads OPENBLAS_CORETYPE, else its
// own CPU table, which does not know every CPU: Debian 12's 0.3.21 runs its 2004 Prescott kernel
// on some AVX-512 Xeons). So Sluice does not link it: sl_blas_load opens libopenblas.so.0 once,
// with the kernel the caller chose. Nothing here prints or exits.
#ifndef SLUICE_BLAS_H
#define SLUICE_BLAS_H

#include <stdbool.h>
#include <stddef.h>

/// What CPUID and XGETBV say, for choosing a kernel. Instruction sets count as present only
/// when the OS also saves their registers (YMM for AVX2/FMA, ZMM for AVX-512).
typedef struct {
    char vendor[13];          // "GenuineIntel", "AuthenticAMD", ...; empty off x86-64
    unsigned family, model;   // as /proc/cpuinfo shows them (extended fields folded in)
    bool avx2, fma;
    bool avx512f, avx512cd, avx512bw, avx512dq, avx512vl, avx512_bf16;
} sl_cpu_identity;

void sl_cpu_identify(sl_cpu_identity *identity);

/// Opens OpenBLAS once per process (later calls return the first call's result). When
/// `coretype` is not NULL, OPENBLAS_CORETYPE holds it while the library loads and is removed
/// afterwards, so the process's environment is left as it was: call it before other threads read
/// or write the environment. OpenBLAS's own threads are set to 1 (Sluice splits the work itself).
/// Returns 0, or -1 with the reason in `message`.
int sl_blas_load(const char *coretype, char *message, size_t message_size);

/// The kernel in use ("SkylakeX", "Haswell", ...: openblas_get_corename), the build line
/// (openblas_get_config) and the file loaded; NULL before a successful sl_blas_load.
const char *sl_blas_corename(void);
const char *sl_blas_config(void);
const char *sl_blas_path(void);

/// C = A·B + beta·C, row-major, on the calling thread; op(A) is m x k, op(B) k x n. Callable
/// only after a successful sl_blas_load (the Trainer's layers load it when they are made).
void sl_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
