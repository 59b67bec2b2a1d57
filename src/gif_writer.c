/* gif_writer.c: animated GIF output for `bordermap animate` through giflib,
 * with one global palette derived from the map style and frame differences.
 * Must never use a GPL quantiser (libimagequant) nor dither: maps are flat
 * colours, and dithering would defeat the frame-difference encoding. */
#include "gif_writer_private.h"

#include <gif_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/fileio.h"

/* ---- Palette ------------------------------------------------------------ */

/* "Redmean" weighted RGB distance: a cheap approximation of perceived
 * difference that keeps blues and reds apart better than plain Euclid. */
static int colour_dist(bm__rgb a, bm__rgb b)
{
    int rmean = (a.r + b.r) / 2;
    int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
    return (((512 + rmean) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rmean) * db * db) >> 8);
}

/* A per-channel step expressed in colour_dist units (about 9 per step²). */
static int step_dist(int step)
{
    return 9 * step * step;
}

void bm__palette_init(bm__palette *p)
{
    memset(p, 0, sizeof *p);
    p->n = 1; /* slot 0: transparency */
}

/* The search runs once per distinct colour (see the cache below), but a
 * frame of faded, overlapping symbols has tens of thousands of them: the
 * green term, the heaviest, rules most candidates out before the others are
 * computed. */
int bm__palette_nearest(const bm__palette *p, bm__rgb c)
{
    int best = p->n > 1 ? 1 : 0, best_d = 1 << 30;
    for (int i = 1; i < p->n; i++) {
        int dg = p->c[i].g - c.g;
        if (4 * dg * dg >= best_d)
            continue;
        int d = colour_dist(p->c[i], c);
        if (d < best_d) {
            best_d = d;
            best = i;
            if (d == 0)
                break;
        }
    }
    return best;
}

int bm__palette_add(bm__palette *p, bm__rgb c, int min_dist)
{
    if (p->n > 1) {
        int near = bm__palette_nearest(p, c);
        if (colour_dist(p->c[near], c) <= min_dist)
            return near;
    }
    if (p->n >= 256)
        return -1;
    p->c[p->n] = c;
    return p->n++;
}

static bm__rgb blend(bm__rgb over, bm__rgb under, double alpha)
{
    bm__rgb o;
    o.r = (uint8_t)(under.r + (over.r - under.r) * alpha + 0.5);
    o.g = (uint8_t)(under.g + (over.g - under.g) * alpha + 0.5);
    o.b = (uint8_t)(under.b + (over.b - under.b) * alpha + 0.5);
    return o;
}

static void add_list(bm__palette *p, const bm__rgb *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bm__palette_add(p, c[i], 0);
}

static void add_blends(bm__palette *p, const bm__rgb *over, size_t n_over, const bm__rgb *under,
                       size_t n_under, double alpha, int min_dist)
{
    for (size_t u = 0; u < n_under; u++)
        for (size_t o = 0; o < n_over; o++)
            if (bm__palette_add(p, blend(over[o], under[u], alpha), min_dist) < 0)
                return;
}

/* ---- Frequent colours of a sample frame --------------------------------- */

typedef struct colour_count {
    uint32_t rgb; /* 0x01RRGGBB when used, 0 when empty */
    uint32_t count;
} colour_count;

static int by_count_desc(const void *a, const void *b)
{
    const colour_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->rgb < y->rgb ? -1 : x->rgb > y->rgb;
}

static uint32_t hash_rgb(uint32_t rgb)
{
    return rgb * 2654435761u;
}

static bm__rgb unpack_rgb(uint32_t px, bm__rgb matte);

/* Counts exact colours in an open-addressed table; when it fills up the
 * remaining pixels are simply not counted (the palette is a best effort and
 * the common colours have long been seen by then). */
static colour_count *count_colours(const uint32_t *px, int w, int h, int stride_px, bm__rgb matte,
                                   size_t *cap_out)
{
    size_t cap = 1u << 17, used = 0;
    colour_count *t = calloc(cap, sizeof *t);
    if (!t)
        return NULL;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            bm__rgb c = unpack_rgb(px[(size_t)y * stride_px + x], matte);
            uint32_t key = 0x1000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
            size_t i = hash_rgb(key) & (cap - 1);
            while (t[i].rgb && t[i].rgb != key)
                i = (i + 1) & (cap - 1);
            if (!t[i].rgb) {
                if (used * 4 >= cap * 3)
                    continue;
                t[i].rgb = key;
                used++;
            }
            t[i].count++;
        }
    }
    *cap_out = cap;
    return t;
}

