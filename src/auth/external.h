/* external.h — users of external issuers: the row behind a verified token
 * of another issuer (issuer + sub), created from the token's claims on
 * first use and its address kept current. The verifier (verify.h) only
 * reads; this is the writer, called by the authentication step. */
#ifndef AURORA_EXTERNAL_H
#define AURORA_EXTERNAL_H

#include <stddef.h>

#include "auth/verify.h"
#include "db/db.h"

/* The user of verified claims c of an external issuer (c->issuer->local is
 * 0), created on first use; refuses a disabled user and tokens issued
 * before the user's global sign-out. VERIFY_OK fills u (no session id);
 * otherwise why says what failed, for debug logs only. */
enum verify_result external_user(struct db *db, const struct verify_claims *c,
    struct verify_user *u, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
