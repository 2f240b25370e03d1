// Pillow's affine transform engines (libImaging/Geometry.c) on interleaved uint8 pixels, with
// its arithmetic step for step: which engine runs, double sums accumulated where Pillow
// accumulates them, 16.16 fixed point where it uses it, truncation where it truncates.
#include "sluice_kernels.h"

#include <math.h>
#include <string.h>

// Pillow's rounding macros.
static inline int32_t coord(double v) { return v < 0.0 ? -1 : (int32_t)v; }
static inline int32_t pillow_floor(double v) { return v < 0.0 ? (int32_t)floor(v) : (int32_t)v; }
static inline int32_t clip(int32_t v, int32_t n) { return v < 0 ? 0 : v < n ? v : n - 1; }

typedef struct {
    const uint8_t *in;
    int32_t height, width, channels;
} source;

static inline void copy_pixel(uint8_t *out, source s, int32_t x, int32_t y) {
    memcpy(out, s.in + ((size_t)y * s.width + x) * s.channels, (size_t)s.channels);
}

// Nearest, scaling only (a1 == a3 == 0): Pillow tabulates the columns once, over the run of
// output columns whose accumulated position falls inside; each row walks the same sums again.
static void scale_affine(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
    const double x_start = a[2] + a[0] * 0.5;
    double xo = x_start, yo = a[5] + a[4] * 0.5;
    int32_t first = out_width, end = 0;
    for (int32_t x = 0; x < out_width; x++) {
        int32_t xin = coord(xo);
        if (xin >= 0 && xin < s.width) {
            end = x + 1;
            if (x < first) first = x;
        }
        xo += a[0];
    }
    for (int32_t y = 0; y < out_height; y++) {
        int32_t yin = coord(yo);
        if (yin >= 0 && yin < s.height) {
            xo = x_start;
            for (int32_t x = 0; x < end; x++) {
                int32_t xin = coord(xo);
                if (x >= first) copy_pixel(out + ((size_t)y * out_width + x) * s.channels, s, xin >= 0 && xin < s.width ? xin : 0, yin);
                xo += a[0];
            }
        }
        yo += a[4];
    }
}

static int fits_fixed(const double a[6], double x, double y) {
    return fabs(x * a[0] + y * a[1] + a[2]) < 32768.0 && fabs(x * a[3] + y * a[4] + a[5]) < 32768.0;
}

// Nearest in 16.16 fixed point.
static void affine_fixed(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
#define FIX(v) pillow_floor((v) * 65536.0 + 0.5)
    int32_t a0 = FIX(a[0]), a1 = FIX(a[1]), a3 = FIX(a[3]), a4 = FIX(a[4]);
    int32_t a2 = FIX(a[2] + a[0] * 0.5 + a[1] * 0.5), a5 = FIX(a[5] + a[3] * 0.5 + a[4] * 0.5);
#undef FIX
    for (int32_t y = 0; y < out_height; y++) {
        int32_t xx = a2, yy = a5;
        uint8_t *target = out + (size_t)y * out_width * s.channels;
        for (int32_t x = 0; x < out_width; x++, target += s.channels) {
            int32_t xin = xx >> 16, yin = yy >> 16;
            if (xin >= 0 && xin < s.width && yin >= 0 && yin < s.height) copy_pixel(target, s, xin, yin);
            xx += a0;
            yy += a3;
        }
        a2 += a1;
        a5 += a4;
    }
}

// Nearest in floating point, for matrices too large for fixed point.
static void affine_float(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
    double xo = a[2] + a[1] * 0.5 + a[0] * 0.5, yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for (int32_t y = 0; y < out_height; y++) {
        double xx = xo, yy = yo;
        uint8_t *target = out + (size_t)y * out_width * s.channels;
        for (int32_t x = 0; x < out_width; x++, target += s.channels) {
            int32_t xin = coord(xx);
            if (xin >= 0 && xin < s.width) {
                int32_t yin = coord(yy);
                if (yin >= 0 && yin < s.height) copy_pixel(target, s, xin, yin);
            }
            xx += a[0];
            yy += a[3];
        }
        xo += a[1];
        yo += a[4];
    }
}

static inline double sample(source s, int32_t x, int32_t y, int32_t c) {
    return s.in[((size_t)y * s.width + x) * s.channels + c];
}

static inline double bilinear(double a, double b, double d) { return a + (b - a) * d; }

