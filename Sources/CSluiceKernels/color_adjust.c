// Pillow's colour enhancements on interleaved RGB bytes (see sluice_kernels.h), giving Pillow's
// bytes. Each runs W pixels at a time in float lanes (8 with AVX2, 16 with AVX-512). Where
// Pillow divides, or computes in double, the lanes get the same rounded value by exact means:
// a division as a product and one correction (QUOTIENT), a double sum or product as a float
// estimate fixed by the exact sign a fused multiply-add gives, or a float sum with its exact
// error. Every step is an IEEE operation, so both widths give the same bytes; the tests compare
// them with Pillow's formulas. A last partial group runs through a padded copy.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <string.h>

// Lanes of `a` where the mask `m` (a comparison's result, lanes the size of a's) is set, else of `b`.
#define SEL(m, a, b) ((__typeof__(a))(((m) & (__typeof__(m))(a)) | (~(m) & (__typeof__(m))(b))))

// a / b, rounded as a division rounds it, from y = 1 / b rounded: the product's error a - q b
// is exact in a fused multiply-add, and one correction step gives the rounded quotient
// (Markstein). The tests compare the hue kernel, in both widths, with Pillow's formulas written
// with true divisions.
#define QUOTIENT(a, b, y) ({ __typeof__(a) q_ = (a) * (y), b_ = (__typeof__(a)){0} + (b); __builtin_elementwise_fma(__builtin_elementwise_fma(-q_, b_, a), y, q_); })

// Pillow's luma, (19595 R + 38470 G + 7471 B + 2^15) >> 16.
#define LUMA(r, g, b) (((r) * 19595 + (g) * 38470 + (b) * 7471 + 0x8000) >> 16)

// ImagingBlend of `first` and `second` (int vectors) in float: truncated when alpha is in
// [0, 1], clipped to 0...255 otherwise (the value converted after clipping, so no lane overflows).
#define BLEND(F, I, first, second, alpha, inside)                                                   \
    ({                                                                                                \
        F value_ = __builtin_convertvector(first, F) + (alpha) * __builtin_convertvector((second) - (first), F); \
        if (!(inside)) value_ = SEL(value_ < 0, (F){0}, SEL(value_ > 255, (F){0} + 255, value_));\
        __builtin_convertvector(value_, I);                                                          \
    })

typedef uint8_t u8x16 __attribute__((vector_size(16)));