/* The sample's colours by decreasing pixel count, down to those covering
 * one pixel in `per` (edge shades below that map well to their nearest). */
static size_t frequent_colours(const uint32_t *px, int w, int h, int stride_px, bm__rgb matte,
                               int64_t per, bm__rgb *out, size_t max)
{
    size_t cap = 0, n = 0;
    colour_count *t = count_colours(px, w, h, stride_px, matte, &cap);
    if (!t)
        return 0;
    qsort(t, cap, sizeof *t, by_count_desc);
    uint32_t min_count = (uint32_t)((int64_t)w * h / per) + 1;
    for (size_t i = 0; i < cap && n < max && t[i].rgb && t[i].count >= min_count; i++)
        out[n++] =
            (bm__rgb){(uint8_t)(t[i].rgb >> 16), (uint8_t)(t[i].rgb >> 8), (uint8_t)t[i].rgb};
    free(t);
    return n;
}

void bm__palette_build(bm__palette *p, const bm__rgb *grounds, size_t n_grounds,
                       const bm__rgb *inks, size_t n_inks, size_t n_blend_inks,
                       const uint32_t *sample, int width, int height, int stride_bytes)
{
    static const double first_alphas[] = {0.5, 0.25, 0.75};
    static const double fine_alphas[] = {0.125, 0.375, 0.625, 0.875};
    bm__rgb derived[4], frequent[256];
    bm__rgb white = {255, 255, 255};
    /* Without grounds from the caller, the fills covering at least 2% of the
     * sample each (land, water, neighbours) are the grounds. */
    if (n_grounds == 0 && sample) {
        n_grounds =
            frequent_colours(sample, width, height, stride_bytes / 4, white, 50, derived, 4);
        grounds = derived;
    }
    bm__rgb matte = n_grounds ? grounds[0] : white;
    size_t n_frequent = sample ? frequent_colours(sample, width, height, stride_bytes / 4, matte,
                                                  20000, frequent, 256)
                               : 0;
    /* Only symbol colours need their shades over every ground: line and text inks sit on
     * the static layers, whose shades the first frame's frequent colours bring. */
    size_t nb = n_blend_inks && n_blend_inks < n_inks ? n_blend_inks : n_inks;
    bm__palette_init(p);
    add_list(p, grounds, n_grounds);
    add_list(p, inks, n_inks);
    for (int i = 0; i <= 15; i++) {
        uint8_t v = (uint8_t)(i * 17);
        bm__palette_add(p, (bm__rgb){v, v, v}, step_dist(2));
    }
    for (size_t i = 0; i < sizeof first_alphas / sizeof first_alphas[0]; i++)
        add_blends(p, inks, nb, grounds, n_grounds, first_alphas[i], step_dist(3));
    add_blends(p, grounds, n_grounds, grounds, n_grounds, 0.5, step_dist(3));
    /* The static layers of the first frame claim what is left before the
     * finer shades: they cover most pixels of every frame. */
    for (size_t i = 0; i < n_frequent; i++)
        if (bm__palette_add(p, frequent[i], step_dist(3)) < 0)
            break;
    for (size_t i = 0; i < sizeof fine_alphas / sizeof fine_alphas[0]; i++)
        add_blends(p, inks, nb, grounds, n_grounds, fine_alphas[i], step_dist(4));
}

/* ---- Colour mapping ----------------------------------------------------- */

static bm__rgb unpack_rgb(uint32_t px, bm__rgb matte)
{
    uint32_t a = px >> 24;
    bm__rgb c = {(uint8_t)(px >> 16), (uint8_t)(px >> 8), (uint8_t)px};
    if (a == 255)
        return c;
    /* Premultiplied: add the matte's share for the uncovered part. */
    uint32_t k = 255 - a;
    c.r = (uint8_t)(c.r + (matte.r * k + 127) / 255);
    c.g = (uint8_t)(c.g + (matte.g * k + 127) / 255);
    c.b = (uint8_t)(c.b + (matte.b * k + 127) / 255);
    return c;
}

