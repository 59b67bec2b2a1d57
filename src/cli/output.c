/* output.c: incidents as an aligned table, RFC 4180 CSV or JSON on stdout.
 * Must never alter text: Arabic and every other UTF-8 byte goes out as is. */
#include "output.h"

#include <inttypes.h>
#include <string.h>

int bm_output_parse_format(const char *s, bm_output_format *fmt)
{
    if (strcmp(s, "table") == 0)
        *fmt = BM_OUT_TABLE;
    else if (strcmp(s, "csv") == 0)
        *fmt = BM_OUT_CSV;
    else if (strcmp(s, "json") == 0)
        *fmt = BM_OUT_JSON;
    else
        return BM_EINVAL;
    return BM_OK;
}

void bm_output_json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (*p < 0x20)
                fprintf(fp, "\\u%04x", *p);
            else
                fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

/* `,"key":"value"`: a member after the first of a JSON object. */
static void json_member(FILE *fp, const char *key, const char *v)
{
    fprintf(fp, ",\"%s\":", key);
    bm_output_json_string(fp, v);
}

void bm_output_csv_field(FILE *fp, const char *s)
{
    s = s ? s : "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void bm_output_begin(bm_output *o, bm_store *store, FILE *fp, bm_output_format fmt)
{
    o->fp = fp;
    o->fmt = fmt;
    o->rows = 0;
    o->store = store;
    if (fmt == BM_OUT_TABLE)
        fprintf(fp, "%6s  %-10s  %-10s  %-5s  %-13s  %-24s  %5s  %-24s  %s\n", "ID", "START",
                "END", "PREC", "TYPE", "PLACE", "SRC", "OUTLETS", "SUMMARY");
    else if (fmt == BM_OUT_JSON)
        fputs("[", fp);
}

/* The distinct outlets of an incident's sources, "; "-joined, for the table. */
typedef struct outlets {
    char text[256];
} outlets;

static int outlet_cb(const bm_source *src, void *user)
{
    outlets *o = user;
    const char *name = src->outlet && *src->outlet ? src->outlet : NULL;
    if (!name || strstr(o->text, name))
        return 0;
    size_t n = strlen(o->text);
    snprintf(o->text + n, sizeof o->text - n, "%s%s", n ? "; " : "", name);
    return 0;
}

/* One JSON object per source: who published it, where and when, and the
 * article file; `full` adds the byte offsets and the sentence. */
typedef struct json_sources {
    FILE *fp;
    int n, full;
} json_sources;

static int json_source_cb(const bm_source *src, void *user)
{
    json_sources *js = user;
    FILE *fp = js->fp;
    fputs(js->n++ ? ",{\"outlet\":" : "{\"outlet\":", fp);
    bm_output_json_string(fp, src->outlet);
    json_member(fp, "url", src->url);
    json_member(fp, "published", src->published);
    json_member(fp, "article", src->file_name);
    if (js->full) {
        fprintf(fp, ",\"byte_start\":%" PRId64 ",\"byte_end\":%" PRId64 ",\"sentence\":",
                src->byte_start, src->byte_end);
        bm_output_json_string(fp, src->sentence);
    }
    fputc('}', fp);
    return 0;
}

static int json_sources_write(bm_store *store, FILE *fp, int64_t id, int full)
{
    json_sources js = {fp, 0, full};
    fputs(",\"source_list\":[", fp);
    int rc = store ? bm_store_sources(store, id, json_source_cb, &js) : BM_OK;
    fputc(']', fp);
    return rc;
}

/* Writes the members of an incident object, without the closing brace, so
 * the detail view can append its sources to the same object. */
static void json_incident_open(FILE *fp, const bm_incident *inc)
{
    char d1[11], d2[11];
    fprintf(fp,
            "{\"id\":%" PRId64 ",\"date_start\":\"%s\",\"date_end\":\"%s\","
            "\"date_precision\":\"%s\",\"type\":\"%s\",\"place_id\":",
            inc->id, bm_date_format(inc->date_start, d1), bm_date_format(inc->date_end, d2),
            bm_precision_name(inc->date_precision), inc->type);
    if (inc->place_id[0])
        bm_output_json_string(fp, inc->place_id);
    else
        fputs("null", fp);
    fprintf(fp, ",\"lon\":%.6f,\"lat\":%.6f,\"geo_precision\":%d,\"confidence\":%.3f,",
            inc->pt.lon, inc->pt.lat, inc->geo_precision, inc->confidence);
    if (inc->fatalities >= 0)
        fprintf(fp, "\"fatalities\":%d,", inc->fatalities);
    else
        fputs("\"fatalities\":null,", fp);
    fprintf(fp, "\"sources\":%d,\"summary\":", inc->n_sources);
    bm_output_json_string(fp, inc->summary);
    json_member(fp, "reasons", inc->reasons);
    json_member(fp, "actor1", inc->actor1);
    json_member(fp, "actor2", inc->actor2);
    json_member(fp, "provenance", inc->provenance);
}

/* Table cells are cut on a UTF-8 character boundary. */
static void print_cut(FILE *fp, const char *s, size_t max_bytes)
{
    size_t n = strlen(s);
    if (n <= max_bytes) {
        fputs(s, fp);
        return;
    }
    while (max_bytes > 0 && ((unsigned char)s[max_bytes] & 0xC0) == 0x80)
        max_bytes--;
    fprintf(fp, "%.*s…", (int)max_bytes, s);
}

/* A table cell of `width` characters: cut with an ellipsis, or padded. */
static void print_cell(FILE *fp, const char *s, int width)
{
    int chars = 0;
    const char *p = s;
    for (; *p && chars < width; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    while (*p && ((unsigned char)*p & 0xC0) == 0x80)
        p++;
    if (*p) { /* longer than the cell: keep width-1 characters and the ellipsis */
        const char *q = s;
        for (int c = 0; c < width - 1; q++)
            if (((unsigned char)q[1] & 0xC0) != 0x80)
                c++;
        fprintf(fp, "%.*s…", (int)(q - s), s);
        return;
    }
    fprintf(fp, "%s%*s", s, width - chars, "");
}

int bm_output_incident(bm_output *o, const bm_incident *inc)
{
    char d1[11], d2[11];
    FILE *fp = o->fp;
    bm_date_format(inc->date_start, d1);
    bm_date_format(inc->date_end, d2);
    int rc = BM_OK;
    switch (o->fmt) {
    case BM_OUT_TABLE: {
        outlets out = {""};
        if (o->store && inc->n_sources > 0)
            rc = bm_store_sources(o->store, inc->id, outlet_cb, &out);
        fprintf(fp, "%6" PRId64 "  %-10s  %-10s  %-5s  %-13s  %-24s  %5d  ", inc->id, d1, d2,
                bm_precision_name(inc->date_precision), inc->type,
                inc->place_id[0] ? inc->place_id : "-", inc->n_sources);
        print_cell(fp, out.text[0] ? out.text : "-", 24);
        fputs("  ", fp);
        print_cut(fp, inc->summary, 160);
        fputc('\n', fp);
        break;
    }
    case BM_OUT_CSV: return BM_EINVAL; /* CSV is the export's (cmd_incidents.c) */
    case BM_OUT_JSON:
        fputs(o->rows ? ",\n " : "\n ", fp);
        json_incident_open(fp, inc);
        rc = json_sources_write(o->store, fp, inc->id, 0);
        fputc('}', fp);
        break;
    }
    o->rows++;
    return rc != BM_OK ? rc : ferror(fp) ? BM_EIO : BM_OK;
}

void bm_output_end(bm_output *o)
{
    if (o->fmt == BM_OUT_JSON)
        fputs(o->rows ? "\n]\n" : "]\n", o->fp);
    fflush(o->fp);
}

typedef struct detail_state {
    FILE *fp;
    int n;
} detail_state;

static int source_cb(const bm_source *src, void *user)
{
    detail_state *ds = user;
    fprintf(ds->fp, "source %d:     %s%s%s%s%s [bytes %" PRId64 "-%" PRId64 "]\n", ds->n + 1,
            src->outlet ? src->outlet : "outlet not recorded",
            src->published ? ", published " : "", src->published ? src->published : "",
            src->url ? ", " : "", src->url ? src->url : "", src->byte_start, src->byte_end);
    fprintf(ds->fp, "  article:     %s\n  %s\n", src->file_name ? src->file_name : "-",
            src->sentence ? src->sentence : "");
    ds->n++;
    return 0;
}

int bm_output_incident_detail(bm_store *store, FILE *fp, bm_output_format fmt,
                              const bm_incident *inc)
{
    detail_state ds = {fp, 0};
    if (fmt == BM_OUT_JSON) {
        json_incident_open(fp, inc);
        int rc = json_sources_write(store, fp, inc->id, 1);
        fputs("}\n", fp);
        return rc;
    }
    char d1[11], d2[11];
    fprintf(fp,
            "id:           %" PRId64 "\ndate:         %s .. %s (%s)\ntype:         %s\n"
            "place:        %s\nlocation:     %.5f, %.5f (lon, lat; geo precision %d)\n"
            "confidence:   %.2f%s%s%s\nfatalities:   ",
            inc->id, bm_date_format(inc->date_start, d1), bm_date_format(inc->date_end, d2),
            bm_precision_name(inc->date_precision), inc->type,
            inc->place_id[0] ? inc->place_id : "-", inc->pt.lon, inc->pt.lat,
            inc->geo_precision, inc->confidence, inc->reasons[0] ? " (" : "", inc->reasons,
            inc->reasons[0] ? ")" : "");
    if (inc->fatalities >= 0)
        fprintf(fp, "%d\n", inc->fatalities);
    else
        fputs("not stated\n", fp);
    fprintf(fp, "actors:       %s / %s\nprovenance:   %s%s%s\n",
            inc->actor1[0] ? inc->actor1 : "-", inc->actor2[0] ? inc->actor2 : "-",
            inc->provenance, inc->external_id[0] ? ", " : "", inc->external_id);
    fprintf(fp, "summary:      %s\nsources:      %d\n", inc->summary, inc->n_sources);
    return bm_store_sources(store, inc->id, source_cb, &ds);
}
