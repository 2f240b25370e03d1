// Pillow's affine transform engines (libImaging/Geometry.c) on interleaved uint8 pixels, with
// its arithmetic step for step: which engine runs, double sums accumulated where Pillow
// accumulates them, 16.16 fixed point where it uses it, truncation where it truncates.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define INLINE_WARP static inline __attribute__((always_inline))

// A double to int32 by truncation, saturated (and NaN to INT32_MIN) where C leaves the cast
// undefined: a matrix of a tiny scale maps far outside any image.
static inline int32_t to_int(double v) {
    return v >= 2147483647.0 ? INT32_MAX : v > -2147483648.0 ? (int32_t)v : INT32_MIN;
}

// Pillow's rounding macros (NaN counts as outside).
static inline int32_t coord(double v) { return v >= 0.0 ? to_int(v) : -1; }
static inline int32_t pillow_floor(double v) { return v < 0.0 ? to_int(floor(v)) : to_int(v); }
static inline int32_t clip(int32_t v, int32_t n) { return v < 0 ? 0 : v < n ? v : n - 1; }

typedef struct {
    const uint8_t *in;
    int32_t height, width, channels;
} source;

static inline __attribute__((always_inline)) void copy_pixel(uint8_t *out, source s, int32_t x, int32_t y) {
    const uint8_t *from = s.in + ((size_t)y * s.width + x) * s.channels;
    switch (s.channels) {   // the usual channel counts as fixed copies
    case 1: out[0] = from[0]; break;
    case 3: out[0] = from[0]; out[1] = from[1]; out[2] = from[2]; break;
    default: memcpy(out, from, (size_t)s.channels);
    }
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

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Narrows [*first, *end) to the x with lo <= c + x d <= hi (one interval: c + x d is monotonic).
static void keep_inside(int64_t c, int64_t d, int64_t lo, int64_t hi, int64_t *first, int64_t *end) {
    int64_t f, e;
    if (d == 0) {
        f = 0, e = (c >= lo && c <= hi) ? INT64_MAX : 0;
    } else if (d > 0) {
        f = -floor_div(c - lo, d), e = floor_div(hi - c, d) + 1;
    } else {
        f = -floor_div(c - hi, d), e = floor_div(lo - c, d) + 1;
    }
    if (f > *first) *first = f;
    if (e < *end) *end = e;
}

// Nearest in 16.16 fixed point. Pillow tests each pixel's source for being inside; the pixels
// that pass form one run of each row, computed here, so the run is copied without tests.
INLINE_WARP void affine_fixed_rows(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
#define FIX(v) pillow_floor((v) * 65536.0 + 0.5)
    int32_t a0 = FIX(a[0]), a1 = FIX(a[1]), a3 = FIX(a[3]), a4 = FIX(a[4]);
    int32_t a2 = FIX(a[2] + a[0] * 0.5 + a[1] * 0.5), a5 = FIX(a[5] + a[3] * 0.5 + a[4] * 0.5);
#undef FIX
    const int64_t x_limit = (int64_t)s.width * 65536 - 1, y_limit = (int64_t)s.height * 65536 - 1;
    for (int32_t y = 0; y < out_height; y++) {
        int64_t first = 0, end = out_width;
        keep_inside(a2, a0, 0, x_limit, &first, &end);
        keep_inside(a5, a3, 0, y_limit, &first, &end);
        if (first < end) {
            int32_t xx = (int32_t)(a2 + first * a0), yy = (int32_t)(a5 + first * a3);
            uint8_t *target = out + ((size_t)y * out_width + (size_t)first) * s.channels;
            for (int64_t x = first; x < end; x++, target += s.channels) {
                copy_pixel(target, s, xx >> 16, yy >> 16);
                xx += a0;
                yy += a3;
            }
        }
        a2 += a1;
        a5 += a4;
    }
}

static void affine_fixed(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
    switch (s.channels) {   // fixed channel counts, so the copy specialises
    case 1: s.channels = 1; affine_fixed_rows(s, a, out, out_height, out_width); break;
    case 3: s.channels = 3; affine_fixed_rows(s, a, out, out_height, out_width); break;
    default: affine_fixed_rows(s, a, out, out_height, out_width);
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

static inline __attribute__((always_inline)) double sample(source s, int32_t x, int32_t y, int32_t c) {
    return s.in[((size_t)y * s.width + x) * s.channels + c];
}

static inline double bilinear(double a, double b, double d) { return a + (b - a) * d; }

static inline double cubic(double v1, double v2, double v3, double v4, double d) {
    double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
    return p1 + d * (p2 + d * (p3 + d * p4));
}

// Pillow's bilinear_filter8 / bilinear_filter32RGB at (xin, yin); 0 when outside.
static inline __attribute__((always_inline)) int bilinear_filter(uint8_t *target, source s, double xin, double yin) {
    if (!(xin >= 0.0 && xin < s.width && yin >= 0.0 && yin < s.height)) return 0;   // NaN too
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
static inline __attribute__((always_inline)) int bicubic_filter(uint8_t *target, source s, double xin, double yin) {
    if (!(xin >= 0.0 && xin < s.width && yin >= 0.0 && yin < s.height)) return 0;   // NaN too
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

typedef double f64x4 __attribute__((vector_size(32)));

// The vector filters compute byte offsets into the image in 32-bit lanes: only for images that
// small (any other takes the scalar filter).
static inline int offsets_fit(source s) { return (size_t)s.height * s.width * s.channels <= INT32_MAX; }

INLINE_WARP int32_t load32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
typedef int64_t i64x4 __attribute__((vector_size(32)));

// Pillow's bilinear filter on four output pixels at once, for 1 or 3 channels, where all four
// sample points lie inside with their 2x2 neighbourhood (no clipping, 32-bit loads in bounds):
// the same double operations lane by lane, so the same bytes. Returns 0 (nothing written) when
// a point is not such a point; the scalar filter then does the four.
INLINE_WARP int bilinear_four(uint8_t *target, source s, f64x4 xx, f64x4 yy, int32_t channels) {
    const f64x4 half = {0.5, 0.5, 0.5, 0.5};
    f64x4 xs = xx - half, ys = yy - half;
    f64x4 fx = __builtin_elementwise_floor(xs), fy = __builtin_elementwise_floor(ys);
    // Inside with a full neighbourhood: 0 <= floor(x) and floor(x) + 1 <= width - 1 (same for y),
    // and the last 32-bit load ends within the image.
    i64x4 ok = (fx >= 0) & (fx <= s.width - 2.0) & (fy >= 0) & (fy <= s.height - 2.0) & (xx >= 0) & (yy >= 0);
    if (!(ok[0] & ok[1] & ok[2] & ok[3])) return 0;
    __m128i x = _mm256_cvttpd_epi32((__m256d)fx), y = _mm256_cvttpd_epi32((__m256d)fy);
    __m128i offset = _mm_mullo_epi32(_mm_add_epi32(_mm_mullo_epi32(y, _mm_set1_epi32(s.width)), x), _mm_set1_epi32(channels));
    __m128i most = _mm_max_epi32(offset, _mm_shuffle_epi32(offset, _MM_SHUFFLE(1, 0, 3, 2)));
    int32_t last = _mm_cvtsi128_si32(_mm_max_epi32(most, _mm_shuffle_epi32(most, _MM_SHUFFLE(2, 3, 0, 1))));
    if ((size_t)last + (size_t)(s.width + 1) * channels + 4 > (size_t)s.height * s.width * channels) return 0;
    f64x4 dx = xs - fx, dy = ys - fy;
    // Four 32-bit loads per corner row (plain loads: gathers are slow on CPUs with the
    // gather-data-sampling mitigation).
    int32_t o[4] = {_mm_extract_epi32(offset, 0), _mm_extract_epi32(offset, 1), _mm_extract_epi32(offset, 2), _mm_extract_epi32(offset, 3)};
    const int32_t down = s.width * channels;
    __m128i top0 = _mm_setr_epi32(load32(s.in + o[0]), load32(s.in + o[1]), load32(s.in + o[2]), load32(s.in + o[3]));
    __m128i bottom0 = _mm_setr_epi32(load32(s.in + o[0] + down), load32(s.in + o[1] + down), load32(s.in + o[2] + down), load32(s.in + o[3] + down));
    __m128i top1 = top0, bottom1 = bottom0;
    if (channels == 3) {
        top1 = _mm_setr_epi32(load32(s.in + o[0] + 3), load32(s.in + o[1] + 3), load32(s.in + o[2] + 3), load32(s.in + o[3] + 3));
        bottom1 = _mm_setr_epi32(load32(s.in + o[0] + down + 3), load32(s.in + o[1] + down + 3), load32(s.in + o[2] + down + 3),
                                 load32(s.in + o[3] + down + 3));
    }
    const __m128i byte = _mm_set1_epi32(255);
    for (int32_t c = 0; c < channels; c++) {
        // The byte of channel c at each corner (the right-hand corners are one byte on for gray).
        int shift = 8 * c, shift1 = channels == 3 ? 8 * c : 8;
        f64x4 p00 = (f64x4)_mm256_cvtepi32_pd(_mm_and_si128(_mm_srli_epi32(top0, shift), byte));
        f64x4 p01 = (f64x4)_mm256_cvtepi32_pd(_mm_and_si128(_mm_srli_epi32(top1, shift1), byte));
        f64x4 p10 = (f64x4)_mm256_cvtepi32_pd(_mm_and_si128(_mm_srli_epi32(bottom0, shift), byte));
        f64x4 p11 = (f64x4)_mm256_cvtepi32_pd(_mm_and_si128(_mm_srli_epi32(bottom1, shift1), byte));
        f64x4 v1 = p00 + (p01 - p00) * dx, v2 = p10 + (p11 - p10) * dx;
        f64x4 v = v1 + (v2 - v1) * dy;
        __m128i bytes = _mm256_cvttpd_epi32((__m256d)v);
        target[c] = (uint8_t)_mm_extract_epi32(bytes, 0);
        target[channels + c] = (uint8_t)_mm_extract_epi32(bytes, 1);
        target[2 * channels + c] = (uint8_t)_mm_extract_epi32(bytes, 2);
        target[3 * channels + c] = (uint8_t)_mm_extract_epi32(bytes, 3);
    }
    return 1;
}

typedef float f32x8 __attribute__((vector_size(32)));

INLINE_WARP int64_t load64(const uint8_t *p) {
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Per 128-bit lane of two RGB pixels' eight bytes each: channel c of both, then of the pixels
// on their right, as 32-bit lanes.
#define Z -128
#define PICK(c) c, Z, Z, Z, 8 + c, Z, Z, Z, 3 + c, Z, Z, Z, 11 + c, Z, Z, Z
static const int8_t corner_bytes[3][32] = {{PICK(0), PICK(0)}, {PICK(1), PICK(1)}, {PICK(2), PICK(2)}};
#undef PICK
#undef Z

// Pillow's bilinear filter on the eight RGB output pixels from column x of a row, in float
// lanes, where all eight sample points lie inside with their 2x2 neighbourhood. Each float
// value is within 1.0e-4 of Pillow's double (corners exact, dx and dy within 2^-25, five
// roundings of at most 2^-17 each below 256), so its truncation is Pillow's wherever it lies
// 2^-12 or more from an integer, or where the four corners are equal (both exact then).
// Returns 0 (nothing written) for any other block, which the double path then does, and -1
// for a block Pillow leaves outside. Lanes hold pixels 0 1 4 5 2 3 6 7: the order the byte
// shuffles give.
INLINE_WARP int bilinear_eight_float(uint8_t *target, source s, const double a[6], int32_t x, double row_x, double row_y) {
    if (s.width < 2 || s.height < 2) return 0;
    const f64x4 half = {0.5, 0.5, 0.5, 0.5};
    const f64x4 lanes[2] = {{0.5, 1.5, 4.5, 5.5}, {2.5, 3.5, 6.5, 7.5}};
    __m128i x_half[2], y_half[2];
    __m128 dx_half[2], dy_half[2];
    f64x4 xx[2], yy[2];
    for (int h = 0; h < 2; h++) {
        f64x4 xin = (double)x + lanes[h];
        xx[h] = a[0] * xin + row_x + a[2];
        yy[h] = a[3] * xin + row_y + a[5];
        f64x4 xs = xx[h] - half, ys = yy[h] - half;
        f64x4 fx = __builtin_elementwise_floor(xs), fy = __builtin_elementwise_floor(ys);
        x_half[h] = _mm256_cvttpd_epi32((__m256d)fx);
        y_half[h] = _mm256_cvttpd_epi32((__m256d)fy);
        dx_half[h] = _mm256_cvtpd_ps((__m256d)(xs - fx));
        dy_half[h] = _mm256_cvtpd_ps((__m256d)(ys - fy));
    }
    const __m256i x_int = _mm256_set_m128i(x_half[1], x_half[0]), y_int = _mm256_set_m128i(y_half[1], y_half[0]);
    // Inside with a full neighbourhood: 0 <= floor(x) <= width - 2, the same for y, unsigned
    // (out of range and NaN convert to INT32_MIN; floor(x) >= 0 has x >= 0.5, as Pillow asks).
    const __m256i x_last = _mm256_set1_epi32(s.width - 2), y_last = _mm256_set1_epi32(s.height - 2);
    const __m256i inside = _mm256_and_si256(_mm256_cmpeq_epi32(_mm256_min_epu32(x_int, x_last), x_int),
                                            _mm256_cmpeq_epi32(_mm256_min_epu32(y_int, y_last), y_int));
    if (_mm256_movemask_epi8(inside) != -1) {
        // -1 when Pillow leaves all eight outside (their fill stays), else 0.
        int seen = 0;
        for (int h = 0; h < 2; h++)
            seen |= _mm256_movemask_pd((__m256d)((xx[h] >= 0) & (xx[h] < s.width) & (yy[h] >= 0) & (yy[h] < s.height)));
        return seen ? 0 : -1;
    }
    const int32_t down = s.width * 3;
    const __m256i offset = _mm256_mullo_epi32(_mm256_add_epi32(_mm256_mullo_epi32(y_int, _mm256_set1_epi32(s.width)), x_int),
                                              _mm256_set1_epi32(3));
    // The 8-byte loads end in the image (offsets_fit: the limit is an int32).
    const __m256i limit = _mm256_set1_epi32((int32_t)((size_t)s.height * s.width * 3) - down - 8);
    if (_mm256_movemask_epi8(_mm256_cmpgt_epi32(offset, limit))) return 0;
    const __m128i low = _mm256_castsi256_si128(offset), high = _mm256_extracti128_si256(offset, 1);
    const int32_t o[8] = {_mm_cvtsi128_si32(low), _mm_extract_epi32(low, 1), _mm_extract_epi32(low, 2), _mm_extract_epi32(low, 3),
                          _mm_cvtsi128_si32(high), _mm_extract_epi32(high, 1), _mm_extract_epi32(high, 2), _mm_extract_epi32(high, 3)};
    const f32x8 dx = (f32x8)_mm256_set_m128(dx_half[1], dx_half[0]), dy = (f32x8)_mm256_set_m128(dy_half[1], dy_half[0]);
    // Eight bytes at each top-left and bottom-left corner: the pixel and its right neighbour,
    // pixels 0 1 | 2 3 and 4 5 | 6 7 (plain loads: gathers are slow on CPUs with the
    // gather-data-sampling mitigation).
    const uint8_t *in = s.in, *below = s.in + down;
    const __m256i top[2] = {_mm256_set_epi64x(load64(in + o[5]), load64(in + o[4]), load64(in + o[1]), load64(in + o[0])),
                            _mm256_set_epi64x(load64(in + o[7]), load64(in + o[6]), load64(in + o[3]), load64(in + o[2]))};
    const __m256i bottom[2] = {
        _mm256_set_epi64x(load64(below + o[5]), load64(below + o[4]), load64(below + o[1]), load64(below + o[0])),
        _mm256_set_epi64x(load64(below + o[7]), load64(below + o[6]), load64(below + o[3]), load64(below + o[2]))};
    const f32x8 margin = {0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f, 0x1p-12f};
    __m256i truncated[3], doubtful = _mm256_setzero_si256();
    for (int32_t c = 0; c < 3; c++) {
        const __m256i pick = _mm256_loadu_si256((const __m256i *)corner_bytes[c]);
        __m256i t0 = _mm256_shuffle_epi8(top[0], pick), t1 = _mm256_shuffle_epi8(top[1], pick);
        __m256i b0 = _mm256_shuffle_epi8(bottom[0], pick), b1 = _mm256_shuffle_epi8(bottom[1], pick);
        __m256i i00 = _mm256_unpacklo_epi64(t0, t1), i01 = _mm256_unpackhi_epi64(t0, t1);
        __m256i i10 = _mm256_unpacklo_epi64(b0, b1), i11 = _mm256_unpackhi_epi64(b0, b1);
        f32x8 p00 = (f32x8)_mm256_cvtepi32_ps(i00), p01 = (f32x8)_mm256_cvtepi32_ps(i01);
        f32x8 p10 = (f32x8)_mm256_cvtepi32_ps(i10), p11 = (f32x8)_mm256_cvtepi32_ps(i11);
        f32x8 v1 = p00 + (p01 - p00) * dx, v2 = p10 + (p11 - p10) * dx;
        f32x8 v = v1 + (v2 - v1) * dy;
        f32x8 nearest = (f32x8)_mm256_round_ps((__m256)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256i near = (__m256i)(__builtin_elementwise_abs(v - nearest) < margin);
        __m256i flat = _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi32(i00, i01), _mm256_cmpeq_epi32(i10, i11)),
                                        _mm256_cmpeq_epi32(i00, i10));
        doubtful = _mm256_or_si256(doubtful, _mm256_andnot_si256(flat, near));
        truncated[c] = _mm256_cvttps_epi32((__m256)v);
    }
    if (!_mm256_testz_si256(doubtful, doubtful)) return 0;   // a value near an integer, its corners not all equal
    // Per 128-bit lane, the bytes r r r r g g g g b b b b of its four pixels (0 1 4 5, or 2 3 6 7),
    // shuffled to the first two as RGB RGB, then the other two eight bytes on.
    __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(truncated[0], truncated[1]),
                                        _mm256_packus_epi32(truncated[2], _mm256_setzero_si256()));
    const char z = (char)0x80;
    bytes = _mm256_shuffle_epi8(bytes, _mm256_setr_epi8(0, 4, 8, 1, 5, 9, z, z, 2, 6, 10, 3, 7, 11, z, z,
                                                        0, 4, 8, 1, 5, 9, z, z, 2, 6, 10, 3, 7, 11, z, z));
    int64_t q[4];
    _mm256_storeu_si256((__m256i *)q, bytes);   // pixels 0 1, 4 5, 2 3, 6 7
    memcpy(target, &q[0], 8);   // each store's last two bytes are overwritten by the next
    memcpy(target + 6, &q[2], 8);
    memcpy(target + 12, &q[1], 8);
    memcpy(target + 18, &q[3], 6);
    return 1;
}

#ifdef SL_AVX512
// Pillow's bilinear filter on eight output pixels with AVX-512: the same double operations lane
// by lane (a multiply then an add, as Pillow's a + (b - a) * d), so the same bytes. Lanes whose
// 2x2 neighbourhood lies inside are computed here from gathered corners and stored under a mask;
// lanes outside the image keep the fill; the few in between (a clipped neighbourhood) take the
// scalar filter.
SL_TARGET_AVX512 INLINE_WARP void bilinear_eight(uint8_t *target, source s, __m512d xx, __m512d yy, int32_t channels) {
    const __m512d half = _mm512_set1_pd(0.5), zero = _mm512_setzero_pd();
    __mmask8 inside = _mm512_cmp_pd_mask(xx, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(xx, _mm512_set1_pd(s.width), _CMP_LT_OQ) &
                      _mm512_cmp_pd_mask(yy, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(yy, _mm512_set1_pd(s.height), _CMP_LT_OQ);
    if (inside == 0) return;
    __m512d xs = _mm512_sub_pd(xx, half), ys = _mm512_sub_pd(yy, half);
    __m512d fx = _mm512_roundscale_pd(xs, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512d fy = _mm512_roundscale_pd(ys, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    // A full neighbourhood: 0 <= floor(x) <= width - 2, the same for y.
    __mmask8 full = inside & _mm512_cmp_pd_mask(fx, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(fx, _mm512_set1_pd(s.width - 2.0), _CMP_LE_OQ) &
                    _mm512_cmp_pd_mask(fy, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(fy, _mm512_set1_pd(s.height - 2.0), _CMP_LE_OQ);
    // The corners' byte offset, (y width + x) channels, exact in doubles. The loads below read 4
    // (gray) or 8 (RGB) bytes a row from there: lanes whose bottom-row load would end past the
    // image (the last pixels of its second-to-last row) are left to the scalar filter.
    const int32_t down = s.width * channels;
    __m256i offset = _mm512_cvttpd_epi32(_mm512_maskz_fmadd_pd(full, fy, _mm512_set1_pd(down), _mm512_mul_pd(fx, _mm512_set1_pd(channels))));
    int64_t last = (int64_t)s.height * down - down - (channels == 3 ? 8 : 4);
    full = last < 0 ? 0 : full & _mm256_cmple_epi32_mask(offset, _mm256_set1_epi32((int32_t)last));
    if (full != 0) {
        __m512d dx = _mm512_sub_pd(xs, fx), dy = _mm512_sub_pd(ys, fy);
        __m256i packed = _mm256_setzero_si256();
        if (channels == 1) {   // each corner pair's two bytes, from one 32-bit load a row
            const __m256i byte = _mm256_set1_epi32(255);
            __m256i top = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), full, offset, (const int *)s.in, 1);
            __m256i bottom = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), full, offset, (const int *)(s.in + down), 1);
            __m512d p00 = _mm512_cvtepi32_pd(_mm256_and_si256(top, byte));
            __m512d p01 = _mm512_cvtepi32_pd(_mm256_and_si256(_mm256_srli_epi32(top, 8), byte));
            __m512d p10 = _mm512_cvtepi32_pd(_mm256_and_si256(bottom, byte));
            __m512d p11 = _mm512_cvtepi32_pd(_mm256_and_si256(_mm256_srli_epi32(bottom, 8), byte));
            __m512d v1 = _mm512_add_pd(p00, _mm512_mul_pd(_mm512_sub_pd(p01, p00), dx));
            __m512d v2 = _mm512_add_pd(p10, _mm512_mul_pd(_mm512_sub_pd(p11, p10), dx));
            __m512d v = _mm512_add_pd(v1, _mm512_mul_pd(_mm512_sub_pd(v2, v1), dy));
            packed = _mm512_cvttpd_epi32(v);
            _mm_mask_storeu_epi8(target, full, _mm256_cvtepi32_epi8(packed));
        } else {   // each corner pair's six bytes (RGB RGB), from one 64-bit load a row
            const __m512i byte = _mm512_set1_epi64(255);
            __m512i top = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), full, offset, (const long long *)s.in, 1);
            __m512i bottom = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), full, offset, (const long long *)(s.in + down), 1);
            for (int32_t c = 0; c < 3; c++) {
                __m512d p00 = _mm512_cvtepi64_pd(_mm512_and_si512(_mm512_srli_epi64(top, 8 * c), byte));
                __m512d p01 = _mm512_cvtepi64_pd(_mm512_and_si512(_mm512_srli_epi64(top, 24 + 8 * c), byte));
                __m512d p10 = _mm512_cvtepi64_pd(_mm512_and_si512(_mm512_srli_epi64(bottom, 8 * c), byte));
                __m512d p11 = _mm512_cvtepi64_pd(_mm512_and_si512(_mm512_srli_epi64(bottom, 24 + 8 * c), byte));
                __m512d v1 = _mm512_add_pd(p00, _mm512_mul_pd(_mm512_sub_pd(p01, p00), dx));
                __m512d v2 = _mm512_add_pd(p10, _mm512_mul_pd(_mm512_sub_pd(p11, p10), dx));
                __m512d v = _mm512_add_pd(v1, _mm512_mul_pd(_mm512_sub_pd(v2, v1), dy));
                packed = _mm256_or_si256(packed, _mm256_slli_epi32(_mm512_cvttpd_epi32(v), 8 * c));
            }
            // RGBx RGBx ... to RGB RGB ...: twelve bytes of each half, three mask bits a full lane.
            const __m256i squeeze = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                                     0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
            __m256i rgb = _mm256_shuffle_epi8(packed, squeeze);
            uint32_t bytes = 0xFFFFFF;
            if (full != 0xFF) {
                bytes = 0;
                for (int k = 0; k < 8; k++) bytes |= (full >> k & 1u) * (7u << 3 * k);
            }
            _mm_mask_storeu_epi8(target, (__mmask16)(bytes & 0xFFF), _mm256_castsi256_si128(rgb));
            _mm_mask_storeu_epi8(target + 12, (__mmask16)(bytes >> 12), _mm256_extracti128_si256(rgb, 1));
        }
    }
    __mmask8 rest = inside & ~full;
    if (rest != 0) {
        double x_lanes[8], y_lanes[8];
        _mm512_storeu_pd(x_lanes, xx);
        _mm512_storeu_pd(y_lanes, yy);
        for (int k = 0; k < 8; k++)
            if (rest >> k & 1) bilinear_filter(target + k * channels, s, x_lanes[k], y_lanes[k]);
    }
}

// The bilinear rows of generic_rows, eight pixels a step (1 or 3 channels, a constant where inlined).
SL_TARGET_AVX512 INLINE_WARP void bilinear_rows_wide(source s, const double a[6], int32_t channels, uint8_t *out, int32_t out_height,
                                                     int32_t out_width) {
    const __m512d lanes = _mm512_setr_pd(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5);
    s.channels = channels;
    for (int32_t y = 0; y < out_height; y++) {
        uint8_t *target = out + (size_t)y * out_width * channels;
        double yin = y + 0.5, row_x = a[1] * yin, row_y = a[4] * yin;
        int32_t x = 0;
        for (; x + 8 <= out_width; x += 8, target += 8 * channels) {
            __m512d xin = _mm512_add_pd(_mm512_set1_pd((double)x), lanes);
            __m512d xx = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(a[0]), xin), _mm512_set1_pd(row_x)), _mm512_set1_pd(a[2]));
            __m512d yy = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(a[3]), xin), _mm512_set1_pd(row_y)), _mm512_set1_pd(a[5]));
            bilinear_eight(target, s, xx, yy, channels);
        }
        for (; x < out_width; x++, target += channels) {
            double xin = x + 0.5;
            bilinear_filter(target, s, a[0] * xin + row_x + a[2], a[3] * xin + row_y + a[5]);
        }
    }
}

