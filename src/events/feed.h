/* feed.h — per-user secret calendar URLs (/feeds/<secret>.ics): the secret
 * is shown once, when created or rotated; only its SHA-256 is stored. */
#ifndef AURORA_FEED_H
#define AURORA_FEED_H

#include "db/db.h"

#define FEED_SECRET_LEN	43	/* 32 random bytes in base64url */

/* Creates or replaces the user's secret; the old URL stops working.
 * out receives the new secret (FEED_SECRET_LEN + 1 bytes). */
enum db_rc feed_rotate(struct db *db, const char *user_id, char *out,
    size_t outlen) __attribute__((warn_unused_result));

/* Turns the user's feed off. *found is 0 when there was none. */
enum db_rc feed_delete(struct db *db, const char *user_id, int *found)
    __attribute__((warn_unused_result));

/* The owner of a secret into user_id (at least 37 bytes): DB_OK with
 * *found 1, or *found 0 when no feed has it, it is malformed, the owner
 * is disabled, or the feed predates the owner's last sign-out everywhere
 * (users.signed_out_at: reset, logout-all, disable). */
enum db_rc feed_lookup(struct db *db, const char *secret, char *user_id,
    size_t idlen, int *found) __attribute__((warn_unused_result));

#endif
