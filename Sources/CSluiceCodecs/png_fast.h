// The zlib fast path of PNG decoding (png_fast.c), used by png_decode.c.
#ifndef SLUICE_PNG_FAST_H
#define SLUICE_PNG_FAST_H

#include <stddef.h>
#include <stdint.h>

struct libdeflate_decompressor;

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;     // samples per pixel in the file: 1, 2, 3 or 4
    size_t first_idat;     // offsets of the first and last IDAT chunks (a consecutive run)
    size_t last_idat;
    size_t idat_bytes;     // their data, together: one zlib stream
} sl_png_fast_plan;

// 1 if the file can take the fast path: checked signature, IHDR, every chunk's CRC and order,
// at most max_pixels pixels (0 = no limit) and a filtered image of at most max_scratch bytes.
int sl_png_fast_probe(const uint8_t *data, size_t size, uint64_t max_pixels, uint64_t max_scratch,
                      sl_png_fast_plan *plan);

// Inflates the IDAT data (`compressed`, plan->idat_bytes long) and unfilters into `pixels`
// (gray or RGB, alpha dropped). `scratch` holds (width * channels + 1) * (height + 1) bytes.
// 0 if the data is not a clean stream of exactly the image's rows (libpng then decides).
int sl_png_fast_decode(const uint8_t *compressed, const sl_png_fast_plan *plan,
                       struct libdeflate_decompressor *inflater, uint8_t *scratch, uint8_t *pixels,
                       size_t row_stride);

#endif
