// PNG decoding with libpng's classic API inside setjmp scopes.
//
// The simplified png_image API is not used: it sRGB-encodes 16-bit data and composites alpha
// onto black, where Pillow's convert("RGB") keeps the high byte and drops alpha.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <png.h>

#include "png_fast.h"
#include "sluice_codecs.h"

// Largest filtered image (bytes) the fast path inflates in one piece; larger ones go row by row
// through libpng, whose per-row cost is small next to theirs.
static const uint64_t fast_scratch_limit = 16u << 20;

struct sl_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    jmp_buf jump;
    sl_status status;
    char reason[SL_MESSAGE_CAPACITY];
    int lenient;
    int image_complete;   // every row was read; only the chunks after IDAT remain
    uint32_t warnings;
    char first_warning[SL_MESSAGE_CAPACITY];
    uint32_t channels;
    int passes;
    // Palette images are read as indexes and expanded here, so that an index outside the
    // palette is caught (libpng 1.6.39 misses an index equal to the palette size).
    int palette_mode;
    int palette_size;
    uint8_t palette[256 * 3];   // entries past palette_size are black, as in Pillow
    uint8_t *indexes;           // reused across images
    size_t indexes_capacity;
    // The fast path (png_fast.c): set by the header when the file qualifies.
    int fast;
    sl_png_fast_plan plan;
    sl_decode_options options;
    struct libdeflate_decompressor *inflater;
    uint8_t *scratch;           // filtered rows, reused across images
    size_t scratch_capacity;
    uint8_t *compressed;        // the IDAT data joined, when split over several chunks
    size_t compressed_capacity;
};

// Ancillary chunks that do not change the pixels of convert("RGB") / convert("L"). libpng
// skips them unread (their CRC is still checked): no iCCP, zTXt or iTXt inflation, no profile
// warnings about sRGB chunks that real files often get wrong.
static const png_byte ignored_chunks[] =
    "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0"
    "tEXt\0tIME\0zTXt\0";
static const int ignored_chunk_count = 17;

static void fail(sl_png_decoder *decoder, sl_status status) {
    decoder->status = status;
    longjmp(decoder->jump, 1);
}

static void on_error(png_structp png, png_const_charp text) {
    sl_png_decoder *decoder = png_get_error_ptr(png);
    if (decoder->warnings > 0)
        snprintf(decoder->reason, sizeof decoder->reason, "%s (after: %s)", text, decoder->first_warning);
    else
        snprintf(decoder->reason, sizeof decoder->reason, "%s", text);
    fail(decoder, SL_CORRUPT);
}

// Warnings, benign errors and CRC mismatches all arrive here and decoding goes on, so a file
// that is fatally broken is reported as corrupt, and only one that lenient mode would accept
// is reported as a recoverable problem (in strict mode, once decoding has finished).
static void on_warning(png_structp png, png_const_charp text) {
    sl_png_decoder *decoder = png_get_error_ptr(png);
    if (decoder->warnings == 0)
        snprintf(decoder->first_warning, sizeof decoder->first_warning, "%s", text);
    decoder->warnings += 1;
}

static void fail_if_strict(sl_png_decoder *decoder) {
    if (!decoder->lenient && decoder->warnings > 0) {
        snprintf(decoder->reason, sizeof decoder->reason, "%s", decoder->first_warning);
        fail(decoder, SL_WARNING);
    }
}

