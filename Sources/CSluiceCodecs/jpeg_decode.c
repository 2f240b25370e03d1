// JPEG decoding with libjpeg(-turbo) inside setjmp scopes.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#include "sluice_codecs.h"

struct sl_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;   // first member: callbacks cast cinfo back to the decoder
    struct jpeg_error_mgr error_manager;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    sl_status status;
    char reason[SL_MESSAGE_CAPACITY];
    int lenient;
    uint32_t max_scans;
    uint32_t warnings;
    int cmyk;                // decoding CMYK/YCCK, converted to RGB row by row
    int multiple_scans;      // progressive, or baseline with components in separate scans
    int cmyk_inverted;       // Adobe files store CMYK inverted
    uint8_t *row;            // CMYK scratch row, reused
    size_t row_capacity;
    uint8_t *scratch;        // rows decoded off alignment (see scratch_rows), reused
    size_t scratch_capacity;
    unsigned dropped_tables; // tables dropped since the decompressor was made (forget_tables)
    JHUFF_TBL standard_huffman[2][2];   // [DC, AC][table 0, 1]: libjpeg's standard tables
};

static int read_standard_tables(sl_jpeg_decoder *decoder);

static void fail(sl_jpeg_decoder *decoder, sl_status status) {
    decoder->status = status;
    longjmp(decoder->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) {
    sl_jpeg_decoder *decoder = (sl_jpeg_decoder *)cinfo;
    (*cinfo->err->format_message)(cinfo, decoder->reason);
    fail(decoder, SL_CORRUPT);
}

// Level -1 is a warning (corrupt data, premature end of file); higher levels are traces.
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    sl_jpeg_decoder *decoder = (sl_jpeg_decoder *)cinfo;
    decoder->warnings += 1;
    if (!decoder->lenient) {
        (*cinfo->err->format_message)(cinfo, decoder->reason);
        fail(decoder, SL_WARNING);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_error_exit_compress(j_common_ptr cinfo) {
    longjmp(*(jmp_buf *)cinfo->client_data, 1);
}

// Called while libjpeg consumes input; bounds the work a progressive file can ask for.
static void on_progress(j_common_ptr cinfo) {
    sl_jpeg_decoder *decoder = (sl_jpeg_decoder *)cinfo;
    if (decoder->max_scans > 0 && decoder->cinfo.input_scan_number > (int)decoder->max_scans) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "progressive JPEG has more than %u scans", decoder->max_scans);
        fail(decoder, SL_TOO_MANY_SCANS);
    }
}

sl_jpeg_decoder *sl_jpeg_decoder_create(void) {
    sl_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->cinfo.err = jpeg_std_error(&decoder->error_manager);
    decoder->error_manager.error_exit = on_error_exit;
    decoder->error_manager.emit_message = on_emit_message;
    decoder->error_manager.output_message = on_output_message;
    if (setjmp(decoder->jump)) {   // jpeg_create_decompress fails only when out of memory
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->cinfo);
    decoder->progress.progress_monitor = on_progress;
    decoder->cinfo.progress = &decoder->progress;
    if (!read_standard_tables(decoder)) {
        jpeg_destroy_decompress(&decoder->cinfo);
        free(decoder);
        return NULL;
    }
    return decoder;
}

