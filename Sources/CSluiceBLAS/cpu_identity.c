// CPUID and XGETBV, read for the choice of OpenBLAS kernel (sluice_blas.h).
#include "sluice_blas.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

void sl_cpu_identify(sl_cpu_identity *identity) {
    memset(identity, 0, sizeof *identity);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned highest = a;
    memcpy(identity->vendor, &b, 4);
    memcpy(identity->vendor + 4, &d, 4);
    memcpy(identity->vendor + 8, &c, 4);
    if (highest < 1 || !__get_cpuid(1, &a, &b, &c, &d)) return;
    unsigned family = (a >> 8) & 0xF, model = (a >> 4) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model |= ((a >> 16) & 0xF) << 4;
    identity->family = family;
    identity->model = model;
    bool fma = c & (1u << 12), osxsave = c & (1u << 27);
    unsigned xcr0 = 0, xcr0_high;
    if (osxsave) __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
    bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xE6) == 0xE6;
    identity->fma = fma && ymm;
    if (highest < 7 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
    identity->avx2 = (b & (1u << 5)) && ymm;
    identity->avx512f = (b & (1u << 16)) && zmm;
    identity->avx512dq = (b & (1u << 17)) && zmm;
    identity->avx512cd = (b & (1u << 28)) && zmm;
    identity->avx512bw = (b & (1u << 30)) && zmm;
    identity->avx512vl = (b & (1u << 31)) && zmm;
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) identity->avx512_bf16 = (a & (1u << 5)) && zmm;
}
#else
void sl_cpu_identify(sl_cpu_identity *identity) { memset(identity, 0, sizeof *identity); }
#endif
