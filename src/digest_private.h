/* digest_private.h: the SHA-256 of an article, the key its text is known
 * by in the store. Never exported. */
#ifndef BORDERMAP_DIGEST_PRIVATE_H
#define BORDERMAP_DIGEST_PRIVATE_H

#include <stddef.h>

/* Lower-case hex SHA-256 of data (65 bytes with the NUL). 0 on success,
 * -1 when the digest cannot be made (out of memory). */
int bm__sha256_hex(const void *data, size_t len, char out[65]);

#endif
