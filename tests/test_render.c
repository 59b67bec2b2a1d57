/* test_render.c: maps from a fixture database built through the store API (places from the
 * curated gazetteer, incidents added here): page size, a known incident's pixel colour, PDF
 * fonts embedded (pdffonts), SVG vectors with text kept as <text>, no unknown glyphs in any
 * label, labels clear of each other, the frame and the symbols, imprecise areas never stacked,
 * the static-layer raster cache, the right-to-left cases (Arabic with digits, with brackets,
 * two-line stamps), the PNG writer's bands, raster halos against stroked ones, and a reference
 * image compared with a tolerance.
 * Never compares against numbers computed by the code under test where the file can say. */
#include <math.h>
#include <unistd.h>

#include <cairo.h>
#include <zlib.h>

#include "bm_test.h"
#include "render_private.h"

static char g_db[600];

/* ---- Fixture --------------------------------------------------------------------------- */

/* Loads the city, town and crossing rows of gazetteer/corridor.tsv: the real labels. */
static void load_places(bm_store *s)
{
    char path[1024];
    bm_error err;
    BM_REQUIRE(bm_data_path("gazetteer/corridor.tsv", path, sizeof path, &err) == BM_OK);
    FILE *fp = fopen(path, "r");
    BM_REQUIRE(fp != NULL);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || !strncmp(line, "id\t", 3))
            continue;
        char *f[10] = {0}, *p = line;
        for (int i = 0; i < 10 && p; i++) {
            f[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        if (!f[8] || (strcmp(f[3], "city") && strcmp(f[3], "town") && strcmp(f[3], "crossing")))
            continue;
        bm_place pl;
        memset(&pl, 0, sizeof pl);
        /* Precision-bounded copies: the fixture fields fit, and -O3 checks it. */
        snprintf(pl.id, sizeof pl.id, "%.*s", (int)sizeof pl.id - 1, f[0]);
        snprintf(pl.name_en, sizeof pl.name_en, "%.*s", (int)sizeof pl.name_en - 1, f[1]);
        snprintf(pl.name_ar, sizeof pl.name_ar, "%.*s", (int)sizeof pl.name_ar - 1, f[2]);
        snprintf(pl.kind, sizeof pl.kind, "%s", f[3]);
        snprintf(pl.country, sizeof pl.country, "%s", f[4]);
        pl.pt = (bm_lonlat){atof(f[7]), atof(f[6])};
        pl.population = strcmp(f[8], "-") ? atoll(f[8]) : -1;
        BM_REQUIRE(bm_store_place_put(s, &pl) == BM_OK);
        n++;
    }
    fclose(fp);
    BM_REQUIRE(n > 50);
}

static void add(bm_store *s, const char *date, const char *type, const char *place, double lon,
                double lat, int geo)
{
    bm_incident inc;
    bm_incident_init(&inc);
    bm_date first, last;
    bm_precision prec;
    BM_REQUIRE(bm_date_parse_iso(date, &first, &last, &prec, NULL) == BM_OK);
    inc.date_start = first, inc.date_end = last, inc.date_precision = prec;
    snprintf(inc.type, sizeof inc.type, "%s", type);
    snprintf(inc.place_id, sizeof inc.place_id, "%s", place ? place : "");
    inc.pt = (bm_lonlat){lon, lat};
    inc.geo_precision = geo;
    snprintf(inc.summary, sizeof inc.summary, "fixture %s %s", type, date);
    if (bm_store_incident_add(s, &inc) != BM_OK)
        fprintf(stderr, "add: %s\n", bm_store_errmsg(s));
}

/* The probe: a lone smuggling incident in the Anbar desert, away from every other symbol. */
static const bm_lonlat PROBE = {40.30, 32.60};

static void build_fixture(void)
{
    snprintf(g_db, sizeof g_db, "%s/render.sqlite", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, 0, &s, &err) == BM_OK);
    load_places(s);
    static const struct {
        const char *place;
        double lon, lat;
    } at[] = {{"abu-kamal", 40.9185, 34.4523},   {"al-qaim", 41.0950, 34.3690},
              {"al-mayadin", 40.4515, 35.0198},  {"rabia-crossing", 42.07, 36.805},
              {"sinjar", 41.8766, 36.3209},      {"qamishli", 41.2314, 37.0521},
              {"al-tanf-crossing", 38.87, 33.423}, {"rutba", 40.2859, 33.0372},
              {"haditha", 42.3773, 34.1366},     {"raqqa", 39.0079, 35.9528}};
    for (int i = 0; i < 10; i++)
        for (int k = 0; k < 2; k++) {
            char d[16];
            snprintf(d, sizeof d, "2024-%02d-%02d", 1 + (i + k) % 6, 1 + (i * 5 + k * 11) % 27);
            add(s, d, bm_type_name((i * 3 + k * 5) % BM_N_TYPES), at[i].place, at[i].lon,
                at[i].lat, 1);
        }
    for (int k = 0; k < 8; k++) {
        char d[16];
        snprintf(d, sizeof d, "2024-05-%02d", k + 1);
        add(s, d, bm_type_name(k % 3), "albukamal-crossing", 40.965, 34.41, 1);
    }
    add(s, "2024-03", "airstrike", NULL, 40.6, 35.0, 3);
    add(s, "2024-04-02", "deployment", NULL, 41.2, 33.4, 3);
    add(s, "2024-02-10", "smuggling", NULL, PROBE.lon, PROBE.lat, 1);
    bm_store_close(s);
}

