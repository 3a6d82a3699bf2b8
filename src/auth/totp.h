/* totp.h — two-step sign-in with an authenticator app (RFC 6238 TOTP, codes
 * by liboath): set-up and confirmation, recovery codes, the second-step
 * challenge of a sign-in, fresh-code checks for sensitive changes, turning
 * it off, and the operators' reset. Owns auth_totp, auth_recovery_codes and
 * auth_mfa_challenges (sql/013_totp.sql).
 *
 * A secret is 160 random bits (RFC 4226's recommendation), kept only
 * encrypted (AES-256-GCM under a key derived from auth_secret.pepper, the
 * user's id as associated data). Codes are 6 digits of 30-second steps,
 * accepted one step either side; a code is accepted at most once (the step
 * of the last accepted code is kept and only later steps pass). Wrong
 * codes count per challenge (TOTP_CHALLENGE_TRIES, then the challenge is
 * gone) and per account (TOTP_FREE_FAILURES, then waits doubling from 60 s,
 * as sign-in's, up to login_failure_window); a right password does not
 * reset the account's count, a right code does. */
#ifndef AURORA_TOTP_H
#define AURORA_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/account.h"
#include "auth/identity.h"
#include "core/conf.h"
#include "db/db.h"

#define TOTP_SECRET_BYTES	20	/* 160 bits */
#define TOTP_SECRET_B32_LEN	32	/* base32 of 20 bytes, no padding */
#define TOTP_DIGITS		6
#define TOTP_STEP		30	/* seconds */
#define TOTP_WINDOW		1	/* steps either side */
#define TOTP_RECOVERY_CODES	10
#define TOTP_RECOVERY_LEN	19	/* "abcd-efgh-ijkm-npqr": 16 of 32 */
#define TOTP_RECOVERY_INPUT_MAX	64	/* longest recovery code read */
#define TOTP_CHALLENGE_LEN	43	/* base64url of 32 bytes */
#define TOTP_CHALLENGE_TTL	300	/* seconds */
#define TOTP_CHALLENGE_TRIES	5	/* wrong answers before it dies */
#define TOTP_FREE_FAILURES	5	/* per account before the slow-down */
#define TOTP_URI_MAX		(128 + 3 * ACCOUNT_EMAIL_MAX)
#define TOTP_ISSUER		"Aurora Time"

enum totp_rc {
	TOTP_OK = 0,
	TOTP_DENIED,		/* wrong code, password or challenge */
	TOTP_LIMITED,		/* too many wrong codes: see retry_after */
	TOTP_NOT_FOUND,		/* no authenticator (confirmed, or pending) */
	TOTP_CONFLICT,		/* set-up asked while it is on */
	TOTP_UNAVAILABLE,	/* the database cannot be reached: 503 */
	TOTP_ERROR		/* 500 */
};

/* ------------------------------------------------- codes (pure, liboath) */

/* Initialises liboath once per process (the functions below call it);
 * 0 or -1. */
int totp_init(void) __attribute__((warn_unused_result));

/* The TOTP_DIGITS-digit HMAC-SHA1 code of secret at instant t into out.
 * 0, or -1 when liboath fails. */
int totp_code_at(const unsigned char *secret, size_t len, time_t t,
    char out[TOTP_DIGITS + 1]) __attribute__((warn_unused_result));

/* 1 and *step when code is the code of secret at a step within TOTP_WINDOW
 * of now's and later than after (the last accepted step); 0 otherwise
 * (also for a replayed code); -1 when liboath fails. Compares in constant
 * time. */
int totp_code_check(const unsigned char *secret, size_t len, time_t now,
    const char *code, uint64_t after, uint64_t *step)
    __attribute__((warn_unused_result));

/* base32 (RFC 4648, upper case, no padding) of in into out (outlen bytes
 * with the NUL). 0, or -1. */
int totp_base32(const unsigned char *in, size_t len, char *out,
    size_t outlen) __attribute__((warn_unused_result));

/* The otpauth:// URI of a secret for account email (Key Uri Format). 0 or
 * -1. */
int totp_uri(const char *email, const char *secret_b32, char *out,
    size_t outlen) __attribute__((warn_unused_result));

/* ------------------------------------------------------- stored state */

/* Starts (or restarts) the set-up for user_id: a new secret, pending until
 * confirmed. TOTP_OK with its base32 and URI; TOTP_CONFLICT when two-step
 * sign-in is already on; TOTP_NOT_FOUND when the user is gone or has no
 * password here (an external issuer's account). */
