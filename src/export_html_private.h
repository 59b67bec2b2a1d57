/* export_html_private.h: the HTML web-map writer as export.c's format dispatch calls it.
 * Never included outside src/: nothing here is API (bm_export() is). */
#ifndef BORDERMAP_EXPORT_HTML_PRIVATE_H
#define BORDERMAP_EXPORT_HTML_PRIVATE_H

#include "bordermap/export.h"

/* Writes the incidents o->query selects as one self-contained HTML page (Leaflet and its
 * plugins, the app, the simplified basemap and the data inlined) to path ("-" = standard
 * output), atomically. *n_written (may be NULL) gets the number of incidents. BM_ENOTFOUND
 * when the vendored Leaflet files are missing (the message says how to install them),
 * BM_EINVAL for a layer other than incidents, BM_EEXIST without overwrite, BM_EDB, BM_EGDAL,
 * BM_EIO, BM_ENOMEM otherwise; the reason goes to err. */
int bm__export_html(bm_store *store, const char *path, const bm_export_opts *o,
                    int64_t *n_written, bm_error *err);

#endif
