// torchvision's gaussian_blur on uint8 images (see sluice_kernels.h), as two float32 passes over
// contiguous rows: each row mirrored into a padded buffer, then sums of shifted copies, so the
// loops run over whole rows of interleaved channels, in vectors.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <math.h>

typedef float f32x8 __attribute__((vector_size(32)));

// Index i mirrored into 0..<n without repeating the edges (period 2n - 2).
static int32_t reflect(int32_t i, int32_t n) {
    if (n == 1) return 0;
    int32_t period = 2 * n - 2;
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

// The sum over taps t of k[t] * sources[t][i] for each i, as a chain of fused multiply-adds in
// tap order (so every vector width, and the scalar tail, give the same bits): four vectors of
// VECTOR at a time held in registers over all taps, inlined with a constant tap count for the
// usual kernels so the tap loop unrolls. STORE writes the four sums of i, i + W, ... to the
// output (floats, or bytes rounded half to even and saturated), TAIL one scalar sum.
#define TAPS_SUM(TARGET, NAME, VECTOR, OUT, STORE, STORE1, TAIL)                                              \
    TARGET INLINE void NAME(OUT *target, const float *const *sources, const float *k, int32_t taps, int32_t count) { \
        enum { W = sizeof(VECTOR) / sizeof(float) };                                                   \
        /* The weights broadcast once, held in registers (k may alias the output, so each use   \
           would otherwise load and broadcast it again). */                                          \
        VECTOR weights[taps];                                                                          \
        for (int32_t t = 0; t < taps; t++)                                                             \
            for (int32_t l = 0; l < W; l++) weights[t][l] = k[t];                                      \
        int32_t i = 0;                                                                                 \
        for (; i + 4 * W <= count; i += 4 * W) {                                                       \
            VECTOR a, b, c, d, x;                                                                      \
            __builtin_memcpy(&a, sources[0] + i, sizeof a);                                            \
            __builtin_memcpy(&b, sources[0] + i + W, sizeof b);                                        \
            __builtin_memcpy(&c, sources[0] + i + 2 * W, sizeof c);                                    \
            __builtin_memcpy(&d, sources[0] + i + 3 * W, sizeof d);                                    \
            a *= weights[0], b *= weights[0], c *= weights[0], d *= weights[0];                        \
            for (int32_t t = 1; t < taps; t++) {                                                       \
                const VECTOR weight = weights[t];                                                      \
                __builtin_memcpy(&x, sources[t] + i, sizeof x); a = __builtin_elementwise_fma(weight, x, a); \
                __builtin_memcpy(&x, sources[t] + i + W, sizeof x); b = __builtin_elementwise_fma(weight, x, b); \
                __builtin_memcpy(&x, sources[t] + i + 2 * W, sizeof x); c = __builtin_elementwise_fma(weight, x, c); \
                __builtin_memcpy(&x, sources[t] + i + 3 * W, sizeof x); d = __builtin_elementwise_fma(weight, x, d); \
            }                                                                                          \
            STORE(target + i, W, a, b, c, d);                                                          \
        }                                                                                              \
        /* Then one vector at a time, the last one ending at the row's end (overlapping the one     \
           before: the same values again). */                                                       \
        while (i < count && count >= W) {                                                              \
            if (i + W > count) i = count - W;                                                          \
            VECTOR a, x;                                                                               \
            __builtin_memcpy(&a, sources[0] + i, sizeof a);                                            \
            a *= weights[0];                                                                           \
            for (int32_t t = 1; t < taps; t++) {                                                       \
                __builtin_memcpy(&x, sources[t] + i, sizeof x);                                        \
                a = __builtin_elementwise_fma(weights[t], x, a);                                       \
            }                                                                                          \
            STORE1(target + i, a);                                                                     \
            i += W;                                                                                    \
        }                                                                                              \
        for (; i < count; i++) {                                                                       \
            float sum = k[0] * sources[0][i];                                                          \
            for (int32_t t = 1; t < taps; t++) sum = fmaf(k[t], sources[t][i], sum);                   \
            TAIL(target + i, sum);                                                                     \
        }                                                                                              \
    }

#define STORE_FLOATS(p, W, a, b, c, d)                                                                \
    (__builtin_memcpy((p), &a, sizeof a), __builtin_memcpy((p) + W, &b, sizeof b),                     \
     __builtin_memcpy((p) + 2 * W, &c, sizeof c), __builtin_memcpy((p) + 3 * W, &d, sizeof d))
#define STORE_FLOAT(p, a) __builtin_memcpy((p), &a, sizeof a)
#define TAIL_FLOAT(p, sum) (*(p) = (sum))
#define TAIL_BYTE(p, sum) (*(p) = to_byte(sum))

// A sum rounded half to even and clipped to 0...255.
INLINE uint8_t to_byte(float sum) {
    float rounded = nearbyintf(sum);
    return (uint8_t)(rounded < 0 ? 0 : rounded > 255 ? 255 : rounded);
}

INLINE void store_bytes8(uint8_t *p, int32_t w, f32x8 a, f32x8 b, f32x8 c, f32x8 d) {
    (void)w;
    // Rounded half to even (the default rounding mode), saturated to 0...255 by the packs.
    __m256i ab = _mm256_packs_epi32(_mm256_cvtps_epi32((__m256)a), _mm256_cvtps_epi32((__m256)b));
    __m256i cd = _mm256_packs_epi32(_mm256_cvtps_epi32((__m256)c), _mm256_cvtps_epi32((__m256)d));
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)p, bytes);
}

