/* digest_private.h: SHA-256: the key an article's text is known by in the store, and the
 * basemap cache's key and entry check. Never exported. */
#ifndef BORDERMAP_DIGEST_PRIVATE_H
#define BORDERMAP_DIGEST_PRIVATE_H

#include <stddef.h>

/* The SHA-256 of data, 32 bytes. 0 on success, -1 when the digest cannot be made (out of
 * memory). */
int bm__sha256(const void *data, size_t len, unsigned char out[32]);
/* Lower-case hex SHA-256 of data (65 bytes with the NUL). 0 on success,
 * -1 when the digest cannot be made (out of memory). */
int bm__sha256_hex(const void *data, size_t len, char out[65]);

#endif
