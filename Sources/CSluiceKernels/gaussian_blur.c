// torchvision's gaussian_blur on uint8 images (see sluice_kernels.h), as two float32 passes over
// contiguous rows: each row mirrored into a padded buffer, then sums of shifted copies, so the
// loops run over whole rows of interleaved channels, in vectors.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <math.h>

typedef float f32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));

// Index i mirrored into 0..<n without repeating the edges (period 2n - 2).
static int32_t reflect(int32_t i, int32_t n) {
    if (n == 1) return 0;
    int32_t period = 2 * n - 2;
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

INLINE f32x8 load(const float *p) {
    f32x8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

// target[i] = sum over taps t of k[t] * sources[t][i]: four vectors at a time held in registers
// over all taps; inlined with a constant tap count for the usual kernels, so the tap loop unrolls.
INLINE void taps_sum(float *target, const float *const *sources, const float *k, int32_t taps, int32_t count) {
    int32_t i = 0;
    for (; i + 32 <= count; i += 32) {
        f32x8 a = k[0] * load(sources[0] + i), b = k[0] * load(sources[0] + i + 8);
        f32x8 c = k[0] * load(sources[0] + i + 16), d = k[0] * load(sources[0] + i + 24);
        for (int32_t t = 1; t < taps; t++) {
            a += k[t] * load(sources[t] + i);
            b += k[t] * load(sources[t] + i + 8);
            c += k[t] * load(sources[t] + i + 16);
            d += k[t] * load(sources[t] + i + 24);
        }
        __builtin_memcpy(target + i, &a, sizeof a);
        __builtin_memcpy(target + i + 8, &b, sizeof b);
        __builtin_memcpy(target + i + 16, &c, sizeof c);
        __builtin_memcpy(target + i + 24, &d, sizeof d);
    }
    for (; i < count; i++) {
        float sum = k[0] * sources[0][i];
        for (int32_t t = 1; t < taps; t++) sum += k[t] * sources[t][i];
        target[i] = sum;
    }
}

static void sum_taps(float *target, const float *const *sources, const float *k, int32_t taps, int32_t count) {
    switch (taps) {
    case 1: taps_sum(target, sources, k, 1, count); break;
    case 3: taps_sum(target, sources, k, 3, count); break;
    case 5: taps_sum(target, sources, k, 5, count); break;
    case 7: taps_sum(target, sources, k, 7, count); break;
    case 9: taps_sum(target, sources, k, 9, count); break;
    default: taps_sum(target, sources, k, taps, count); break;
    }
}

size_t sl_gaussian_blur_scratch(int32_t width, int32_t channels, int32_t kx_size, int32_t ky_size) {
    return ((size_t)ky_size + 1) * width * channels + ((size_t)width + kx_size) * channels;
}

// One row through the horizontal pass: mirrored into `padded`, then the sum over taps t of
// kx[t] * padded shifted by t pixels.
static void blur_row(const uint8_t *source, int32_t width, int32_t channels, const float *kx, int32_t kx_size, float *padded,
                     float *target) {
    const int32_t row = width * channels, hx = kx_size / 2;
    for (int32_t i = 0; i < row; i++) padded[hx * channels + i] = source[i];
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
    float *slots = scratch, *sums = slots + (size_t)ky_size * row, *padded = sums + row;
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
        sum_taps(sums, taps, ky, ky_size, row);
        uint8_t *target = out + (size_t)y * row;
        int32_t i = 0;
        for (; i + 8 <= row; i += 8) {
            f32x8 sum = __builtin_elementwise_min(__builtin_elementwise_max(__builtin_elementwise_roundeven(load(sums + i)), (f32x8){0}),
                                                  (f32x8){255, 255, 255, 255, 255, 255, 255, 255});
            u8x8 bytes = __builtin_convertvector(sum, u8x8);
            __builtin_memcpy(target + i, &bytes, sizeof bytes);
        }
        for (; i < row; i++) {
            float sum = nearbyintf(sums[i]);
            target[i] = (uint8_t)(sum < 0 ? 0 : sum > 255 ? 255 : sum);
        }
    }
}