// libjpeg keeps quantization and Huffman tables from one image to the next (for abbreviated
// streams, whose tables come separately), so a file that uses a table it never defines would
// get the previous file's: whether it is accepted, and its pixels, would depend on its
// neighbours. Each image starts instead as in a new decompressor, without allocating (new
// tables go to libjpeg's permanent pool, whose every allocation walks its blocks):
// - quantization tables are zeroed (the standard allows no zero entry; a file's all-zero table
//   counts as undefined) and check_defined_tables fails an image that uses one it did not
//   define, with libjpeg's message;
// - Huffman tables 0 and 1 get libjpeg's standard tables, which a new decompressor falls back
//   to when a file defines none (motion-JPEG frames);
// - Huffman tables 2 and 3, which few files define, are dropped as a new decompressor has
//   none; the dropped ones stay in the pool until it is remade, every 64.
// Call inside a setjmp scope (remaking the decompressor can run out of memory).
static void forget_tables(sl_jpeg_decoder *decoder) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (decoder->dropped_tables >= 64 || cinfo->mem == NULL) {   // NULL: a remake ran out of memory
        jpeg_destroy_decompress(cinfo);
        decoder->dropped_tables = 0;
        jpeg_create_decompress(cinfo);   // keeps cinfo->err
        cinfo->progress = &decoder->progress;
        return;
    }
    for (int i = 0; i < NUM_QUANT_TBLS; i++) {
        if (cinfo->quant_tbl_ptrs[i] != NULL) memset(cinfo->quant_tbl_ptrs[i]->quantval, 0, sizeof cinfo->quant_tbl_ptrs[i]->quantval);
    }
    for (int i = 0; i < NUM_HUFF_TBLS; i++) {
        JHUFF_TBL **tables[2] = { &cinfo->dc_huff_tbl_ptrs[i], &cinfo->ac_huff_tbl_ptrs[i] };
        for (int kind = 0; kind < 2; kind++) {
            JHUFF_TBL *table = *tables[kind];
            if (table == NULL) continue;
            if (i < 2) {
                const JHUFF_TBL *standard = &decoder->standard_huffman[kind][i];
                memcpy(table->bits, standard->bits, sizeof table->bits);
                memcpy(table->huffval, standard->huffval, sizeof table->huffval);
            } else {
                *tables[kind] = NULL;
                decoder->dropped_tables += 1;
            }
        }
    }
}

// After jpeg_start_decompress (which latches every table the decoded scans use): a zeroed
// quantization table is one this image never defined.
static void check_defined_tables(sl_jpeg_decoder *decoder) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    for (int c = 0; c < cinfo->num_components; c++) {
        const JQUANT_TBL *table = cinfo->comp_info[c].quant_table;
        if (table == NULL) continue;
        int defined = 0;
        for (int k = 0; k < DCTSIZE2 && !defined; k++) defined = table->quantval[k] != 0;
        if (!defined) {
            snprintf(decoder->reason, sizeof decoder->reason, "Quantization table 0x%02x was not defined",
                     cinfo->comp_info[c].quant_tbl_no);
            fail(decoder, SL_CORRUPT);
        }
    }
}

// libjpeg's standard Huffman tables, as its compressor sets them (jpeg_set_defaults): what a
// new decompressor uses for tables 0 and 1 when a file defines none. 0 when out of memory.
static int read_standard_tables(sl_jpeg_decoder *decoder) {
    struct jpeg_compress_struct compress;
    struct jpeg_error_mgr errors;
    compress.err = jpeg_std_error(&errors);
    errors.error_exit = on_error_exit_compress;
    errors.output_message = on_output_message;
    jmp_buf jump;
    compress.client_data = &jump;
    if (setjmp(jump)) {
        jpeg_destroy_compress(&compress);
        return 0;
    }
    jpeg_create_compress(&compress);
    compress.in_color_space = JCS_RGB;
    compress.input_components = 3;
    jpeg_set_defaults(&compress);
    for (int i = 0; i < 2; i++) {
        decoder->standard_huffman[0][i] = *compress.dc_huff_tbl_ptrs[i];
        decoder->standard_huffman[1][i] = *compress.ac_huff_tbl_ptrs[i];
    }
    jpeg_destroy_compress(&compress);
    return 1;
}

void sl_jpeg_decoder_destroy(sl_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder->row);
    free(decoder->scratch);
    free(decoder);
}

void sl_jpeg_set_scale(sl_jpeg_decoder *decoder, int32_t denom, sl_image_info *info) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    cinfo->scale_num = 1;
    cinfo->scale_denom = (denom == 2 || denom == 4 || denom == 8) ? (unsigned)denom : 1;
    jpeg_calc_output_dimensions(cinfo);   // cannot fail after a successful header read
    info->width = cinfo->output_width;
    info->height = cinfo->output_height;
}