/* ---- Helpers --------------------------------------------------------------------------- */

static cairo_surface_t *render_png(const char *name, bm_render_lang lang, int w, int h,
                                   double dpi, char *out, size_t outsize)
{
    snprintf(out, outsize, "%s/%s", bm_test_tmpdir(), name);
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    o.dpi = dpi;
    o.lang = lang;
    BM_REQUIRE(bm_render_opts_set_pixels(&o, w, h) == BM_OK);
    int rc = bm_render_map(&o, s, NULL, out, 1, NULL, &err);
    if (rc != BM_OK)
        fprintf(stderr, "render: %s\n", bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK);
    bm_store_close(s);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    BM_REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
    return img;
}

static void pixel(cairo_surface_t *img, int x, int y, int rgb[3])
{
    cairo_surface_flush(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    uint32_t v = *(const uint32_t *)(d + y * cairo_image_surface_get_stride(img) + x * 4);
    rgb[0] = (v >> 16) & 255, rgb[1] = (v >> 8) & 255, rgb[2] = v & 255;
}

/* ---- Tests ----------------------------------------------------------------------------- */

static void test_size_and_probe_colour(void)
{
    char path[700];
    cairo_surface_t *img = render_png("probe.png", BM_LANG_BOTH, 1200, 900, 96, path, sizeof path);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_width(img), 1200);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_height(img), 900);

    /* Where does the probe land? Ask a renderer set up exactly as the map was. */
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_REQUIRE(bm_render_opts_set_pixels(&o, 1200, 900) == BM_OK);
    bm_renderer *r = NULL;
    bm_error err;
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 10, 10);
    cairo_t *cr = cairo_create(scratch);
    bm_render_frame f = {0};
    BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
    double x, y;
    BM_REQUIRE(bm_renderer_project(r, PROBE, &x, &y) == BM_OK);
    double rgb[3];
    BM_REQUIRE(bm_renderer_type_rgb(r, bm_type_index("smuggling"), rgb));
    int px = (int)lround(x * 96 / 72), py = (int)lround(y * 96 / 72), got[3];
    BM_REQUIRE(px > 0 && py > 0 && px < 1200 && py < 900);
    pixel(img, px, py, got);
    for (int c = 0; c < 3; c++)
        BM_ASSERT_NEAR(got[c], rgb[c] * 255, 3);
    /* And a point of empty desert nearby does not carry it. */
    pixel(img, px + 30, py + 30, got);
    BM_ASSERT(fabs(got[2] - rgb[2] * 255) > 40);
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
    bm_renderer_free(r);
    cairo_surface_destroy(img);

    /* Raster size follows the dpi: the same page at twice the dpi is twice the pixels. */
    img = render_png("probe2x.png", BM_LANG_EN, 600, 450, 192, path, sizeof path);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_width(img), 600);
    cairo_surface_destroy(img);
}

