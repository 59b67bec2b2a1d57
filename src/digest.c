/* digest.c: SHA-256 of article texts through OpenSSL's libcrypto (already
 * loaded by libpq), whose code uses the processor's SHA instructions: every
 * ingested article is hashed whole, and GLib's portable SHA-256 took 10% of
 * an ingest's instructions. The digest is the same as GLib's. */
#include "digest_private.h"

#include <openssl/evp.h>

int bm__sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
