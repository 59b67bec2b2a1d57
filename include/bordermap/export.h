/* bordermap/export.h: writes incidents, gazetteer places or incident sources
 * to GIS files (GeoJSON, GPKG, KML, CSV, FlatGeobuf, GeoJSONSeq) through OGR,
 * and incidents to one self-contained interactive HTML map (Leaflet).
 * Must never hand-write a format, nor leave a half-written file under the
 * target name: every file goes through a temporary file and a rename. */
#ifndef BORDERMAP_EXPORT_H
#define BORDERMAP_EXPORT_H

#include "bordermap/common.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The formats bordermap writes. */
typedef enum bm_export_format {
    BM_EXPORT_AUTO = 0, /* from the file extension ("-" = GeoJSON) */
    BM_EXPORT_GEOJSON,
    BM_EXPORT_GPKG,
    BM_EXPORT_KML,
    BM_EXPORT_CSV,
    BM_EXPORT_FLATGEOBUF,
    BM_EXPORT_GEOJSONSEQ,
    BM_EXPORT_ACLED, /* ACLED's CSV columns (by --format only; incidents layer) */
    BM_EXPORT_HTML   /* an interactive web map (export_html.c), incidents only */
} bm_export_format;

/* What to write. */
typedef enum bm_export_layer {
    BM_EXPORT_INCIDENTS = 0, /* one point per incident (the query applies) */
    BM_EXPORT_PLACES,        /* the gazetteer as stored: points, or areas */
    BM_EXPORT_SOURCES        /* incident-to-article links, at the incident point */
} bm_export_layer;

typedef struct bm_export_opts {
    bm_export_format format; /* BM_EXPORT_AUTO: from the extension */
    bm_export_layer layer;
    int areas;      /* places only: write the area (MultiPolygon) of every
                       place that has one, instead of the points */
    int overwrite;  /* replace an existing file (otherwise BM_EEXIST) */
    int include_country_level; /* incidents placed only in a country: written with a
                                  null geometry (ACLED: the country's point) instead
                                  of left out */
    bm_query query; /* incidents and sources: which incidents; borrowed */
    const char *title; /* HTML: the page title; NULL: the style's; borrowed */
    int lang;          /* HTML: BM_LANG_EN, BM_LANG_AR or BM_LANG_BOTH (render.h) */
    unsigned jobs;     /* incidents: 1 reads and writes on one thread; 2 or more read the
                          store on a second thread while this one encodes (less wall time,
                          more CPU: the threads compete for the cores' caches); 0 (the
                          default) is bm_export_default_jobs() */
} bm_export_opts;

/* Defaults: format from the extension, incidents, everything, no overwrite. */
void bm_export_opts_init(bm_export_opts *o);

/* The threads an export uses when opts.jobs is 0: 2 on a machine with 4 or more
 * processors, else 1. On 2 processors (often two hyperthreads of one core) the
 * reader thread cost 15-28% more CPU for GPKG and GeoJSON while saving GPKG
 * almost no wall time (bench/bench-export.sh). */
unsigned bm_export_default_jobs(void);

/* Parses a format name as the CLI takes it ("GeoJSON", "gpkg", "FlatGeobuf",
 * case-insensitive). BM_EINVAL (message in err) for anything else. */
int bm_export_format_parse(const char *name, bm_export_format *out, bm_error *err);
/* The format a path's extension names: .geojson/.json, .gpkg, .kml, .csv,
 * .fgb, .geojsons/.geojsonl/.geojsonseq; "-" is GeoJSON. BM_EINVAL otherwise. */
int bm_export_format_from_path(const char *path, bm_export_format *out, bm_error *err);
/* The OGR driver name of a format (static string; "HTML" for the web map, which OGR does
 * not write), NULL for BM_EXPORT_AUTO. */
const char *bm_export_format_name(bm_export_format f);

/* The layer names "incidents", "places", "sources"; BM_EINVAL otherwise. */
int bm_export_layer_parse(const char *name, bm_export_layer *out, bm_error *err);
const char *bm_export_layer_name(bm_export_layer l);

/* Writes the chosen layer of `store` to `path` ("-" = standard output, for
 * the text formats GeoJSON, GeoJSONSeq, CSV, KML and HTML only). *n_written (may be
 * NULL) receives the number of features. Returns BM_OK, or BM_EINVAL (bad
 * format or options), BM_EEXIST (target exists without overwrite; the file
 * is untouched), BM_EDB, BM_EGDAL, BM_EIO, BM_EREADONLY, BM_ENOMEM with the
 * reason in err; HTML also BM_ENOTFOUND when the npm packages it inlines (Leaflet,
 * supercluster: web/node_modules, see web/README.md) are not installed. GDAL's own
 * diagnostics are collected into err, never printed. */
int bm_export(bm_store *store, const char *path, const bm_export_opts *o, int64_t *n_written,
              bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