static void test_pdf_fonts_embedded(void)
{
    char pdf[700], txt[760];
    snprintf(pdf, sizeof pdf, "%s/map.pdf", bm_test_tmpdir());
    snprintf(txt, sizeof txt, "%s/fonts.txt", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_REQUIRE(bm_render_opts_set_paper(&o, "A4", 1) == BM_OK);
    BM_ASSERT_EQ_INT(bm_render_map(&o, s, NULL, pdf, 1, NULL, &err), BM_OK);
    bm_store_close(s);
    BM_ASSERT_EQ_INT(bm_test_system("pdfinfo '%s' > /dev/null", pdf), 0);
    BM_ASSERT_EQ_INT(bm_test_system("pdffonts '%s' > '%s'", pdf, txt), 0);
    FILE *fp = fopen(txt, "r");
    BM_REQUIRE(fp != NULL);
    char line[512];
    int fonts = 0, not_embedded = 0, arabic = 0;
    /* pdffonts: name, type, encoding, emb, sub, uni, object ID; two header lines. */
    for (int ln = 0; fgets(line, sizeof line, fp); ln++) {
        if (ln < 2)
            continue;
        fonts++;
        if (!strstr(line, " yes "))
            not_embedded++;
        if (strstr(line, "Arabic"))
            arabic++;
    }
    fclose(fp);
    BM_ASSERT(fonts >= 2);
    BM_ASSERT_EQ_INT(not_embedded, 0);
    BM_ASSERT(arabic >= 1);
    /* Text stays text: the PDF's text layer holds the Latin labels. */
    BM_ASSERT_EQ_INT(bm_test_system("pdftotext '%s' - | grep -q 'Abu Kamal'", pdf), 0);
}

static void test_svg_vector(void)
{
    char svg[700];
    snprintf(svg, sizeof svg, "%s/map.svg", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_ASSERT_EQ_INT(bm_render_map(&o, s, NULL, svg, 1, NULL, &err), BM_OK);
    bm_store_close(s);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '<svg' '%s' && grep -q '<path' '%s' && "
                                    "! grep -q '<image' '%s'", svg, svg, svg), 0);
}

/* Labels and furniture text are <text> elements, not glyph outlines: English and Arabic names
 * are there as words, the Arabic ones marked right-to-left. */
static void test_svg_text(void)
{
    char svg[700];
    snprintf(svg, sizeof svg, "%s/text.svg", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_ASSERT_EQ_INT(bm_render_map(&o, s, NULL, svg, 1, NULL, &err), BM_OK);
    bm_store_close(s);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '>Abu Kamal</text>' '%s'", svg), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'xml:lang=\"ar\" direction=\"rtl\"[^>]*>البوكمال"
                                    "</text>' '%s'", svg), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '>Incident type · نوع الحادث</text>' '%s'", svg), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'paint-order=\"stroke\"' '%s'", svg), 0);
    /* cairo's own text would be glyph symbols. */
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'id=\"glyph' '%s'", svg), 1);
    BM_ASSERT_EQ_INT(bm_test_system("xmllint --noout '%s' 2>/dev/null || python3 -c "
                                    "\"import sys,xml.dom.minidom as m; m.parse(sys.argv[1])\" "
                                    "'%s'", svg, svg), 0);
}

/* A two-line stamp keeps each line's own direction: the Arabic line is one right-to-left
 * element, the English one left-to-right, with no directional controls needed. */
static void test_stamp_lines(void)
{
    char svg[700];
    snprintf(svg, sizeof svg, "%s/stamp.svg", bm_test_tmpdir());
    bm_render_opts o;
    bm_render_opts_init(&o);
    bm_renderer *r = NULL;
    bm_error err;
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    bm_render_frame f = {0};
    f.stamp = "1–7 March 2024\nمن 1 إلى 7 آذار 2024";
    BM_ASSERT_EQ_INT(bm_renderer_write(r, &f, svg, 1, &err), BM_OK);
    bm_renderer_free(r);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'font-size=\"30.00\" font-weight=\"600\" "
                                    "text-anchor=\"start\"[^>]*>1–7 March 2024</text>' '%s'",
                                    svg), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'direction=\"rtl\"[^>]*>من 1 إلى 7 آذار 2024"
                                    "</text>' '%s'", svg), 0);
}

static int boxes_overlap(const double *a, const double *b)
{
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/* Every placed label: inside the frame, clear of every other label and of every incident
 * symbol (a square of the symbol's size round its projected point). */
static void test_labels_clear(void)
{
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    bm_renderer *r = NULL;
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    BM_REQUIRE(bm_renderer_load_places(r, s, &err) == BM_OK);
    bm_incident incs[64];
    size_t n = 0;
    for (int64_t id = 1; id <= 64 && n < 64; id++)
        if (bm_store_incident_get(s, id, &incs[n]) == BM_OK)
            n++;
    bm_store_close(s);
    BM_REQUIRE(n > 20);
    BM_REQUIRE(bm_renderer_set_incidents(r, incs, n, &err) == BM_OK);
    bm_render_item items[64];
    for (size_t i = 0; i < n; i++)
        items[i] = (bm_render_item){&incs[i], 1, 1};
    bm_render_frame f = {items, n, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}};
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1000, 750);
    cairo_t *cr = cairo_create(img);
    cairo_scale(cr, 96.0 / 72, 96.0 / 72);
    BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
    const double *b = NULL;
    size_t nb = bm_renderer_label_boxes(r, &b);
    BM_ASSERT(nb > 25);
    double fx, fy, fw, fh;
    bm_renderer_map_frame(r, &fx, &fy, &fw, &fh);
    int outside = 0, overlapping = 0, on_symbol = 0;
    for (size_t i = 0; i < nb; i++) {
        const double *a = b + 4 * i;
        outside += a[0] < fx || a[1] < fy || a[0] + a[2] > fx + fw || a[1] + a[3] > fy + fh;
        for (size_t j = i + 1; j < nb; j++)
            overlapping += boxes_overlap(a, b + 4 * j);
        for (size_t k = 0; k < n; k++) {
            double x, y;
            if (incs[k].geo_precision >= 3 || bm_renderer_project(r, incs[k].pt, &x, &y))
                continue;
            /* The symbol's core (3 pt round the point): spread co-located symbols move off
             * the point, but a label never sits on it. */
            double sym[4] = {x - 1.5, y - 1.5, 3, 3};
            on_symbol += boxes_overlap(a, sym);
        }
    }
    BM_ASSERT_EQ_INT(outside, 0);
    BM_ASSERT_EQ_INT(overlapping, 0);
    BM_ASSERT_EQ_INT(on_symbol, 0);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    bm_renderer_free(r);
}

