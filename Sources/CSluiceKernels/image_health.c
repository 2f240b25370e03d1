// Per-image measurements of the health checks (sluice_kernels.h): histograms, brightness order
// statistics, a pixel digest. Integers only, so every CPU gives the same results.
#include "sluice_kernels.h"
#include "cpu_features.h"

#include <string.h>

INLINE uint32_t brightness_key(const uint8_t *p) {
    return 241u * p[0] * p[0] + 691u * p[1] * p[1] + 68u * p[2] * p[2];
}

// Brightness keys of `count` RGB pixels: a loop of its own, which the compiler vectorises.
static void brightness_keys(const uint8_t *rgb, size_t count, uint32_t *keys) {
    for (size_t i = 0; i < count; i++) {
        const uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        keys[i] = 241u * r * r + 691u * g * g + 68u * b * b;
    }
}

void sl_histogram(const uint8_t *pixels, size_t pixel_count, int32_t channels, uint64_t *hist, uint64_t *buckets,
                  uint32_t *keys_out) {
    // 32-bit counts in chunks below 2^32, and four tables a counter, taking turns, so that runs
    // of equal values (smooth images) do not each wait on the one counter before.
    enum { CHUNK = 1u << 30, WAYS = 4 };
    uint32_t tables[3][WAYS][256];
    uint32_t keys[WAYS][SL_BRIGHTNESS_BUCKETS];
    const int with_keys = channels == 3 && buckets != NULL;
    for (size_t start = 0; start < pixel_count; start += CHUNK) {
        const size_t end = pixel_count - start < CHUNK ? pixel_count : start + CHUNK;
        memset(tables, 0, (size_t)channels * sizeof tables[0]);
        if (with_keys) {
            brightness_keys(pixels + 3 * start, end - start, keys_out + start);
            memset(keys, 0, sizeof keys);
        }
        size_t i = start;
        if (channels == 1) {
            for (; i + WAYS <= end; i += WAYS)
                for (int w = 0; w < WAYS; w++) tables[0][w][pixels[i + w]]++;
        } else if (with_keys) {
            for (; i + WAYS <= end; i += WAYS)
                for (int w = 0; w < WAYS; w++) {
                    const uint8_t *p = pixels + 3 * (i + w);
                    tables[0][w][p[0]]++; tables[1][w][p[1]]++; tables[2][w][p[2]]++;
                    keys[w][keys_out[i + w] >> SL_BRIGHTNESS_SHIFT]++;
                }
        } else {
            for (; i + WAYS <= end; i += WAYS)
                for (int w = 0; w < WAYS; w++) {
                    const uint8_t *p = pixels + 3 * (i + w);
                    tables[0][w][p[0]]++; tables[1][w][p[1]]++; tables[2][w][p[2]]++;
                }
        }
        for (; i < end; i++) {
            const uint8_t *p = pixels + (size_t)channels * i;
            for (int32_t c = 0; c < channels; c++) tables[c][0][p[c]]++;
            if (with_keys) keys[0][keys_out[i] >> SL_BRIGHTNESS_SHIFT]++;
        }
        for (int32_t c = 0; c < channels; c++)
            for (int v = 0; v < 256; v++)
                hist[c * 256 + v] += (uint64_t)tables[c][0][v] + tables[c][1][v] + tables[c][2][v] + tables[c][3][v];
        if (with_keys)
            for (int b = 0; b < SL_BRIGHTNESS_BUCKETS; b++) buckets[b] += (uint64_t)keys[0][b] + keys[1][b] + keys[2][b] + keys[3][b];
    }
}