INLINE void store_byte_vector8(uint8_t *p, f32x8 a) {
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(_mm256_cvtps_epi32((__m256)a)), _mm256_extracti128_si256(_mm256_cvtps_epi32((__m256)a), 1));
    _mm_storel_epi64((__m128i *)p, _mm_packus_epi16(words, words));
}

TAPS_SUM(, taps_sum8, f32x8, float, STORE_FLOATS, STORE_FLOAT, TAIL_FLOAT)
TAPS_SUM(, taps_bytes8, f32x8, uint8_t, store_bytes8, store_byte_vector8, TAIL_BYTE)

#define SUM_TAPS(NAME, OUT, BODY)                                                                     \
    static void NAME(OUT *target, const float *const *sources, const float *k, int32_t taps, int32_t count) { \
        switch (taps) {                                                                                \
        case 1: BODY(target, sources, k, 1, count); break;                                             \
        case 3: BODY(target, sources, k, 3, count); break;                                             \
        case 5: BODY(target, sources, k, 5, count); break;                                             \
        case 7: BODY(target, sources, k, 7, count); break;                                             \
        case 9: BODY(target, sources, k, 9, count); break;                                             \
        default: BODY(target, sources, k, taps, count); break;                                         \
        }                                                                                              \
    }

SUM_TAPS(sum_taps8, float, taps_sum8)
SUM_TAPS(sum_bytes8, uint8_t, taps_bytes8)

#ifdef SL_AVX512
typedef float f32x16 __attribute__((vector_size(64)));

SL_TARGET_AVX512 INLINE void store_bytes16(uint8_t *p, int32_t w, f32x16 a, f32x16 b, f32x16 c, f32x16 d) {
    (void)w;
    // Rounded half to even, saturated to 0...255 by the packs (which interleave 128-bit lanes:
    // the dword permutation puts the 64 bytes back in order), one store.
    __m512i ab = _mm512_packs_epi32(_mm512_cvtps_epi32((__m512)a), _mm512_cvtps_epi32((__m512)b));
    __m512i cd = _mm512_packs_epi32(_mm512_cvtps_epi32((__m512)c), _mm512_cvtps_epi32((__m512)d));
    __m512i bytes = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
                                             _mm512_packus_epi16(ab, cd));
    _mm512_storeu_si512((void *)p, bytes);
}

SL_TARGET_AVX512 INLINE void store_byte_vector16(uint8_t *p, f32x16 a) {
    _mm_storeu_si128((__m128i *)p, _mm512_cvtusepi32_epi8(_mm512_max_epi32(_mm512_cvtps_epi32((__m512)a), _mm512_setzero_si512())));
}

