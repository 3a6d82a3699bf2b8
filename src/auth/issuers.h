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
/* How long fetched keys are used before they are fetched again: the
 * answer's Cache-Control max-age, ISSUERS_MAX_AGE_DEFAULT without one,
 * clamped to [jwks_refresh_min (ISSUERS_MAX_AGE_MIN unless the issuers file
 * says otherwise), ISSUERS_MAX_AGE_MAX]. */
#define ISSUERS_MAX_AGE_DEFAULT	3600
#define ISSUERS_MAX_AGE_MIN	300
#define ISSUERS_MAX_AGE_MAX	86400
#define ISSUERS_AGE_MIN_FLOOR	10	/* smallest jwks_refresh_min allowed */
#define ISSUERS_CC_MAX		512	/* Cache-Control bytes kept */

/* Adds every issuer of the file at path to v:
 *   [{"issuer": "https://cognito-idp.REGION.amazonaws.com/POOL",
 *     "jwks_file": "/path" | "jwks_uri": "https://...",
 *     "client_ids": ["..."], "algorithms": ["RS256"],
 *     "require_token_use": true, "jwks_refresh_min": 300}]
 * A jwks_file is read now (it must hold a key for one of the algorithms);
 * a jwks_uri is fetched when a token first needs it, and again when its
 * max-age has passed. Returns the number added, or -1 with a reason in
 * err. */
int issuers_load_file(struct verifier *v, const char *path, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/* Why the verifier asks for is's keys. */
enum issuers_need {
	ISSUERS_SCHEDULED,	/* before using them: is their max-age over? */
	ISSUERS_UNKNOWN_KID	/* a token names a kid the set lacks */
};

/* 1 if a fetch of is->jwks_uri is due: for ISSUERS_SCHEDULED when
 * is->jwks_expires has come (at once for keys never fetched; a minute after
 * a failed attempt), for ISSUERS_UNKNOWN_KID when no attempt of any kind
 * was made in the last VERIFY_JWKS_REFETCH seconds, so that tokens with
 * forged kids cost at most one fetch per issuer and minute in a worker. */
int issuers_due(const struct verify_issuer *is, time_t now,
    enum issuers_need need);

/* Fetches is->jwks_uri if issuers_due() says so. 1 if the keys changed,
 * 0 if nothing was due or the same keys came back, -1 if the attempt failed
 * (the keys in use stay; see issuers_accept_jwks). */
int issuers_refresh(struct verify_issuer *is, time_t now,
    enum issuers_need need);

/* Seconds fetched keys stay in use, from the Cache-Control header value cc
 * (NULL: absent): max-age (or 0 for no-cache/no-store) clamped to
 * [min_age, ISSUERS_MAX_AGE_MAX]; ISSUERS_MAX_AGE_DEFAULT, clamped the same
 * way, without a readable max-age. */
long issuers_max_age(const char *cc, long min_age);

/* Takes a fetched JWKS document as is's keys if it holds at least one key
 * for an algorithm is allows; otherwise (not a JWKS, empty, nothing usable)
 * the keys in use stay and -1 comes back with a reason in err. On success
 * the keys are used for max_age seconds from now, keys_gen is bumped if
 * they differ from those in use, and the number of usable keys is
 * returned. */
int issuers_accept_jwks(struct verify_issuer *is, const char *json,
    size_t len, long max_age, time_t now, char *err, size_t errlen);

/* Reads a whole file of at most max bytes into a fresh NUL-terminated
 * buffer (caller free()s it); NULL with a reason in err. */
char *issuers_read_file(const char *path, size_t max, size_t *len, char *err,
    size_t errlen);

#endif