// The k-th smallest (0-based) of values[0..<count], which it reorders (Hoare's selection).
static uint32_t select_rank(uint32_t *values, size_t count, size_t k) {
    size_t low = 0, high = count - 1;
    while (low < high) {
        const uint32_t a = values[low], b = values[low + (high - low) / 2], c = values[high];
        const uint32_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = low, j = high;
        while (i <= j) {
            while (values[i] < pivot) i++;
            while (values[j] > pivot) j--;
            if (i <= j) {
                const uint32_t t = values[i]; values[i] = values[j]; values[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) high = j;
        else if (k >= i) low = i;
        else return values[k];
    }
    return values[k];
}

typedef uint32_t u32x8 __attribute__((vector_size(32)));

void sl_brightness_ranks(uint32_t *keys, size_t pixel_count, const uint64_t *buckets, const uint64_t *ranks,
                         int32_t rank_count, uint32_t *values) {
    // The bucket of each rank and the count below it.
    uint32_t bucket_of[4];
    uint64_t below_of[4];
    for (int32_t r = 0; r < rank_count && r < 4; r++) {
        uint64_t below = 0;
        uint32_t bucket = 0;
        while (below + buckets[bucket] <= ranks[r]) below += buckets[bucket++];
        bucket_of[r] = bucket;
        below_of[r] = below;
    }
    // One pass moves the keys of the ranks' buckets to the front, eight keys at a time, most
    // of which are in none. Buckets order keys, so a rank's place among the gathered keys is
    // its place in its bucket plus the gathered keys of lower buckets.
    u32x8 wanted[4];
    for (int r = 0; r < 4; r++) {
        const uint32_t b = bucket_of[r < rank_count ? r : 0];
        wanted[r] = (u32x8){b, b, b, b, b, b, b, b};
    }
    size_t gathered = 0, i = 0;
    for (; i + 8 <= pixel_count; i += 8) {
        u32x8 block;
        memcpy(&block, keys + i, sizeof block);
        const u32x8 bucket = block >> SL_BRIGHTNESS_SHIFT;
        const u32x8 hit = (u32x8)((bucket == wanted[0]) | (bucket == wanted[1]) | (bucket == wanted[2]) | (bucket == wanted[3]));
        u32x8 none = {0};
        if (__builtin_memcmp(&hit, &none, sizeof hit) == 0) continue;
        for (int k = 0; k < 8; k++) {
            keys[gathered] = block[k];
            gathered += hit[k] & 1;
        }
    }
    for (; i < pixel_count; i++) {
        const uint32_t q = keys[i], b = q >> SL_BRIGHTNESS_SHIFT;
        keys[gathered] = q;
        gathered += b == bucket_of[0] || b == bucket_of[1] || b == bucket_of[2] || b == bucket_of[3];
    }
    for (int32_t r = 0; r < rank_count && r < 4; r++) {
        uint64_t before = 0;
        for (int32_t e = 0; e < rank_count && e < 4; e++) {
            int first = 1;   // each wanted bucket below once
            for (int32_t f = 0; f < e; f++) first &= bucket_of[f] != bucket_of[e];
            if (first && bucket_of[e] < bucket_of[r]) before += buckets[bucket_of[e]];
        }
        values[r] = select_rank(keys, gathered, (size_t)(ranks[r] - below_of[r] + before));
    }
}

// Counts of `n` bytes added to `counts`, over four tables taking turns (runs of equal values,
// such as a black background, would otherwise each wait on the one counter before).
static void count_bytes(const uint8_t *bytes, size_t n, uint32_t *counts) {
    uint32_t tables[4][256];
    memset(tables, 0, sizeof tables);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int w = 0; w < 4; w++) tables[w][bytes[i + w]]++;
    for (; i < n; i++) tables[0][bytes[i]]++;
    for (int v = 0; v < 256; v++) counts[v] += tables[0][v] + tables[1][v] + tables[2][v] + tables[3][v];
}

void sl_edge_histograms(const uint8_t *gray, int32_t width, int32_t height, uint32_t *counts, uint32_t *edges) {
    memset(counts, 0, 256 * sizeof *counts);
    memset(edges, 0, 256 * sizeof *edges);
    count_bytes(gray, (size_t)width * (size_t)height, counts);
    if (width < 3 || height < 3) {   // Pillow leaves an image under 3x3 as it is
        memcpy(edges, counts, 256 * sizeof *counts);
        return;
    }
    // The filtered image, whose border is the image's own, then its counts.
    uint8_t filtered[(size_t)width * (size_t)height];
    memcpy(filtered, gray, (size_t)width);
    memcpy(filtered + (size_t)(height - 1) * (size_t)width, gray + (size_t)(height - 1) * (size_t)width, (size_t)width);
    for (int32_t y = 1; y < height - 1; y++) {
        const uint8_t *above = gray + (size_t)(y - 1) * (size_t)width, *row = above + width, *below = row + width;
        uint8_t *out = filtered + (size_t)y * (size_t)width;
        out[0] = row[0];
        out[width - 1] = row[width - 1];
        for (int32_t x = 1; x < width - 1; x++) {   // vectorised by the compiler
            const int16_t sum = (int16_t)(8 * row[x]) - above[x - 1] - above[x] - above[x + 1] - row[x - 1] - row[x + 1]
                                - below[x - 1] - below[x] - below[x + 1];
            out[x] = (uint8_t)(sum < 0 ? 0 : sum > 255 ? 255 : sum);
        }
    }
    count_bytes(filtered, (size_t)width * (size_t)height, edges);
}

INLINE uint64_t rotate(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

INLINE uint64_t lane_step(uint64_t lane, uint64_t word) {
    return rotate(lane + word * 0xC2B2AE3D27D4EB4FULL, 31) * 0x9E3779B185EBCA87ULL;
}

INLINE uint64_t finalise(uint64_t x) {
    x ^= x >> 33; x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33; x *= 0xC4CEB9FE1A85EC53ULL;
    return x ^ (x >> 33);
}

void sl_digest128(const uint8_t *bytes, size_t count, uint64_t seed, uint64_t out[2]) {
    uint64_t lanes[4] = {seed + 0x60EA27EEADC0B5D6ULL, seed ^ 0x14057B7EF767814FULL,
                         seed + 0x9E3779B97F4A7C15ULL, seed ^ 0xBF58476D1CE4E5B9ULL};
    size_t i = 0;
    for (; i + 32 <= count; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t word;
            memcpy(&word, bytes + i + 8 * k, 8);
            lanes[k] = lane_step(lanes[k], word);
        }
    uint8_t tail[32] = {0};
    memcpy(tail, bytes + i, count - i);
    for (int k = 0; k < 4; k++) {
        uint64_t word;
        memcpy(&word, tail + 8 * k, 8);
        lanes[k] = lane_step(lanes[k], word ^ (uint64_t)(count - i));
    }
    const uint64_t length = (uint64_t)count * 0x9E3779B97F4A7C15ULL;
    out[0] = finalise(rotate(lanes[0], 1) + rotate(lanes[1], 7) + rotate(lanes[2], 12) + rotate(lanes[3], 18) + length);
    out[1] = finalise((lanes[0] ^ rotate(lanes[1], 29)) + (lanes[2] ^ rotate(lanes[3], 43)) + finalise(length ^ seed));
}
