// torchvision's gaussian_blur on uint8 images (see sluice_kernels.h), as two float32 passes over
// contiguous rows: each row mirrored into a padded buffer, then sums of shifted copies, so the
// loops run over whole rows of interleaved channels, in vectors.
#include "sluice_kernels.h"
#include "cpu_features.h"

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

INLINE f32x8 load(const float *p) {
    f32x8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

INLINE void store(float *p, f32x8 v) { __builtin_memcpy(p, &v, sizeof v); }

size_t sl_gaussian_blur_scratch(int32_t height, int32_t width, int32_t channels, int32_t kx_size) {
    return (size_t)height * width * channels + ((size_t)width + kx_size) * channels + 8;
}

void sl_gaussian_blur(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const float *kx, int32_t kx_size,
                      const float *ky, int32_t ky_size, uint8_t *out, float *scratch) {
    const int32_t row = width * channels, hx = kx_size / 2, hy = ky_size / 2;
    float *rows = scratch, *padded = scratch + (size_t)height * row;
    // Rows: each mirrored into `padded`, then out[i] = sum over taps t of kx[t] * padded[i + t * channels].
    for (int32_t y = 0; y < height; y++) {
        const uint8_t *source = in + (size_t)y * row;
        for (int32_t x = -hx; x < width + hx; x++) {
            const uint8_t *pixel = source + (size_t)reflect(x, width) * channels;
            for (int32_t c = 0; c < channels; c++) padded[(x + hx) * channels + c] = pixel[c];
        }
        float *target = rows + (size_t)y * row;
        int32_t i = 0;
        for (; i + 8 <= row; i += 8) {
            f32x8 sum = kx[0] * load(padded + i);
            for (int32_t t = 1; t < kx_size; t++) sum += kx[t] * load(padded + i + t * channels);
            store(target + i, sum);
        }
        for (; i < row; i++) {
            float sum = kx[0] * padded[i];
            for (int32_t t = 1; t < kx_size; t++) sum += kx[t] * padded[i + t * channels];
            target[i] = sum;
        }
    }
    // Columns: output row y sums rows y - hy ... y + hy (mirrored), then rounds half to even.
    const float *taps[ky_size];
    for (int32_t y = 0; y < height; y++) {
        for (int32_t t = 0; t < ky_size; t++) taps[t] = rows + (size_t)reflect(y - hy + t, height) * row;
        uint8_t *target = out + (size_t)y * row;
        int32_t i = 0;
        for (; i + 8 <= row; i += 8) {
            f32x8 sum = ky[0] * load(taps[0] + i);
            for (int32_t t = 1; t < ky_size; t++) sum += ky[t] * load(taps[t] + i);
            sum = __builtin_elementwise_min(__builtin_elementwise_max(__builtin_elementwise_roundeven(sum), (f32x8){0}),
                                            (f32x8){255, 255, 255, 255, 255, 255, 255, 255});
            for (int32_t lane = 0; lane < 8; lane++) target[i + lane] = (uint8_t)sum[lane];
        }
        for (; i < row; i++) {
            float sum = ky[0] * taps[0][i];
            for (int32_t t = 1; t < ky_size; t++) sum += ky[t] * taps[t][i];
            sum = nearbyintf(sum);
            target[i] = (uint8_t)(sum < 0 ? 0 : sum > 255 ? 255 : sum);
        }
    }
}