/* The mean colour of a block of pixels round (x, y). */
static void block_mean(cairo_surface_t *img, int x, int y, int half, double rgb[3])
{
    int px[3], n = 0;
    rgb[0] = rgb[1] = rgb[2] = 0;
    for (int dy = -half; dy <= half; dy++)
        for (int dx = -half; dx <= half; dx++, n++) {
            pixel(img, x + dx, y + dy, px);
            for (int c = 0; c < 3; c++)
                rgb[c] += px[c];
        }
    for (int c = 0; c < 3; c++)
        rgb[c] /= n;
}

/* Six governorate-level incidents of six types in one governorate: the area is drawn once,
 * lightly, not six translucent layers stacked into an opaque block. */
static void test_areas_not_stacked(void)
{
    char db[700], before[700], after[700];
    snprintf(db, sizeof db, "%s/areas.sqlite", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(db, 0, &s, &err) == BM_OK);
    add(s, "2024-02-10", "smuggling", NULL, 39.0, 31.6, 1);
    bm_store_close(s);
    /* A point of open desert in Anbar, and the map of it before and after. */
    const bm_lonlat spot = {41.6, 32.6};
    for (int pass = 0; pass < 2; pass++) {
        BM_REQUIRE(bm_store_open(db, 0, &s, &err) == BM_OK);
        if (pass == 1)
            for (int k = 0; k < 6; k++)
                add(s, "2024-03", bm_type_name(k), NULL, 42.0 + 0.1 * k, 33.2, 3);
        bm_render_opts o;
        bm_render_opts_init(&o);
        o.furniture = 0;
        char *out = pass ? after : before;
        snprintf(out, 700, "%s/areas-%d.png", bm_test_tmpdir(), pass);
        BM_ASSERT_EQ_INT(bm_render_map(&o, s, NULL, out, 1, NULL, &err), BM_OK);
        bm_store_close(s);
    }
    bm_render_opts o;
    bm_render_opts_init(&o);
    o.furniture = 0;
    bm_renderer *r = NULL;
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 10, 10);
    cairo_t *cr = cairo_create(scratch);
    bm_render_frame f = {0};
    BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
    double x, y;
    BM_REQUIRE(bm_renderer_project(r, spot, &x, &y) == BM_OK);
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
    bm_renderer_free(r);
    cairo_surface_t *a = cairo_image_surface_create_from_png(before);
    cairo_surface_t *b = cairo_image_surface_create_from_png(after);
    BM_REQUIRE(cairo_surface_status(a) == CAIRO_STATUS_SUCCESS &&
               cairo_surface_status(b) == CAIRO_STATUS_SUCCESS);
    double ma[3], mb[3], diff = 0;
    int px = (int)lround(x * 96 / 72), py = (int)lround(y * 96 / 72);
    block_mean(a, px, py, 12, ma);
    block_mean(b, px, py, 12, mb);
    for (int c = 0; c < 3; c++)
        diff = fmax(diff, fabs(ma[c] - mb[c]));
    /* Drawn at all (a light wash; the hatching runs along the edge) ... */
    BM_ASSERT(diff > 3);
    /* ... but light: stacked per incident, six washes at 14% came to over 60. */
    BM_ASSERT(diff < 30);
    if (bm_test_failures)
        fprintf(stderr, "area block: %.0f,%.0f,%.0f -> %.0f,%.0f,%.0f\n", ma[0], ma[1], ma[2],
                mb[0], mb[1], mb[2]);
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
}

