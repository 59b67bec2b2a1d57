/* render_output.c: the bytes of rendered maps: PNG through libpng at a fast zlib level (maps
 * are flat colours, so level 2 is within a few percent of level 6 at a fraction of the time),
 * and the SVG document with the labels inserted as real <text> elements.
 * Must never write to the final path: callers hand in the atomic file's stream. */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "render_private.h"

typedef struct png_job {
    const unsigned char *argb;
    int w, h, stride, alpha;
    unsigned char *row;
    char msg[200];
} png_job;

static void png_error_cb(png_structp png, png_const_charp msg)
{
    png_job *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof j->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static int any_translucent(const png_job *j)
{
    for (int y = 0; y < j->h; y++) {
        const uint32_t *px = (const uint32_t *)(const void *)(j->argb + (size_t)y * j->stride);
        for (int x = 0; x < j->w; x++)
            if ((px[x] >> 24) != 255)
                return 1;
    }
    return 0;
}

/* cairo's premultiplied native-endian ARGB to straight RGB(A) bytes. */
static void convert_row(const png_job *j, int y)
{
    const uint32_t *px = (const uint32_t *)(const void *)(j->argb + (size_t)y * j->stride);
    unsigned char *o = j->row;
    for (int x = 0; x < j->w; x++) {
        uint32_t v = px[x], a = v >> 24;
        unsigned r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
        if (j->alpha) {
            if (a && a < 255)
                r = (r * 255 + a / 2) / a, g = (g * 255 + a / 2) / a, b = (b * 255 + a / 2) / a;
            *o++ = (unsigned char)r, *o++ = (unsigned char)g, *o++ = (unsigned char)b;
            *o++ = (unsigned char)a;
        } else {
            *o++ = (unsigned char)r, *o++ = (unsigned char)g, *o++ = (unsigned char)b;
        }
    }
}

/* The libpng calls, apart so that nothing the longjmp could clobber lives in this frame. */
static int png_run(png_structp png, png_infop info, png_job *j, FILE *fp)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)j->w, (png_uint_32)j->h, 8,
                 j->alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Measured on 2000x1500 maps: zlib level 2 without row filters writes in about a third
     * of cairo's time (level 6, adaptive filters), and the file is smaller, not larger: the
     * filters turn a map's flat colours into noise that compresses worse. */
    png_set_compression_level(png, 2);
    png_set_filter(png, 0, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = 0; y < j->h; y++) {
        convert_row(j, y);
        png_write_row(png, j->row);
    }
    png_write_end(png, info);
    return 0;
}

int bm__png_write(const unsigned char *argb, int w, int h, int stride, FILE *fp, bm_error *err)
{
    png_job j = {argb, w, h, stride, 0, NULL, ""};
    j.alpha = any_translucent(&j);
    j.row = malloc((size_t)w * 4);
    if (!j.row)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &j, png_error_cb, png_warning_cb);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc = BM_OK;
    if (!png || !info)
        rc = bm_error_set(err, BM_ENOMEM, "out of memory for the PNG writer");
    else if (png_run(png, info, &j, fp) != 0)
        rc = bm_error_set(err, BM_EIO, "PNG: %s", j.msg[0] ? j.msg : "write error");
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    free(j.row);
    if (rc == BM_OK && (fflush(fp) != 0 || ferror(fp)))
        rc = bm_error_set(err, BM_EIO, "PNG: write error");
    return rc;
}

/* The last "</svg>" of the document: cairo ends every SVG with it. */
static const char *closing_tag(const char *svg, size_t len)
{
    static const char tag[] = "</svg>";
    for (size_t i = len >= sizeof tag - 1 ? len - (sizeof tag - 1) + 1 : 0; i-- > 0;)
        if (!memcmp(svg + i, tag, sizeof tag - 1))
            return svg + i;
    return NULL;
}

int bm__svg_write_with_text(const char *svg, size_t len, const bm__svg_texts *t, const char *family,
                            FILE *fp, bm_error *err)
{
    const char *end = closing_tag(svg, len);
    if (!end)
        return bm_error_set(err, BM_ERENDER, "SVG: the document has no closing tag");
    fwrite(svg, 1, (size_t)(end - svg), fp);
    int rc = bm__svg_texts_write(t, family, fp);
    fwrite(end, 1, len - (size_t)(end - svg), fp);
    if (rc != BM_OK || fflush(fp) != 0 || ferror(fp))
        return bm_error_set(err, BM_EIO, "SVG: write error");
    return BM_OK;
}
