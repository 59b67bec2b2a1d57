/* segment_private.h: where to cut a long text into blocks that extraction
 * and matching can handle with bounded memory (mentions streams blocks;
 * ingest extracts an oversized article block by block). Internal. */
#ifndef BORDERMAP_SEGMENT_PRIVATE_H
#define BORDERMAP_SEGMENT_PRIVATE_H

#include <stddef.h>

/* Where to cut b[0..len): after the last paragraph break in its last three
 * quarters, else after the last line break, else after the last space;
 * never inside a UTF-8 sequence. Returns a length in 1..len. */
size_t bm__paragraph_cut(const char *b, size_t len);

#endif