/* One renderer, first drawn onto a 10x10 scratch surface, then onto a full page: the static
 * layers' raster must follow the new size and scale, giving the pixels a fresh renderer
 * gives. */
static void test_raster_cache(void)
{
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_REQUIRE(bm_render_opts_set_pixels(&o, 800, 600) == BM_OK);
    bm_error err;
    cairo_surface_t *out[2];
    for (int k = 0; k < 2; k++) {
        bm_renderer *r = NULL;
        BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
        bm_render_frame f = {0};
        if (k == 1) {
            cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 10, 10);
            cairo_t *cr = cairo_create(scratch);
            BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
            cairo_destroy(cr);
            cairo_surface_destroy(scratch);
        }
        out[k] = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 800, 600);
        cairo_t *cr = cairo_create(out[k]);
        cairo_scale(cr, 800 / o.page_w, 600 / o.page_h);
        BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
        /* And once more on the same surface: painted from the cache, the same again. */
        BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
        cairo_destroy(cr);
        bm_renderer_free(r);
    }
    long differ = 0;
    for (int y = 0; y < 600; y += 3)
        for (int x = 0; x < 800; x += 3) {
            int a[3], b[3];
            pixel(out[0], x, y, a);
            pixel(out[1], x, y, b);
            differ += abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]) > 6;
        }
    BM_ASSERT_EQ_INT(differ, 0);
    cairo_surface_destroy(out[0]);
    cairo_surface_destroy(out[1]);
}

/* The whole zlib stream of a PNG's IDAT chunks inflated with its Adler-32 checked (libpng
 * stops reading once it has the rows): 1 when it gives exactly len bytes. */
static int idat_inflates(const char *path, size_t len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char *z = NULL, hdr[8];
    size_t nz = 0;
    int ok = fread(hdr, 1, 8, fp) == 8;
    while (ok && fread(hdr, 1, 8, fp) == 8) {
        size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
        unsigned char *p = realloc(z, nz + n + 4);
        ok = p != NULL;
        if (ok)
            z = p, ok = fread(z + nz, 1, n + 4, fp) == n + 4; /* data and CRC */
        if (ok && !memcmp(hdr + 4, "IDAT", 4))
            nz += n;
    }
    fclose(fp);
    uLongf got = (uLongf)len + 1;
    unsigned char *out = malloc(len + 1);
    ok = ok && out && uncompress(out, &got, z, (uLong)nz) == Z_OK && got == len;
    free(out);
    free(z);
    return ok;
}

/* The PNG writer deflates bands of rows on several threads into one zlib stream: cairo's
 * reader gives back every pixel, opaque and translucent, and the stream is whole, at a height
 * of one band and of several. */
static void test_png_bands(void)
{
    static const int heights[] = {7, 301};
    for (size_t k = 0; k < sizeof heights / sizeof heights[0]; k++) {
        int w = 203, h = heights[k], stride = w * 4;
        unsigned char *argb = malloc((size_t)stride * h);
        BM_REQUIRE(argb != NULL);
        uint32_t seed = 12345;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                seed = seed * 1103515245u + 12345u;
                /* Flat bands with noise, as a map: runs that deflate far back and bytes that
                 * do not; one pixel in 50 translucent (premultiplied: channels <= alpha). */
                uint32_t c = (x / 17 + y / 5) % 3 ? 0xffe0d0c0u : 0xff000000u | (seed >> 8);
                if (seed % 50 == 0)
                    c = 0x80000000u | ((seed >> 8) & 0x7f) << 16 | ((seed >> 16) & 0x7f) << 8;
                memcpy(argb + (size_t)y * stride + (size_t)x * 4, &c, 4);
            }
        char path[700];
        snprintf(path, sizeof path, "%s/bands-%d.png", bm_test_tmpdir(), h);
        FILE *fp = fopen(path, "wb");
        BM_REQUIRE(fp != NULL);
        bm_error err;
        BM_ASSERT_EQ_INT(bm__png_write(argb, w, h, stride, fp, &err), BM_OK);
        fclose(fp);
        BM_ASSERT_EQ_INT(idat_inflates(path, (size_t)h * (1 + (size_t)w * 4)), 1);
        cairo_surface_t *img = cairo_image_surface_create_from_png(path);
        BM_ASSERT_EQ_INT(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
        long differ = 0;
        if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
            const unsigned char *got = cairo_image_surface_get_data(img);
            int gs = cairo_image_surface_get_stride(img);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w * 4; x++)
                    differ += abs(got[(size_t)y * gs + x] - argb[(size_t)y * stride + x]) > 1;
        }
        BM_ASSERT_EQ_INT(differ, 0);
        cairo_surface_destroy(img);
        free(argb);
    }
}

