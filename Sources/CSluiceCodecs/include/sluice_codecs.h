// C wrappers around libjpeg and libpng for Sluice.
//
// Both libraries report fatal errors by longjmp (libjpeg's default handler even calls exit()).
// Swift cannot call setjmp, so every call into the libraries that may fail happens here, inside
// a setjmp scope. These functions never print and never exit: they return a status and write a
// NUL-terminated reason into a caller-owned buffer of SL_MESSAGE_CAPACITY bytes.
#ifndef SLUICE_CODECS_H
#define SLUICE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#define SL_MESSAGE_CAPACITY 256

typedef enum {
    SL_OK = 0,
    SL_CORRUPT = 1,            // the library rejected the data (message says why)
    SL_TOO_MANY_PIXELS = 2,    // width * height above the limit, seen in the header
    SL_TOO_MANY_SCANS = 3,     // progressive JPEG with more scans than allowed
    SL_WARNING = 4,            // a recoverable problem, fatal unless lenient
    SL_UNSUPPORTED = 5,        // valid but not decodable to gray or RGB (e.g. 2-component JPEG)
    SL_OUT_OF_MEMORY = 6,
    SL_INVALID_ARGUMENT = 7
} sl_status;

typedef struct {
    uint64_t max_pixels;    // reject width * height above this before allocating; 0 = no limit
    uint32_t max_scans;     // reject progressive JPEGs with more scans; 0 = no limit
    int32_t lenient;        // accept recoverable problems (warnings, benign errors, CRCs)
    int32_t scale_denom;    // JPEG DCT scaling: 1, 2, 4 or 8 (output is about size / denom)
    int32_t libpng_only;    // PNG: skip the one-shot zlib fast path (same pixels, slower)
} sl_decode_options;

typedef struct {
    uint32_t width;             // of the decoded output (after JPEG DCT scaling)
    uint32_t height;
    uint32_t channels;          // of the decoded output: 1 (gray) or 3 (RGB)
    uint32_t source_width;      // as stored in the file
    uint32_t source_height;
    uint32_t source_channels;   // in the file (JPEG components; PNG samples per pixel)
    uint32_t bit_depth;         // in the file
    uint32_t interlaced;        // PNG Adam7 or progressive JPEG
    uint32_t warnings;          // recoverable problems accepted (lenient mode only)
    uint32_t png_fast_path;     // the PNG was inflated in one piece and unfiltered by Sluice
} sl_image_info;

// A growable byte buffer filled by the encoders; free it with sl_buffer_free.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} sl_buffer;

void sl_buffer_free(sl_buffer *buffer);

// MARK: JPEG decoding. One decoder per thread, reused across images.
typedef struct sl_jpeg_decoder sl_jpeg_decoder;

sl_jpeg_decoder *sl_jpeg_decoder_create(void);
void sl_jpeg_decoder_destroy(sl_jpeg_decoder *decoder);
// Reads the header and fills `info`. On SL_OK the decoder waits for sl_jpeg_decode or sl_jpeg_abort.
sl_status sl_jpeg_read_header(sl_jpeg_decoder *decoder, const uint8_t *data, size_t size,
                              const sl_decode_options *options, sl_image_info *info, char *message);
// Decodes into `pixels` (height rows of row_stride bytes, row_stride >= width * channels).
sl_status sl_jpeg_decode(sl_jpeg_decoder *decoder, uint8_t *pixels, size_t row_stride,
                         sl_image_info *info, char *message);
void sl_jpeg_abort(sl_jpeg_decoder *decoder);
// After sl_jpeg_read_header: decode at 1/denom scale (1, 2, 4, 8) instead; updates `info`.
void sl_jpeg_set_scale(sl_jpeg_decoder *decoder, int32_t denom, sl_image_info *info);
// Rows top..<top + height and columns left..<left + width of the (scaled) image.
typedef struct {
    int32_t top, left, height, width;
} sl_region;
// After sl_jpeg_read_header: whether sl_jpeg_decode_region may be called (not for CMYK files or
// files of several scans, progressive or not, which are decoded whole: libjpeg-turbo 2.1's
// jpeg_skip_scanlines never returns on some damaged multi-scan files).
int sl_jpeg_can_decode_region(const sl_jpeg_decoder *decoder);
// Instead of sl_jpeg_decode: only `region`, into `pixels` (region.height rows of row_stride
// bytes), the same bytes as that window of the whole decode. Every row is still entropy-decoded
// and the data read to its end, so damaged files fail as they do in sl_jpeg_decode.
sl_status sl_jpeg_decode_region(sl_jpeg_decoder *decoder, uint8_t *pixels, size_t row_stride, sl_region region,
                                sl_image_info *info, char *message);

// MARK: PNG decoding. One decoder per thread; libpng state lives from header to decode.
typedef struct sl_png_decoder sl_png_decoder;

sl_png_decoder *sl_png_decoder_create(void);
void sl_png_decoder_destroy(sl_png_decoder *decoder);
sl_status sl_png_read_header(sl_png_decoder *decoder, const uint8_t *data, size_t size,
                             const sl_decode_options *options, sl_image_info *info, char *message);
sl_status sl_png_decode(sl_png_decoder *decoder, uint8_t *pixels, size_t row_stride,
                        sl_image_info *info, char *message);
void sl_png_abort(sl_png_decoder *decoder);

// MARK: Encoding (previews, test fixtures, benchmark sets).

// channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; 8-bit samples. compression_level 0-9.
sl_status sl_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        size_t row_stride, int32_t compression_level, sl_buffer *output,
                        char *message);

typedef struct {
    int32_t quality;            // 1-100
    int32_t progressive;        // 0 or 1
    int32_t restart_interval;   // restart marker every N MCUs; 0 = none
    int32_t luma_h_sampling;    // 1, 2 or 4 (chroma subsampling is luma / 1 for 3 channels)
    int32_t luma_v_sampling;    // 1, 2 or 4
    int32_t ycck;               // 4-channel input: store as YCCK rather than CMYK
} sl_jpeg_encode_options;

// channels: 1 gray, 3 RGB, 4 CMYK (stored as given, with an Adobe marker, as Photoshop does).
sl_status sl_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                         size_t row_stride, const sl_jpeg_encode_options *options,
                         sl_buffer *output, char *message);

#endif
