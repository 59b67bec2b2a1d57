/* wof.c: reads one Who's On First record (GeoJSON Feature) into a gazetteer
 * row, with the rules ../shared/data/wof/README.md states for the project's
 * WOF extract: preferred names, Arabic aliases from Arabic-language fields
 * only, Latin text in Arabic fields moved to the English aliases, the label
 * point preferred, the kind from population and GeoNames feature code.
 * Must never take an Arabic-script name of another language (Sorani,
 * Persian, Urdu...) as Arabic, and never trust the input: a record is data
 * from the network and may be anything. */
#include "bordermap/gazimport.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <utf8proc.h>

void bm_gz_row_clear(bm_gz_row *row)
{
    if (!row)
        return;
    free(row->aliases_en);
    free(row->aliases_ar);
    memset(row, 0, sizeof *row);
    row->population = -1;
}

/* ---- Scripts ------------------------------------------------------------------- */

enum { SCRIPT_NONE = 0, SCRIPT_LATIN = 1, SCRIPT_ARABIC = 2, SCRIPT_OTHER = 4 };

static int is_arabic_cp(utf8proc_int32_t c)
{
    return (c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
           (c >= 0x08A0 && c <= 0x08FF) || (c >= 0xFB50 && c <= 0xFDFF) ||
           (c >= 0xFE70 && c <= 0xFEFF);
}

static int is_latin_cp(utf8proc_int32_t c)
{
    /* modifier letters (U+02B0..U+02FF, e.g. U+02BF for ʿayn) count as Latin */
    return c < 0x0250 || (c >= 0x02B0 && c <= 0x02FF) || (c >= 0x1E00 && c <= 0x1EFF) ||
           (c >= 0x2C60 && c <= 0x2C7F) || (c >= 0xA720 && c <= 0xA7FF);
}

/* The scripts of the letters of s (bit set). */
static int scripts_of(const char *s)
{
    int bits = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &c);
        if (n <= 0)
            return SCRIPT_OTHER; /* invalid UTF-8: never a name */
        p += n;
        left -= n;
        utf8proc_category_t cat = utf8proc_category(c);
        int letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
        if (!letter)
            continue;
        if (is_arabic_cp(c))
            bits |= SCRIPT_ARABIC;
        else if (is_latin_cp(c))
            bits |= SCRIPT_LATIN;
        else
            bits |= SCRIPT_OTHER;
    }
    return bits;
}

/* Removes bidi marks and BOM, collapses whitespace, strips the ends. The
 * result fits in n bytes or is dropped (0 returned). */
static size_t clean_name(const char *s, char *out, size_t n)
{
    size_t o = 0;
    int space = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        if (k <= 0)
            return 0;
        p += k;
        left -= k;
        if (c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
            (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF)
            continue;
        if (c == '\t' || c == '|' || c == '\n' || c == '\r')
            return 0; /* would break the TSV and alias lists */
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_ZS || c == ' ') {
            space = o > 0;
            continue;
        }
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t el = utf8proc_encode_char(c, enc);
        if (o + (space ? 1 : 0) + (size_t)el + 1 > n)
            return 0;
        if (space)
            out[o++] = ' ';
        space = 0;
        memcpy(out + o, enc, (size_t)el);
        o += (size_t)el;
    }
    out[o] = '\0';
    return o;
}

/* Key for de-duplication: Latin case-folded, Arabic without tashkeel. */
static void dedup_key(const char *s, int arabic, char *out, size_t n)
{
    size_t o = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0 && o + 5 < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        if (k <= 0)
            break;
        p += k;
        left -= k;
        if (arabic && ((c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
                       (c >= 0x0610 && c <= 0x061A) || (c >= 0x06D6 && c <= 0x06ED)))
            continue;
        if (!arabic)
            c = utf8proc_tolower(c);
        o += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)out + o);
    }
    out[o] = '\0';
}

/* ---- Name lists ------------------------------------------------------------------ */

typedef struct namelist {
    char **names, **keys;
    size_t n, cap;
    int arabic;
} namelist;

static int nl_has(const namelist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->keys[i], key))
            return 1;
    return 0;
}

