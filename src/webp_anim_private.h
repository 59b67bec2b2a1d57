/* webp_anim_private.h: the animated WebP writer behind `bordermap animate`,
 * a thin layer over libwebp's WebPAnimEncoder (libwebpmux).
 * Internal to libbordermap (bm__ prefix); it never keeps more than the
 * encoder itself needs and never writes a partial file under the target. */
#ifndef BORDERMAP_WEBP_ANIM_PRIVATE_H
#define BORDERMAP_WEBP_ANIM_PRIVATE_H

#include <stdint.h>

#include "bordermap/common.h"

typedef struct bm__webp_writer bm__webp_writer;

/* Opens an animated WebP at path (atomically). lossless != 0 keeps map lines
 * and text exact; otherwise quality (0..100) drives the lossy encoder.
 * loop_count 0 loops forever. */
int bm__webp_open(const char *path, int overwrite, int width, int height, int lossless,
                  float quality, int loop_count, bm__webp_writer **out, bm_error *err);
/* Appends a frame (ARGB32 as cairo lays it out: premultiplied, native-endian)
 * shown for delay_ms milliseconds. */
int bm__webp_add_frame(bm__webp_writer *w, const unsigned char *argb, int stride_bytes,
                       int delay_ms, bm_error *err);
/* Assembles the file and renames it into place; frees w either way. */
int bm__webp_finish(bm__webp_writer *w, bm_error *err);
/* Discards the output; NULL does nothing. */
void bm__webp_abort(bm__webp_writer *w);

#endif
