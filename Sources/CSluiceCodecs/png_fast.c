// A fast path for the commonest PNGs: 8-bit gray, gray+alpha, RGB or RGBA, not interlaced, with
// only chunks that libpng skips anyway. The zlib stream is inflated in one call by libdeflate
// (libpng inflates row by row with zlib, and rows under 258 bytes never reach zlib's fast loop),
// and the rows are unfiltered here. Only a file that is valid in every checked respect takes this
// path: any bad CRC, unknown critical chunk, stray data or bad filter byte sends it to libpng, so
// every error and warning is still libpng's. The pixels are the ones libpng gives (tested).
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "png_fast.h"

static uint32_t be32(const uint8_t *bytes) {
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

// Ancillary chunks libpng is told to skip unread (png_decode.c's list) or does not know.
static int skippable(const uint8_t *type) {
    static const char known[][5] = {"tRNS", "PLTE", "acTL", "fcTL", "fdAT"};   // libpng reads these
    for (int index = 0; index < 4; index++) {   // libpng rejects a type that is not four letters
        const uint8_t letter = type[index] & 0xDF;
        if (letter < 'A' || letter > 'Z') return 0;
    }
    if ((type[0] & 0x20) == 0) return 0;   // critical
    for (size_t index = 0; index < sizeof known / sizeof known[0]; index++)
        if (memcmp(type, known[index], 4) == 0) return 0;
    return 1;
}

int sl_png_fast_probe(const uint8_t *data, size_t size, uint64_t max_pixels, uint64_t max_scratch,
                      sl_png_fast_plan *plan) {
    static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    if (size < 8 + 25 + 12 || memcmp(data, signature, 8) != 0) return 0;
    const uint8_t *header = data + 8;
    if (be32(header) != 13 || memcmp(header + 4, "IHDR", 4) != 0) return 0;
    if (libdeflate_crc32(0, header + 4, 17) != be32(header + 21)) return 0;
    uint32_t width = be32(header + 8), height = be32(header + 12);
    uint8_t depth = header[16], color = header[17];
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu) return 0;
    if (depth != 8 || header[18] != 0 || header[19] != 0 || header[20] != 0) return 0;
    uint32_t channels = color == 0 ? 1 : color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 0;
    if (channels == 0) return 0;
    uint64_t pixels = (uint64_t)width * height;
    if (max_pixels > 0 && pixels > max_pixels) return 0;   // libpng reports it
    if (width > max_scratch || height > max_scratch) return 0;   // keeps the product below 2^64
    uint64_t row_bytes = (uint64_t)width * channels + 1;
    if (row_bytes * ((uint64_t)height + 1) > max_scratch) return 0;

    size_t offset = 8 + 25, first_idat = 0, last_idat = 0, idat_bytes = 0;
    int idat_run = 0;   // 0 before the IDATs, 1 inside them, 2 after
    for (;;) {
        if (size - offset < 12) return 0;
        uint32_t length = be32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7fffffffu || size - offset - 12 < length) return 0;
        if (libdeflate_crc32(0, type, length + 4) != be32(data + offset + 8 + length)) return 0;
        if (memcmp(type, "IDAT", 4) == 0) {
            if (idat_run == 2) return 0;
            if (idat_run == 0) first_idat = offset;
            idat_run = 1;
            last_idat = offset;
            idat_bytes += length;
        } else {
            if (idat_run == 1) idat_run = 2;
            if (memcmp(type, "IEND", 4) == 0) {
                if (length != 0 || idat_run != 2) return 0;
                break;
            }
            if (!skippable(type)) return 0;
        }
        offset += 12 + (size_t)length;
    }
    plan->width = width;
    plan->height = height;
    plan->channels = channels;
    plan->first_idat = first_idat;
    plan->last_idat = last_idat;
    plan->idat_bytes = idat_bytes;
    return 1;
}

// Written with selects, not branches: the predictor's choice is data-dependent and the
// branches mispredicted often enough to dominate decoding of small photos.
static inline uint8_t paeth(int left, int up, int up_left) {
    int to_left = abs(up - up_left), to_up = abs(left - up_left), to_up_left = abs(left + up - 2 * up_left);
    int other = to_up <= to_up_left ? up : up_left;
    return (uint8_t)(to_left <= to_up && to_left <= to_up_left ? left : other);
}