SL_TARGET_AVX512 static void bilinear_gray_avx512(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
    bilinear_rows_wide(s, a, 1, out, out_height, out_width);
}

SL_TARGET_AVX512 static void bilinear_rgb_avx512(source s, const double a[6], uint8_t *out, int32_t out_height, int32_t out_width) {
    bilinear_rows_wide(s, a, 3, out, out_height, out_width);
}
#endif

// Pillow's generic engine with the affine map, for the interpolating filters. The row's part of
// each coordinate (a1 (y + .5)) is the same product Pillow computes per pixel, hoisted.
INLINE_WARP void generic_rows(source s, const double a[6], int32_t filter, uint8_t *out, int32_t out_height, int32_t out_width) {
    const f64x4 lanes = {0.5, 1.5, 2.5, 3.5};
    for (int32_t y = 0; y < out_height; y++) {
        uint8_t *target = out + (size_t)y * out_width * s.channels;
        double yin = y + 0.5, row_x = a[1] * yin, row_y = a[4] * yin;
        int32_t x = 0;
        if (filter == SL_WARP_BILINEAR && (s.channels == 1 || s.channels == 3) && offsets_fit(s)) {
            for (; x + 4 <= out_width; x += 4, target += 4 * s.channels) {
                // RGB: eight pixels in float lanes where they can; the double path for the rest.
                if (s.channels == 3 && x % 8 == 0 && x + 8 <= out_width && bilinear_eight_float(target, s, a, x, row_x, row_y) != 0) {
                    x += 4;
                    target += 4 * s.channels;
                    continue;
                }
                f64x4 xin = (double)x + lanes;
                f64x4 xx = a[0] * xin + row_x + a[2], yy = a[3] * xin + row_y + a[5];
                if (bilinear_four(target, s, xx, yy, s.channels)) continue;
                for (int k = 0; k < 4; k++) bilinear_filter(target + k * s.channels, s, xx[k], yy[k]);
            }
        }
        for (; x < out_width; x++, target += s.channels) {
            double xin = x + 0.5;
            double xx = a[0] * xin + row_x + a[2], yy = a[3] * xin + row_y + a[5];
            if (filter == SL_WARP_BILINEAR) bilinear_filter(target, s, xx, yy);
            else bicubic_filter(target, s, xx, yy);
        }
    }
}