enum totp_rc totp_enroll(struct db *db, const char *user_id,
    char secret_b32[TOTP_SECRET_B32_LEN + 1], char uri[TOTP_URI_MAX])
    __attribute__((warn_unused_result));

/* Confirms the pending set-up with a code: TOTP_OK turns two-step sign-in
 * on, writes TOTP_RECOVERY_CODES new recovery codes into codes (shown once;
 * only hashes are kept) and queues the "turned on" mail. TOTP_DENIED (the
 * wrong code counts), TOTP_LIMITED with *retry_after, TOTP_NOT_FOUND when
 * nothing is pending, TOTP_CONFLICT when it is on already. */
enum totp_rc totp_confirm(struct db *db, const struct identity *id,
    const char *user_id, const char *code, time_t now,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1],
    long *retry_after) __attribute__((warn_unused_result));

/* *on: 1 when two-step sign-in is on (confirmed) for user_id. */
enum totp_rc totp_status(struct db *db, const char *user_id, int *on)
    __attribute__((warn_unused_result));

/* The same two facts as SQL expressions over the user whose id is the SQL
 * expression u, for a statement of another module that shows them with
 * more (the profile of GET /api/v1/me, account_me.c, in one statement):
 * whether two-step sign-in is on, and the recovery codes not used yet. */
#define TOTP_SQL_ON(u)							\
	"EXISTS (SELECT 1 FROM auth_totp t WHERE t.user_id = " u	\
	"        AND t.confirmed_at IS NOT NULL)"
#define TOTP_SQL_RECOVERY_LEFT(u)					\
	"(SELECT count(*) FROM auth_recovery_codes r "			\
	"  WHERE r.user_id = " u " AND r.used_at IS NULL)"

/* New recovery codes for a fresh code (the old ones stop working), into
 * codes as totp_confirm. TOTP_DENIED, TOTP_LIMITED, TOTP_NOT_FOUND when
 * two-step sign-in is off. */
enum totp_rc totp_recovery_renew(struct db *db, const struct identity *id,
    const char *user_id, const char *code, time_t now,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1],
    long *retry_after) __attribute__((warn_unused_result));

/* A fresh code for a sensitive change (a new app password): TOTP_OK once
 * accepted (it cannot be used again), TOTP_DENIED, TOTP_LIMITED with
 * *retry_after, TOTP_NOT_FOUND when two-step sign-in is off. */
enum totp_rc totp_verify(struct db *db, const struct identity *id,
    const char *user_id, const char *code, time_t now, long *retry_after)
    __attribute__((warn_unused_result));

/* Turns two-step sign-in off with the account's password and a current
 * code (both needed; either wrong counts as a failure): its secret,
 * recovery codes and challenges are deleted and the "turned off" mail is
 * queued. TOTP_NOT_FOUND when it is off. */
enum totp_rc totp_disable(struct db *db, const struct identity *id,
    const char *user_id, const char *password, size_t pwlen,
    const char *code, time_t now, long *retry_after)
    __attribute__((warn_unused_result));

/* aurora-admin user mfa-reset: turns two-step sign-in off for the local
 * account of email without its owner (support), and mails them.
 * TOTP_NOT_FOUND when there is no such account; TOTP_OK also when it was
 * off (nothing to do, *was_on 0). */
enum totp_rc totp_reset_email(struct db *db, const struct conf *c,
    const char *email, int *was_on) __attribute__((warn_unused_result));

/* ---------------------------------------------------- sign-in, step two */

/* After a right password for u: a challenge for the second step into
 * session (TOTP_CHALLENGE_LEN characters and a NUL), valid for
 * TOTP_CHALLENGE_TTL seconds. Expired challenges (anyone's: abandoned
 * sign-ins leave them) go at the same time. */
enum totp_rc totp_challenge_new(struct db *db, const char *user_id,
    char session[TOTP_CHALLENGE_LEN + 1]) __attribute__((warn_unused_result));

/* The second step: exactly one of code and recovery (the other NULL).
 * TOTP_OK fills u (the account, still usable) and the challenge is used
 * up (a recovery code too); TOTP_DENIED for an unknown, expired or spent
 * challenge or a wrong code (counted against both); TOTP_LIMITED with
 * *retry_after when the account's wrong codes are spent. */
enum totp_rc totp_challenge_answer(struct db *db, const struct identity *id,
    const char *session, const char *code, const char *recovery, time_t now,
    struct account_user *u, long *retry_after)
    __attribute__((warn_unused_result));

#endif
