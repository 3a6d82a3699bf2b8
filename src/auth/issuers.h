/* issuers.h — external token issuers (Amazon Cognito user pools or any
 * OpenID Connect provider) from the JSON file named by
 * external_issuers_file, and fetching their JWKS with libcurl. */
#ifndef AURORA_ISSUERS_H
#define AURORA_ISSUERS_H

#include <stddef.h>
#include <time.h>

#include "auth/verify.h"

#define ISSUERS_FILE_MAX	(64 * 1024)	/* largest issuers file */
#define ISSUERS_FETCH_TIMEOUT	5		/* seconds per JWKS fetch */

/* Adds every issuer of the file at path to v:
 *   [{"issuer": "https://cognito-idp.REGION.amazonaws.com/POOL",
 *     "jwks_file": "/path" | "jwks_uri": "https://...",
 *     "client_ids": ["..."], "algorithms": ["RS256"],
 *     "require_token_use": true}]
 * A jwks_file is read now; a jwks_uri is fetched when a token first needs
 * it. Returns the number added, or -1 with a reason in err. */
int issuers_load_file(struct verifier *v, const char *path, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/* Fetches is->jwks_uri again unless an attempt was made in the last
 * VERIFY_JWKS_REFETCH seconds. 1 if fresh keys were loaded, 0 if no attempt
 * was due, -1 if the attempt failed (the old keys stay). */
int issuers_refetch(struct verify_issuer *is, time_t now);

/* Reads a whole file of at most max bytes into a fresh NUL-terminated
 * buffer (caller free()s it); NULL with a reason in err. */
char *issuers_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen);

#endif