/* Text with a halo drawn on a dark page twice: straight onto pixels (the raster halo, the
 * glyphs' coverage dilated) and through a recording surface (the outlines stroked, as on a
 * PDF). The halo covers the same pixels up to antialiasing, and is there at all. */
static void test_halo_raster(void)
{
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    PangoContext *ctx = pango_font_map_create_context(fm);
    bm__labels *l =
        bm__labels_new(ctx, "Noto Sans, Noto Naskh Arabic", BM_LANG_BOTH, (bm__rgba){1, 1, 1, 1});
    BM_REQUIRE(l != NULL);
    int w = 400, h = 120;
    cairo_surface_t *img[2];
    for (int k = 0; k < 2; k++) {
        img[k] = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
        cairo_t *cr = cairo_create(img[k]);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_paint(cr);
        cairo_rectangle_t ext = {0, 0, w, h};
        cairo_surface_t *rec =
            k ? cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext) : NULL;
        cairo_t *tc = k ? cairo_create(rec) : cr;
        cairo_scale(tc, 2, 2);
        bm__text(l, tc, "Abu Kamal\nالبوكمال", 100, 10, 14, 1, 1, (bm__rgba){0, 0, 0, 1}, 1, NULL);
        if (k) {
            cairo_destroy(tc);
            cairo_set_source_surface(cr, rec, 0, 0);
            cairo_paint(cr);
            cairo_surface_destroy(rec);
        }
        cairo_destroy(cr);
        cairo_surface_flush(img[k]);
    }
    long lit[2] = {0, 0}, differ = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int a[3], b[3];
            pixel(img[0], x, y, a);
            pixel(img[1], x, y, b);
            lit[0] += a[1] > 128, lit[1] += b[1] > 128;
            differ += abs(a[1] - b[1]) > 96;
        }
    BM_ASSERT(lit[1] > 1000);
    BM_ASSERT(labs(lit[0] - lit[1]) * 20 < lit[1]);
    BM_ASSERT(differ * 20 < lit[1]);
    cairo_surface_destroy(img[0]);
    cairo_surface_destroy(img[1]);
    bm__labels_free(l);
    g_object_unref(ctx);
}

static void test_no_unknown_glyphs(void)
{
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    bm_render_opts o;
    bm_render_opts_init(&o);
    o.lang = BM_LANG_BOTH;
    bm_renderer *r = NULL;
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    BM_REQUIRE(bm_renderer_load_places(r, s, &err) == BM_OK);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 100, 100);
    cairo_t *cr = cairo_create(img);
    bm_render_frame f = {0};
    BM_REQUIRE(bm_renderer_draw_frame(r, cr, &f, &err) == BM_OK);
    BM_ASSERT(bm_renderer_label_count(r) > 60);
    BM_ASSERT_EQ_INT(bm_renderer_unknown_glyphs(r), 0);
    int arabic = 0;
    for (size_t i = 0; i < bm_renderer_label_count(r); i++)
        arabic += strstr(bm_renderer_label_text(r, i), "ال") != NULL;
    BM_ASSERT(arabic > 20);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    bm_renderer_free(r);
    bm_store_close(s);
}

/* Visual x of the character at byte offset i. */
static double char_x(PangoLayout *lay, const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    BM_REQUIRE(p != NULL);
    PangoRectangle pos;
    pango_layout_index_to_pos(lay, (int)(p - text), &pos);
    return (pos.x + pos.width / 2.0) / PANGO_SCALE;
}

/* The cases open in Mapnik and QGIS: a number after Arabic must sit at the visual left of the
 * word, and a closing bracket at the end must not jump to the right edge. */