static inline double cubic(double v1, double v2, double v3, double v4, double d) {
    double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
    return p1 + d * (p2 + d * (p3 + d * p4));
}

// Pillow's bilinear_filter8 / bilinear_filter32RGB at (xin, yin); 0 when outside.
static int bilinear_filter(uint8_t *target, source s, double xin, double yin) {
    if (xin < 0.0 || xin >= s.width || yin < 0.0 || yin >= s.height) return 0;
    xin -= 0.5;
    yin -= 0.5;
    int32_t x = pillow_floor(xin), y = pillow_floor(yin);
    double dx = xin - x, dy = yin - y;
    int32_t x0 = clip(x, s.width), x1 = clip(x + 1, s.width), row = clip(y, s.height);
    int next = y + 1 >= 0 && y + 1 < s.height;
    for (int32_t c = 0; c < s.channels; c++) {
        double v1 = bilinear(sample(s, x0, row, c), sample(s, x1, row, c), dx);
        double v2 = next ? bilinear(sample(s, x0, y + 1, c), sample(s, x1, y + 1, c), dx) : v1;
        target[c] = (uint8_t)bilinear(v1, v2, dy);
    }
    return 1;
}

// Pillow's bicubic_filter8 / bicubic_filter32RGB at (xin, yin); 0 when outside.
static int bicubic_filter(uint8_t *target, source s, double xin, double yin) {
    if (xin < 0.0 || xin >= s.width || yin < 0.0 || yin >= s.height) return 0;
    xin -= 0.5;
    yin -= 0.5;
    int32_t x = pillow_floor(xin), y = pillow_floor(yin);
    double dx = xin - x, dy = yin - y;
    x--;
    y--;
    int32_t xs[4] = {clip(x, s.width), clip(x + 1, s.width), clip(x + 2, s.width), clip(x + 3, s.width)};
    for (int32_t c = 0; c < s.channels; c++) {
        double v[4];
        int32_t row = clip(y, s.height);
        v[0] = cubic(sample(s, xs[0], row, c), sample(s, xs[1], row, c), sample(s, xs[2], row, c), sample(s, xs[3], row, c), dx);
        for (int32_t k = 1; k < 4; k++) {
            row = y + k;
            v[k] = row >= 0 && row < s.height
                ? cubic(sample(s, xs[0], row, c), sample(s, xs[1], row, c), sample(s, xs[2], row, c), sample(s, xs[3], row, c), dx)
                : v[k - 1];
        }
        double value = cubic(v[0], v[1], v[2], v[3], dy);
        target[c] = value <= 0.0 ? 0 : value >= 255.0 ? 255 : (uint8_t)value;
    }
    return 1;
}

// Pillow's generic engine with the affine map, for the interpolating filters.
static void generic(source s, const double a[6], int32_t filter, uint8_t *out, int32_t out_height, int32_t out_width) {
    for (int32_t y = 0; y < out_height; y++) {
        uint8_t *target = out + (size_t)y * out_width * s.channels;
        double yin = y + 0.5;
        for (int32_t x = 0; x < out_width; x++, target += s.channels) {
            double xin = x + 0.5;
            double xx = a[0] * xin + a[1] * yin + a[2], yy = a[3] * xin + a[4] * yin + a[5];
            if (filter == SL_WARP_BILINEAR) bilinear_filter(target, s, xx, yy);
            else bicubic_filter(target, s, xx, yy);
        }
    }
}

void sl_affine_warp(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const double a[6], int32_t filter,
                    const uint8_t *fill, uint8_t *out, int32_t out_height, int32_t out_width) {
    size_t pixels = (size_t)out_height * out_width;
    for (size_t i = 0; i < pixels; i++) memcpy(out + i * channels, fill, (size_t)channels);
    if (height == 0 || width == 0 || pixels == 0) return;
    source s = {in, height, width, channels};
    if (filter != SL_WARP_NEAREST) {
        generic(s, a, filter, out, out_height, out_width);
    } else if (a[1] == 0 && a[3] == 0) {
        scale_affine(s, a, out, out_height, out_width);
    } else if (fits_fixed(a, 0, 0) && fits_fixed(a, out_width, out_height) && fits_fixed(a, 0, out_height) &&
               fits_fixed(a, out_width, 0)) {
        affine_fixed(s, a, out, out_height, out_width);
    } else {
        affine_float(s, a, out, out_height, out_width);
    }
}
