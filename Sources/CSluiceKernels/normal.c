// Standard normals, sixteen at a time (see sluice_kernels.h).
//
// Why not the ziggurat: its table lookups and rare slow path keep it scalar; gaussian_noise
// cost 3.1-3.6 ns a value with it, about 0.9 with this kernel. Box-Muller has no branches, so
// eight lanes run it at once; log, sin and cos are short polynomials on reduced ranges.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <string.h>

// Every operation is rounded where the code says: fused multiply-adds only where written.
#pragma clang fp contract(off)

typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));

typedef struct { u64x4 s0, s1, s2, s3; } lanes;

static inline uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline lanes seed(uint64_t key) {
    uint64_t words[16];
    for (int i = 0; i < 16; i++) words[i] = splitmix64(&key);
    lanes g;
    memcpy(&g.s0, words, 32);
    memcpy(&g.s1, words + 4, 32);
    memcpy(&g.s2, words + 8, 32);
    memcpy(&g.s3, words + 12, 32);
    return g;
}

static inline u64x4 rotl(u64x4 x, int k) { return (x << k) | (x >> (64 - k)); }

// One xoshiro256++ step on each of the four 64-bit lanes: eight 32-bit words.
static inline u32x8 next_words(lanes *g) {
    u64x4 result = rotl(g->s0 + g->s3, 23) + g->s0;
    u64x4 t = g->s1 << 17;
    g->s2 ^= g->s0;
    g->s3 ^= g->s1;
    g->s1 ^= g->s2;
    g->s0 ^= g->s3;
    g->s2 ^= t;
    g->s3 = rotl(g->s3, 45);
    return (u32x8)result;
}

static inline f32x8 splat(float v) { return (f32x8){v, v, v, v, v, v, v, v}; }
// a * b + c with one rounding: the hardware instruction with FMA, the C library's exact fmaf
// without, so the bits are the same either way.
static inline f32x8 fma8(f32x8 a, f32x8 b, f32x8 c) { return __builtin_elementwise_fma(a, b, c); }
static inline f32x8 blend(i32x8 mask, f32x8 yes, f32x8 no) {
    return (f32x8)(((i32x8)yes & mask) | ((i32x8)no & ~mask));
}

// Natural log of x in (0, 1]: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), then Cephes' logf
// polynomial in m - 1 (relative error about 1e-7).
static inline f32x8 log_unit(f32x8 x) {
    i32x8 bits = (i32x8)x;
    i32x8 e = ((bits >> 23) & 0xFF) - 127;
    f32x8 m = (f32x8)((bits & 0x007FFFFF) | 0x3F800000);   // [1, 2)
    i32x8 big = m > splat(1.41421356f);
    m = blend(big, m * splat(0.5f), m);
    e = e + (big & 1);
    f32x8 f = m - splat(1.0f);
    // p(f) by Estrin's scheme: four independent pairs, then two levels, for a short chain.
    f32x8 f2 = f * f, f4 = f2 * f2;
    f32x8 p01 = fma8(f, splat(-2.4999993993e-1f), splat(3.3333331174e-1f));
    f32x8 p23 = fma8(f, splat(-1.6668057665e-1f), splat(2.0000714765e-1f));
    f32x8 p45 = fma8(f, splat(-1.2420140846e-1f), splat(1.4249322787e-1f));
    f32x8 p67 = fma8(f, splat(-1.1514610310e-1f), splat(1.1676998740e-1f));
    f32x8 p8 = splat(7.0376836292e-2f);
    f32x8 p = fma8(f4, fma8(f4, p8, fma8(f2, p67, p45)), fma8(f2, p23, p01));
    // log(1 + f) = f - f^2/2 + f^3 p(f)
    f32x8 y = fma8(f2 * f, p, fma8(splat(-0.5f), f2, f));
    return fma8(__builtin_convertvector(e, f32x8), splat(0.693147180559945f), y);
}

