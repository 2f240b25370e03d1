// Numeric kernels of Sluice that Swift cannot vectorise well by itself. Pure functions of
// their arguments (the only state is a cached CPU-feature check): no allocation, no output
// but the buffers they are given.
#ifndef SLUICE_KERNELS_H
#define SLUICE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

// Standard normals in bulk: Box-Muller on four 64-bit lanes of xoshiro256++ (eight 32-bit
// words a step) seeded from `key` through SplitMix64. The values depend only on (key, index),
// the same on every CPU: fused multiply-adds only where written (libm's exact fmaf where the
// build has no FMA instruction) and no other library calls; SSE2, AVX2 and AVX-512 agree.
// Radii come from 24-bit uniforms, as PyTorch's CPU normal_: |z| < 5.9.
void sl_fill_normal(float *out, size_t count, uint64_t key);

// values[i] = values[i] + (mean + sigma * z[i]), clamped to [0, 1] when `clip`, with z the
// normals sl_fill_normal(_, count, key) writes.
void sl_add_normal(float *values, size_t count, float mean, float sigma, int clip, uint64_t key);

// Where sl_to_float reads: the height x width window at (top, left) of the image, in image
// coordinates (negative or past the edge where a crop pads); flip_x and flip_y mirror it.
typedef struct {
    int32_t top, left, height, width;
    int32_t flip_x, flip_y;
} sl_window;

// uint8 HWC -> float32 CHW: out[c][y][x] = v_c(b), b the byte of channel c (channel 0 of a
// one-channel image) at window place (y, x), or fill[c] where that place is outside the
// image; v_c(b) = b * (1/255), or (b * (1/255) - mean[c]) / std[c] when mean is not NULL,
// rounded as written (the bits of the scalar formula). `channels` must be 1 or out_channels;
// fill holds fill_count values and mean and std norm_count, each 1 (for every channel) or
// out_channels.
void sl_to_float(const uint8_t *pixels, int32_t height, int32_t width, int32_t channels,
                 sl_window window, int32_t out_channels, const uint8_t *fill, int32_t fill_count,
                 const float *mean, const float *std, int32_t norm_count, float *out);

// Pillow's fixed-point filter taps for one axis: output i is the sum of counts[i] inputs from
// starts[i] on, weighted by weights[i * stride + t] (22 fractional bits), plus 2^21, then >> 22
// and clipped to 0...255 (ImagingResampleHorizontal_8bpc / Vertical_8bpc).
typedef struct {
    const int32_t *starts, *counts, *weights;
    int32_t count, stride;
} sl_taps;

// Bytes of scratch sl_resize_horizontal needs.
size_t sl_resize_horizontal_scratch(int32_t width, int32_t out_width, int32_t channels);

// The horizontal pass: `rows` rows of `width` pixels of `channels` bytes, `in_stride` bytes
// apart, to rows of taps.count pixels, packed, at `out`.
void sl_resize_horizontal(const uint8_t *in, size_t in_stride, int32_t rows, int32_t width, int32_t channels,
                          sl_taps taps, uint8_t *out, uint8_t *scratch);

// The vertical pass: taps.count output rows of `row_length` bytes from input rows of that length.
void sl_resize_vertical(const uint8_t *in, size_t row_length, sl_taps taps, uint8_t *out);

// A stride-1 convolution of one sample: input [channels][height][width], weights
// [filters][channels][kernel_height][kernel_width] (PyTorch's layout), output
// [filters][output_height][output_width]; input row y + i * dilation - pad_top under output row y
// and tap i (columns the same), zeros outside the input. output_width must be at least 16.
typedef struct {
    int32_t channels, height, width;
    int32_t filters, kernel_height, kernel_width, dilation;
    int32_t pad_top, pad_left;
    int32_t output_height, output_width;
} sl_conv_shape;

// Floats of scratch each call below needs.
size_t sl_conv_direct_scratch(const sl_conv_shape *shape);

// output = bias + the convolution (bias may be NULL): per value, the bias then the taps in
// weight order, one fused multiply-add each. For few input channels, where im2col + sgemm spends
// its time moving the column matrix.
void sl_conv_direct_forward(const sl_conv_shape *shape, const float *input, const float *weight, const float *bias,
                            float *output, float *scratch);

// This sample's weight gradient [filters][channels][taps] and bias gradient [filters] (may be
// NULL) from its output gradient: each a sum over the output in vectors of sixteen pixels of a
// row (a row's last vector ends at its end), fused multiply-adds lane by lane in row order, then
// lanes 0 to 15 added in order.
void sl_conv_direct_weight_gradient(const sl_conv_shape *shape, const float *input, const float *output_gradient,
                                    float *weight_gradient, float *bias_gradient, float *scratch);

// Brightness keys q = 241 r^2 + 691 g^2 + 68 b^2 (cleanvision's pixel brightness is
// sqrt(q / 1000) / 255, monotone in q) are counted in buckets of q >> SL_BRIGHTNESS_SHIFT.
enum { SL_BRIGHTNESS_SHIFT = 16, SL_BRIGHTNESS_BUCKETS = (65025000 >> SL_BRIGHTNESS_SHIFT) + 1 };