void sl_jpeg_abort(sl_jpeg_decoder *decoder) {
    if (decoder != NULL) jpeg_abort_decompress(&decoder->cinfo);
}

static void copy_reason(sl_jpeg_decoder *decoder, char *message) {
    if (message != NULL) {
        strncpy(message, decoder->reason, SL_MESSAGE_CAPACITY - 1);
        message[SL_MESSAGE_CAPACITY - 1] = '\0';
    }
}

sl_status sl_jpeg_read_header(sl_jpeg_decoder *decoder, const uint8_t *data, size_t size,
                              const sl_decode_options *options, sl_image_info *info,
                              char *message) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    decoder->status = SL_OK;
    decoder->reason[0] = '\0';
    decoder->lenient = options->lenient;
    decoder->max_scans = options->max_scans;
    decoder->warnings = 0;
    if (size == 0 || size > (size_t)0xFFFFFFFFu) {
        snprintf(decoder->reason, sizeof decoder->reason, "JPEG data size %zu is not supported", size);
        copy_reason(decoder, message);
        return SL_INVALID_ARGUMENT;
    }
    if (setjmp(decoder->jump)) {
        jpeg_abort_decompress(cinfo);
        copy_reason(decoder, message);
        return decoder->status;
    }
    forget_tables(decoder);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);

    info->source_width = cinfo->image_width;
    info->source_height = cinfo->image_height;
    uint64_t pixels = (uint64_t)cinfo->image_width * (uint64_t)cinfo->image_height;
    if (options->max_pixels > 0 && pixels > options->max_pixels) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "image is %ux%u = %llu pixels, over the limit of %llu", cinfo->image_width,
                 cinfo->image_height, (unsigned long long)pixels,
                 (unsigned long long)options->max_pixels);
        fail(decoder, SL_TOO_MANY_PIXELS);
    }
    // A complete Huffman-coded JPEG spends at least one bit on every 8x8 block of its first
    // component (the block's DC code), so a file smaller than that is truncated, or a header
    // alone declaring a vast image: refused before anything is allocated for it. Arithmetic
    // coding has no such floor; --lenient decodes whatever data there is.
    uint64_t blocks = (uint64_t)cinfo->comp_info[0].width_in_blocks * cinfo->comp_info[0].height_in_blocks;
    if (!options->lenient && !cinfo->arith_code && blocks / 8 > size) {
        snprintf(decoder->reason, sizeof decoder->reason,
                 "%zu bytes cannot hold the %ux%u image the header declares: the file is truncated", size,
                 cinfo->image_width, cinfo->image_height);
        fail(decoder, SL_WARNING);
    }
    decoder->multiple_scans = jpeg_has_multiple_scans(cinfo);
    decoder->cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;   // libjpeg turns YCCK into CMYK; RGB is ours to do
        decoder->cmyk = 1;
        decoder->cmyk_inverted = cinfo->saw_Adobe_marker;
        break;
    default:
        snprintf(decoder->reason, sizeof decoder->reason,
                 "JPEG with %d components in an unknown colour space is not supported",
                 cinfo->num_components);
        fail(decoder, SL_UNSUPPORTED);
    }
    int denom = options->scale_denom;
    cinfo->scale_num = 1;
    cinfo->scale_denom = (denom == 2 || denom == 4 || denom == 8) ? (unsigned)denom : 1;
    jpeg_calc_output_dimensions(cinfo);

    info->width = cinfo->output_width;
    info->height = cinfo->output_height;
    info->channels = cinfo->out_color_space == JCS_GRAYSCALE ? 1 : 3;
    info->source_width = cinfo->image_width;
    info->source_height = cinfo->image_height;
    info->source_channels = (uint32_t)cinfo->num_components;
    info->bit_depth = (uint32_t)cinfo->data_precision;
    info->interlaced = cinfo->progressive_mode ? 1 : 0;
    info->warnings = decoder->warnings;
    return SL_OK;
}