/* Adds a name unless its key is there already (or is `except`). -1 on
 * allocation failure. */
static int nl_add(namelist *l, const char *name, const char *except)
{
    char key[512];
    dedup_key(name, l->arabic, key, sizeof key);
    if (!key[0] || nl_has(l, key) || (except && !strcmp(key, except)))
        return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **nk = realloc(l->keys, nc * sizeof *nk);
        if (!nk)
            return -1;
        l->keys = nk;
        char **nn = realloc(l->names, nc * sizeof *nn);
        if (!nn)
            return -1;
        l->names = nn;
        l->cap = nc;
    }
    char *k = strdup(key), *v = strdup(name);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    l->keys[l->n] = k;
    l->names[l->n] = v;
    l->n++;
    return 0;
}

static void nl_free(namelist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->keys[i]);
        free(l->names[i]);
    }
    free(l->keys);
    free(l->names);
}

/* The names '|'-joined (malloc'd; "" when none), leaving out the one whose
 * key is `except`. NULL on allocation failure. */
static char *nl_join(const namelist *l, const char *except)
{
    size_t n = 1;
    for (size_t i = 0; i < l->n; i++)
        n += strlen(l->names[i]) + 1;
    char *s = malloc(n), *o = s;
    if (!s)
        return NULL;
    *o = '\0';
    for (size_t i = 0; i < l->n; i++) {
        if (except && !strcmp(l->keys[i], except))
            continue;
        if (o != s)
            *o++ = '|';
        size_t k = strlen(l->names[i]);
        memcpy(o, l->names[i], k);
        o += k;
        *o = '\0';
    }
    return s;
}

/* ---- Languages -------------------------------------------------------------------- */

/* Arabic and its varieties (ISO 639-3 codes WOF uses). */
static const char *const arabic_langs[] = {
    "ara", "arz", "apc", "ary", "aeb", "acm", "ajp", "afb", "ayl", "acq", "ars", "arq", "abv",
    "acw", "acx", "ayh", "ayp", "aao", "abh", "avl", "ssh", "shu", "pga", "adf", "auz", "ayn",
    "apd", "aec", "ajp", NULL};

/* Languages written in the Arabic script that are not Arabic: their names
 * are not Arabic names, even when the letters are. */
static const char *const arabic_script_langs[] = {
    "kur", "ckb", "sdh", "lki", "fas", "pes", "prs", "urd", "azb", "pnb", "mzn", "pus", "pbu",
    "snd", "bal", "glk", "lrc", "uig", "ota", "skr", "bqi", "hnd", "khw", "brh", "kas", "bgn",
    "luz", "tly", "haz", "aiq", "wne", "bsh", "ugy", "kmr", "zza", "diq", NULL};

static int in_set(const char *const *set, const char *lang)
{
    for (size_t i = 0; set[i]; i++)
        if (!strcmp(set[i], lang))
            return 1;
    return 0;
}

/* Splits "name:ara_x_preferred" into lang "ara" and qualifier
 * "x_preferred"; 0 when the key is not a name field. */
static int name_field(const char *key, char *lang, size_t ln, const char **qual)
{
    if (strncmp(key, "name:", 5) != 0)
        return 0;
    const char *l = key + 5, *us = strchr(l, '_');
    size_t n = us ? (size_t)(us - l) : strlen(l);
    if (n == 0 || n >= ln)
        return 0;
    memcpy(lang, l, n);
    lang[n] = '\0';
    *qual = us ? us + 1 : "";
    return 1;
}

/* ---- JSON helpers -------------------------------------------------------------------- */

static json_object *prop(json_object *props, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(props, key, &v) ? v : NULL;
}

static int prop_double(json_object *props, const char *key, double *out)
{
    json_object *v = prop(props, key);
    if (!v || !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return 0;
    *out = json_object_get_double(v);
    return 1;
}

static int64_t prop_int(json_object *props, const char *key)
{
    json_object *v = prop(props, key);
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_string))
        return strtoll(json_object_get_string(v), NULL, 10);
    return 0;
}