static void test_rtl_digits_and_brackets(void)
{
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    PangoContext *ctx = pango_font_map_create_context(fm);
    bm__labels *l = bm__labels_new(ctx, "Noto Sans, Noto Naskh Arabic", BM_LANG_BOTH,
                                   (bm__rgba){1, 1, 1, 1});
    BM_REQUIRE(l != NULL);

    const char *digits = "الطريق 4";
    PangoLayout *lay = bm__labels_layout(l, digits, 12);
    BM_ASSERT(char_x(lay, digits, "4") < char_x(lay, digits, "ال"));
    BM_ASSERT_EQ_INT(pango_layout_get_unknown_glyphs_count(lay), 0);
    g_object_unref(lay);

    const char *year = "معبر 2024";
    lay = bm__labels_layout(l, year, 12);
    /* Digits keep their own left-to-right order inside the right-to-left line. */
    BM_ASSERT(char_x(lay, year, "2") < char_x(lay, year, "4"));
    BM_ASSERT(char_x(lay, year, "4") < char_x(lay, year, "م"));
    g_object_unref(lay);

    const char *brackets = "حلب (الشهباء)";
    lay = bm__labels_layout(l, brackets, 12);
    BM_ASSERT(char_x(lay, brackets, ")") < char_x(lay, brackets, "("));
    BM_ASSERT(char_x(lay, brackets, "(") < char_x(lay, brackets, "ح"));
    g_object_unref(lay);

    /* A line that starts with a number is still Arabic. */
    const char *lead = "(3) البوكمال";
    lay = bm__labels_layout(l, lead, 12);
    BM_ASSERT(char_x(lay, lead, "3") > char_x(lay, lead, "ال"));
    g_object_unref(lay);

    /* Latin first stays left-to-right, with the Arabic run kept whole. */
    const char *mixed = "Abu Kamal · البوكمال";
    lay = bm__labels_layout(l, mixed, 12);
    BM_ASSERT(char_x(lay, mixed, "A") < char_x(lay, mixed, "ال"));
    g_object_unref(lay);

    BM_ASSERT_EQ_INT(bm__labels_unknown_glyphs(l), 0);
    bm__labels_free(l);
    g_object_unref(ctx);
}

/* Reference image, compared region by region: the image is cut into REF_TILE x
 * REF_TILE tiles and a tile fails when more than REF_TILE_MAX of its pixels differ
 * from the reference by more than REF_NOISE in a channel. The same build renders
 * the reference bit for bit (0 differing pixels), so the allowance only absorbs
 * antialiasing drift between cairo/pango builds; a whole-image share would let a
 * local change (symbols drawn at 60% of their size: tens of pixels per symbol,
 * 0.3% of the image) pass. The diff (red where they differ) is written next to the
 * output on failure. */
#define REF_TILE 32
#define REF_NOISE 24
#define REF_TILE_MAX 8

static void test_reference_image(void)
{
    char path[700], ref[1024], diff[760];
    cairo_surface_t *img = render_png("ref-small.png", BM_LANG_BOTH, 640, 480, 96, path,
                                      sizeof path);
    snprintf(ref, sizeof ref, "%s/tests/ref/render-small.png", BM_TEST_SOURCE_DIR);
    if (getenv("BM_UPDATE_REF")) {
        BM_ASSERT_EQ_INT(bm_test_system("cp '%s' '%s'", path, ref), 0);
        cairo_surface_destroy(img);
        return;
    }
    cairo_surface_t *want = cairo_image_surface_create_from_png(ref);
    if (cairo_surface_status(want) != CAIRO_STATUS_SUCCESS) {
        BM_FAIL_AT("reference %s missing (BM_UPDATE_REF=1 writes it)", ref);
        cairo_surface_destroy(want);
        cairo_surface_destroy(img);
        return;
    }
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    BM_REQUIRE(w == cairo_image_surface_get_width(want) &&
               h == cairo_image_surface_get_height(want));
    cairo_surface_t *d = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    int tw = (w + REF_TILE - 1) / REF_TILE, th = (h + REF_TILE - 1) / REF_TILE;
    int *tile = calloc((size_t)tw * (size_t)th, sizeof *tile);
    BM_REQUIRE(tile != NULL);
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int a[3], b[3], m = 0;
            pixel(img, x, y, a);
            pixel(want, x, y, b);
            for (int c = 0; c < 3; c++)
                m = abs(a[c] - b[c]) > m ? abs(a[c] - b[c]) : m;
            bad += m > REF_NOISE;
            tile[(y / REF_TILE) * tw + x / REF_TILE] += m > REF_NOISE;
            uint32_t v = m > REF_NOISE ? 0xFF0000u
                                       : (uint32_t)(((a[0] + a[1] + a[2]) / 3) * 0x010101u);
            *(uint32_t *)(cairo_image_surface_get_data(d) + y * cairo_image_surface_get_stride(d) +
                          x * 4) = v;
        }
    cairo_surface_mark_dirty(d);
    int failed = 0, worst = 0;
    for (int t = 0; t < tw * th; t++) {
        worst = tile[t] > worst ? tile[t] : worst;
        if (tile[t] > REF_TILE_MAX) {
            if (failed++ < 10)
                BM_FAIL_AT("region x %d-%d, y %d-%d: %d pixels differ from the reference "
                           "(at most %d)",
                           (t % tw) * REF_TILE, (t % tw + 1) * REF_TILE - 1, (t / tw) * REF_TILE,
                           (t / tw + 1) * REF_TILE - 1, tile[t], REF_TILE_MAX);
        }
    }
    printf("reference image: %ld pixels differ, at most %d in a %dx%d region (allowed %d)\n",
           bad, worst, REF_TILE, REF_TILE, REF_TILE_MAX);
    if (failed) {
        snprintf(diff, sizeof diff, "%s.diff.png", path);
        cairo_surface_write_to_png(d, diff);
        BM_FAIL_AT("%d of %d regions differ from %s; diff written to %s", failed, tw * th, ref,
                   diff);
    }
    free(tile);
    cairo_surface_destroy(d);
    cairo_surface_destroy(want);
    cairo_surface_destroy(img);
}