// Per-channel intensity histograms of interleaved 8-bit pixels (`channels` 1 or 3): adds the
// count of value v in channel c to hist[c * 256 + v]. With 3 channels and `buckets` not NULL,
// also writes each pixel's brightness key to keys_out[i] and adds the count of bucket b to
// buckets[b] (SL_BRIGHTNESS_BUCKETS entries).
void sl_histogram(const uint8_t *pixels, size_t pixel_count, int32_t channels, uint64_t *hist, uint64_t *buckets,
                  uint32_t *keys_out);

// values[i] = the key of rank ranks[i] (0-based, ascending; at most 4 ranks) among the
// pixel_count keys and bucket counts sl_histogram wrote: one pass gathers the keys of the ranks'
// buckets (reordering `keys`), then a selection among them. Exact.
void sl_brightness_ranks(uint32_t *keys, size_t pixel_count, const uint64_t *buckets, const uint64_t *ranks,
                         int32_t rank_count, uint32_t *values);

// The 256-bin histograms of a gray image (`counts`) and of Pillow's FIND_EDGES filter of it
// (`edges`): 8 x the pixel minus its 8 neighbours, clipped to 0...255, with the border pixels
// (the whole image under 3x3) as they are.
void sl_edge_histograms(const uint8_t *gray, int32_t width, int32_t height, uint32_t *counts, uint32_t *edges);

// A 128-bit digest of `count` bytes and `seed` (four multiply-rotate lanes, then a finaliser per
// half): equal bytes give equal digests; different bytes collide with odds near 2^-128. Not
// cryptographic.
void sl_digest128(const uint8_t *bytes, size_t count, uint64_t seed, uint64_t out[2]);

// Gaussian blur of a uint8 HWC image as torchvision's gaussian_blur on uint8 tensors: each
// channel convolved with the kernel ky x kx (ky_size rows, kx_size columns, both odd), taken as
// its two passes in float32 (rows, then columns), the edges mirrored without repeating the edge
// value ("reflect"; bouncing back and forth where a kernel is wider than the image), rounded
// half to even and clipped to 0...255. `scratch` holds sl_gaussian_blur_scratch floats.
size_t sl_gaussian_blur_scratch(int32_t width, int32_t channels, int32_t kx_size, int32_t ky_size);
void sl_gaussian_blur(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const float *kx, int32_t kx_size,
                      const float *ky, int32_t ky_size, uint8_t *out, float *scratch);

// Pillow's Image.transform(size, AFFINE, a, resample, fillcolor) of a uint8 HWC image: output
// pixel (x, y) samples the input at (a0 (x + .5) + a1 (y + .5) + a2, a3 (x + .5) + a4 (y + .5) +
// a5), with Pillow's engines bit for bit: nearest (`filter` 0) through its scaling, 16.16 fixed
// point or floating point paths, chosen as Pillow chooses; bilinear (1) and bicubic (2) through
// its generic engine (values truncated, bicubic clipped). Pixels whose sample falls outside the
// input keep fill[c]. Channels are filtered independently (Pillow's "L" and "RGB").
enum { SL_WARP_NEAREST = 0, SL_WARP_BILINEAR = 1, SL_WARP_BICUBIC = 2 };
void sl_affine_warp(const uint8_t *in, int32_t height, int32_t width, int32_t channels, const double a[6], int32_t filter,
                    const uint8_t *fill, uint8_t *out, int32_t out_height, int32_t out_width);

// Pillow's ImageOps on interleaved 8-bit values, in place: posterize keeps the bits of `mask`;
// solarize inverts (255 - v) the values >= first_inverted; sl_apply_tables maps value v of
// channel c to tables[c * 256 + v].
void sl_posterize(uint8_t *values, size_t count, uint8_t mask);
void sl_solarize(uint8_t *values, size_t count, int32_t first_inverted);
void sl_apply_tables(uint8_t *values, size_t pixel_count, int32_t channels, const uint8_t *tables);

// Pillow's colour enhancements on RGB pixels (3 interleaved bytes each), in place.
// The sum of Pillow's luma L = (19595 R + 38470 G + 7471 B + 2^15) >> 16 over the pixels.
uint64_t sl_luma_sum(const uint8_t *rgb, size_t pixel_count);
// ImageEnhance.Brightness and Contrast: each of `count` values (any channels) blended with
// `constant`, constant + alpha (v - constant) in float, truncated when alpha is in [0, 1],
// clipped otherwise.
void sl_blend_constant(uint8_t *values, size_t count, uint8_t constant, float alpha);
// ImageEnhance.Color: each value blended with its pixel's luma, L + alpha (v - L) in float,
// truncated when alpha is in [0, 1], clipped otherwise.
void sl_blend_luma(uint8_t *rgb, size_t pixel_count, float alpha);
// torchvision's PIL adjust_hue: Pillow's rgb2hsv, H + shift (mod 256), hsv2rgb, each with its
// float and double operations.
void sl_hue_shift(uint8_t *rgb, size_t pixel_count, uint8_t shift);

// For tests: nonzero makes every kernel with an AVX-512 variant run its AVX2 variant, so that
// both are checked on a CPU that has AVX-512; 0 undoes it.
void sl_kernels_avoid_avx512(int avoid);

#endif
