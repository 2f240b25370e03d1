// Which optional instruction sets the kernels may use, checked once at run time. Internal to
// CSluiceKernels: each kernel has one body compiled twice, so both variants give the same bits.
#ifndef SLUICE_CPU_FEATURES_H
#define SLUICE_CPU_FEATURES_H

// For the helpers of a kernel body: inlined everywhere, so an AVX-512 variant compiles them with
// its own target (and wide vectors never cross a call between targets).
#define INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__) && defined(__AVX2__)
#define SL_AVX512 1
// AVX-512 F, DQ, BW and VL with AVX2 and FMA, for functions that take the wide variant.
#define SL_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl")))

// AVX-512 F, DQ, BW and VL in the CPU, and their registers saved by the OS (and not turned
// away by sl_kernels_avoid_avx512).
int sl_cpu_has_avx512(void);
#endif

#endif
