// The run-time check behind the kernels' AVX-512 variants (see cpu_features.h).
#include "cpu_features.h"

#include "sluice_kernels.h"

static int avoiding_avx512 = 0;

void sl_kernels_avoid_avx512(int avoid) { __atomic_store_n(&avoiding_avx512, avoid != 0, __ATOMIC_RELAXED); }

#ifdef SL_AVX512
#include <cpuid.h>

int sl_cpu_has_avx512(void) {
    if (__atomic_load_n(&avoiding_avx512, __ATOMIC_RELAXED)) return 0;
    static int cached = -1;   // a constant once known: racing threads store the same value
    int known = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (known < 0) {
        unsigned a, b, c, d, xcr0_low = 0, xcr0_high;
        const unsigned f = 1u << 16, dq = 1u << 17, bw = 1u << 30, vl = 1u << 31;
        int cpu = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (f | dq | bw | vl)) == (f | dq | bw | vl);
        unsigned a1, b1, c1, d1;
        int osxsave = __get_cpuid(1, &a1, &b1, &c1, &d1) && (c1 & (1u << 27));
        if (cpu && osxsave) __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
        known = cpu && osxsave && (xcr0_low & 0xE6) == 0xE6;
        __atomic_store_n(&cached, known, __ATOMIC_RELAXED);
    }
    return known;
}
#endif