/* The palette sorted by green, for a search that starts at the pixel's
 * green and walks outwards until the green term alone exceeds the best
 * distance found: a handful of candidates instead of all 255. */
typedef struct green_index {
    int n;
    uint8_t slot[256]; /* palette slots by increasing green */
    uint8_t g[256];
} green_index;

static void green_index_build(green_index *gi, const bm__palette *p)
{
    gi->n = 0;
    for (int v = 0; v < 256; v++)
        for (int i = 1; i < p->n; i++)
            if (p->c[i].g == v) {
                gi->slot[gi->n] = (uint8_t)i;
                gi->g[gi->n++] = (uint8_t)v;
            }
}

static void consider(const bm__palette *p, int slot, bm__rgb c, int *best, int *best_d)
{
    int d = colour_dist(p->c[slot], c);
    if (d < *best_d || (d == *best_d && slot < *best)) {
        *best_d = d;
        *best = slot;
    }
}

/* Same answer as bm__palette_nearest (ties go to the lower slot). */
static int nearest_by_green(const green_index *gi, const bm__palette *p, bm__rgb c)
{
    int lo = 0, hi = gi->n;
    while (lo < hi) { /* first entry with green >= c.g */
        int mid = (lo + hi) / 2;
        if (gi->g[mid] < c.g)
            lo = mid + 1;
        else
            hi = mid;
    }
    int best = gi->n ? gi->slot[0] : 0, best_d = 1 << 30;
    for (int up = lo, down = lo - 1; up < gi->n || down >= 0;) {
        int du = up < gi->n ? gi->g[up] - c.g : 1 << 12;
        int dd = down >= 0 ? c.g - gi->g[down] : 1 << 12;
        int dg = du < dd ? du : dd;
        if (4 * dg * dg > best_d)
            break;
        if (du < dd)
            consider(p, gi->slot[up++], c, &best, &best_d);
        else
            consider(p, gi->slot[down--], c, &best, &best_d);
    }
    return best;
}

/* A direct-mapped cache of nearest-colour answers keyed by the source pixel:
 * a map frame has a few thousand distinct colours, so nearly every lookup
 * hits and the 255-entry search runs once per colour, not per pixel. */
#define CACHE_BITS 18

typedef struct colour_cache {
    uint32_t key[1u << CACHE_BITS]; /* source pixel (ARGB32) */
    uint8_t idx[1u << CACHE_BITS];
    uint8_t used[1u << CACHE_BITS];
} colour_cache;

static uint8_t map_pixel(colour_cache *cc, const green_index *gi, const bm__palette *p,
                         bm__rgb matte, uint32_t px)
{
    uint32_t h = hash_rgb(px) >> (32 - CACHE_BITS);
    if (cc->used[h] && cc->key[h] == px)
        return cc->idx[h];
    uint8_t i = (uint8_t)nearest_by_green(gi, p, unpack_rgb(px, matte));
    cc->key[h] = px;
    cc->idx[h] = i;
    cc->used[h] = 1;
    return i;
}

/* ---- Writer ------------------------------------------------------------- */

struct bm__gif_writer {
    bm_atomic_file *af;
    GifFileType *gif;
    int w, h;
    bm__palette pal;
    green_index by_green;
    bm__rgb matte;
    colour_cache *cache;
    uint32_t *prev_src; /* last source pixels seen (w*h) */
    uint8_t *canvas;    /* palette slots the viewer shows now (w*h) */
    uint8_t *next;      /* this frame's slots, transparent where unchanged */
    int frames;
    int64_t ms_total, cs_total;
    int64_t pixels_written;
};

static int gif_out(GifFileType *gif, const GifByteType *buf, int len)
{
    FILE *fp = gif->UserData;
    return (int)fwrite(buf, 1, (size_t)len, fp);
}

static int gif_fail(bm_error *err, const char *what, int code)
{
    const char *why = GifErrorString(code);
    return bm_error_set(err, BM_EIO, "GIF %s: %s", what, why ? why : "write error");
}

/* NETSCAPE2.0 application extension: the loop count every browser honours. */
static int put_loop(GifFileType *gif, int loop_count)
{
    unsigned char sub[3] = {1, (unsigned char)(loop_count & 0xff),
                            (unsigned char)((loop_count >> 8) & 0xff)};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 3, sub) == GIF_ERROR ||
        EGifPutExtensionTrailer(gif) == GIF_ERROR)
        return GIF_ERROR;
    return GIF_OK;
}

