// Pillow's colour enhancements on interleaved RGB bytes (see sluice_kernels.h), with its float
// and double arithmetic operation for operation.
#include "sluice_kernels.h"

#include <math.h>

static inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
    return (uint8_t)(((uint32_t)r * 19595 + (uint32_t)g * 38470 + (uint32_t)b * 7471 + 0x8000) >> 16);
}

static inline uint8_t blend(uint8_t first, uint8_t second, float alpha, int inside) {
    float value = (float)first + alpha * (float)((int)second - (int)first);
    if (inside) return (uint8_t)(int)value;
    return value <= 0 ? 0 : value >= 255 ? 255 : (uint8_t)value;
}

uint64_t sl_luma_sum(const uint8_t *rgb, size_t pixel_count) {
    uint64_t total = 0;
    for (size_t i = 0; i < pixel_count; i++, rgb += 3) total += luma(rgb[0], rgb[1], rgb[2]);
    return total;
}

void sl_blend_luma(uint8_t *rgb, size_t pixel_count, float alpha) {
    const int inside = alpha >= 0 && alpha <= 1;
    for (size_t i = 0; i < pixel_count; i++, rgb += 3) {
        uint8_t gray = luma(rgb[0], rgb[1], rgb[2]);
        rgb[0] = blend(gray, rgb[0], alpha, inside);
        rgb[1] = blend(gray, rgb[1], alpha, inside);
        rgb[2] = blend(gray, rgb[2], alpha, inside);
    }
}

// round(v * m) for v in 0...255 and m = 1 - (a float in [0, 1]): m has at most 25 significant
// bits, so v * m and v * m + 0.5 are exact and truncating the sum rounds half away from zero,
// as libm's round() does, in [0, 255].
static inline uint8_t scaled_round(uint8_t v, double m) { return (uint8_t)(int)(v * m + 0.5); }

// hsv2rgb's (R, G, B) by sector, as indices into {v, p, q, t}.
static const uint8_t sector_order[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3}, {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};

void sl_hsv_terms(double *terms) {
    for (int s = 0; s < 256; s++) {
        float fs = (float)s / 255;
        for (int h = 0; h < 256; h++) {
            double scaled = (double)h * 6 / 255;
            float f = (float)(scaled - floor(scaled));
            terms[(s * 256 + h) * 2] = 1 - (double)(fs * f);
            terms[(s * 256 + h) * 2 + 1] = 1 - (double)(fs * (1 - f));
        }
    }
}

void sl_hue_shift(uint8_t *rgb, size_t pixel_count, uint8_t shift, const uint8_t *hue, const uint8_t *saturation, const double *terms) {
    // hsv2rgb's sector of each H and 1 - S of each S, as it computes them.
    uint8_t sectors[256];
    double keeps[256];
    for (int k = 0; k < 256; k++) {
        sectors[k] = (uint8_t)((int)floor((double)k * 6 / 255) % 6);
        keeps[k] = 1 - (double)((float)k / 255);
    }
    for (size_t i = 0; i < pixel_count; i++, rgb += 3) {
        uint8_t r = rgb[0], g = rgb[1], b = rgb[2];
        uint8_t maxc = r > g ? (r > b ? r : b) : (g > b ? g : b);
        uint8_t minc = r < g ? (r < b ? r : b) : (g < b ? g : b);
        if (maxc == minc) continue;   // gray: no hue, and s = 0 gives (v, v, v) back
        int range = maxc - minc;
        const uint8_t *table = r == maxc ? hue : g == maxc ? hue + 65536 : hue + 2 * 65536;
        int first = r == maxc ? maxc - g : maxc - r, second = r == maxc || g == maxc ? maxc - b : maxc - g;
        uint8_t h = (uint8_t)(table[first * 256 + second] + shift);
        uint8_t s = saturation[range * 256 + maxc], v = maxc;
        if (s == 0) {
            rgb[0] = rgb[1] = rgb[2] = v;
            continue;
        }
        // Pillow's hsv2rgb: p = v (1 - s), q = v (1 - s f), t = v (1 - s (1 - f)), rounded.
        const double *qt = terms + (s * 256 + h) * 2;
        uint8_t values[4] = {v, scaled_round(v, keeps[s]), scaled_round(v, qt[0]), scaled_round(v, qt[1])};
        const uint8_t *order = sector_order[sectors[h]];
        rgb[0] = values[order[0]];
        rgb[1] = values[order[1]];
        rgb[2] = values[order[2]];
    }
}