// 16 RGB pixels (48 bytes) as three planes of 16 bytes, and back: byte shuffles.
INLINE void load16(const uint8_t *rgb, u8x16 planes[3]) {
    u8x16 a, b, c;
    memcpy(&a, rgb, 16), memcpy(&b, rgb + 16, 16), memcpy(&c, rgb + 32, 16);
    u8x16 r = __builtin_shufflevector(a, b, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0);
    u8x16 g = __builtin_shufflevector(a, b, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0);
    u8x16 bl = __builtin_shufflevector(a, b, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0);
    planes[0] = __builtin_shufflevector(r, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
    planes[1] = __builtin_shufflevector(g, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
    planes[2] = __builtin_shufflevector(bl, c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
}

INLINE void store16(uint8_t *rgb, const u8x16 planes[3]) {
    u8x16 r = planes[0], g = planes[1], b = planes[2];
    u8x16 rg = __builtin_shufflevector(r, g, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
    u8x16 a = __builtin_shufflevector(rg, b, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15);
    u8x16 gr = __builtin_shufflevector(r, g, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
    u8x16 m = __builtin_shufflevector(gr, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15);
    u8x16 rgt = __builtin_shufflevector(r, g, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
    u8x16 c = __builtin_shufflevector(rgt, b, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31);
    memcpy(rgb, &a, 16), memcpy(rgb + 16, &m, 16), memcpy(rgb + 32, &c, 16);
}

// The kernels of one vector width W: I (int32 lanes), F (float lanes), U (W uint8 lanes).
#define COLOR_KERNELS(TARGET, S, W, I, F, U)                                                     \
    /* (int)(x * 255) for x in [0, 1], exactly: the rounded product's floor, less one where the  */ \
    /* product was rounded up onto that integer (the fused x 255 - floor is negative). */         \
    TARGET INLINE I byte_of##S(F x) {                                                               \
        F floor = __builtin_elementwise_floor(x * 255);                                              \
        return __builtin_convertvector(floor, I) + (I)(__builtin_elementwise_fma(x, (F){0} + 255, -floor) < 0); \
    }                                                                                                \
    /* (int)(v (1 - x) + 0.5), v a byte value and x in [0, 1], as Pillow's doubles give it (all  */ \
    /* exact there): the floor of c - v x for c = v + 0.5, from a float estimate corrected by the */ \
    /* exact signs of c - t - v x and c - t - 1 - v x (fused, so rounded only once). */          \
    TARGET INLINE I scaled_round##S(F v, F x) {                                                     \
        F c = v + 0.5f, t = __builtin_elementwise_floor(c - v * x);                                  \
        I below = (I)(__builtin_elementwise_fma(-v, x, c - t) < 0);                                  \
        I above = (I)(__builtin_elementwise_fma(-v, x, c - t - 1) >= 0);                             \
        return __builtin_convertvector(t, I) + below - above;                                        \
    }                                                                                                \
                                                                                                     \
    TARGET INLINE void hue_lanes##S(I *red, I *green, I *blue, int shift) {                         \
        I r = *red, g = *green, b = *blue;                                                           \
        I maxc = SEL(r > g, SEL(r > b, r, b), SEL(g > b, g, b));                                     \
        I minc = SEL(r < g, SEL(r < b, r, b), SEL(g < b, g, b));                                     \
        I gray = maxc == minc;                                                                       \
        /* rgb2hsv (gray lanes compute with range 1 and give (v, v, v) below) */                    \
        F range = __builtin_convertvector(SEL(gray, (I){0} + 1, maxc - minc), F);                    \
        F maxf = __builtin_convertvector(SEL(gray, (I){0} + 1, maxc), F);                             \
        F s = range / maxf, reciprocal = 1 / range;                                                  \
        /* h from two of rc, gc, bc ((max - c) / range): bc - gc in float (R largest), else the */  \
        /* double 2 + rc - bc (G) or 4 + gc - rc (B) rounded once to float: base + d + err, d and  */ \
        /* err the float difference and its exact error (two-sum), e2 the error of base + d. */       \
        I rmax = r == maxc, gmax = ~rmax & (g == maxc);                                                 \
        F first = __builtin_convertvector(maxc - SEL(rmax, b, SEL(gmax, r, g)), F);                  \
        F second = __builtin_convertvector(maxc - SEL(rmax, g, SEL(gmax, b, r)), F);                 \
        F x = QUOTIENT(first, range, reciprocal), y = QUOTIENT(second, range, reciprocal);           \
        F base = __builtin_convertvector(SEL(gmax, (I){0} + 2, (I){0} + 4), F);                      \
        F d = x - y, dz = d - x, err = (x - (d - dz)) + (-y - dz);                                   \
        F tsum = base + d, e2 = (base - tsum) + d;                                                   \
        F h = SEL(rmax, d, tsum + (e2 + err));                                                       \
        /* Pillow's float(fmod(h / 6 + 1, 1)), which it rounds in double first, as h / 6 rounded */ \
        /* to float, plus 1 where h < 0: the same on every 8-bit colour (tested on all of them). */  \
        F turn = QUOTIENT(h, 6, (F){0} + 1.0f / 6);                                                  \
        turn = SEL(h < 0, turn + 1, turn);                                                           \
        I hue = (byte_of##S(turn) + shift) & 255, sat = byte_of##S(s);                               \
        /* hsv2rgb: 6 H / 255 as its sector and f = the fraction, rounded to float; rem / 255 */     \
        /* rounded to float is that (k / 255 lies too far from a float midpoint for the double  */   \
        /* step Pillow takes first to matter), and so is the sector from the float quotient. */   \
        const F inverse255 = (F){0} + 1.0f / 255;                                                    \
        I six = hue * 6;                                                                             \
        I sector = __builtin_convertvector(QUOTIENT(__builtin_convertvector(six, F), 255, inverse255), I); \
        F f = QUOTIENT(__builtin_convertvector(six - sector * 255, F), 255, inverse255);              \
        F fs = QUOTIENT(__builtin_convertvector(sat, F), 255, inverse255), v = __builtin_convertvector(maxc, F); \
        I p = scaled_round##S(v, fs), q = scaled_round##S(v, fs * f), t = scaled_round##S(v, fs * (1 - f)); \
        /* sector 6 (H = 255) is sector 0; 7 marks (v, v, v): gray, or S = 0 */                    \
        sector = SEL(gray | (sat == 0), (I){0} + 7, SEL(sector == 6, (I){0}, sector));               \
        I outr = SEL((sector == 0) | (sector == 5) | (sector == 7), maxc, SEL(sector == 1, q, SEL(sector == 4, t, p))); \
        I outg = SEL((sector == 1) | (sector == 2) | (sector == 7), maxc, SEL(sector == 0, t, SEL(sector == 3, q, p))); \
        I outb = SEL((sector == 3) | (sector == 4) | (sector == 7), maxc, SEL(sector == 2, t, SEL(sector == 5, q, p))); \
        *red = outr, *green = outg, *blue = outb;                                                    \
    }                                                                                                \
                                                                                                     \
    TARGET INLINE void blend_luma_lanes##S(I *r, I *g, I *b, float alpha, int inside) {             \
        I gray = LUMA(*r, *g, *b);                                                                   \
        *r = BLEND(F, I, gray, *r, alpha, inside), *g = BLEND(F, I, gray, *g, alpha, inside);        \
        *b = BLEND(F, I, gray, *b, alpha, inside);                                                   \
    }                                                                                                \
                                                                                                     \
    /* Lanes k..<k + W of 16 bytes as ints, and 16 bytes from ints: shuffles, so that no vector */ \
    /* is stored in parts and loaded whole (a stalled store forward). */                           \
    TARGET INLINE I part##S(u8x16 bytes, int k) {                                                   \
        U part = k == 0 ? __builtin_shufflevector(bytes, bytes, BYTES_LOW##W) : __builtin_shufflevector(bytes, bytes, BYTES_HIGH##W); \
        return __builtin_convertvector(part, I);                                                     \
    }                                                                                                \
    TARGET INLINE u8x16 bytes_of##S(const I *lanes) { return JOIN_BYTES##W(lanes); }                 \
                                                                                                     \
    /* 16 pixels, in place: their hue shifted, or blended with their luma. */                       \
    TARGET INLINE void group16_##S(uint8_t *rgb, int hue, int shift, float alpha, int inside) {     \
        u8x16 planes[3];                                                                             \
        load16(rgb, planes);                                                                         \
        I r[16 / W], g[16 / W], b[16 / W];                                                           \
        for (int k = 0; k < 16 / W; k++) {                                                           \
            r[k] = part##S(planes[0], k * W), g[k] = part##S(planes[1], k * W), b[k] = part##S(planes[2], k * W); \
            if (hue) hue_lanes##S(&r[k], &g[k], &b[k], shift);                                       \
            else blend_luma_lanes##S(&r[k], &g[k], &b[k], alpha, inside);                            \
        }                                                                                            \
        planes[0] = bytes_of##S(r), planes[1] = bytes_of##S(g), planes[2] = bytes_of##S(b);           \
        store16(rgb, planes);                                                                        \
    }                                                                                                \
                                                                                                     \
    TARGET static void groups##S(uint8_t *rgb, size_t pixel_count, int hue, int shift, float alpha) { \
        const int inside = alpha >= 0 && alpha <= 1;                                                 \
        size_t i = 0;                                                                                \
        for (; i + 16 <= pixel_count; i += 16) group16_##S(rgb + 3 * i, hue, shift, alpha, inside);  \
        if (i < pixel_count) {                                                                       \
            uint8_t last[48] = {0};                                                                  \
            memcpy(last, rgb + 3 * i, 3 * (pixel_count - i));                                        \
            group16_##S(last, hue, shift, alpha, inside);                                            \
            memcpy(rgb + 3 * i, last, 3 * (pixel_count - i));                                        \
        }                                                                                            \
    }                                                                                                \
                                                                                                     \
    /* The luma sum: in int lanes, added to the total every 2^16 groups (2^24 per lane at most). */ \
    TARGET static uint64_t luma_sum##S(const uint8_t *rgb, size_t pixel_count) {                    \
        uint64_t total = 0;                                                                          \
        size_t i = 0;                                                                                \
        while (i + 16 <= pixel_count) {                                                              \
            const size_t end = pixel_count - i > ((size_t)16 << 16) ? i + ((size_t)16 << 16) : pixel_count; \
            I sums = {0};                                                                            \
            for (; i + 16 <= end; i += 16) {                                                         \
                u8x16 planes[3];                                                                     \
                load16(rgb + 3 * i, planes);                                                         \
                for (int k = 0; k < 16; k += W)                                                      \
                    sums += LUMA(part##S(planes[0], k), part##S(planes[1], k), part##S(planes[2], k)); \
            }                                                                                        \
            for (int k = 0; k < W; k++) total += (uint32_t)sums[k];                                  \
        }                                                                                            \
        for (; i < pixel_count; i++) total += LUMA((uint32_t)rgb[3 * i], (uint32_t)rgb[3 * i + 1], (uint32_t)rgb[3 * i + 2]); \
        return total;                                                                                \
    }                                                                                                \
                                                                                                     \
    /* Every value blended with the constant `first`, 16 values at a time. */                       \
    TARGET INLINE void blend_bytes16_##S(uint8_t *values, I first, float alpha, int inside) {       \
        u8x16 bytes;                                                                                 \
        memcpy(&bytes, values, 16);                                                                  \
        I lanes[16 / W];                                                                             \
        for (int k = 0; k < 16 / W; k++) lanes[k] = BLEND(F, I, first, part##S(bytes, k * W), alpha, inside); \
        bytes = bytes_of##S(lanes);                                                                  \
        memcpy(values, &bytes, 16);                                                                  \
    }                                                                                                \
    TARGET static void blend_constant##S(uint8_t *values, size_t count, uint8_t constant, float alpha) { \
        const int inside = alpha >= 0 && alpha <= 1;                                                 \
        const I first = (I){0} + constant;                                                           \
        size_t i = 0;                                                                                \
        for (; i + 16 <= count; i += 16) blend_bytes16_##S(values + i, first, alpha, inside);        \
        if (i < count) {                                                                             \
            uint8_t last[16] = {0};                                                                  \
            memcpy(last, values + i, count - i);                                                     \
            blend_bytes16_##S(last, first, alpha, inside);                                           \
            memcpy(values + i, last, count - i);                                                     \
        }                                                                                            \
    }

