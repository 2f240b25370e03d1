// Standard normals, thirty-two at a time (see sluice_kernels.h).
//
// Why not the ziggurat: its table lookups and rare slow path keep it scalar; gaussian_noise
// cost 3.1-3.6 ns a value with it, 0.77-0.86 with this kernel. Box-Muller has no branches, so
// sixteen lanes run it at once; log, sin and cos are short polynomials on reduced ranges.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <string.h>

// Every operation is rounded where the code says: fused multiply-adds only where written.
#pragma clang fp contract(off)

typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));

typedef struct { u64x4 s0, s1, s2, s3; } lanes;

INLINE uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

INLINE lanes seed(uint64_t key) {
    uint64_t words[16];
    for (int i = 0; i < 16; i++) words[i] = splitmix64(&key);
    lanes g;
    memcpy(&g.s0, words, 32);
    memcpy(&g.s1, words + 4, 32);
    memcpy(&g.s2, words + 8, 32);
    memcpy(&g.s3, words + 12, 32);
    return g;
}

INLINE u64x4 rotl(u64x4 x, int k) { return (x << k) | (x >> (64 - k)); }

// One xoshiro256++ step on each of the four 64-bit lanes: eight 32-bit words.
INLINE u32x8 next_words(lanes *g) {
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

INLINE f32x16 splat(float v) { return (f32x16){v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v}; }
// a * b + c with one rounding: the hardware instruction with FMA, the C library's exact fmaf
// without, so the bits are the same either way.
INLINE f32x16 fma16(f32x16 a, f32x16 b, f32x16 c) { return __builtin_elementwise_fma(a, b, c); }
INLINE f32x16 blend(i32x16 mask, f32x16 yes, f32x16 no) {
    return (f32x16)(((i32x16)yes & mask) | ((i32x16)no & ~mask));
}

// Natural log of x in (0, 1]: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), then Cephes' logf
// polynomial in m - 1 (relative error about 1e-7).
INLINE f32x16 log_unit(f32x16 x) {
    i32x16 bits = (i32x16)x;
    i32x16 e = ((bits >> 23) & 0xFF) - 127;
    f32x16 m = (f32x16)((bits & 0x007FFFFF) | 0x3F800000);   // [1, 2)
    i32x16 big = m > splat(1.41421356f);
    m = blend(big, m * splat(0.5f), m);
    e = e + (big & 1);
    f32x16 f = m - splat(1.0f);
    // p(f) by Estrin's scheme: four independent pairs, then two levels, for a short chain.
    f32x16 f2 = f * f, f4 = f2 * f2;
    f32x16 p01 = fma16(f, splat(-2.4999993993e-1f), splat(3.3333331174e-1f));
    f32x16 p23 = fma16(f, splat(-1.6668057665e-1f), splat(2.0000714765e-1f));
    f32x16 p45 = fma16(f, splat(-1.2420140846e-1f), splat(1.4249322787e-1f));
    f32x16 p67 = fma16(f, splat(-1.1514610310e-1f), splat(1.1676998740e-1f));
    f32x16 p8 = splat(7.0376836292e-2f);
    f32x16 p = fma16(f4, fma16(f4, p8, fma16(f2, p67, p45)), fma16(f2, p23, p01));
    // log(1 + f) = f - f^2/2 + f^3 p(f)
    f32x16 y = fma16(f2 * f, p, fma16(splat(-0.5f), f2, f));
    return fma16(__builtin_convertvector(e, f32x16), splat(0.693147180559945f), y);
}

// Thirty-two normals from four steps: the words of steps 1 and 3 give the radii, those of
// steps 2 and 4 the angles; first holds the cosines' sixteen, second the sines'.
INLINE void box_muller(lanes *g, f32x16 *first, f32x16 *second) {
    u32x8 a0 = next_words(g), b0 = next_words(g), a1 = next_words(g), b1 = next_words(g);
    u32x16 a = __builtin_shufflevector(a0, a1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    u32x16 b = __builtin_shufflevector(b0, b1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // u in (0, 1]: 1 - (24-bit uniform), exact in float.
    f32x16 u = __builtin_convertvector((i32x16)(a >> 8) + 1, f32x16) * splat(0x1p-24f);
    f32x16 square = splat(-2.0f) * log_unit(u);
    f32x16 r = __builtin_elementwise_sqrt(blend(square < splat(0.0f), splat(0.0f), square));
    // Angle 2 pi t, t = b24 / 2^24: quadrant k (the nearest quarter turn) and the rest y in
    // [-pi/4, pi/4), both from the integer, so there is no rounding in the reduction.
    i32x16 t = (i32x16)(b >> 8);
    i32x16 turns = (t + (1 << 21)) >> 22;                      // 0...4
    f32x16 y = __builtin_convertvector(t - (turns << 22), f32x16) * splat(3.74507028e-7f);  // 2 pi / 2^24
    i32x16 k = turns & 3;
    f32x16 y2 = y * y;
    f32x16 s = fma16(fma16(fma16(splat(-1.9515295891e-4f), y2, splat(8.3321608736e-3f)), y2, splat(-1.6666654611e-1f)), y2 * y, y);
    f32x16 c = fma16(fma16(fma16(splat(2.443315711809948e-5f), y2, splat(-1.388731625493765e-3f)), y2, splat(4.166664568298827e-2f)), y2 * y2,
                   fma16(splat(-0.5f), y2, splat(1.0f)));
    // cos(k pi/2 + y), sin(k pi/2 + y): odd quadrants swap, quadrants 1-2 negate the cosine,
    // 2-3 the sine.
    i32x16 odd = -(k & 1);
    f32x16 cosine = blend(odd, s, c), sine = blend(odd, c, s);
    cosine = (f32x16)((u32x16)cosine ^ ((u32x16)((k + 1) & 2) << 30));
    sine = (f32x16)((u32x16)sine ^ ((u32x16)(k & 2) << 30));
    *first = r * cosine;
    *second = r * sine;
}

// What a call does with its normals z: store them (fill), or store x + (mean + sigma * z),
// clamped to [0, 1] when clip (add).
typedef struct { float mean, sigma; int clip, add; } noise;

INLINE f32x16 apply_noise(f32x16 x, f32x16 z, noise n) {
    if (!n.add) return z;
    f32x16 v = x + fma16(splat(n.sigma), z, splat(n.mean));
    if (n.clip) {
        v = blend(v < splat(0.0f), splat(0.0f), v);
        v = blend(v > splat(1.0f), splat(1.0f), v);
    }
    return v;
}

// Thirty-two values a step, in the order of sixteen-value blocks (cosines of steps 1-2, their
// sines, then those of steps 3-4); a last step of fewer goes through a local block.
INLINE void normals_loop(float *values, size_t count, noise n, uint64_t key) {
    lanes g = seed(key);
    f32x16 cosines, sines, x = splat(0.0f);
    float tail[32] = {0};
    for (size_t i = 0; i < count; i += 32) {
        const size_t left = count - i < 32 ? count - i : 32;
        float *place = left == 32 ? values + i : tail;
        if (left < 32 && n.add) memcpy(tail, values + i, left * sizeof(float));
        box_muller(&g, &cosines, &sines);
        const f32x16 z[2] = {
            __builtin_shufflevector(cosines, sines, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
            __builtin_shufflevector(cosines, sines, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31)};
        for (int half = 0; half < 2; half++) {
            if (n.add) memcpy(&x, place + 16 * half, 64);
            x = apply_noise(x, z[half], n);
            memcpy(place + 16 * half, &x, 64);
        }
        if (left < 32) memcpy(values + i, tail, left * sizeof(float));
    }
}

// The same loop twice: for the build's target, and with AVX-512 where the CPU has it (the
// sixteen lanes in one register, 64-bit rotates, 32 registers). The operations, hence the bits,
// are the same.
static void normals_plain(float *values, size_t count, noise n, uint64_t key) {
    normals_loop(values, count, n, key);
}
#ifdef SL_AVX512
SL_TARGET_AVX512 static void normals_avx512(float *values, size_t count, noise n, uint64_t key) {
    normals_loop(values, count, n, key);
}
#endif

static void normals(float *values, size_t count, noise n, uint64_t key) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { normals_avx512(values, count, n, key); return; }
#endif
    normals_plain(values, count, n, key);
}

void sl_fill_normal(float *out, size_t count, uint64_t key) {
    normals(out, count, (noise){0, 1, 0, 0}, key);
}

void sl_add_normal(float *values, size_t count, float mean, float sigma, int clip, uint64_t key) {
    normals(values, count, (noise){mean, sigma, clip, 1}, key);
}