static const char *prop_str(json_object *props, const char *key)
{
    json_object *v = prop(props, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The strings of a name field (WOF keeps them in arrays; a bare string is
 * accepted too). Calls fn for each cleaned string. */
typedef int (*str_fn)(const char *s, void *ctx);

static int each_string(json_object *v, str_fn fn, void *ctx)
{
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        char buf[512];
        if (clean_name(json_object_get_string(v), buf, sizeof buf))
            return fn(buf, ctx);
        return 0;
    }
    if (!json_object_is_type(v, json_type_array))
        return 0;
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) {
        int rc = each_string(json_object_array_get_idx(v, i), fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Collecting names ------------------------------------------------------------------ */

typedef struct names {
    namelist en, ar;
    char first_en[128]; /* first name:eng_x_preferred */
    char first_ar[128]; /* first name:ara_x_preferred if Arabic script */
    int want;           /* SCRIPT_LATIN or SCRIPT_ARABIC: which list a pass fills */
    int skip_first;     /* skip the first string of this field (it is the canonical) */
    int failed;
} names;

static int add_if_script(const char *s, void *ctx)
{
    names *nm = ctx;
    if (nm->skip_first) {
        nm->skip_first = 0;
        return 0;
    }
    int sc = scripts_of(s);
    int rc = 0;
    if (nm->want == SCRIPT_LATIN && sc == SCRIPT_LATIN)
        rc = nl_add(&nm->en, s, NULL);
    else if (nm->want == SCRIPT_ARABIC && sc == SCRIPT_ARABIC)
        rc = nl_add(&nm->ar, s, NULL);
    if (rc)
        nm->failed = 1;
    return rc;
}

static int first_string(const char *s, void *ctx)
{
    char *dst = ctx;
    snprintf(dst, 128, "%s", s);
    return 1; /* stop after the first */
}

/* Which fields feed a list, in the order of the README's rules. */
enum { F_ENG_OTHER, F_ARA_OTHER, F_ARA_VARIANT, F_ARA_VARIETY, F_UND, F_KUR, F_OTHER_VARIANT,
       F_NONARABIC_ANY };

static int qual_is_variant(const char *q)
{
    return !strcmp(q, "x_variant") || !strcmp(q, "x_colloquial") || !strcmp(q, "x_historical");
}

static int field_in(int which, const char *lang, const char *q)
{
    switch (which) {
    case F_ENG_OTHER: return !strcmp(lang, "eng");
    case F_ARA_OTHER: return !strcmp(lang, "ara") && !strcmp(q, "x_preferred");
    case F_ARA_VARIANT: return !strcmp(lang, "ara") && qual_is_variant(q);
    case F_ARA_VARIETY: return strcmp(lang, "ara") && in_set(arabic_langs, lang);
    case F_UND: return !strcmp(lang, "und");
    case F_KUR: return !strcmp(lang, "kur");
    case F_OTHER_VARIANT:
        return strcmp(lang, "eng") && strcmp(lang, "und") && strcmp(lang, "kur") &&
               !in_set(arabic_langs, lang) && qual_is_variant(q);
    case F_NONARABIC_ANY:
        return strcmp(lang, "und") && !in_set(arabic_langs, lang) &&
               !in_set(arabic_script_langs, lang);
    default: return 0;
    }
}

/* Runs one rule over every name field of the record. The first
 * eng/ara preferred value is the canonical name and skipped here. */
static void pass(json_object *props, names *nm, int which, int want)
{
    nm->want = want;
    json_object_object_foreach(props, key, val)
    {
        char lang[16];
        const char *q;
        if (nm->failed || !name_field(key, lang, sizeof lang, &q) || !field_in(which, lang, q))
            continue;
        nm->skip_first = (which == F_ENG_OTHER && !strcmp(lang, "eng") &&
                          !strcmp(q, "x_preferred")) ||
                         (which == F_ARA_OTHER && nm->first_ar[0]);
        each_string(val, add_if_script, nm);
        nm->skip_first = 0;
    }
}

static void plain(json_object *props, names *nm, const char *key, int want)
{
    nm->want = want;
    nm->skip_first = 0;
    each_string(prop(props, key), add_if_script, nm);
}

static void collect_names(json_object *props, names *nm)
{
    each_string(prop(props, "name:eng_x_preferred"), first_string, nm->first_en);
    char ara[128] = "";
    each_string(prop(props, "name:ara_x_preferred"), first_string, ara);
    if (ara[0] && scripts_of(ara) == SCRIPT_ARABIC)
        snprintf(nm->first_ar, sizeof nm->first_ar, "%s", ara);
    /* English aliases */
    pass(props, nm, F_ENG_OTHER, SCRIPT_LATIN);
    plain(props, nm, "wof:name", SCRIPT_LATIN);
    plain(props, nm, "gn:name", SCRIPT_LATIN);
    plain(props, nm, "gn:asciiname", SCRIPT_LATIN);
    pass(props, nm, F_UND, SCRIPT_LATIN);
    nm->want = SCRIPT_LATIN;
    /* Latin text in Arabic-language fields (the preferred one included) */
    {
        json_object_object_foreach(props, key, val)
        {
            char lang[16];
            const char *q;
            if (name_field(key, lang, sizeof lang, &q) && in_set(arabic_langs, lang)) {
                nm->skip_first = 0;
                each_string(val, add_if_script, nm);
            }
        }
    }
    pass(props, nm, F_KUR, SCRIPT_LATIN);
    pass(props, nm, F_OTHER_VARIANT, SCRIPT_LATIN);
    /* Arabic aliases */
    pass(props, nm, F_ARA_OTHER, SCRIPT_ARABIC);
    pass(props, nm, F_ARA_VARIANT, SCRIPT_ARABIC);
    pass(props, nm, F_ARA_VARIETY, SCRIPT_ARABIC);
    pass(props, nm, F_UND, SCRIPT_ARABIC);
    plain(props, nm, "wof:name", SCRIPT_ARABIC);
    plain(props, nm, "gn:name", SCRIPT_ARABIC);
    pass(props, nm, F_NONARABIC_ANY, SCRIPT_ARABIC);
}

/* ---- The record ---------------------------------------------------------------------------- */

static const char *kind_for(const char *placetype, json_object *props, int64_t pop)
{
    if (!strcmp(placetype, "country"))
        return "country";
    if (!strcmp(placetype, "region") || !strcmp(placetype, "macroregion"))
        return "governorate";
    if (!strcmp(placetype, "county") || !strcmp(placetype, "macrocounty"))
        return "district";
    if (!strcmp(placetype, "localadmin"))
        return "subdistrict";
    if (strcmp(placetype, "locality") != 0)
        return "other"; /* neighbourhood, campus, ... */
    static const char *const fcode_keys[] = {"gn:feature_code", "gn:fcode", "qs:gn_fcode",
                                             "qs_pg:gn_fcode"};
    const char *fc = NULL;
    for (size_t i = 0; i < 4 && !fc; i++)
        fc = prop_str(props, fcode_keys[i]);
    int seat = fc && (!strcmp(fc, "PPLA") || !strcmp(fc, "PPLA2") || !strcmp(fc, "PPLA3") ||
                      !strcmp(fc, "PPLC"));
    return pop >= 10000 || seat ? "town" : "village";
}

static int64_t first_int(json_object *v)
{
    if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
        return 0;
    return json_object_get_int64(json_object_array_get_idx(v, 0));
}

static int64_t geonames_id(json_object *props)
{
    json_object *conc = prop(props, "wof:concordances");
    if (conc && json_object_is_type(conc, json_type_object)) {
        int64_t id = prop_int(conc, "gn:id");
        if (id > 0)
            return id;
    }
    return prop_int(props, "gn:geonameid");
}

static int fill_row(json_object *props, bm_gz_row *row, bm_error *err)
{
    row->wof_id = prop_int(props, "wof:id");
    if (row->wof_id <= 0)
        return bm_error_set(err, BM_EPARSE, "record without a wof:id");
    const char *pt = prop_str(props, "wof:placetype");
    snprintf(row->placetype, sizeof row->placetype, "%s", pt ? pt : "");
    snprintf(row->id, sizeof row->id, "wof-%lld", (long long)row->wof_id);
    row->superseded_by = first_int(prop(props, "wof:superseded_by"));
    const char *dep = prop_str(props, "edtf:deprecated");
    row->deprecated = dep && dep[0] && strcmp(dep, "uuuu") != 0;
    json_object *cur = prop(props, "mz:is_current");
    row->not_current = cur && json_object_get_int(cur) == 0 &&
                       (json_object_is_type(cur, json_type_int) ||
                        json_object_is_type(cur, json_type_string));
    const char *cc = prop_str(props, "wof:country");
    snprintf(row->country, sizeof row->country, "%.2s", cc && strlen(cc) == 2 ? cc : "-");
    snprintf(row->admin1, sizeof row->admin1, "-");
    double lat, lon;
    if (!(prop_double(props, "lbl:latitude", &lat) && prop_double(props, "lbl:longitude", &lon)) &&
        !(prop_double(props, "geom:latitude", &lat) && prop_double(props, "geom:longitude", &lon)))
        return bm_error_set(err, BM_EPARSE, "wof:%lld: no point (geom:latitude/longitude)",
                            (long long)row->wof_id);
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
        return bm_error_set(err, BM_EPARSE, "wof:%lld: coordinates out of range",
                            (long long)row->wof_id);
    row->lat = lat;
    row->lon = lon;
    int64_t pop = prop_int(props, "wof:population");
    if (pop <= 0)
        pop = prop_int(props, "gn:population");
    row->population = pop > 0 ? pop : -1;
    snprintf(row->kind, sizeof row->kind, "%s", kind_for(row->placetype, props, pop));
    int64_t gn = geonames_id(props);
    if (gn > 0)
        snprintf(row->source, sizeof row->source, "wof:%lld;gn:%lld", (long long)row->wof_id,
                 (long long)gn);
    else
        snprintf(row->source, sizeof row->source, "wof:%lld", (long long)row->wof_id);

    names nm;
    memset(&nm, 0, sizeof nm);
    nm.ar.arabic = 1;
    collect_names(props, &nm);
    if (nm.failed) {
        nl_free(&nm.en);
        nl_free(&nm.ar);
        return bm_error_set(err, BM_ENOMEM, "wof:%lld: out of memory", (long long)row->wof_id);
    }
    const char *en = nm.first_en;
    char wn[128] = "";
    if (!en[0]) {
        each_string(prop(props, "wof:name"), first_string, wn);
        en = wn;
    }
    snprintf(row->name_en, sizeof row->name_en, "%s", en);
    snprintf(row->name_ar, sizeof row->name_ar, "%s", nm.first_ar);
    /* the canonical names are not aliases of themselves */
    char key_en[512], key_ar[512];
    dedup_key(row->name_en, 0, key_en, sizeof key_en);
    dedup_key(row->name_ar, 1, key_ar, sizeof key_ar);
    row->aliases_en = nl_join(&nm.en, key_en);
    row->aliases_ar = nl_join(&nm.ar, row->name_ar[0] ? key_ar : NULL);
    nl_free(&nm.en);
    nl_free(&nm.ar);
    if (!row->aliases_en || !row->aliases_ar)
        return bm_error_set(err, BM_ENOMEM, "wof:%lld: out of memory", (long long)row->wof_id);
    if (!row->name_en[0] && !row->name_ar[0])
        return bm_error_set(err, BM_EPARSE, "wof:%lld: record without a name",
                            (long long)row->wof_id);
    return BM_OK;
}

int bm_wof_parse(const char *json, size_t len, bm_gz_row *row, bm_error *err)
{
    memset(row, 0, sizeof *row);
    row->population = -1;
    if (len > (size_t)INT32_MAX)
        return bm_error_set(err, BM_EPARSE, "record too large");
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!root || jerr != json_tokener_success) {
        json_object_put(root);
        return bm_error_set(err, BM_EPARSE, "not JSON: %s", json_tokener_error_desc(jerr));
    }
    json_object *props = NULL;
    int rc;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "properties", &props) ||
        !json_object_is_type(props, json_type_object))
        rc = bm_error_set(err, BM_EPARSE, "not a WOF record (no properties object)");
    else
        rc = fill_row(props, row, err);
    json_object_put(root);
    return rc;
}