// Sixteen normals from two steps: words a give the radius, words b the angle.
static inline void box_muller(lanes *g, f32x8 *first, f32x8 *second) {
    u32x8 a = next_words(g), b = next_words(g);
    // u in (0, 1]: 1 - (24-bit uniform), exact in float.
    f32x8 u = __builtin_convertvector((i32x8)(a >> 8) + 1, f32x8) * splat(0x1p-24f);
    f32x8 square = splat(-2.0f) * log_unit(u);
    f32x8 r = __builtin_elementwise_sqrt(blend(square < splat(0.0f), splat(0.0f), square));
    // Angle 2 pi t, t = b24 / 2^24: quadrant k (the nearest quarter turn) and the rest y in
    // [-pi/4, pi/4), both from the integer, so there is no rounding in the reduction.
    i32x8 t = (i32x8)(b >> 8);
    i32x8 turns = (t + (1 << 21)) >> 22;                      // 0...4
    f32x8 y = __builtin_convertvector(t - (turns << 22), f32x8) * splat(3.74507028e-7f);  // 2 pi / 2^24
    i32x8 k = turns & 3;
    f32x8 y2 = y * y;
    f32x8 s = fma8(fma8(fma8(splat(-1.9515295891e-4f), y2, splat(8.3321608736e-3f)), y2, splat(-1.6666654611e-1f)), y2 * y, y);
    f32x8 c = fma8(fma8(fma8(splat(2.443315711809948e-5f), y2, splat(-1.388731625493765e-3f)), y2, splat(4.166664568298827e-2f)), y2 * y2,
                   fma8(splat(-0.5f), y2, splat(1.0f)));
    // cos(k pi/2 + y), sin(k pi/2 + y): odd quadrants swap, quadrants 1-2 negate the cosine,
    // 2-3 the sine.
    i32x8 odd = -(k & 1);
    f32x8 cosine = blend(odd, s, c), sine = blend(odd, c, s);
    cosine = (f32x8)((u32x8)cosine ^ ((u32x8)((k + 1) & 2) << 30));
    sine = (f32x8)((u32x8)sine ^ ((u32x8)(k & 2) << 30));
    *first = r * cosine;
    *second = r * sine;
}

// What a call does with its normals z: store them (fill), or store x + (mean + sigma * z),
// clamped to [0, 1] when clip (add).
typedef struct { float mean, sigma; int clip, add; } noise;

static inline f32x8 apply_noise(f32x8 x, f32x8 z, noise n) {
    if (!n.add) return z;
    f32x8 v = x + fma8(splat(n.sigma), z, splat(n.mean));
    if (n.clip) {
        v = blend(v < splat(0.0f), splat(0.0f), v);
        v = blend(v > splat(1.0f), splat(1.0f), v);
    }
    return v;
}

// Sixteen values a step; a last step of fewer goes through a local block.
#define NORMALS(NAME, TARGET) \
TARGET static void NAME(float *values, size_t count, noise n, uint64_t key) { \
    lanes g = seed(key); \
    f32x8 z0, z1, x0 = splat(0.0f), x1 = splat(0.0f); \
    float tail[16] = {0}; \
    for (size_t i = 0; i < count; i += 16) { \
        const size_t left = count - i < 16 ? count - i : 16; \
        float *place = left == 16 ? values + i : tail; \
        if (left < 16 && n.add) memcpy(tail, values + i, left * sizeof(float)); \
        box_muller(&g, &z0, &z1); \
        if (n.add) { memcpy(&x0, place, 32); memcpy(&x1, place + 8, 32); } \
        x0 = apply_noise(x0, z0, n); \
        x1 = apply_noise(x1, z1, n); \
        memcpy(place, &x0, 32); \
        memcpy(place + 8, &x1, 32); \
        if (left < 16) memcpy(values + i, tail, left * sizeof(float)); \
    } \
}

// The same loop twice: for the build's target, and with AVX-512VL where the CPU has it (ymm
// rotates and three-way selects, 32 registers: about 8% faster on Zen 4). The operations,
// hence the bits, are the same.
#define PLAIN
NORMALS(normals_plain, PLAIN)
#ifdef SL_AVX512
NORMALS(normals_avx512vl, SL_TARGET_AVX512)

#include <cpuid.h>

int sl_cpu_has_avx512(void) {
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

static void normals(float *values, size_t count, noise n, uint64_t key) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { normals_avx512vl(values, count, n, key); return; }
#endif
    normals_plain(values, count, n, key);
}

void sl_fill_normal(float *out, size_t count, uint64_t key) {
    normals(out, count, (noise){0, 1, 0, 0}, key);
}

void sl_add_normal(float *values, size_t count, float mean, float sigma, int clip, uint64_t key) {
    normals(values, count, (noise){mean, sigma, clip, 1}, key);
}
