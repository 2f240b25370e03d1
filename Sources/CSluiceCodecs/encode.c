// PNG and JPEG encoding to memory, inside setjmp scopes.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>

#include "sluice_codecs.h"

void sl_buffer_free(sl_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

typedef struct {
    jmp_buf jump;
    char reason[SL_MESSAGE_CAPACITY];
    sl_buffer *output;
} png_writer;

static void png_write_error(png_structp png, png_const_charp text) {
    png_writer *writer = png_get_error_ptr(png);
    snprintf(writer->reason, sizeof writer->reason, "%s", text);
    longjmp(writer->jump, 1);
}

static void png_write_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void png_write_data(png_structp png, png_bytep data, size_t length) {
    png_writer *writer = png_get_io_ptr(png);
    sl_buffer *output = writer->output;
    if (length > output->capacity - output->size) {
        size_t capacity = output->capacity ? output->capacity : 4096;
        while (capacity - output->size < length) capacity *= 2;
        uint8_t *data = realloc(output->data, capacity);
        if (data == NULL) png_error(png, "out of memory");
        output->data = data;
        output->capacity = capacity;
    }
    memcpy(output->data + output->size, data, length);
    output->size += length;
}

static void png_flush(png_structp png) { (void)png; }

sl_status sl_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        size_t row_stride, int32_t compression_level, sl_buffer *output,
                        char *message) {
    static const int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                      PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    output->data = NULL;
    output->size = 0;
    output->capacity = 0;
    if (channels < 1 || channels > 4 || width == 0 || height == 0) {
        snprintf(message, SL_MESSAGE_CAPACITY, "cannot encode %ux%u with %u channels as PNG",
                 width, height, channels);
        return SL_INVALID_ARGUMENT;
    }
    png_writer writer = {.output = output};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, png_write_error,
                                              png_write_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        snprintf(message, SL_MESSAGE_CAPACITY, "out of memory");
        return SL_OUT_OF_MEMORY;
    }
    if (setjmp(writer.jump)) {
        png_destroy_write_struct(&png, &info);
        sl_buffer_free(output);
        snprintf(message, SL_MESSAGE_CAPACITY, "%s", writer.reason);
        return SL_CORRUPT;
    }
    png_set_write_fn(png, &writer, png_write_data, png_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * row_stride));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return SL_OK;
}

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char reason[SL_MESSAGE_CAPACITY];
} jpeg_writer_error;

static void jpeg_write_error(j_common_ptr cinfo) {
    jpeg_writer_error *error = (jpeg_writer_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, error->reason);
    longjmp(error->jump, 1);
}

static void jpeg_silent(j_common_ptr cinfo) { (void)cinfo; }

sl_status sl_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                         size_t row_stride, const sl_jpeg_encode_options *options,
                         sl_buffer *output, char *message) {
    output->data = NULL;
    output->size = 0;
    output->capacity = 0;
    if ((channels != 1 && channels != 3 && channels != 4) || width == 0 || height == 0) {
        snprintf(message, SL_MESSAGE_CAPACITY, "cannot encode %ux%u with %u channels as JPEG",
                 width, height, channels);
        return SL_INVALID_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_writer_error error;
    unsigned char *data = NULL;
    unsigned long size = 0;
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jpeg_write_error;
    error.manager.output_message = jpeg_silent;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(data);
        snprintf(message, SL_MESSAGE_CAPACITY, "%s", error.reason);
        return SL_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &data, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = (int)channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    if (channels == 4) jpeg_set_colorspace(&cinfo, options->ycck ? JCS_YCCK : JCS_CMYK);
    jpeg_set_quality(&cinfo, options->quality, TRUE);
    if (channels == 3 || (channels == 4 && options->ycck)) {
        cinfo.comp_info[0].h_samp_factor = options->luma_h_sampling > 0 ? options->luma_h_sampling : 2;
        cinfo.comp_info[0].v_samp_factor = options->luma_v_sampling > 0 ? options->luma_v_sampling : 2;
    }
    cinfo.restart_interval = (unsigned)(options->restart_interval > 0 ? options->restart_interval : 0);
    if (options->progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    output->data = data;
    output->size = size;
    output->capacity = size;
    return SL_OK;
}
