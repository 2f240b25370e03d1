// Per-value tables on interleaved 8-bit pixels (the tone ops: see sluice_kernels.h): the two
// that are one comparison or mask run as vectors, the others as table lookups.
#include "sluice_kernels.h"

#include <string.h>

typedef uint8_t u8x32 __attribute__((vector_size(32)));

void sl_posterize(uint8_t *values, size_t count, uint8_t mask) {
    size_t i = 0;
    const u8x32 m = (u8x32){0} + mask;
    for (; i + 32 <= count; i += 32) {
        u8x32 v;
        memcpy(&v, values + i, 32);
        v &= m;
        memcpy(values + i, &v, 32);
    }
    for (; i < count; i++) values[i] &= mask;
}

void sl_solarize(uint8_t *values, size_t count, int32_t first_inverted) {
    if (first_inverted > 255) return;
    const uint8_t t = (uint8_t)(first_inverted < 0 ? 0 : first_inverted);
    size_t i = 0;
    const u8x32 threshold = (u8x32){0} + t;
    for (; i + 32 <= count; i += 32) {
        u8x32 v;
        memcpy(&v, values + i, 32);
        u8x32 inverted = (u8x32)(v >= threshold);   // all ones where v >= t
        v ^= inverted;                               // 255 - v == v ^ 0xFF
        memcpy(values + i, &v, 32);
    }
    for (; i < count; i++) values[i] = values[i] >= t ? (uint8_t)(255 - values[i]) : values[i];
}

void sl_apply_tables(uint8_t *values, size_t pixel_count, int32_t channels, const uint8_t *tables) {
    if (channels == 1) {
        size_t i = 0;
        for (; i + 4 <= pixel_count; i += 4) {
            values[i] = tables[values[i]];
            values[i + 1] = tables[values[i + 1]];
            values[i + 2] = tables[values[i + 2]];
            values[i + 3] = tables[values[i + 3]];
        }
        for (; i < pixel_count; i++) values[i] = tables[values[i]];
    } else if (channels == 3) {
        const uint8_t *r = tables, *g = tables + 256, *b = tables + 512;
        for (size_t i = 0; i < pixel_count; i++, values += 3) {
            values[0] = r[values[0]];
            values[1] = g[values[1]];
            values[2] = b[values[2]];
        }
    } else {
        for (size_t i = 0; i < pixel_count; i++)
            for (int32_t c = 0; c < channels; c++, values++) *values = tables[c * 256 + *values];
    }
}