static void on_read(png_structp png, png_bytep destination, size_t length) {
    sl_png_decoder *decoder = png_get_io_ptr(png);
    if (length > decoder->size - decoder->offset) {
        snprintf(decoder->reason, sizeof decoder->reason, "file is truncated");
        fail(decoder, SL_CORRUPT);
    }
    memcpy(destination, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

sl_png_decoder *sl_png_decoder_create(void) { return calloc(1, sizeof(sl_png_decoder)); }

void sl_png_abort(sl_png_decoder *decoder) {
    if (decoder != NULL && decoder->png != NULL) {
        png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
        decoder->png = NULL;
        decoder->info = NULL;
    }
}

void sl_png_decoder_destroy(sl_png_decoder *decoder) {
    sl_png_abort(decoder);
    if (decoder != NULL) {
        free(decoder->indexes);
        free(decoder->scratch);
        free(decoder->compressed);
        if (decoder->inflater != NULL) libdeflate_free_decompressor(decoder->inflater);
    }
    free(decoder);
}

static sl_status finish_with_error(sl_png_decoder *decoder, char *message) {
    sl_png_abort(decoder);
    if (message != NULL) {
        strncpy(message, decoder->reason, SL_MESSAGE_CAPACITY - 1);
        message[SL_MESSAGE_CAPACITY - 1] = '\0';
    }
    return decoder->status;
}

// Deflate expands data at most 1032-fold (zlib's bound), so a PNG whose rows (a filter byte
// and the samples each) need more than 1032 times the file's size, plus slack for the chunks,
// cannot be complete: a truncated file, or a header alone declaring a vast image. Refused
// before anything is allocated (a 10000x10000 image of zeros, about 100 KB, still fits).
static int too_small_for(uint64_t width, uint64_t height, uint32_t bits_per_pixel, size_t size) {
    uint64_t row_bytes = 1 + (width * bits_per_pixel + 7) / 8;
    return height * row_bytes > (uint64_t)size * 1032 + 65536;
}

static sl_status libpng_read_header(sl_png_decoder *decoder, const uint8_t *data, size_t size,
                                    const sl_decode_options *options, sl_image_info *out,
                                    char *message) {
    sl_png_abort(decoder);
    decoder->fast = 0;
    decoder->data = data;
    decoder->size = size;
    decoder->offset = 0;
    decoder->status = SL_OK;
    decoder->reason[0] = '\0';
    decoder->lenient = options->lenient;
    decoder->image_complete = 0;
    decoder->warnings = 0;
    decoder->first_warning[0] = '\0';

    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, on_error, on_warning);
    if (decoder->png == NULL) {
        snprintf(decoder->reason, sizeof decoder->reason, "out of memory");
        decoder->status = SL_OUT_OF_MEMORY;
        return finish_with_error(decoder, message);
    }
    if (setjmp(decoder->jump)) return finish_with_error(decoder, message);
    png_structp png = decoder->png;
    decoder->info = png_create_info_struct(png);
    if (decoder->info == NULL) {
        snprintf(decoder->reason, sizeof decoder->reason, "out of memory");
        fail(decoder, SL_OUT_OF_MEMORY);
    }
    png_infop info = decoder->info;
    png_set_read_fn(png, decoder, on_read);
    // Size is bounded by max_pixels below, not by libpng's default 1,000,000 per side.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks, ignored_chunk_count);
    png_set_crc_action(png, PNG_CRC_WARN_USE, PNG_CRC_WARN_DISCARD);
    png_set_benign_errors(png, 1);
    png_read_info(png, info);
    fail_if_strict(decoder);   // before any pixel work

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->source_width = width;
    out->source_height = height;
    uint64_t pixels = (uint64_t)width * (uint64_t)height;
    if (options->max_pixels > 0 && pixels > options->max_pixels) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "image is %ux%u = %llu pixels, over the limit of %llu", (unsigned)width,
                 (unsigned)height, (unsigned long long)pixels,
                 (unsigned long long)options->max_pixels);
        fail(decoder, SL_TOO_MANY_PIXELS);
    }
    uint32_t source_channels = png_get_channels(png, info);
    if (!options->lenient && too_small_for(width, height, source_channels * (uint32_t)bit_depth, size)) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "%zu bytes cannot hold the %ux%u image the header declares: the file is truncated", size,
                 (unsigned)width, (unsigned)height);
        fail(decoder, SL_WARNING);
    }
    // Pillow's convert("RGB") / convert("L"): high byte of 16-bit samples, palette expanded,
    // low gray depths scaled to 0-255, alpha dropped (not composited), gamma ignored.
    if (bit_depth == 16) png_set_strip_16(png);
    decoder->palette_mode = color_type == PNG_COLOR_TYPE_PALETTE;
    if (decoder->palette_mode) {
        png_colorp entries = NULL;
        int count = 0;
        if (png_get_PLTE(png, info, &entries, &count) == 0 || count < 1 || count > 256) {
            snprintf(decoder->reason, sizeof decoder->reason, "palette image without a valid PLTE chunk");
            fail(decoder, SL_CORRUPT);
        }
        memset(decoder->palette, 0, sizeof decoder->palette);
        for (int index = 0; index < count; index++) {
            decoder->palette[3 * index] = entries[index].red;
            decoder->palette[3 * index + 1] = entries[index].green;
            decoder->palette[3 * index + 2] = entries[index].blue;
        }
        decoder->palette_size = count;
        if (bit_depth < 8) png_set_packing(png);   // one index per byte, unscaled
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    decoder->passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    uint32_t row_channels = png_get_channels(png, info);
    decoder->channels = decoder->palette_mode ? 3 : row_channels;
    if ((row_channels != 1 && row_channels != 3) || (decoder->palette_mode && row_channels != 1) ||
        png_get_bit_depth(png, info) != 8 || png_get_rowbytes(png, info) != (size_t)width * row_channels) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "PNG colour type %d at %d bits did not expand to 8-bit gray or RGB", color_type,
                 bit_depth);
        fail(decoder, SL_UNSUPPORTED);
    }
    out->width = width;
    out->height = height;
    out->channels = decoder->channels;
    out->source_width = width;
    out->source_height = height;
    out->source_channels = source_channels;
    out->bit_depth = (uint32_t)bit_depth;
    out->interlaced = interlace != PNG_INTERLACE_NONE;
    out->warnings = decoder->warnings;
    return SL_OK;
}

