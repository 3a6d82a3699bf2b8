/* b64url.h — base64url (RFC 4648 §5) without padding, the one codec for
 * tokens, refresh tokens, feed secrets and listing cursors. */
#ifndef AURORA_B64URL_H
#define AURORA_B64URL_H

#include <stddef.h>

/* The 64 characters, in value order (for strspn and friends). */
#define B64URL_ALPHABET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Characters needed to encode len bytes (no NUL). */
#define B64URL_ENCODED_LEN(len)	((len) / 3 * 4 +			\
	((len) % 3 ? (len) % 3 + 1 : 0))
/* Bytes needed to decode len characters. */
#define B64URL_DECODED_MAX(len)	((len) / 4 * 3 + 3)

/* Writes the encoding of in[0..len) and a NUL to out (outlen bytes, the
 * caller's). Returns the length written (without the NUL), or -1 if out
 * is too small. */
long b64url_encode(const void *in, size_t len, char *out, size_t outlen);

/* Strict decoding: only [A-Za-z0-9_-], no padding, no bits left over (so
 * one value has exactly one spelling; the token verifier relies on it).
 * Writes at most outlen bytes to out (the caller's; no NUL added). Returns
 * the decoded length, or -1 (bad input or out too small). */
long b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen);

/* 1 if c is one of the 64 characters, else 0. */
int b64url_char(int c);

#endif
