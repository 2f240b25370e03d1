// uint8 HWC -> float32 CHW through a window (see sluice_kernels.h): the feeder's crop, padding
// and flips read in the same pass as to_float and normalize, with no image in between.
#include "sluice_kernels.h"

#include <string.h>

#pragma clang fp contract(off)

typedef uint8_t u8x32 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef float f32x8 __attribute__((vector_size(32)));

typedef struct { float scale, mean, std; int normalize; } mapping;

static inline float value(float x, mapping m) {
    return m.normalize ? (x * m.scale - m.mean) / m.std : x * m.scale;
}

static inline f32x8 values8(u8x8 bytes, mapping m) {
    f32x8 x = __builtin_convertvector(bytes, f32x8);
    f32x8 scale = {m.scale, m.scale, m.scale, m.scale, m.scale, m.scale, m.scale, m.scale};
    if (!m.normalize) return x * scale;
    f32x8 mean = {m.mean, m.mean, m.mean, m.mean, m.mean, m.mean, m.mean, m.mean};
    f32x8 std = {m.std, m.std, m.std, m.std, m.std, m.std, m.std, m.std};
    return (x * scale - mean) / std;
}

// n values from the bytes first, first + step, first + 2 step, ... (step = +-channels), eight
// at a time: the eight bytes' span (8 for one channel, 22 for three) loaded at once and picked
// apart in registers. A run that is not a multiple of eight ends with an overlapping group,
// which writes some values twice, the same both times.
static void convert_run(const uint8_t *first, int step, int n, mapping m, float *out) {
    int i = 0;
#define RUN(STEP, SPAN, ...)                                                                   \
    if (n >= 8) {                                                                              \
        for (;; i += 8) {                                                                      \
            if (i + 8 > n) i = n - 8;                                                          \
            const uint8_t *base = first + (ptrdiff_t)i * (STEP) - ((STEP) < 0 ? (SPAN) - 1 : 0); \
            u8x32 v = {0};                                                                     \
            memcpy(&v, base, SPAN);                                                            \
            f32x8 r = values8(__builtin_shufflevector(v, v, __VA_ARGS__), m);                  \
            memcpy(out + i, &r, 32);                                                           \
            if (i + 8 == n) return;                                                            \
        }                                                                                      \
    }
    switch (step) {
    case 1: RUN(1, 8, 0, 1, 2, 3, 4, 5, 6, 7) break;
    case -1: RUN(-1, 8, 7, 6, 5, 4, 3, 2, 1, 0) break;
    case 3: RUN(3, 22, 0, 3, 6, 9, 12, 15, 18, 21) break;
    case -3: RUN(-3, 22, 21, 18, 15, 12, 9, 6, 3, 0) break;
    default: break;
    }
#undef RUN
    for (; i < n; i++) out[i] = value((float)first[(ptrdiff_t)i * step], m);
}

static void fill_run(float *out, int n, float v) {
    int i = 0;
    const f32x8 vector = {v, v, v, v, v, v, v, v};
    for (; i + 8 <= n; i += 8) memcpy(out + i, &vector, 32);
    for (; i < n; i++) out[i] = v;
}

void sl_to_float(const uint8_t *pixels, int32_t height, int32_t width, int32_t channels,
                 sl_window window, int32_t out_channels, const uint8_t *fill, int32_t fill_count,
                 const float *mean, const float *std, int32_t norm_count, float *out) {
    const int H = window.height, W = window.width;
    // The columns whose source lies inside the image: [x0, x1).
    int x0, x1;
    if (window.flip_x) {
        x0 = window.left + W - width > 0 ? window.left + W - width : 0;
        x1 = window.left + W < W ? window.left + W : W;
    } else {
        x0 = -window.left > 0 ? -window.left : 0;
        x1 = width - window.left < W ? width - window.left : W;
    }
    if (x1 < x0) x1 = x0;
    const int step = window.flip_x ? -channels : channels;
    for (int c = 0; c < out_channels; c++) {
        const int k = norm_count == 1 ? 0 : c;
        mapping m = {1.0f / 255.0f, mean ? mean[k] : 0, std ? std[k] : 1, mean != NULL};
        const float outside = value((float)fill[fill_count == 1 ? 0 : c], m);
        const int source_channel = channels == 1 ? 0 : c;
        for (int y = 0; y < H; y++) {
            float *row = out + ((size_t)c * H + y) * W;
            const int sy = window.flip_y ? window.top + H - 1 - y : window.top + y;
            if (sy < 0 || sy >= height || x0 == x1) {
                fill_run(row, W, outside);
                continue;
            }
            fill_run(row, x0, outside);
            const int sx = window.flip_x ? window.left + W - 1 - x0 : window.left + x0;
            const uint8_t *first = pixels + ((size_t)sy * width + sx) * channels + source_channel;
            convert_run(first, step, x1 - x0, m, row + x0);
            fill_run(row + x1, W - x1, outside);
        }
    }
}