// Pillow's CMYK -> RGB (Convert.c cmyk2rgb): channel = (255 - k) - c * (255 - k) / 255, rounded.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++) {
        int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        int nk = 255 - k;
        int t;
        t = c * nk + 128; rgb[0] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = m * nk + 128; rgb[1] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = y * nk + 128; rgb[2] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        cmyk += 4;
        rgb += 3;
    }
}

// A reused buffer of the decoder, at least `needed` bytes; fails the decode when out of memory.
static void grow(sl_jpeg_decoder *decoder, uint8_t **buffer, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return;
    uint8_t *grown = realloc(*buffer, needed);
    if (grown == NULL) {
        snprintf(decoder->reason, sizeof decoder->reason, "out of memory");
        fail(decoder, SL_OUT_OF_MEMORY);
    }
    *buffer = grown;
    *capacity = needed;
}

// libjpeg-turbo's SIMD colour conversion writes a row that starts on a 16- or 32-byte boundary
// with non-temporal stores, which bypass the cache. For rows read right after, or buffers
// already in cache, that is slower: 32x32 JPEGs decoded 18-25% slower into aligned rows, and
// their pixels then came back from memory. So colour rows are decoded into these scratch rows,
// each one byte past a 64-byte boundary (ordinary stores), and copied out while in cache.
enum { SCRATCH_ROWS = 16 };

static void scratch_rows(sl_jpeg_decoder *decoder, size_t row_bytes, JSAMPROW rows[SCRATCH_ROWS]) {
    const size_t pitch = (row_bytes + 64) & ~(size_t)63;
    grow(decoder, &decoder->scratch, &decoder->scratch_capacity, pitch * SCRATCH_ROWS + 64);
    uint8_t *first = (uint8_t *)(((uintptr_t)decoder->scratch + 63) & ~(uintptr_t)63) + 1;
    for (int r = 0; r < SCRATCH_ROWS; r++) rows[r] = first + (size_t)r * pitch;
}

sl_status sl_jpeg_decode(sl_jpeg_decoder *decoder, uint8_t *pixels, size_t row_stride,
                         sl_image_info *info, char *message) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (setjmp(decoder->jump)) {
        jpeg_abort_decompress(cinfo);
        copy_reason(decoder, message);
        return decoder->status;
    }
    jpeg_start_decompress(cinfo);
    check_defined_tables(decoder);
    JDIMENSION width = cinfo->output_width;
    if (decoder->cmyk) {
        grow(decoder, &decoder->row, &decoder->row_capacity, (size_t)width * 4);
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW row = decoder->row;
            uint8_t *destination = pixels + (size_t)cinfo->output_scanline * row_stride;
            jpeg_read_scanlines(cinfo, &row, 1);
            cmyk_row_to_rgb(decoder->row, destination, width, decoder->cmyk_inverted);
        }
    } else if (cinfo->out_color_space == JCS_RGB) {   // through scratch rows: see scratch_rows
        const size_t row_bytes = (size_t)width * 3;
        JSAMPROW rows[SCRATCH_ROWS];
        scratch_rows(decoder, row_bytes, rows);
        while (cinfo->output_scanline < cinfo->output_height) {
            const JDIMENSION first = cinfo->output_scanline, remaining = cinfo->output_height - first;
            const JDIMENSION got = jpeg_read_scanlines(cinfo, rows, remaining < SCRATCH_ROWS ? remaining : SCRATCH_ROWS);
            for (JDIMENSION r = 0; r < got; r++) memcpy(pixels + (size_t)(first + r) * row_stride, rows[r], row_bytes);
        }
    } else {   // gray: libjpeg copies the rows with ordinary stores
        JSAMPROW rows[SCRATCH_ROWS];
        while (cinfo->output_scanline < cinfo->output_height) {
            JDIMENSION remaining = cinfo->output_height - cinfo->output_scanline;
            JDIMENSION count = remaining < SCRATCH_ROWS ? remaining : SCRATCH_ROWS;
            for (JDIMENSION r = 0; r < count; r++)
                rows[r] = pixels + (size_t)(cinfo->output_scanline + r) * row_stride;
            jpeg_read_scanlines(cinfo, rows, count);
        }
    }
    jpeg_finish_decompress(cinfo);   // reads to EOI, so a missing end is seen (as a warning)
    info->warnings = decoder->warnings;
    return SL_OK;
}