static void generic(source s, const double a[6], int32_t filter, uint8_t *out, int32_t out_height, int32_t out_width) {
#ifdef SL_AVX512
    if (filter == SL_WARP_BILINEAR && (s.channels == 1 || s.channels == 3) && offsets_fit(s) && sl_cpu_has_avx512()) {
        if (s.channels == 1) bilinear_gray_avx512(s, a, out, out_height, out_width);
        else bilinear_rgb_avx512(s, a, out, out_height, out_width);
        return;
    }
#endif
    switch (s.channels * 4 + filter) {   // fixed channel counts and filter, so the per-pixel code specialises
    case 1 * 4 + SL_WARP_BILINEAR: s.channels = 1; generic_rows(s, a, SL_WARP_BILINEAR, out, out_height, out_width); break;
    case 3 * 4 + SL_WARP_BILINEAR: s.channels = 3; generic_rows(s, a, SL_WARP_BILINEAR, out, out_height, out_width); break;
    case 1 * 4 + SL_WARP_BICUBIC: s.channels = 1; generic_rows(s, a, SL_WARP_BICUBIC, out, out_height, out_width); break;
    case 3 * 4 + SL_WARP_BICUBIC: s.channels = 3; generic_rows(s, a, SL_WARP_BICUBIC, out, out_height, out_width); break;
    default: generic_rows(s, a, filter, out, out_height, out_width);
    }
}

void sl_affine_warp(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const double a[6], int32_t filter,
                    const uint8_t *fill, uint8_t *out, int32_t out_height, int32_t out_width) {
    size_t pixels = (size_t)out_height * out_width;
    if (channels == 1) {
        memset(out, fill[0], pixels);
    } else if (channels == 3) {   // one pixel, then the filled part copied onto the rest
        size_t filled = pixels > 0 ? 3 : 0, total = pixels * 3;
        memcpy(out, fill, filled);
        while (filled < total) {
            size_t more = filled < total - filled ? filled : total - filled;
            memcpy(out + filled, out, more);
            filled += more;
        }
    } else {
        for (size_t i = 0; i < pixels; i++) memcpy(out + i * channels, fill, (size_t)channels);
    }
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
