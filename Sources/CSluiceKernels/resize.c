// The two separable passes of Pillow's resampling (see sluice_kernels.h), in integers, so every
// code path gives the same bytes: out = clip8((2^21 + sum of in * weight) >> 22).
#include "sluice_kernels.h"

#include <string.h>

typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

enum { PRECISION = 22 };

static inline u8x8 load8(const uint8_t *p) {
    u8x8 v;
    memcpy(&v, p, 8);
    return v;
}

static inline i32x8 widen(u8x8 v) { return __builtin_convertvector(v, i32x8); }

static inline i32x8 splat(int32_t x) { return (i32x8){x, x, x, x, x, x, x, x}; }

// Pillow's clip8: below 0 is 0, from 256 << 22 on is 255, else the sum >> 22.
static inline u8x8 clip8(i32x8 sum) {
    i32x8 shifted = __builtin_elementwise_min(__builtin_elementwise_max(sum >> PRECISION, splat(0)), splat(255));
    return __builtin_convertvector(shifted, u8x8);
}

static inline uint8_t clip8_scalar(int32_t sum) {
    return sum <= 0 ? 0 : sum >= (256 << PRECISION) ? 255 : (uint8_t)(sum >> PRECISION);
}

// An 8x8 byte tile: dst[j][k] = src[k][j], the rows given by pointers (three rounds of unpacks).
static inline void transpose8x8(const uint8_t *const src[8], size_t column, uint8_t *const dst[8], size_t offset) {
    u8x8 r[8];
    for (int k = 0; k < 8; k++) r[k] = load8(src[k] + column);
    u8x16 a[4];
    for (int k = 0; k < 4; k++)
        a[k] = __builtin_shufflevector(r[2 * k], r[2 * k + 1], 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    u16x8 b[4];
    for (int k = 0; k < 2; k++) {
        u16x8 even = (u16x8)a[2 * k], odd = (u16x8)a[2 * k + 1];
        b[2 * k] = __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11);       // columns 0-3
        b[2 * k + 1] = __builtin_shufflevector(even, odd, 4, 12, 5, 13, 6, 14, 7, 15);  // columns 4-7
    }
    for (int k = 0; k < 2; k++) {
        u32x4 low = (u32x4)b[k], high = (u32x4)b[k + 2];
        u8x16 first = (u8x16)__builtin_shufflevector(low, high, 0, 4, 1, 5);    // columns 4k, 4k + 1
        u8x16 second = (u8x16)__builtin_shufflevector(low, high, 2, 6, 3, 7);   // columns 4k + 2, 4k + 3
        memcpy(dst[4 * k] + offset, &first, 8);
        memcpy(dst[4 * k + 1] + offset, (uint8_t *)&first + 8, 8);
        memcpy(dst[4 * k + 2] + offset, &second, 8);
        memcpy(dst[4 * k + 3] + offset, (uint8_t *)&second + 8, 8);
    }
}

// lanes[j * 8 + k] = rows[k][j] for j < n.
static void interleave(const uint8_t *const rows[8], size_t n, uint8_t *lanes) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        uint8_t *dst[8];
        for (int k = 0; k < 8; k++) dst[k] = lanes + (j + k) * 8;
        transpose8x8(rows, j, dst, 0);
    }
    for (; j < n; j++)
        for (int k = 0; k < 8; k++) lanes[j * 8 + k] = rows[k][j];
}

// rows[k][j] = lanes[j * 8 + k] for j < n.
static void deinterleave(const uint8_t *lanes, size_t n, uint8_t *const rows[8]) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const uint8_t *src[8];
        for (int k = 0; k < 8; k++) src[k] = lanes + (j + k) * 8;
        transpose8x8(src, 0, rows, j);
    }
    for (; j < n; j++)
        for (int k = 0; k < 8; k++) rows[k][j] = lanes[j * 8 + k];
}

size_t sl_resize_horizontal_scratch(int32_t width, int32_t out_width, int32_t channels) {
    return ((size_t)width + (size_t)out_width) * (size_t)channels * 8 + (size_t)out_width * (size_t)channels;
}

