// Direct 2-D convolution of one sample for layers with few input channels (sluice_kernels.h).
// Sixteen output pixels of a row a vector; the last vector of a row ends at the row's end and
// overlaps the one before. Every output and every gradient term is one chain of fused
// multiply-adds in a fixed order, so the AVX2 and AVX-512 variants give the same bits.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <stdint.h>
#include <string.h>

typedef float f32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));

enum { LANES = 16 };

INLINE f32x16 load16f(const float *p) {
    f32x16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void store16f(float *p, f32x16 v) { memcpy(p, &v, sizeof v); }

INLINE f32x16 splat16f(float x) { return (f32x16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }

INLINE f32x16 fma16(f32x16 a, f32x16 b, f32x16 c) { return __builtin_elementwise_fma(a, b, c); }

// Lane 0 + lane 1 + ... + lane 15, in that order.
INLINE float sum16(f32x16 v) {
    float total = v[0];
    for (int lane = 1; lane < LANES; lane++) total += v[lane];
    return total;
}

// Loops over a block's registers: unrolled, so the block stays in registers.
#define UNROLL _Pragma("clang loop unroll(full)")

static int taps(const sl_conv_shape *s) { return s->kernel_height * s->kernel_width; }

// The zero-padded input: one plane per channel, padded plane row y + i * dilation under output
// row y and tap row i (columns the same), so every tap of every output vector is a plain load.
typedef struct { int rows, columns; } padded_plane;

static padded_plane plane_of(const sl_conv_shape *s) {
    return (padded_plane){s->output_height + (s->kernel_height - 1) * s->dilation,
                          s->output_width + (s->kernel_width - 1) * s->dilation};
}

// Output vectors, row by row: columns 0, 16, 32, ..., the last one at width - 16.
static int vectors_per_row(const sl_conv_shape *s) { return (s->output_width + LANES - 1) / LANES; }
static int positions(const sl_conv_shape *s) { return s->output_height * vectors_per_row(s); }

typedef struct { int y, x; } position;

INLINE position position_at(const sl_conv_shape *s, int index) {
    int per_row = vectors_per_row(s), x = index % per_row * LANES;
    return (position){index / per_row, x + LANES > s->output_width ? s->output_width - LANES : x};
}

size_t sl_conv_direct_scratch(const sl_conv_shape *s) {
    padded_plane p = plane_of(s);
    // After the padded input: the blocked weights and tap offsets (forward), or the low halves'
    // sums (weight_gradient_halves).
    size_t kernel_taps = (size_t)s->channels * taps(s);
    size_t weights = (size_t)(s->filters + 7) / 8 * 8 * kernel_taps + kernel_taps, sums = (size_t)s->filters * (kernel_taps + 1) * 8;
    return (size_t)s->channels * p.rows * p.columns + (weights > sums ? weights : sums);
}

static void pad_input(const sl_conv_shape *s, const float *input, float *padded) {
    padded_plane p = plane_of(s);
    memset(padded, 0, sizeof(float) * (size_t)s->channels * p.rows * p.columns);
    int left = s->pad_left, count = s->width < p.columns - left ? s->width : p.columns - left;
    for (int c = 0; c < s->channels; c++)
        for (int r = 0; r < p.rows; r++) {
            int y = r - s->pad_top;
            if (y >= 0 && y < s->height && count > 0)
                memcpy(padded + ((size_t)c * p.rows + r) * p.columns + left,
                       input + ((size_t)c * s->height + y) * s->width, sizeof(float) * count);
        }
}

// Tap t's offset in the padded input (taps in weight order: c, i, j).
static size_t tap_offset(const sl_conv_shape *s, int t) {
    padded_plane p = plane_of(s);
    int per_channel = taps(s), c = t / per_channel, i = t % per_channel / s->kernel_width;
    return ((size_t)c * p.rows + i * s->dilation) * p.columns + t % s->kernel_width * s->dilation;
}

static void tap_offsets(const sl_conv_shape *s, int32_t *offsets) {
    for (int t = 0; t < s->channels * taps(s); t++) offsets[t] = (int32_t)tap_offset(s, t);
}

// `filter_block` filters x `pixel_block` output vectors at once: per tap, each weight is
// broadcast once and each input vector loaded once for all of them.
// weights: [blocks][C * taps][filter_block], zero for filters past the last.
INLINE void forward_body(const sl_conv_shape *s, const float *padded, const float *weights, const int32_t *offsets,
                         const float *bias, float *output, int filter_block, int pixel_block) {
    padded_plane p = plane_of(s);
    int kernel_taps = s->channels * taps(s), pixels = s->output_height * s->output_width, count = positions(s);
    for (int f0 = 0; f0 < s->filters; f0 += filter_block) {
        const float *w = weights + (size_t)f0 * kernel_taps;
        for (int p0 = 0; p0 < count; p0 += pixel_block) {
            position at[8];
            const float *under[8];
            for (int q = 0; q < pixel_block; q++) {
                at[q] = position_at(s, p0 + q < count ? p0 + q : count - 1);
                under[q] = padded + (size_t)at[q].y * p.columns + at[q].x;
            }
            f32x16 sum[8][8];
            for (int k = 0; k < filter_block; k++)
                for (int q = 0; q < pixel_block; q++) sum[k][q] = splat16f(bias && f0 + k < s->filters ? bias[f0 + k] : 0);
            for (int t = 0; t < kernel_taps; t++) {
                f32x16 v[8];
                UNROLL for (int q = 0; q < pixel_block; q++) v[q] = load16f(under[q] + offsets[t]);
                UNROLL for (int k = 0; k < filter_block; k++) {
                    f32x16 weight = splat16f(w[t * filter_block + k]);
                    UNROLL for (int q = 0; q < pixel_block; q++) sum[k][q] = fma16(weight, v[q], sum[k][q]);
                }
            }
            for (int k = 0; k < filter_block && f0 + k < s->filters; k++)
                for (int q = 0; q < pixel_block; q++)
                    store16f(output + (size_t)(f0 + k) * pixels + at[q].y * s->output_width + at[q].x, sum[k][q]);
        }
    }
}

// The gradients of `filter_block` filters x `tap_block` taps at once: sum[k][u] over output
// vectors of gradient_k * input under tap u, lane by lane, then across lanes. The lanes a row's
// last vector shares with the one before take a zero gradient. Taps count over channels too
// (c, i, j); those of a block past the last repeat tap 0 and are not stored.
INLINE void weight_gradient_body(const sl_conv_shape *s, const float *padded, const float *output_gradient,
                                 float *weight_gradient, float *bias_gradient, int filter_block, int tap_block) {
    padded_plane p = plane_of(s);
    int kernel_taps = s->channels * taps(s), per_row = vectors_per_row(s);
    int pixels = s->output_height * s->output_width;
    // Lanes of the last vector of a row that the vector before it covers.
    int shared = per_row * LANES - s->output_width;
    i32x16 keep_last, keep_all;
    for (int l = 0; l < LANES; l++) {
        keep_last[l] = l < shared ? 0 : -1;
        keep_all[l] = -1;
    }
    for (int f0 = 0; f0 < s->filters; f0 += filter_block) {
        int filters = s->filters - f0 < filter_block ? s->filters - f0 : filter_block;
        for (int t0 = 0; t0 < kernel_taps; t0 += tap_block) {
            size_t offsets[12];
            for (int u = 0; u < tap_block; u++) offsets[u] = tap_offset(s, t0 + u < kernel_taps ? t0 + u : 0);
            f32x16 sum[4][12], bias_sum[4];
            for (int k = 0; k < filter_block; k++) {
                bias_sum[k] = splat16f(0);
                for (int u = 0; u < tap_block; u++) sum[k][u] = splat16f(0);
            }
            for (int y = 0; y < s->output_height; y++)
                for (int column = 0; column < per_row; column++) {
                    int x = column == per_row - 1 ? s->output_width - LANES : column * LANES;
                    i32x16 keep = column == per_row - 1 ? keep_last : keep_all;
                    f32x16 d[4];
                    UNROLL for (int k = 0; k < filter_block; k++) {
                        const float *g = output_gradient + (size_t)(f0 + (k < filters ? k : 0)) * pixels;
                        d[k] = (f32x16)((i32x16)load16f(g + y * s->output_width + x) & keep);
                        if (t0 == 0) bias_sum[k] += d[k];
                    }
                    const float *in = padded + (size_t)y * p.columns + x;
                    UNROLL for (int u = 0; u < tap_block; u++) {
                        f32x16 v = load16f(in + offsets[u]);
                        UNROLL for (int k = 0; k < filter_block; k++) sum[k][u] = fma16(d[k], v, sum[k][u]);
                    }
                }
            for (int k = 0; k < filters; k++) {
                for (int u = 0; u < tap_block && t0 + u < kernel_taps; u++)
                    weight_gradient[(size_t)(f0 + k) * kernel_taps + t0 + u] = sum16(sum[k][u]);
                if (t0 == 0 && bias_gradient) bias_gradient[f0 + k] = sum16(bias_sum[k]);
            }
        }
    }
}

// AVX2's weight gradient for the common first layers (3x3 on one channel, 2x2 on three, dilation
// 1): one filter x all its taps a pass over one half (eight lanes) of each sixteen-pixel vector,
// so that the sums fit AVX2's sixteen registers and each tap's input is a row pointer plus a
// constant. Each lane's chain takes the same terms in the same order as weight_gradient_body's,
// and a term's lanes are added low half first, so the bits are the same.
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

INLINE f32x8 load8f(const float *p) {
    f32x8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

// The terms of one half-vector at column x: its gradient (lanes under `keep` only, for a row's
// last vector) times each tap's input; rows = channels x kernel rows.
INLINE void half_terms(const float *gradient_row, const float *const *in, int x, const i32x8 *keep, int rows,
                       int width, f32x8 *sum, f32x8 *bias_sum) {
    f32x8 d = load8f(gradient_row + x);
    if (keep) d = (f32x8)((i32x8)d & *keep);
    *bias_sum += d;
    UNROLL for (int r = 0; r < rows; r++)
        UNROLL for (int j = 0; j < width; j++) sum[r * width + j] = __builtin_elementwise_fma(d, load8f(in[r] + x + j), sum[r * width + j]);
}

// low_sums: filters x (taps + 1) x 8 floats, each term's lanes 0-7 until lanes 8-15 come.
INLINE void weight_gradient_halves(const sl_conv_shape *s, const float *padded, const float *output_gradient,
                                   float *weight_gradient, float *bias_gradient, float *low_sums, int channels,
                                   int height, int width) {
    padded_plane p = plane_of(s);
    const int rows = channels * height, terms = rows * width;
    int per_row = vectors_per_row(s), output_width = s->output_width, pixels = s->output_height * output_width;
    int shared = per_row * LANES - output_width;
    for (int h = 0; h < 2; h++) {
        i32x8 keep;   // this half's lanes of a row's last vector that the vector before covers: 0
        for (int l = 0; l < 8; l++) keep[l] = 8 * h + l < shared ? 0 : -1;
        for (int f = 0; f < s->filters; f++) {
            const float *g = output_gradient + (size_t)f * pixels + 8 * h;
            f32x8 sum[12], bias_sum = {0};
            UNROLL for (int u = 0; u < terms; u++) sum[u] = (f32x8){0};
            for (int y = 0; y < s->output_height; y++) {
                const float *in[6], *gradient_row = g + (size_t)y * output_width;
                for (int r = 0; r < rows; r++)
                    in[r] = padded + ((size_t)(r / height) * p.rows + y + r % height) * p.columns + 8 * h;
                for (int column = 0; column < per_row - 1; column++)
                    half_terms(gradient_row, in, column * LANES, NULL, rows, width, sum, &bias_sum);
                half_terms(gradient_row, in, output_width - LANES, &keep, rows, width, sum, &bias_sum);
            }
            float *kept = low_sums + (size_t)f * (terms + 1) * 8;
            for (int u = 0; u <= terms; u++) {
                f32x8 lanes = u < terms ? sum[u] : bias_sum;
                if (h == 0) {
                    memcpy(kept + u * 8, &lanes, sizeof lanes);
                    continue;
                }
                float total = kept[u * 8];
                for (int l = 1; l < 8; l++) total += kept[u * 8 + l];
                for (int l = 0; l < 8; l++) total += lanes[l];
                if (u < terms) weight_gradient[(size_t)f * terms + u] = total;
                else if (bias_gradient) bias_gradient[f] = total;
            }
        }
    }
}

static void weight_gradient_3x3_gray(const sl_conv_shape *s, const float *padded, const float *g, float *dw, float *db,
                                     float *low) {
    weight_gradient_halves(s, padded, g, dw, db, low, 1, 3, 3);
}
static void weight_gradient_2x2_rgb(const sl_conv_shape *s, const float *padded, const float *g, float *dw, float *db,
                                    float *low) {
    weight_gradient_halves(s, padded, g, dw, db, low, 3, 2, 2);
}

// The same loops for the build's target (AVX2: sixteen registers, each vector a pair) and with
// AVX-512 where the CPU has it (thirty-two). Blocks change which values share a pass, not the
// order of any value's operations, so the bits are the same. AVX2 takes four filters x one
// vector a pass, and weight gradients (but for the two shapes above) three taps a pass where
// the taps come in threes, as 3x3 kernels on two or three channels: no tap of a pass wasted.
enum { PLAIN_FILTERS = 4, WIDE_FILTERS = 8 };

static void forward_plain(const sl_conv_shape *s, const float *padded, const float *w, const int32_t *offsets,
                          const float *bias, float *out) {
    forward_body(s, padded, w, offsets, bias, out, PLAIN_FILTERS, 1);
}
static void weight_gradient_plain(const sl_conv_shape *s, const float *padded, const float *g, float *dw, float *db) {
    if (s->channels * taps(s) % 3 == 0) weight_gradient_body(s, padded, g, dw, db, 1, 3);
    else weight_gradient_body(s, padded, g, dw, db, 1, 4);
}
#ifdef SL_AVX512
SL_TARGET_AVX512 static void forward_avx512(const sl_conv_shape *s, const float *padded, const float *w,
                                            const int32_t *offsets, const float *bias, float *out) {
    forward_body(s, padded, w, offsets, bias, out, WIDE_FILTERS, 3);
}
SL_TARGET_AVX512 static void weight_gradient_avx512(const sl_conv_shape *s, const float *padded, const float *g,
                                                    float *dw, float *db) {
    int kernel_taps = s->channels * taps(s);
    if (kernel_taps % 12 == 0) weight_gradient_body(s, padded, g, dw, db, 2, 12);
    else if (kernel_taps % 9 == 0) weight_gradient_body(s, padded, g, dw, db, 2, 9);
    else weight_gradient_body(s, padded, g, dw, db, 4, 4);
}
#endif

static int wide(void) {
#ifdef SL_AVX512
    return sl_cpu_has_avx512();
#else
    return 0;
#endif
}

void sl_conv_direct_forward(const sl_conv_shape *s, const float *input, const float *weight, const float *bias,
                            float *output, float *scratch) {
    padded_plane p = plane_of(s);
    float *padded = scratch, *blocked = scratch + (size_t)s->channels * p.rows * p.columns;
    pad_input(s, input, padded);
    int block = wide() ? WIDE_FILTERS : PLAIN_FILTERS, kernel_taps = s->channels * taps(s);
    int blocks = (s->filters + block - 1) / block;
    for (int f = 0; f < blocks * block; f++)
        for (int t = 0; t < kernel_taps; t++)
            blocked[((size_t)(f / block) * kernel_taps + t) * block + f % block] =
                f < s->filters ? weight[(size_t)f * kernel_taps + t] : 0;
    int32_t *offsets = (int32_t *)(blocked + (size_t)(s->filters + 7) / 8 * 8 * kernel_taps);
    tap_offsets(s, offsets);
#ifdef SL_AVX512
    if (block == WIDE_FILTERS) { forward_avx512(s, padded, blocked, offsets, bias, output); return; }
#endif
    forward_plain(s, padded, blocked, offsets, bias, output);
}

void sl_conv_direct_weight_gradient(const sl_conv_shape *s, const float *input, const float *output_gradient,
                                    float *weight_gradient, float *bias_gradient, float *scratch) {
    pad_input(s, input, scratch);
#ifdef SL_AVX512
    if (wide()) { weight_gradient_avx512(s, scratch, output_gradient, weight_gradient, bias_gradient); return; }
#endif
    padded_plane p = plane_of(s);
    float *low = scratch + (size_t)s->channels * p.rows * p.columns;
    if (s->dilation == 1 && s->channels == 1 && s->kernel_height == 3 && s->kernel_width == 3)
        weight_gradient_3x3_gray(s, scratch, output_gradient, weight_gradient, bias_gradient, low);
    else if (s->dilation == 1 && s->channels == 3 && s->kernel_height == 2 && s->kernel_width == 2)
        weight_gradient_2x2_rgb(s, scratch, output_gradient, weight_gradient, bias_gradient, low);
    else
        weight_gradient_plain(s, scratch, output_gradient, weight_gradient, bias_gradient);
}