#define BYTES_LOW8 0, 1, 2, 3, 4, 5, 6, 7
#define BYTES_HIGH8 8, 9, 10, 11, 12, 13, 14, 15
#define JOIN_BYTES8(lanes) __builtin_shufflevector(__builtin_convertvector((lanes)[0], u8x8), __builtin_convertvector((lanes)[1], u8x8), \
                                                   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define BYTES_LOW16 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#define BYTES_HIGH16 BYTES_LOW16
#define JOIN_BYTES16(lanes) __builtin_convertvector((lanes)[0], u8x16)

typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
COLOR_KERNELS(, 8, 8, i32x8, f32x8, u8x8)

#ifdef SL_AVX512
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
COLOR_KERNELS(SL_TARGET_AVX512, 16, 16, i32x16, f32x16, u8x16)
#endif

uint64_t sl_luma_sum(const uint8_t *rgb, size_t pixel_count) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) return luma_sum16(rgb, pixel_count);
#endif
    return luma_sum8(rgb, pixel_count);
}

void sl_blend_constant(uint8_t *values, size_t count, uint8_t constant, float alpha) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { blend_constant16(values, count, constant, alpha); return; }
#endif
    blend_constant8(values, count, constant, alpha);
}

void sl_blend_luma(uint8_t *rgb, size_t pixel_count, float alpha) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { groups16(rgb, pixel_count, 0, 0, alpha); return; }
#endif
    groups8(rgb, pixel_count, 0, 0, alpha);
}

void sl_hue_shift(uint8_t *rgb, size_t pixel_count, uint8_t shift) {
#ifdef SL_AVX512
    if (sl_cpu_has_avx512()) { groups16(rgb, pixel_count, 1, shift, 0); return; }
#endif
    groups8(rgb, pixel_count, 1, shift, 0);
}