static void test_cli(void)
{
    char out[700];
    snprintf(out, sizeof out, "%s/cli.png", bm_test_tmpdir());
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s' render -o '%s' --width 500 "
                                    "--height 400 --lang ar --extent data --type clash,attack",
                                    bm_test_binary(), g_db, out), 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_width(img), 500);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_height(img), 400);
    cairo_surface_destroy(img);
    /* Usage errors are exit code 2 and leave no file. */
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --db '%s' render -o '%s/x.gif' 2>/dev/null",
                                    bm_test_binary(), g_db, bm_test_tmpdir()), 2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --db '%s' render -o '%s/y.png' --lang fr 2>/dev/null",
                                    bm_test_binary(), g_db, bm_test_tmpdir()), 2);
    /* The shared map options: a place id as the extent (from the store's places table), a
     * bbox filter; an unknown place is a usage error. animate parses them with the same
     * code. */
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s' render -o '%s/place.png' --extent "
                                    "abu-kamal --bbox 40,33,42,35 --width 400",
                                    bm_test_binary(), g_db, bm_test_tmpdir()),
                     0);
    char place[760];
    snprintf(place, sizeof place, "%s/place.png", bm_test_tmpdir());
    img = cairo_image_surface_create_from_png(place);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_width(img), 400);
    BM_ASSERT_EQ_INT(cairo_image_surface_get_height(img), 300);
    cairo_surface_destroy(img);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --db '%s' render -o '%s/z.png' --extent no-such-place "
                                    "2>/dev/null",
                                    bm_test_binary(), g_db, bm_test_tmpdir()),
                     2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --db '%s' animate -o '%s/z.gif' --extent no-such-place "
                                    "2>/dev/null",
                                    bm_test_binary(), g_db, bm_test_tmpdir()),
                     2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s' animate -o '%s/place-frames/' "
                                    "--extent abu-kamal --from 2024-03 --to 2024-04 --step month "
                                    "--width 320",
                                    bm_test_binary(), g_db, bm_test_tmpdir()),
                     0);
    BM_ASSERT(access(out, F_OK) == 0);
}

/* A basemap that cannot be read fails the map with the reason, whether the basemap is read in
 * its own thread while the incidents are queried (the corridor) or after them (the data's
 * extent), and leaves no output. */
static void test_bad_basemap(void)
{
    char bad[700], out[700];
    snprintf(bad, sizeof bad, "%s/not-a-basemap.gpkg", bm_test_tmpdir());
    FILE *fp = fopen(bad, "w");
    BM_REQUIRE(fp);
    fputs("no GeoPackage here\n", fp);
    fclose(fp);
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    for (int data = 0; data < 2; data++) {
        for (int missing = 0; missing < 2; missing++) {
            snprintf(out, sizeof out, "%s/bad-basemap-%d%d.png", bm_test_tmpdir(), data, missing);
            char gone[720];
            snprintf(gone, sizeof gone, "%s.gone", bad);
            bm_render_opts o;
            bm_render_opts_init(&o);
            o.basemap_path = missing ? gone : bad;
            o.extent = data ? BM_EXTENT_DATA : BM_EXTENT_CORRIDOR;
            bm_error_clear(&err);
            int rc = bm_render_map(&o, s, NULL, out, 1, NULL, &err);
            BM_ASSERT(rc != BM_OK);
            BM_ASSERT(strstr(bm_error_text(&err), missing ? "gone" : "coverage") != NULL);
            BM_ASSERT(access(out, F_OK) != 0);
        }
    }
    bm_store_close(s);
}

int main(void)
{
    build_fixture();
    test_size_and_probe_colour();
    test_pdf_fonts_embedded();
    test_svg_vector();
    test_svg_text();
    test_stamp_lines();
    test_labels_clear();
    test_areas_not_stacked();
    test_raster_cache();
    test_png_bands();
    test_halo_raster();
    test_no_unknown_glyphs();
    test_rtl_digits_and_brackets();
    test_reference_image();
    test_cli();
    test_bad_basemap();
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_render");
}