static int start_stream(bm__gif_writer *g, int loop_count, bm_error *err)
{
    int bits = 1;
    while ((1 << bits) < g->pal.n)
        bits++;
    GifColorType map[256];
    memset(map, 0, sizeof map);
    for (int i = 0; i < g->pal.n; i++)
        map[i] = (GifColorType){g->pal.c[i].r, g->pal.c[i].g, g->pal.c[i].b};
    ColorMapObject *cmap = GifMakeMapObject(1 << bits, map);
    if (!cmap)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    int code = 0;
    g->gif = EGifOpen(bm_atomic_fp(g->af), gif_out, &code);
    if (!g->gif) {
        GifFreeMapObject(cmap);
        return gif_fail(err, "open", code);
    }
    EGifSetGifVersion(g->gif, true);
    int rc = EGifPutScreenDesc(g->gif, g->w, g->h, bits, 0, cmap);
    GifFreeMapObject(cmap);
    if (rc == GIF_ERROR || put_loop(g->gif, loop_count) == GIF_ERROR)
        return gif_fail(err, "header", g->gif->Error);
    return BM_OK;
}

int bm__gif_open(const char *path, int overwrite, int width, int height, const bm__palette *pal,
                 int loop_count, bm__gif_writer **out, bm_error *err)
{
    *out = NULL;
    if (width < 1 || height < 1 || width > 65535 || height > 65535)
        return bm_error_set(err, BM_EINVAL, "GIF size %dx%d out of range", width, height);
    if (!pal || pal->n < 2)
        return bm_error_set(err, BM_EINVAL, "GIF palette is empty");
    bm__gif_writer *g = calloc(1, sizeof *g);
    if (!g)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    g->w = width;
    g->h = height;
    g->pal = *pal;
    green_index_build(&g->by_green, &g->pal);
    g->matte = pal->c[1];
    size_t n = (size_t)width * height;
    g->cache = calloc(1, sizeof *g->cache);
    g->prev_src = malloc(n * sizeof *g->prev_src);
    g->canvas = malloc(n);
    g->next = malloc(n);
    if (!g->cache || !g->prev_src || !g->canvas || !g->next) {
        bm__gif_abort(g);
        return bm_error_set(err, BM_ENOMEM, "out of memory for a %dx%d GIF", width, height);
    }
    int rc = bm_atomic_open(path, overwrite, &g->af, err);
    if (rc == BM_OK)
        rc = start_stream(g, loop_count, err);
    if (rc != BM_OK) {
        bm__gif_abort(g);
        return rc;
    }
    *out = g;
    return BM_OK;
}

/* Running-total rounding: 30 fps gives 3,3,4,3,3,4... cs, so the animation
 * keeps its real length instead of drifting by a tenth. */
static int next_delay_cs(bm__gif_writer *g, int delay_ms)
{
    if (delay_ms < 0)
        delay_ms = 0;
    g->ms_total += delay_ms;
    int64_t cs = (g->ms_total + 5) / 10 - g->cs_total;
    if (cs < 2)
        cs = 2;
    if (cs > 65535)
        cs = 65535;
    g->cs_total += cs;
    return (int)cs;
}

static int put_control(bm__gif_writer *g, int delay_cs, int transparent)
{
    GraphicsControlBlock gcb = {
        .DisposalMode = DISPOSE_DO_NOT,
        .UserInputFlag = false,
        .DelayTime = delay_cs,
        .TransparentColor = transparent ? BM__PAL_TRANSPARENT : NO_TRANSPARENT_COLOR,
    };
    GifByteType ext[4];
    size_t len = EGifGCBToExtension(&gcb, ext);
    return EGifPutExtension(g->gif, GRAPHICS_EXT_FUNC_CODE, (int)len, ext);
}

static int put_rect(bm__gif_writer *g, const uint8_t *slots, int x0, int y0, int w, int h)
{
    if (EGifPutImageDesc(g->gif, x0, y0, w, h, false, NULL) == GIF_ERROR)
        return GIF_ERROR;
    for (int y = y0; y < y0 + h; y++)
        if (EGifPutLine(g->gif, (GifPixelType *)slots + (size_t)y * g->w + x0, w) == GIF_ERROR)
            return GIF_ERROR;
    g->pixels_written += (int64_t)w * h;
    return GIF_OK;
}

