/* apppass.h — app passwords: how calendar apps sign in (HTTP Basic with the
 * account's email and a password the server generated). Owns the table
 * app_passwords.
 *
 * A password is 28 random lower-case letters shown as 7 groups of 4
 * ("abcd-efgh-ijkl-mnop-qrst-uvwx-yzab"): 28 * log2(26) = 131.6 bits, drawn
 * from RAND_bytes without bias. Only its SHA-256 is stored. With that much
 * entropy a slow hash adds nothing against guessing (nobody enumerates
 * 2^131 candidates, salted or not), so a check costs one indexed lookup of
 * the digest and no per-worker cache is kept: every check reads the table,
 * which is why a deletion, a password reset, "sign out everywhere" and an
 * account disable take effect on the very next request of any worker.
 *
 * The account password never passes here (only app_passwords is read), and
 * an app password never signs in at /api/v1/auth/login (account_login reads
 * users.password_hash only). */
#ifndef AURORA_APPPASS_H
#define AURORA_APPPASS_H

#include <stddef.h>
#include <time.h>

#include "core/conf.h"
#include "db/db.h"

#define APPPASS_NAME_MAX	100	/* characters of a name */
#define APPPASS_MAX		50	/* app passwords per account */
#define APPPASS_LETTERS		28	/* random letters of a password */
#define APPPASS_GROUP		4	/* letters between hyphens */
/* The password as shown: 7 groups of 4 letters and 6 hyphens. */
#define APPPASS_LEN		(APPPASS_LETTERS + \
	APPPASS_LETTERS / APPPASS_GROUP - 1)
/* Longest Basic password looked at; longer ones are refused unread. */
#define APPPASS_INPUT_MAX	256
/* last_used_at moves at most this often (seconds): no write per request. */
#define APPPASS_TOUCH_EVERY	60
#define APPPASS_TIME_MAX	32	/* "2026-12-06T10:42:41Z" and NUL */

enum apppass_rc {
	APPPASS_OK,
	APPPASS_DENIED,		/* wrong email or password, or a refused account */
	APPPASS_LIMITED,	/* check: too many failures (see retry_after);
				 * create: the account holds APPPASS_MAX */
	APPPASS_NOT_FOUND,	/* delete: no such app password of the user */
	APPPASS_INVALID,	/* create: a name that breaks the rules */
	APPPASS_UNAVAILABLE,	/* the database cannot be reached: 503 */
	APPPASS_ERROR		/* 500 */
};

struct apppass {
	char	id[37];
	char	name[APPPASS_NAME_MAX * 4 + 1];
	char	created_at[APPPASS_TIME_MAX];		/* RFC 3339, UTC */
	char	last_used_at[APPPASS_TIME_MAX];		/* "" : never used */
};

/* The sign-in throttling settings (login_max_failures,
 * login_max_failures_addr, login_failure_window) that apppass_check
 * applies; identity_new calls it, so every process that builds its
 * identity state has them. c must outlive every check. Without it the
 * defaults of aurora.conf apply. */
void apppass_configure(const struct conf *c);

/* 1 if name is a valid app password name: 1 to APPPASS_NAME_MAX
 * characters of UTF-8 without control characters, not only spaces. */
int apppass_name_valid(const char *name);

/* Makes an app password called name for user_id. APPPASS_OK fills out and
 * password (APPPASS_LEN characters and a NUL; the only time the password
 * exists outside the client: the caller shows it once and forgets it);
 * APPPASS_INVALID for a bad name; APPPASS_LIMITED when the account holds
 * APPPASS_MAX already; APPPASS_NOT_FOUND when the user is gone. */
enum apppass_rc apppass_create(struct db *db, const char *user_id,
    const char *name, struct apppass *out, char password[APPPASS_LEN + 1])
    __attribute__((warn_unused_result));

/* The user's app passwords, oldest first, into *out (caller free()s it;
 * NULL when *n is 0). Never the password: it is not kept. */
enum apppass_rc apppass_list(struct db *db, const char *user_id,
    struct apppass **out, size_t *n) __attribute__((warn_unused_result));

/* Deletes one app password of the user: apps using it are refused from
 * the next request. APPPASS_NOT_FOUND for an unknown or malformed id and
 * for another user's. */
enum apppass_rc apppass_delete(struct db *db, const char *user_id,
    const char *id) __attribute__((warn_unused_result));

/* Deletes every app password of the user, inside the caller's transaction:
 * the global sign-out (session_revoke_all_tx: password reset, "sign out
 * everywhere", account disable) revokes them all, as Apple does. */
enum db_rc apppass_revoke_all_tx(struct db *db, const char *user_id)
    __attribute__((warn_unused_result));

/* HTTP Basic: APPPASS_OK and user_id when password is an app password of
 * the account whose email (any case) is email, that account is confirmed
 * and not disabled, and the app password was made after its last global
 * sign-out. Hyphens, spaces and upper case in password are forgiven.
 * Anything else is APPPASS_DENIED and counts as a sign-in failure of that
 * address from remote_addr (account_login_failed: the records and
 * slow-down of /api/v1/auth/login); once those are spent,
 * APPPASS_LIMITED and *retry_after seconds. A right app password passes
 * even then: it has 131 bits, and a stranger's wrong guesses must not stop
 * the owner's phone from syncing. now moves last_used_at, at most once per
 * APPPASS_TOUCH_EVERY seconds. */
enum apppass_rc apppass_check(struct db *db, const char *email,
    const char *password, const char *remote_addr, time_t now,
    char user_id[37], int *retry_after) __attribute__((warn_unused_result));

#endif