// Undoes one row's filter in place; `up` is the previous unfiltered row (zeros above the first).
// Sub, Average and Paeth are serial along the row: the left pixel is kept in registers and the
// step is a constant in each caller below, so the channels' chains run side by side.
static inline __attribute__((always_inline)) int
unfilter_step(uint8_t filter, uint8_t *restrict row, const uint8_t *restrict up, size_t length, size_t step) {
    uint8_t left[4] = {0, 0, 0, 0};
    switch (filter) {
    case 0:
        return 1;
    case 1:
        for (size_t index = 0; index < length; index += step)
            for (size_t k = 0; k < step; k++) left[k] = row[index + k] += left[k];
        return 1;
    case 2:
        for (size_t index = 0; index < length; index++) row[index] += up[index];
        return 1;
    case 3:
        for (size_t index = 0; index < length; index += step)
            for (size_t k = 0; k < step; k++)
                left[k] = row[index + k] += (uint8_t)(((unsigned)left[k] + up[index + k]) >> 1);
        return 1;
    case 4:
        for (size_t k = 0; k < step; k++) left[k] = row[k] += up[k];
        for (size_t index = step; index < length; index += step)
            for (size_t k = 0; k < step; k++)
                left[k] = row[index + k] += paeth(left[k], up[index + k], up[index + k - step]);
        return 1;
    default:
        return 0;
    }
}

static int unfilter(uint8_t filter, uint8_t *row, const uint8_t *up, size_t length, size_t step) {
    switch (step) {
    case 1: return unfilter_step(filter, row, up, length, 1);
    case 2: return unfilter_step(filter, row, up, length, 2);
    case 3: return unfilter_step(filter, row, up, length, 3);
    default: return unfilter_step(filter, row, up, length, 4);
    }
}

int sl_png_fast_decode(const uint8_t *compressed, const sl_png_fast_plan *plan,
                       struct libdeflate_decompressor *inflater, uint8_t *scratch, uint8_t *pixels,
                       size_t row_stride) {
    size_t row_length = (size_t)plan->width * plan->channels;
    size_t filtered = (row_length + 1) * plan->height;
    // libpng's zlib rejects a distance beyond the window the stream declares; libdeflate only
    // one beyond the start. They agree when the window is the largest (32 KiB, as deflate's
    // distances) or covers the whole image (libpng itself shrinks it so for small images).
    if (plan->idat_bytes < 2) return 0;
    unsigned window_log = (compressed[0] >> 4) + 8u;
    if (window_log > 15 || (window_log < 15 && filtered > ((size_t)1 << window_log))) return 0;
    // Layout: one zero row (the "previous row" of the first), then the filtered rows.
    memset(scratch, 0, row_length + 1);
    uint8_t *rows = scratch + row_length + 1;
    size_t used = 0;
    // Exactly the image's bytes (no short stream), and no data after the stream.
    if (libdeflate_zlib_decompress_ex(inflater, compressed, plan->idat_bytes, rows, filtered, &used, NULL) !=
            LIBDEFLATE_SUCCESS || used != plan->idat_bytes)
        return 0;

    size_t step = plan->channels;
    for (uint32_t y = 0; y < plan->height; y++) {
        uint8_t *row = rows + (size_t)y * (row_length + 1);
        if (!unfilter(row[0], row + 1, row + 1 - (row_length + 1), row_length, step)) return 0;
    }
    for (uint32_t y = 0; y < plan->height; y++) {
        const uint8_t *row = rows + (size_t)y * (row_length + 1) + 1;
        uint8_t *target = pixels + (size_t)y * row_stride;
        switch (plan->channels) {
        case 1:
        case 3:
            memcpy(target, row, row_length);
            break;
        case 2:   // gray + alpha: alpha dropped, as libpng's png_set_strip_alpha
            for (uint32_t x = 0; x < plan->width; x++) target[x] = row[2 * x];
            break;
        default:   // RGBA
            for (uint32_t x = 0; x < plan->width; x++) {
                target[3 * x] = row[4 * x];
                target[3 * x + 1] = row[4 * x + 1];
                target[3 * x + 2] = row[4 * x + 2];
            }
        }
    }
    return 1;
}
