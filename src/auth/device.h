/* device.h — device tokens (OWASP "device cookies"): after a successful
 * sign-in a client is given a token bound to that account; presenting it
 * later exempts the client from the per-address sign-in throttle (see
 * docs/identity.md, "Sign-in throttling and device cookies"). Tokens are
 * stateless: an HMAC-SHA256 under the server's secret (auth_secret.pepper)
 * of the account key, the issue time and a random nonce. No database here. */
#ifndef AURORA_DEVICE_H
#define AURORA_DEVICE_H

#include <stddef.h>
#include <time.h>

#define DEVICE_TOKEN_MAX	128	/* longest token accepted or made */
#define DEVICE_COOKIE		"aurora_device"
#define DEVICE_SKEW		300	/* seconds a token may be from the future */

/* Makes a fresh token for the account whose key (64 hex digits: SHA-256 of
 * the lower-cased address) is account_key, issued at now, into out.
 * Returns 0, or -1 (no randomness, buffer too small). */
int device_issue(const unsigned char *secret, size_t secretlen,
    const char *account_key, time_t now, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* 1 if token (NUL-terminated, untrusted) was issued by device_issue for
 * account_key with this secret, at most ttl seconds before now; id then
 * receives the device's id (64 hex digits, the SHA-256 of its nonce), which
 * failure records name. 0 for anything else, id set to "". */
int device_check(const unsigned char *secret, size_t secretlen,
    const char *account_key, const char *token, time_t now, long ttl,
    char id[65]);

#endif
