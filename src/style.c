/* style.c: the map style (colours, fonts, sizes, the per-type palette and symbol shapes),
 * read from a small INI file under maps/ over built-in defaults.
 * Must never hard-code a colour outside bm__style_defaults: the file is the reference. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_private.h"

static bm__rgba hex(unsigned v)
{
    return (bm__rgba){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0,
                      1.0};
}

/* The defaults mirror maps/style.ini so that a partial --style file still gives a map. */
void bm__style_defaults(bm__style *st)
{
    static const unsigned type_hex[BM_N_TYPES] = {0xD55E00, 0xE69F00, 0xCC3311, 0x0072B2,
                                                  0x56B4E9, 0x009E73, 0x117733, 0x44AA99,
                                                  0x332288, 0x882255, 0x999933, 0xAA4499,
                                                  0x777777};
    static const bm__shape type_shape[BM_N_TYPES] = {
        BM_SHAPE_CIRCLE,  BM_SHAPE_TRIANGLE, BM_SHAPE_STAR,     BM_SHAPE_DIAMOND,
        BM_SHAPE_TRIANGLE_DOWN, BM_SHAPE_SQUARE, BM_SHAPE_PENTAGON, BM_SHAPE_HEXAGON,
        BM_SHAPE_SQUARE,  BM_SHAPE_PLUS,     BM_SHAPE_CIRCLE,   BM_SHAPE_DIAMOND,
        BM_SHAPE_CROSS};
    memset(st, 0, sizeof *st);
    st->background = hex(0xFFFFFF);
    st->water = hex(0xC9DEEA);
    st->land = hex(0xF3F1EC);
    st->neighbour = hex(0xE9E6DF);
    st->iraq = hex(0xFBF8F0);
    st->syria = hex(0xFBF8F0);
    st->country_line = hex(0x9A958C);
    st->coast = hex(0x8FB3C9);
    st->admin_line = hex(0xB9B2A6);
    st->border_iq_sy = hex(0xB0173A);
    st->river = hex(0x6E9EC2);
    st->lake_line = hex(0x7FA8C6);
    st->graticule = hex(0x8C9AA6);
    st->text = hex(0x202124);
    st->text_muted = hex(0x6B6660);
    st->country_text = hex(0x8A847B);
    st->admin_text = hex(0x85776A);
    st->water_text = hex(0x3E6F96);
    st->halo = (bm__rgba){1, 1, 1, 0.88};
    st->frame = hex(0x3A3A3A);
    st->crossing = hex(0x202124);
    st->town = hex(0x3A3A3A);
    st->locator_box = hex(0xB0173A);
    st->panel = (bm__rgba){1, 1, 1, 0.92};
    snprintf(st->title, sizeof st->title, "Iraq–Syria border: incidents");
    snprintf(st->title_ar, sizeof st->title_ar, "الحدود العراقية السورية: الحوادث");
    snprintf(st->attribution, sizeof st->attribution, "Basemap: Natural Earth; GSHHG (LGPL).");
    st->margin = 14;
    snprintf(st->sans, sizeof st->sans, "Noto Sans, Noto Naskh Arabic");
    st->title_size = 15;
    st->subtitle_size = 9.5;
    st->stamp_size = 30;
    st->label_size = 7.5;
    st->town_size = 7;
    st->country_size = 10;
    st->admin_size = 6.5;
    st->water_size = 6.5;
    st->legend_size = 7;
    st->small_size = 6;
    st->border_iq_sy_width = 2.2;
    st->border_width = 0.9;
    st->admin_width = 0.5;
    st->river_major_width = 1.0;
    st->river_minor_width = 0.45;
    st->frame_width = 0.8;
    st->graticule_width = 0.3;
    st->symbol_size = 6.5;
    st->symbol_max = 16;
    st->colocated = 2.5;
    st->cluster_min = 7;
    for (int i = 0; i < BM_N_TYPES; i++) {
        st->type_colour[i] = hex(type_hex[i]);
        st->type_shape[i] = type_shape[i];
        snprintf(st->type_label_en[i], sizeof st->type_label_en[i], "%s", bm_type_name(i));
        snprintf(st->type_label_ar[i], sizeof st->type_label_ar[i], "%s", bm_type_name(i));
    }
}

void bm__style_scale(bm__style *st, double k)
{
    double *text[] = {&st->title_size,   &st->subtitle_size, &st->stamp_size, &st->label_size,
                      &st->town_size,    &st->country_size,  &st->admin_size, &st->water_size,
                      &st->legend_size,  &st->small_size,    &st->margin,     &st->symbol_size,
                      &st->symbol_max,   &st->colocated};
    double *lines[] = {&st->border_iq_sy_width, &st->border_width,      &st->admin_width,
                       &st->river_major_width,  &st->river_minor_width, &st->frame_width,
                       &st->graticule_width};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        *text[i] *= k;
    /* Lines thin more slowly than text shrinks: a hairline border reads as a smudge. */
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        *lines[i] *= sqrt(k);
}

uint32_t bm__rgb24(bm__rgba c)
{
    return (uint32_t)lround(c.r * 255) << 16 | (uint32_t)lround(c.g * 255) << 8 |
           (uint32_t)lround(c.b * 255);
}

void bm__set_rgba(cairo_t *cr, bm__rgba c)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

void bm__set_rgba_alpha(cairo_t *cr, bm__rgba c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * alpha);
}

static int parse_colour(const char *v, bm__rgba *out)
{
    size_t n = strlen(v);
    if (v[0] != '#' || (n != 7 && n != 9))
        return -1;
    for (size_t i = 1; i < n; i++)
        if (!isxdigit((unsigned char)v[i]))
            return -1;
    unsigned long x = strtoul(v + 1, NULL, 16);
    if (n == 7) {
        *out = hex((unsigned)x);
        return 0;
    }
    *out = hex((unsigned)(x >> 8));
    out->a = (x & 255) / 255.0;
    return 0;
}