sl_status sl_png_read_header(sl_png_decoder *decoder, const uint8_t *data, size_t size,
                             const sl_decode_options *options, sl_image_info *out,
                             char *message) {
    sl_png_abort(decoder);
    decoder->fast = !options->libpng_only &&
                    sl_png_fast_probe(data, size, options->max_pixels, fast_scratch_limit, &decoder->plan) &&
                    (options->lenient || !too_small_for(decoder->plan.width, decoder->plan.height, decoder->plan.channels * 8, size));
    if (!decoder->fast) return libpng_read_header(decoder, data, size, options, out, message);
    decoder->data = data;
    decoder->size = size;
    decoder->options = *options;
    memset(out, 0, sizeof *out);
    out->width = out->source_width = decoder->plan.width;
    out->height = out->source_height = decoder->plan.height;
    out->channels = decoder->plan.channels >= 3 ? 3 : 1;
    out->source_channels = decoder->plan.channels;
    out->bit_depth = 8;
    return SL_OK;
}

// Makes *buffer hold at least `needed` bytes (contents kept); 0 when memory is short.
static int grow(uint8_t **buffer, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return 1;
    uint8_t *grown = realloc(*buffer, needed);
    if (grown == NULL) return 0;
    *buffer = grown;
    *capacity = needed;
    return 1;
}

// The fast path; 0 when libpng must decode the file instead.
static int fast_decode(sl_png_decoder *decoder, uint8_t *pixels, size_t row_stride) {
    const sl_png_fast_plan *plan = &decoder->plan;
    if (decoder->inflater == NULL && (decoder->inflater = libdeflate_alloc_decompressor()) == NULL) return 0;
    size_t rows = ((size_t)plan->width * plan->channels + 1) * ((size_t)plan->height + 1);
    if (!grow(&decoder->scratch, &decoder->scratch_capacity, rows)) return 0;
    const uint8_t *compressed = decoder->data + plan->first_idat + 8;
    if (plan->last_idat != plan->first_idat) {   // join the chunks' data (the probe checked their bounds)
        if (!grow(&decoder->compressed, &decoder->compressed_capacity, plan->idat_bytes)) return 0;
        size_t joined = 0;
        for (size_t offset = plan->first_idat; offset <= plan->last_idat;) {
            const uint8_t *chunk = decoder->data + offset;
            size_t length = (size_t)chunk[0] << 24 | (size_t)chunk[1] << 16 | (size_t)chunk[2] << 8 | chunk[3];
            memcpy(decoder->compressed + joined, chunk + 8, length);
            joined += length;
            offset += 12 + length;
        }
        compressed = decoder->compressed;
    }
    return sl_png_fast_decode(compressed, plan, decoder->inflater, decoder->scratch, pixels, row_stride);
}