TAPS_SUM(SL_TARGET_AVX512, taps_sum16, f32x16, float, STORE_FLOATS, STORE_FLOAT, TAIL_FLOAT)
TAPS_SUM(SL_TARGET_AVX512, taps_bytes16, f32x16, uint8_t, store_bytes16, store_byte_vector16, TAIL_BYTE)
SL_TARGET_AVX512 SUM_TAPS(sum_taps16, float, taps_sum16)
SL_TARGET_AVX512 SUM_TAPS(sum_bytes16, uint8_t, taps_bytes16)
#endif

static void sum_taps(float *target, const float *const *sources, const float *k, int32_t taps, int32_t count) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { sum_taps16(target, sources, k, taps, count); return; }
#endif
    sum_taps8(target, sources, k, taps, count);
}

static void sum_bytes(uint8_t *target, const float *const *sources, const float *k, int32_t taps, int32_t count) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { sum_bytes16(target, sources, k, taps, count); return; }
#endif
    sum_bytes8(target, sources, k, taps, count);
}

size_t sl_gaussian_blur_scratch(int32_t width, int32_t channels, int32_t kx_size, int32_t ky_size) {
    return (size_t)ky_size * width * channels + ((size_t)width + kx_size) * channels;
}

// One row through the horizontal pass: mirrored into `padded`, then the sum over taps t of
// kx[t] * padded shifted by t pixels.
// Bytes to floats, 16 at a time where the CPU has AVX-512 (the compiler's loop takes 8).
#ifdef SL_AVX512
SL_TARGET_AVX512 static void to_floats16(const uint8_t *source, int32_t count, float *target) {
    int32_t i = 0;
    for (; i + 16 <= count; i += 16)
        _mm512_storeu_ps(target + i, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(source + i)))));
    for (; i < count; i++) target[i] = source[i];
}
#endif

static void to_floats(const uint8_t *source, int32_t count, float *target) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { to_floats16(source, count, target); return; }
#endif
    for (int32_t i = 0; i < count; i++) target[i] = source[i];
}

static void blur_row(const uint8_t *source, int32_t width, int32_t channels, const float *kx, int32_t kx_size, float *padded,
                     float *target) {
    const int32_t row = width * channels, hx = kx_size / 2;
    to_floats(source, row, padded + hx * channels);
    for (int32_t e = 0; e < 2 * hx; e++) {   // the mirrored edges: hx pixels each side
        int32_t x = e < hx ? e - hx : width + e - hx;
        const uint8_t *pixel = source + (size_t)reflect(x, width) * channels;
        for (int32_t c = 0; c < channels; c++) padded[(x + hx) * channels + c] = pixel[c];
    }
    const float *shifted[kx_size];
    for (int32_t t = 0; t < kx_size; t++) shifted[t] = padded + t * channels;
    sum_taps(target, shifted, kx, kx_size, row);
}

void sl_gaussian_blur(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const float *kx, int32_t kx_size,
                      const float *ky, int32_t ky_size, uint8_t *out, float *scratch) {
    const int32_t row = width * channels, hy = ky_size / 2;
    // Rows through the horizontal pass are kept in ky_size slots, row r in slot r % ky_size: the
    // rows one output row needs (mirrored or not) never share a slot, and each row is made once.
    float *slots = scratch, *padded = slots + (size_t)ky_size * row;
    int32_t held[ky_size];
    for (int32_t t = 0; t < ky_size; t++) held[t] = -1;
    for (int32_t y = 0; y < height; y++) {
        const float *taps[ky_size];
        for (int32_t t = 0; t < ky_size; t++) {
            int32_t r = reflect(y - hy + t, height), slot = r % ky_size;
            if (held[slot] != r) {
                blur_row(in + (size_t)r * row, width, channels, kx, kx_size, padded, slots + (size_t)slot * row);
                held[slot] = r;
            }
            taps[t] = slots + (size_t)slot * row;
        }
        sum_bytes(out + (size_t)y * row, taps, ky, ky_size, row);
    }
}
