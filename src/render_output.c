/* render_output.c: the bytes of rendered maps: PNG through libpng's chunks with the image
 * data deflated by zlib in bands on several threads, and the SVG document with the labels
 * inserted as real <text> elements.
 * Must never write to the final path: callers hand in the atomic file's stream. */
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "render_private.h"

/* Bands of rows deflated at once: a 2000 x 1500 map spent a fifth of its time in zlib on
 * one core. More bands than this gain nothing on a map's few megabytes. */
#define MAX_BANDS 4
/* Fewer rows than this per band and a thread costs more than it saves. */
#define MIN_BAND_ROWS 64

/* One band of rows: its scanlines (filter byte 0, then straight RGB or RGBA) deflated as a
 * piece of the image's one zlib stream. The first band writes the zlib header, the others
 * are raw deflate primed with the 32 KB before them; every band but the last ends on a
 * byte boundary (a sync flush), so the pieces concatenate into one valid stream. */
typedef struct png_band {
    const unsigned char *argb;
    int w, stride, alpha;
    int y0, y1, first, last;
    unsigned char *out;
    size_t n_out;
    uLong adler; /* of this band's scanlines */
    uLong len;   /* their length */
    int failed;
} png_band;

static int any_translucent(const unsigned char *argb, int w, int h, int stride)
{
    for (int y = 0; y < h; y++) {
        const uint32_t *px = (const uint32_t *)(const void *)(argb + (size_t)y * stride);
        for (int x = 0; x < w; x++)
            if ((px[x] >> 24) != 255)
                return 1;
    }
    return 0;
}

/* cairo's premultiplied native-endian ARGB to one PNG scanline: filter type 0 (none: the
 * filters turn a map's flat colours into noise that compresses worse), then RGB(A) bytes. */
static void convert_row(const png_band *b, int y, unsigned char *o)
{
    const uint32_t *px = (const uint32_t *)(const void *)(b->argb + (size_t)y * b->stride);
    *o++ = 0;
    int x = 0;
    if (!b->alpha) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* The common page: four pixels to three words (a loop testing alpha and storing
         * byte by byte cost ~15 instructions a pixel, a tenth of a PNG's encoding). A pixel
         * 0xAARRGGBB byte-swapped and shifted is R, G, B in memory order. */
        for (; x + 4 <= b->w; x += 4, o += 12) {
            uint32_t c0 = __builtin_bswap32(px[x]) >> 8, c1 = __builtin_bswap32(px[x + 1]) >> 8;
            uint32_t c2 = __builtin_bswap32(px[x + 2]) >> 8, c3 = __builtin_bswap32(px[x + 3]) >> 8;
            uint32_t w[3] = {c0 | c1 << 24, c1 >> 8 | c2 << 16, c2 >> 16 | c3 << 8};
            memcpy(o, w, 12);
        }
#endif
        for (; x < b->w; x++) {
            uint32_t v = px[x];
            *o++ = (unsigned char)(v >> 16), *o++ = (unsigned char)(v >> 8),
            *o++ = (unsigned char)v;
        }
        return;
    }
    for (; x < b->w; x++) {
        uint32_t v = px[x], a = v >> 24;
        unsigned r = (v >> 16) & 255, g = (v >> 8) & 255, bl = v & 255;
        if (a && a < 255)
            r = (r * 255 + a / 2) / a, g = (g * 255 + a / 2) / a, bl = (bl * 255 + a / 2) / a;
        *o++ = (unsigned char)r, *o++ = (unsigned char)g, *o++ = (unsigned char)bl;
        *o++ = (unsigned char)a;
    }
}

static size_t row_bytes(const png_band *b)
{
    return 1 + (size_t)b->w * (b->alpha ? 4 : 3);
}

/* The last 32 KB of scanlines before the band, as the dictionary of its raw deflate. */
static int prime(png_band *b, z_stream *z)
{
    size_t rb = row_bytes(b);
    int n = (int)((32768 + rb - 1) / rb), y = b->y0 - n < 0 ? 0 : b->y0 - n;
    unsigned char *dict = malloc((size_t)(b->y0 - y) * rb);
    if (!dict)
        return -1;
    for (int k = y; k < b->y0; k++)
        convert_row(b, k, dict + (size_t)(k - y) * rb);
    size_t len = (size_t)(b->y0 - y) * rb, keep = len > 32768 ? 32768 : len;
    int rc = deflateSetDictionary(z, dict + len - keep, (uInt)keep);
    free(dict);
    return rc == Z_OK ? 0 : -1;
}

static int grow(png_band *b, size_t *cap)
{
    size_t c = *cap ? *cap * 2 : 1 << 18;
    unsigned char *p = realloc(b->out, c);
    if (!p)
        return -1;
    b->out = p, *cap = c;
    return 0;
}

