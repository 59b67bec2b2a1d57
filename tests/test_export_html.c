/* test_export_html.c: bm_export() to HTML without a browser: the format's names, the
 * page's shape (doctype, language and direction, escaped title, every slot filled, nothing
 * fetched), the data block (valid JSON, read back by python3, compared with the store: the
 * incidents, their areas, the country-level ones, the sources), escaping of a sentence that
 * holds "</script>", and the export contract (overwrite, layers).
 * The browser half is tests/check_webmap.sh; this one also runs under valgrind. */
#include <sys/stat.h>

#include "bm_test.h"

static char g_dir[512], g_db[600];

static void put_place(bm_store *s, const char *id, const char *en, const char *ar,
                      const char *kind, const char *country, double lon, double lat)
{
    bm_place p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name_en, sizeof p.name_en, "%s", en);
    snprintf(p.name_ar, sizeof p.name_ar, "%s", ar);
    snprintf(p.kind, sizeof p.kind, "%s", kind);
    snprintf(p.country, sizeof p.country, "%s", country);
    p.population = -1;
    p.pt = (bm_lonlat){lon, lat};
    BM_REQUIRE(bm_store_place_put(s, &p) == BM_OK);
}

static int64_t add_incident(bm_store *s, const char *date, const char *type, const char *place,
                            double lon, double lat, int geo_precision)
{
    bm_incident inc;
    bm_incident_init(&inc);
    bm_precision prec;
    BM_REQUIRE(bm_date_parse_iso(date, &inc.date_start, &inc.date_end, &prec, NULL) == BM_OK);
    inc.date_precision = prec;
    snprintf(inc.type, sizeof inc.type, "%s", type);
    snprintf(inc.place_id, sizeof inc.place_id, "%s", place);
    inc.pt = (bm_lonlat){lon, lat};
    inc.geo_precision = geo_precision;
    snprintf(inc.summary, sizeof inc.summary, "summary of %s", type);
    BM_REQUIRE(bm_store_incident_add(s, &inc) == BM_OK);
    return inc.id;
}

static void build_fixture(void)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(g_db, 0, &s, &err) == BM_OK);
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    put_place(s, "abu-kamal", "Abu Kamal", "البوكمال", "town", "SY", 40.9188, 34.4531);
    put_place(s, "anbar-gov", "Anbar Governorate", "محافظة الأنبار", "governorate", "IQ", 42.0,
              33.5);
    put_place(s, "iraq", "Iraq", "العراق", "country", "IQ", 43.7, 33.0);
    int64_t i1 = add_incident(s, "2024-03-14", "clash", "abu-kamal", 40.9188, 34.4531, 1);
    add_incident(s, "2024-04", "smuggling", "anbar-gov", 42.0, 33.5, 3);
    add_incident(s, "2024-05-02", "airstrike", "anbar-gov", 42.0, 33.5, 3);
    add_incident(s, "2024-06-20", "statement", "iraq", 43.7, 33.0, 3);
    bm_article a = {.file_name = "a.txt", .source = "Shafaq News", .url = "https://example.org/a",
                    .published = "2024-03-15", .language = "ar"};
    snprintf(a.sha256, sizeof a.sha256, "%064d", 1);
    BM_REQUIRE(bm_store_article_add(s, &a) == BM_OK);
    /* A sentence that would end the page's data block if it were not escaped. */
    bm_source src = {.incident_id = i1, .article_id = a.id, .byte_start = 0, .byte_end = 60,
                     .sentence = "اشتباك قرب البوكمال </script><script>alert(1)</script>"};
    BM_REQUIRE(bm_store_source_add(s, &src) == BM_OK);
    BM_REQUIRE(bm_store_commit(s) == BM_OK);
    bm_store_close(s);
}

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    BM_REQUIRE(bm_read_file(path, &data, &len, NULL) == BM_OK);
    return data;
}

