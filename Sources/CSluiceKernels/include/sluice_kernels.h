// Numeric kernels of Sluice that Swift cannot vectorise well by itself. Pure functions of
// their arguments: no globals, no allocation, no output but the buffers they are given.
#ifndef SLUICE_KERNELS_H
#define SLUICE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

// Standard normals in bulk: Box-Muller on eight lanes of xoshiro256++ seeded from `key`
// through SplitMix64. The values depend only on (key, index), the same on every CPU: the
// code avoids fused multiply-adds and library calls, so SSE2, AVX2 and NEON builds agree.
// Radii come from 24-bit uniforms, as PyTorch's CPU normal_: |z| < 5.9.
void sl_fill_normal(float *out, size_t count, uint64_t key);

// values[i] = values[i] + (mean + sigma * z[i]), clamped to [0, 1] when `clip`, with z the
// normals sl_fill_normal(_, count, key) writes.
void sl_add_normal(float *values, size_t count, float mean, float sigma, int clip, uint64_t key);

#endif