// Eight rows at a time, interleaved so that the eight rows' bytes of a column are adjacent:
// each tap is then one 8-lane multiply-add for all eight rows, where one row's taps would be a
// short serial sum at a shifting offset.
void sl_resize_horizontal(const uint8_t *in, size_t in_stride, int32_t rows, int32_t width, int32_t channels,
                          sl_taps taps, uint8_t *out, uint8_t *scratch) {
    const size_t row_length = (size_t)width * (size_t)channels;
    const size_t out_length = (size_t)taps.count * (size_t)channels;
    uint8_t *lanes = scratch, *results = scratch + row_length * 8, *spare = results + out_length * 8;
    const i32x8 half = splat(1 << (PRECISION - 1));
    for (int32_t block = 0; block < rows; block += 8) {
        const int32_t valid = rows - block < 8 ? rows - block : 8;
        const uint8_t *source[8];
        uint8_t *target[8];
        for (int k = 0; k < 8; k++) {   // a last, partial block repeats its first row and writes the spare row
            source[k] = in + (size_t)(block + (k < valid ? k : 0)) * in_stride;
            target[k] = k < valid ? out + (size_t)(block + k) * out_length : spare;
        }
        interleave(source, row_length, lanes);
        uint8_t *result = results;
        for (int32_t x = 0; x < taps.count; x++) {
            const int32_t *w = taps.weights + (size_t)x * (size_t)taps.stride;
            const int32_t count = taps.counts[x];
            const uint8_t *column = lanes + (size_t)taps.starts[x] * (size_t)channels * 8;
            const size_t step = (size_t)channels * 8;
            if (channels == 3) {   // the three sums in registers, one weight for all three
                i32x8 red = half, green = half, blue = half;
                for (int32_t t = 0; t < count; t++, column += step) {
                    i32x8 weight = splat(w[t]);
                    red += widen(load8(column)) * weight;
                    green += widen(load8(column + 8)) * weight;
                    blue += widen(load8(column + 16)) * weight;
                }
                u8x8 r = clip8(red), g = clip8(green), b = clip8(blue);
                memcpy(result, &r, 8);
                memcpy(result + 8, &g, 8);
                memcpy(result + 16, &b, 8);
                result += 24;
                continue;
            }
            for (int32_t c = 0; c < channels; c++) {
                i32x8 sum = half;
                const uint8_t *tap = column + (size_t)c * 8;
                for (int32_t t = 0; t < count; t++, tap += step) sum += widen(load8(tap)) * splat(w[t]);
                u8x8 v = clip8(sum);
                memcpy(result, &v, 8);
                result += 8;
            }
        }
        deinterleave(results, out_length, target);
    }
}

// Each output row is a weighted sum of whole input rows: 32 contiguous bytes at a time keep
// their sums in registers over all taps.
void sl_resize_vertical(const uint8_t *in, size_t row_length, sl_taps taps, uint8_t *out) {
    const i32x8 half = splat(1 << (PRECISION - 1));
    for (int32_t y = 0; y < taps.count; y++) {
        const int32_t *w = taps.weights + (size_t)y * (size_t)taps.stride;
        const int32_t count = taps.counts[y];
        const uint8_t *first = in + (size_t)taps.starts[y] * row_length;
        uint8_t *target = out + (size_t)y * row_length;
        size_t i = 0;
        for (; i + 32 <= row_length; i += 32) {
            i32x8 s0 = half, s1 = half, s2 = half, s3 = half;
            const uint8_t *row = first + i;
            for (int32_t t = 0; t < count; t++, row += row_length) {
                i32x8 weight = splat(w[t]);
                s0 += widen(load8(row)) * weight;
                s1 += widen(load8(row + 8)) * weight;
                s2 += widen(load8(row + 16)) * weight;
                s3 += widen(load8(row + 24)) * weight;
            }
            u8x8 v0 = clip8(s0), v1 = clip8(s1), v2 = clip8(s2), v3 = clip8(s3);
            memcpy(target + i, &v0, 8);
            memcpy(target + i + 8, &v1, 8);
            memcpy(target + i + 16, &v2, 8);
            memcpy(target + i + 24, &v3, 8);
        }
        for (; i + 8 <= row_length; i += 8) {
            i32x8 sum = half;
            const uint8_t *row = first + i;
            for (int32_t t = 0; t < count; t++, row += row_length) sum += widen(load8(row)) * splat(w[t]);
            u8x8 v = clip8(sum);
            memcpy(target + i, &v, 8);
        }
        for (; i < row_length; i++) {
            int32_t sum = 1 << (PRECISION - 1);
            for (int32_t t = 0; t < count; t++) sum += (int32_t)first[(size_t)t * row_length + i] * w[t];
            target[i] = clip8_scalar(sum);
        }
    }
}