sl_status sl_png_decode(sl_png_decoder *decoder, uint8_t *pixels, size_t row_stride,
                        sl_image_info *out, char *message) {
    if (decoder->fast) {
        decoder->fast = 0;
        if (fast_decode(decoder, pixels, row_stride)) {
            out->png_fast_path = 1;
            return SL_OK;
        }
        // libpng decides what is wrong; the header it reads matches the fast path's.
        sl_decode_options options = decoder->options;
        sl_status status = libpng_read_header(decoder, decoder->data, decoder->size, &options, out, message);
        if (status != SL_OK) return status;
    }
    if (decoder->png == NULL) {
        snprintf(decoder->reason, sizeof decoder->reason, "sl_png_decode called without a header");
        decoder->status = SL_INVALID_ARGUMENT;
        return finish_with_error(decoder, message);
    }
    if (setjmp(decoder->jump)) {
        // Lenient: the pixels are all there, only the chunks after them are damaged.
        if (decoder->lenient && decoder->image_complete && decoder->status == SL_CORRUPT) {
            out->warnings = decoder->warnings + 1;
            sl_png_abort(decoder);
            return SL_OK;
        }
        return finish_with_error(decoder, message);
    }
    png_structp png = decoder->png;
    png_uint_32 width = png_get_image_width(png, decoder->info);
    png_uint_32 height = png_get_image_height(png, decoder->info);
    uint8_t *rows = pixels;
    size_t stride = row_stride;
    if (decoder->palette_mode) {
        if (!grow(&decoder->indexes, &decoder->indexes_capacity, (size_t)width * height)) {
            snprintf(decoder->reason, sizeof decoder->reason, "out of memory");
            fail(decoder, SL_OUT_OF_MEMORY);
        }
        rows = decoder->indexes;
        stride = width;
    }
    // Adam7 passes write into the same rows, which must keep the earlier passes' pixels.
    for (int pass = 0; pass < decoder->passes; pass++)
        for (png_uint_32 y = 0; y < height; y++)
            png_read_row(png, rows + (size_t)y * stride, NULL);
    if (decoder->palette_mode) {
        int largest = 0;
        for (png_uint_32 y = 0; y < height; y++) {
            const uint8_t *index = decoder->indexes + (size_t)y * width;
            uint8_t *rgb = pixels + (size_t)y * row_stride;
            for (png_uint_32 x = 0; x < width; x++) {
                const uint8_t *entry = decoder->palette + 3 * index[x];
                if (index[x] > largest) largest = index[x];
                rgb[3 * x] = entry[0];
                rgb[3 * x + 1] = entry[1];
                rgb[3 * x + 2] = entry[2];
            }
        }
        if (largest >= decoder->palette_size) {
            char text[SL_MESSAGE_CAPACITY];
            snprintf(text, sizeof text, "palette index %d is outside the %d-entry palette", largest,
                     decoder->palette_size);
            on_warning(png, text);
        }
    }
    fail_if_strict(decoder);
    decoder->image_complete = 1;
    png_read_end(png, NULL);   // up to IEND: trailing chunks' CRCs, a missing end
    fail_if_strict(decoder);
    out->warnings = decoder->warnings;
    sl_png_abort(decoder);
    return SL_OK;
}