// Columns decoded beyond each side of a region: libjpeg-turbo's fancy upsampling treats the
// edges of a cropped row as image edges, so their pixels may differ from a whole decode.
enum { REGION_MARGIN = 16 };

int sl_jpeg_can_decode_region(const sl_jpeg_decoder *decoder) {
    return !decoder->cmyk && !decoder->multiple_scans;
}

sl_status sl_jpeg_decode_region(sl_jpeg_decoder *decoder, uint8_t *pixels, size_t row_stride, sl_region region,
                                sl_image_info *info, char *message) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (setjmp(decoder->jump)) {
        jpeg_abort_decompress(cinfo);
        copy_reason(decoder, message);
        return decoder->status;
    }
    if (!sl_jpeg_can_decode_region(decoder) || region.top < 0 || region.left < 0 || region.height <= 0 || region.width <= 0
        || (uint32_t)(region.top + region.height) > cinfo->output_height
        || (uint32_t)(region.left + region.width) > cinfo->output_width) {
        snprintf(decoder->reason, sizeof decoder->reason, "region outside the image, or not decodable alone");
        fail(decoder, SL_INVALID_ARGUMENT);
    }
    jpeg_start_decompress(cinfo);
    check_defined_tables(decoder);
    const JDIMENSION full_width = cinfo->output_width, channels = (JDIMENSION)cinfo->output_components;
    JDIMENSION left = (JDIMENSION)region.left, width = (JDIMENSION)region.width;
    JDIMENSION first = left > REGION_MARGIN ? left - REGION_MARGIN : 0;
    JDIMENSION end = left + width + REGION_MARGIN < full_width ? left + width + REGION_MARGIN : full_width;
    JDIMENSION span = end - first;
    if (span < full_width) jpeg_crop_scanline(cinfo, &first, &span);   // moves first left to an iMCU edge
    JSAMPROW rows[SCRATCH_ROWS];
    scratch_rows(decoder, (size_t)cinfo->output_width * channels, rows);
    if (region.top > 0) jpeg_skip_scanlines(cinfo, (JDIMENSION)region.top);
    const JDIMENSION end_row = (JDIMENSION)(region.top + region.height);
    while (cinfo->output_scanline < end_row) {
        const JDIMENSION y = cinfo->output_scanline - (JDIMENSION)region.top, left_rows = end_row - cinfo->output_scanline;
        const JDIMENSION got = jpeg_read_scanlines(cinfo, rows, left_rows < SCRATCH_ROWS ? left_rows : SCRATCH_ROWS);
        for (JDIMENSION r = 0; r < got; r++)
            memcpy(pixels + (size_t)(y + r) * row_stride, rows[r] + (size_t)(left - first) * channels, (size_t)width * channels);
    }
    // The rows below are still entropy-decoded (skipping all of them at once would mark the
    // data finished unread), and the file is read to its end, so a damaged or truncated file
    // fails as it does when decoded whole.
    const JDIMENSION below = cinfo->output_height - cinfo->output_scanline;
    if (below > 1) jpeg_skip_scanlines(cinfo, below - 1);
    if (below > 0) jpeg_read_scanlines(cinfo, rows, 1);
    jpeg_finish_decompress(cinfo);
    info->width = (uint32_t)region.width;
    info->height = (uint32_t)region.height;
    info->warnings = decoder->warnings;
    return SL_OK;
}