/* Feeds in to z with the flush mode, collecting everything zlib gives back. */
static int pump(png_band *b, z_stream *z, const unsigned char *in, size_t n, int flush, size_t *cap)
{
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    for (;;) {
        if (b->n_out == *cap && grow(b, cap) != 0)
            return -1;
        z->next_out = b->out + b->n_out;
        z->avail_out = (uInt)(*cap - b->n_out);
        int rc = deflate(z, flush);
        b->n_out = *cap - z->avail_out;
        if (rc == Z_STREAM_ERROR)
            return -1;
        if (z->avail_in == 0 && z->avail_out != 0 && (flush != Z_FINISH || rc == Z_STREAM_END))
            return 0;
    }
}

static void *deflate_band(void *arg)
{
    png_band *b = arg;
    /* Level 2: maps are flat colours, so it is within a few percent of level 6's size at a
     * fraction of the time. */
    z_stream z = {0};
    size_t cap = 0, rb = row_bytes(b);
    unsigned char *row = malloc(rb);
    b->failed = 1;
    if (!row ||
        deflateInit2(&z, 2, Z_DEFLATED, b->first ? 15 : -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(row);
        return NULL;
    }
    int ok = b->first || prime(b, &z) == 0;
    b->adler = adler32(0L, Z_NULL, 0);
    for (int y = b->y0; ok && y < b->y1; y++) {
        convert_row(b, y, row);
        b->adler = adler32(b->adler, row, (uInt)rb);
        ok = pump(b, &z, row, rb, Z_NO_FLUSH, &cap) == 0;
    }
    if (ok)
        ok = pump(b, &z, NULL, 0, b->last ? Z_FINISH : Z_SYNC_FLUSH, &cap) == 0;
    b->len = (uLong)rb * (uLong)(b->y1 - b->y0);
    deflateEnd(&z);
    free(row);
    b->failed = !ok;
    return NULL;
}

/* Deflates the bands, one each on its own thread and the first on the caller's (any thread
 * that cannot start runs on the caller's after it): the same bytes whichever ran where. */
static void deflate_bands(png_band *b, int n)
{
    pthread_t th[MAX_BANDS];
    int started[MAX_BANDS] = {0};
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&th[i], NULL, deflate_band, &b[i]) == 0;
    deflate_band(&b[0]);
    for (int i = 1; i < n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            deflate_band(&b[i]);
    }
}

static int band_count(int h)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > MAX_BANDS ? MAX_BANDS : (int)cpus;
    while (n > 1 && h / n < MIN_BAND_ROWS)
        n--;
    return n;
}

typedef struct png_job {
    png_band *bands;
    int n_bands, w, h, alpha;
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

/* The libpng calls (signature, header, chunks), apart so that nothing the longjmp could
 * clobber lives in this frame. The image data is the bands' deflate output, then the zlib
 * trailer: the Adler-32 of all scanlines, combined from the bands'. */
static int png_run(png_structp png, png_infop info, png_job *j, FILE *fp)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)j->w, (png_uint_32)j->h, 8,
                 j->alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    static const png_byte idat[5] = "IDAT", iend[5] = "IEND";
    uLong adler = j->bands[0].adler;
    for (int i = 0; i < j->n_bands; i++) {
        const png_band *b = &j->bands[i];
        if (i > 0)
            adler = adler32_combine(adler, b->adler, (z_off_t)b->len);
        if (b->n_out)
            png_write_chunk(png, idat, b->out, b->n_out);
    }
    png_byte trailer[4] = {(png_byte)(adler >> 24), (png_byte)(adler >> 16), (png_byte)(adler >> 8),
                           (png_byte)adler};
    png_write_chunk(png, idat, trailer, sizeof trailer);
    png_write_chunk(png, iend, NULL, 0);
    return 0;
}

int bm__png_write(const unsigned char *argb, int w, int h, int stride, FILE *fp, bm_error *err)
{
    png_band bands[MAX_BANDS];
    png_job j = {bands, band_count(h), w, h, any_translucent(argb, w, h, stride), ""};
    for (int i = 0; i < j.n_bands; i++)
        bands[i] = (png_band){argb,
                              w,
                              stride,
                              j.alpha,
                              (int)((int64_t)h * i / j.n_bands),
                              (int)((int64_t)h * (i + 1) / j.n_bands),
                              i == 0,
                              i == j.n_bands - 1,
                              NULL,
                              0,
                              0,
                              0,
                              0};
    deflate_bands(bands, j.n_bands);
    int rc = BM_OK;
    for (int i = 0; i < j.n_bands; i++)
        if (bands[i].failed && rc == BM_OK)
            rc = bm_error_set(err, BM_ENOMEM, "PNG: out of memory deflating the image");
    png_structp png = rc == BM_OK ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &j, png_error_cb,
                                                            png_warning_cb)
                                  : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (rc == BM_OK && (!png || !info))
        rc = bm_error_set(err, BM_ENOMEM, "out of memory for the PNG writer");
    else if (rc == BM_OK && png_run(png, info, &j, fp) != 0)
        rc = bm_error_set(err, BM_EIO, "PNG: %s", j.msg[0] ? j.msg : "write error");
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    for (int i = 0; i < j.n_bands; i++)
        free(bands[i].out);
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