static int parse_number(const char *v, double lo, double hi, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || d < lo || d > hi)
        return -1;
    *out = d;
    return 0;
}

static int parse_shape(const char *v, bm__shape *out)
{
    static const char *names[] = {"circle",  "square",  "triangle", "triangle_down",
                                  "diamond", "star",    "pentagon", "hexagon",
                                  "plus",    "cross"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(v, names[i])) {
            *out = (bm__shape)i;
            return 0;
        }
    return -1;
}

typedef struct colour_key {
    const char *name;
    size_t off;
} colour_key;

#define CK(f) {#f, offsetof(bm__style, f)}
static const colour_key colour_keys[] = {
    CK(water),        CK(land),        CK(neighbour),   CK(country_line), CK(coast),
    CK(admin_line),   CK(border_iq_sy), CK(river),      CK(lake_line),    CK(graticule),
    CK(text),         CK(text_muted),  CK(country_text), CK(admin_text),  CK(water_text),
    CK(halo),         CK(frame),       CK(crossing),    CK(town),         CK(locator_box),
    CK(panel),
    {"iraq", offsetof(bm__style, iraq)}, {"syria", offsetof(bm__style, syria)}};

#define NK(f, lo, hi) {#f, offsetof(bm__style, f), lo, hi}
typedef struct number_key {
    const char *name;
    size_t off;
    double lo, hi;
} number_key;
static const number_key number_keys[] = {
    NK(title_size, 2, 200),        NK(subtitle_size, 2, 200),    NK(stamp_size, 2, 400),
    NK(label_size, 2, 200),
    NK(town_size, 2, 200),         NK(country_size, 2, 200),     NK(admin_size, 2, 200),
    NK(water_size, 2, 200),        NK(legend_size, 2, 200),      NK(small_size, 2, 200),
    NK(border_iq_sy_width, 0, 50), NK(border_width, 0, 50),      NK(admin_width, 0, 50),
    NK(river_major_width, 0, 50),  NK(river_minor_width, 0, 50), NK(frame_width, 0, 50),
    NK(graticule_width, 0, 50),    NK(margin, 0, 500)};

static int set_key(bm__style *st, const char *section, const char *key, const char *val)
{
    if (!strncmp(section, "type.", 5)) {
        int t = bm_type_index(section + 5);
        if (t < 0)
            return -1;
        if (!strcmp(key, "colour"))
            return parse_colour(val, &st->type_colour[t]);
        if (!strcmp(key, "shape"))
            return parse_shape(val, &st->type_shape[t]);
        if (!strcmp(key, "label_en"))
            return snprintf(st->type_label_en[t], sizeof st->type_label_en[t], "%s", val) < 0;
        if (!strcmp(key, "label_ar"))
            return snprintf(st->type_label_ar[t], sizeof st->type_label_ar[t], "%s", val) < 0;
        return -1;
    }
    if (!strcmp(key, "background"))
        return parse_colour(val, &st->background);
    for (size_t i = 0; i < sizeof colour_keys / sizeof colour_keys[0]; i++)
        if (!strcmp(key, colour_keys[i].name))
            return parse_colour(val, (bm__rgba *)((char *)st + colour_keys[i].off));
    for (size_t i = 0; i < sizeof number_keys / sizeof number_keys[0]; i++)
        if (!strcmp(key, number_keys[i].name))
            return parse_number(val, number_keys[i].lo, number_keys[i].hi,
                                (double *)((char *)st + number_keys[i].off));
    if (!strcmp(key, "title"))
        return snprintf(st->title, sizeof st->title, "%s", val) < 0;
    if (!strcmp(key, "title_ar"))
        return snprintf(st->title_ar, sizeof st->title_ar, "%s", val) < 0;
    if (!strcmp(key, "attribution"))
        return snprintf(st->attribution, sizeof st->attribution, "%s", val) < 0;
    if (!strcmp(key, "sans"))
        return snprintf(st->sans, sizeof st->sans, "%s", val) < 0;
    if (!strcmp(key, "size"))
        return parse_number(val, 0.5, 100, &st->symbol_size);
    if (!strcmp(key, "max_size"))
        return parse_number(val, 0.5, 200, &st->symbol_max);
    if (!strcmp(key, "colocated"))
        return parse_number(val, 0, 100, &st->colocated);
    if (!strcmp(key, "cluster_min")) {
        double d;
        if (parse_number(val, 2, 1000, &d))
            return -1;
        st->cluster_min = (int)d;
        return 0;
    }
    if (!strcmp(key, "size_by")) {
        if (strcmp(val, "sources") && strcmp(val, "fatalities"))
            return -1;
        st->size_by_fatalities = !strcmp(val, "fatalities");
        return 0;
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

int bm__style_load(const char *path, bm__style *st, bm_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return bm_error_set(err, BM_EIO, "cannot open style %s", path);
    char line[1024], section[64] = "";
    int lineno = 0, rc = BM_OK;
    while (rc == BM_OK && fgets(line, sizeof line, fp)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || (size_t)(e - s - 1) >= sizeof section) {
                rc = bm_error_set(err, BM_EPARSE, "%s:%d: bad section header", path, lineno);
                break;
            }
            *e = 0;
            snprintf(section, sizeof section, "%s", s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = bm_error_set(err, BM_EPARSE, "%s:%d: expected key = value", path, lineno);
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (set_key(st, section, key, val))
            rc = bm_error_set(err, BM_EPARSE, "%s:%d: bad value or unknown key '%s' in [%s]",
                              path, lineno, key, section);
    }
    fclose(fp);
    return rc;
}