static void map_first(bm__gif_writer *g, const unsigned char *argb, int stride)
{
    for (int y = 0; y < g->h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(argb + (size_t)y * stride);
        size_t o = (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) {
            g->prev_src[o + x] = row[x];
            g->canvas[o + x] = map_pixel(g->cache, &g->by_green, &g->pal, g->matte, row[x]);
        }
    }
}

typedef struct rect {
    int x0, y0, x1, y1; /* inclusive; x1 < x0 when empty */
} rect;

/* Maps only the pixels whose source changed; those whose palette slot
 * changed go into `next` and grow the dirty rectangle. */
static rect map_changes(bm__gif_writer *g, const unsigned char *argb, int stride)
{
    rect r = {g->w, g->h, -1, -1};
    memset(g->next, BM__PAL_TRANSPARENT, (size_t)g->w * g->h);
    for (int y = 0; y < g->h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(argb + (size_t)y * stride);
        size_t o = (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) {
            uint32_t px = row[x];
            if (px == g->prev_src[o + x])
                continue;
            g->prev_src[o + x] = px;
            uint8_t s = map_pixel(g->cache, &g->by_green, &g->pal, g->matte, px);
            if (s == g->canvas[o + x])
                continue;
            g->canvas[o + x] = s;
            g->next[o + x] = s;
            if (x < r.x0)
                r.x0 = x;
            if (x > r.x1)
                r.x1 = x;
            if (y < r.y0)
                r.y0 = y;
            r.y1 = y;
        }
    }
    return r;
}

int bm__gif_add_frame(bm__gif_writer *g, const unsigned char *argb, int stride_bytes, int delay_ms,
                      bm_error *err)
{
    if (!g || !g->gif)
        return bm_error_set(err, BM_EINVAL, "GIF writer is not open");
    if (stride_bytes < g->w * 4)
        return bm_error_set(err, BM_EINVAL, "frame stride %d too small", stride_bytes);
    int delay = next_delay_cs(g, delay_ms);
    int rc;
    if (g->frames == 0) {
        map_first(g, argb, stride_bytes);
        rc = put_control(g, delay, 0);
        if (rc != GIF_ERROR)
            rc = put_rect(g, g->canvas, 0, 0, g->w, g->h);
    } else {
        rect r = map_changes(g, argb, stride_bytes);
        /* An unchanged frame still needs an image: one transparent pixel. */
        if (r.x1 < r.x0)
            r = (rect){0, 0, 0, 0};
        rc = put_control(g, delay, 1);
        if (rc != GIF_ERROR)
            rc = put_rect(g, g->next, r.x0, r.y0, r.x1 - r.x0 + 1, r.y1 - r.y0 + 1);
    }
    if (rc == GIF_ERROR)
        return gif_fail(err, "frame", g->gif->Error);
    g->frames++;
    return BM_OK;
}

static void free_buffers(bm__gif_writer *g)
{
    free(g->cache);
    free(g->prev_src);
    free(g->canvas);
    free(g->next);
}

int bm__gif_finish(bm__gif_writer *g, bm_error *err)
{
    if (!g)
        return bm_error_set(err, BM_EINVAL, "GIF writer is not open");
    if (g->frames == 0) {
        bm__gif_abort(g);
        return bm_error_set(err, BM_EINVAL, "an animation needs at least one frame");
    }
    int code = 0;
    int rc = EGifCloseFile(g->gif, &code);
    g->gif = NULL;
    if (rc == GIF_ERROR) {
        bm__gif_abort(g);
        return gif_fail(err, "trailer", code);
    }
    rc = bm_atomic_commit(g->af, err);
    g->af = NULL;
    free_buffers(g);
    free(g);
    return rc;
}

void bm__gif_abort(bm__gif_writer *g)
{
    if (!g)
        return;
    if (g->gif) {
        int code;
        EGifCloseFile(g->gif, &code);
    }
    bm_atomic_abort(g->af);
    free_buffers(g);
    free(g);
}

int64_t bm__gif_pixels_written(const bm__gif_writer *g)
{
    return g ? g->pixels_written : 0;
}
