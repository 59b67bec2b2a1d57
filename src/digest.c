/* digest.c: SHA-256 of article texts through OpenSSL's libcrypto (already
 * loaded by libpq), whose code uses the processor's SHA instructions: every
 * ingested article is hashed whole, and GLib's portable SHA-256 took 10% of
 * an ingest's instructions, and GLib's MD5 of the 1.6 MB basemap and a 1.4 MB cache entry
 * ~12 ms of every render. The digest is the same as GLib's. */
#include "digest_private.h"

#include <string.h>

#include <openssl/evp.h>

int bm__sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    memcpy(out, md, 32);
    return 0;
}

int bm__sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    if (bm__sha256(data, len, md))
        return -1;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