static void test_format_names(void)
{
    bm_export_format f = BM_EXPORT_AUTO;
    BM_ASSERT_EQ_INT(bm_export_format_parse("html", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_HTML);
    f = BM_EXPORT_AUTO;
    BM_ASSERT_EQ_INT(bm_export_format_from_path("out/map.HTML", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_HTML);
    BM_ASSERT_EQ_INT(bm_export_format_from_path("map.htm", &f, NULL), BM_OK);
    BM_ASSERT_EQ_STR(bm_export_format_name(BM_EXPORT_HTML), "HTML");
}

static int export_to(bm_store *s, const char *path, int lang, const char *title, int overwrite,
                     int64_t *n, bm_error *err)
{
    bm_export_opts o;
    bm_export_opts_init(&o);
    o.lang = lang;
    o.title = title;
    o.overwrite = overwrite;
    return bm_export(s, path, &o, n, err);
}

static void test_page(bm_store *s)
{
    char path[700];
    snprintf(path, sizeof path, "%s/map.html", g_dir);
    bm_error err;
    bm_error_clear(&err);
    int64_t n = 0;
    int rc = export_to(s, path, BM_LANG_BOTH, "Border <&> test", 0, &n, &err);
    if (rc != BM_OK)
        fprintf(stderr, "export: %s\n", bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK);
    BM_ASSERT_EQ_INT(n, 4);
    char *page = slurp(path);
    BM_ASSERT(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    BM_ASSERT(strstr(page, "<html lang=\"en\" dir=\"ltr\">") != NULL);
    BM_ASSERT(strstr(page, "<title>Border &lt;&amp;&gt; test</title>") != NULL);
    BM_ASSERT(strstr(page, "{{") == NULL);                 /* every slot filled */
    BM_ASSERT(strstr(page, "sourceMappingURL") == NULL);   /* no file the page lacks */
    BM_ASSERT(strstr(page, "default-src 'none'") != NULL); /* nothing fetched, ever */
    BM_ASSERT(strstr(page, "alert(1)</script>") == NULL);  /* the sentence stayed data */
    BM_ASSERT(strstr(page, "Redistribution and use") != NULL); /* Leaflet's licence */
    BM_ASSERT(strstr(page, "ISC License") != NULL);            /* supercluster's */
    free(page);

    /* The data block against the store: python3 reads the JSON the browser would. */
    int py = bm_test_system(
        "python3 - '%s' <<'EOF'\n"
        "import json, re, sys\n"
        "page = open(sys.argv[1], encoding='utf-8').read()\n"
        "m = re.search(r'<script type=\"application/json\" id=\"bm-data\">(.*?)</script>', page, re.S)\n"
        "d = json.loads(m.group(1))\n"
        "inc = d['inc']\n"
        "assert len(inc['id']) == 4, inc['id']\n"
        "types = [d['types'][t]['key'] for t in inc['t']]\n"
        "assert types == ['clash', 'smuggling', 'airstrike', 'statement'], types\n"
        "a = inc['a']\n"
        "assert a[0] == -1 and a[1] >= 0 and a[1] == a[2] and a[3] == -2, a\n"
        "area = d['areas'][a[1]]\n"
        "assert area['k'] == 'a', area\n"
        "gov = d['basemap']['admin1']['features'][area['i']]['properties']\n"
        "assert gov['iso_3166_2'] == 'IQ-AN', gov\n"
        "assert inc['ns'] == [1, 0, 0, 0] and inc['s0'][0] == 0, inc['ns']\n"
        "s = d['src'][0]\n"
        "assert s[0] == 'Shafaq News' and s[1] == '2024-03-15' and s[2] == 'https://example.org/a', s\n"
        "assert '</script>' in s[3], s[3]\n"
        "assert inc['sum'] == {'1': 'summary of smuggling', '2': 'summary of airstrike', "
        "'3': 'summary of statement'}, inc['sum']\n"
        "assert [d['places'][p][0] for p in inc['p']] == ['Abu Kamal', 'Anbar Governorate', "
        "'Anbar Governorate', 'Iraq'], inc['p']\n"
        "assert d['meta']['lang'] == 'both' and d['meta']['n'] == 4\n"
        "assert d['basemap']['border_iq_sy']['features'], 'no border'\n"
        "EOF",
        path);
    BM_ASSERT_EQ_INT(py, 0);
}

static void test_contract(bm_store *s)
{
    char path[700];
    snprintf(path, sizeof path, "%s/map.html", g_dir);
    char *before = slurp(path);
    bm_error err;
    bm_error_clear(&err);
    /* An existing file stays as it was without overwrite. */
    BM_ASSERT_EQ_INT(export_to(s, path, BM_LANG_AR, NULL, 0, NULL, &err), BM_EEXIST);
    char *after = slurp(path);
    BM_ASSERT(strcmp(before, after) == 0);
    free(after);
    BM_ASSERT_EQ_INT(export_to(s, path, BM_LANG_AR, NULL, 1, NULL, &err), BM_OK);
    after = slurp(path);
    BM_ASSERT(strstr(after, "<html lang=\"ar\" dir=\"rtl\">") != NULL);
    BM_ASSERT(strstr(after, "الحدود") != NULL); /* the style's Arabic title */
    free(after);
    free(before);
    /* Only incidents make a web map. */
    bm_export_opts o;
    bm_export_opts_init(&o);
    o.layer = BM_EXPORT_PLACES;
    snprintf(path, sizeof path, "%s/places.html", g_dir);
    BM_ASSERT_EQ_INT(bm_export(s, path, &o, NULL, &err), BM_EINVAL);
    struct stat st;
    BM_ASSERT(stat(path, &st) != 0);
    /* A filter selects the page's incidents. */
    const char *types[] = {"clash"};
    bm_export_opts_init(&o);
    o.query.types = types;
    o.query.n_types = 1;
    int64_t n = 0;
    snprintf(path, sizeof path, "%s/clash.html", g_dir);
    BM_ASSERT_EQ_INT(bm_export(s, path, &o, &n, &err), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s", bm_test_tmpdir());
    snprintf(g_db, sizeof g_db, "%s/fixture.sqlite", g_dir);
    char leaflet[1024];
    if (bm_data_path("web/node_modules/leaflet/dist/leaflet.js", leaflet, sizeof leaflet, NULL) !=
        BM_OK) {
        if (getenv("CI") && !strcmp(getenv("CI"), "true")) {
            fprintf(stderr, "test_export_html: web/node_modules missing (run scripts/install-deps.sh)\n");
            return 1;
        }
        printf("test_export_html: SKIPPED: web/node_modules missing (run scripts/install-deps.sh)\n");
        bm_test_rmtree(g_dir);
        return 77;
    }
    build_fixture();
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    test_format_names();
    test_page(s);
    test_contract(s);
    bm_store_close(s);
    int rc = bm_test_finish("test_export_html");
    if (rc == 0)
        bm_test_rmtree(g_dir);
    else
        fprintf(stderr, "test_export_html: outputs kept in %s\n", g_dir);
    return rc;
}
