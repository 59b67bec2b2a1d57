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

static const char *const csv_header =
    "id,date_start,date_end,date_precision,type,place_id,lon,lat,geo_precision,confidence,"
    "fatalities,sources,summary";

void bm_output_begin(bm_output *o, FILE *fp, bm_output_format fmt)
{
    o->fp = fp;
    o->fmt = fmt;
    o->rows = 0;
    if (fmt == BM_OUT_CSV)
        fprintf(fp, "%s\n", csv_header);
    else if (fmt == BM_OUT_TABLE)
        fprintf(fp, "%6s  %-10s  %-10s  %-5s  %-13s  %-24s  %5s  %s\n", "ID", "START", "END",
                "PREC", "TYPE", "PLACE", "SRC", "SUMMARY");
    else
        fputs("[", fp);
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
    fputs(",\"reasons\":", fp);
    bm_output_json_string(fp, inc->reasons);
}

static void json_incident(FILE *fp, const bm_incident *inc)
{
    json_incident_open(fp, inc);
    fputc('}', fp);
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

int bm_output_incident(bm_output *o, const bm_incident *inc)
{
    char d1[11], d2[11], buf[32];
    FILE *fp = o->fp;
    bm_date_format(inc->date_start, d1);
    bm_date_format(inc->date_end, d2);
    switch (o->fmt) {
    case BM_OUT_TABLE:
        fprintf(fp, "%6" PRId64 "  %-10s  %-10s  %-5s  %-13s  %-24s  %5d  ", inc->id, d1, d2,
                bm_precision_name(inc->date_precision), inc->type,
                inc->place_id[0] ? inc->place_id : "-", inc->n_sources);
        print_cut(fp, inc->summary, 160);
        fputc('\n', fp);
        break;
    case BM_OUT_CSV:
        fprintf(fp, "%" PRId64 ",%s,%s,%s,%s,", inc->id, d1, d2,
                bm_precision_name(inc->date_precision), inc->type);
        bm_output_csv_field(fp, inc->place_id);
        fprintf(fp, ",%.6f,%.6f,%d,%.3f,", inc->pt.lon, inc->pt.lat, inc->geo_precision,
                inc->confidence);
        if (inc->fatalities >= 0) {
            snprintf(buf, sizeof buf, "%d", inc->fatalities);
            fputs(buf, fp);
        }
        fprintf(fp, ",%d,", inc->n_sources);
        bm_output_csv_field(fp, inc->summary);
        fputc('\n', fp);
        break;
    case BM_OUT_JSON:
        fputs(o->rows ? ",\n " : "\n ", fp);
        json_incident(fp, inc);
        break;
    }
    o->rows++;
    return ferror(fp) ? BM_EIO : BM_OK;
}

void bm_output_end(bm_output *o)
{
    if (o->fmt == BM_OUT_JSON)
        fputs(o->rows ? "\n]\n" : "]\n", o->fp);
    fflush(o->fp);
}

typedef struct detail_state {
    FILE *fp;
    bm_output_format fmt;
    int n;
} detail_state;

static int source_cb(const bm_source *src, void *user)
{
    detail_state *ds = user;
    if (ds->fmt == BM_OUT_JSON) {
        fprintf(ds->fp, "%s{\"article\":", ds->n ? "," : "");
        bm_output_json_string(ds->fp, src->file_name);
        fputs(",\"url\":", ds->fp);
        bm_output_json_string(ds->fp, src->url);
        fprintf(ds->fp, ",\"byte_start\":%" PRId64 ",\"byte_end\":%" PRId64 ",\"sentence\":",
                src->byte_start, src->byte_end);
        bm_output_json_string(ds->fp, src->sentence);
        fputc('}', ds->fp);
    } else {
        fprintf(ds->fp, "source %d:   %s [bytes %" PRId64 "-%" PRId64 "]%s%s\n  %s\n", ds->n + 1,
                src->file_name ? src->file_name : "-", src->byte_start, src->byte_end,
                src->url ? " " : "", src->url ? src->url : "",
                src->sentence ? src->sentence : "");
    }
    ds->n++;
    return 0;
}

/* An analyst's corrections (edits.h): when, the note, and a review mark;
 * null when there are none. */
static void json_corrections(FILE *fp, bm_store *store, int64_t id)
{
    bm_incident_state st;
    if (bm_edit_state(store, id, &st, NULL) != BM_OK)
        return;
    const char *keys[] = {"corrected_at", "note", "review"};
    const char *vals[] = {st.edited_at, st.note, st.review};
    for (int i = 0; i < 3; i++) {
        fprintf(fp, ",\"%s\":", keys[i]);
        if (vals[i][0])
            bm_output_json_string(fp, vals[i]);
        else
            fputs("null", fp);
    }
}

int bm_output_incident_detail(bm_store *store, FILE *fp, bm_output_format fmt,
                              const bm_incident *inc)
{
    detail_state ds = {fp, fmt, 0};
    if (fmt == BM_OUT_JSON) {
        json_incident_open(fp, inc);
        fputs(",\"source_list\":[", fp);
        int rc = bm_store_sources(store, inc->id, source_cb, &ds);
        fputs("]", fp);
        json_corrections(fp, store, inc->id);
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
    fprintf(fp, "summary:      %s\nsources:      %d\n", inc->summary, inc->n_sources);
    return bm_store_sources(store, inc->id, source_cb, &ds);
}
