/* fuzz_wof.c: libFuzzer target for the Who's On First record reader
 * (bm_wof_parse): any bytes, as a record fetched from the network may be.
 * Must never crash, leak or produce a row that breaks the gazetteer's TSV
 * contract (tabs or '|' inside a name, Latin letters in an Arabic field). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/gazimport.h"

static int has_byte(const char *s, char c)
{
    return s && strchr(s, c) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bm_gz_row row;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_wof_parse((const char *)data, size, &row, &err);
    if (rc == BM_OK) {
        if (!row.aliases_en || !row.aliases_ar)
            abort(); /* a parsed row always has its alias lists */
        if (has_byte(row.name_en, '\t') || has_byte(row.name_ar, '\t') ||
            has_byte(row.name_en, '|') || has_byte(row.name_ar, '|') ||
            has_byte(row.aliases_en, '\t') || has_byte(row.aliases_ar, '\t'))
            abort(); /* would break the TSV and alias lists */
        for (const char *p = row.name_ar; *p; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                abort(); /* Latin never becomes an Arabic name */
        if (!(row.lat >= -90 && row.lat <= 90 && row.lon >= -180 && row.lon <= 180))
            abort();
    } else if (!bm_error_text(&err)[0]) {
        abort(); /* a failure always says why */
    }
    bm_gz_row_clear(&row);
    return 0;
}
