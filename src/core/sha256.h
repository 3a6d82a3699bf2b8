/* sha256.h — SHA-256 as lower-case hex, the one spelling of a digest kept
 * in the database (refresh-token and feed-secret hashes, migration
 * checksums, e-mail and device keys). */
#ifndef AURORA_SHA256_H
#define AURORA_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN	64	/* characters, without the NUL */

/* Writes the 64 hex digits of SHA-256(data[0..len)) and a NUL to out (the
 * caller's). Returns 0, or -1 if OpenSSL fails (out is then ""). */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
    __attribute__((warn_unused_result));

#endif
