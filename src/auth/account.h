/* account.h — built-in accounts: sign-up, confirmation and reset codes,
 * sign-in with its failure slow-down, and the profile (GET/PATCH/DELETE
 * /api/v1/me). The SQL of users lives here; mail is queued through mail/outbox. */
#ifndef AURORA_ACCOUNT_H
#define AURORA_ACCOUNT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/device.h"
#include "auth/identity.h"
#include "db/db.h"
#include "mail/reminder.h"
#include "mail/render.h"

#define ACCOUNT_EMAIL_MAX	254
#define ACCOUNT_NAME_MAX	200	/* code points */
#define ACCOUNT_TZ_MAX		64
#define ACCOUNT_CODE_TTL	86400	/* seconds a code lives */
#define ACCOUNT_CODE_TRIES	5	/* wrong tries before a code locks */
#define ACCOUNT_CODE_SENDS	10	/* code mails per user per purpose a day */
/* Wrong guesses per user and purpose in 24 hours, whatever the number of
 * codes sent: past it even the right code is refused until the day from
 * the first wrong guess has passed. A new code does not reset it. */
#define ACCOUNT_CODE_GUESSES	10

enum account_rc {
	ACCOUNT_OK = 0,
	ACCOUNT_DENIED,		/* wrong address, password or code: one answer */
	ACCOUNT_LIMITED,	/* too many failures; see retry_after */
	ACCOUNT_NOT_FOUND,
	ACCOUNT_UNAVAILABLE,	/* the database cannot be reached: 503 */
	ACCOUNT_NEED_PASSWORD,	/* right code, but competing sign-ups: the
				 * confirmation must say which password */
	ACCOUNT_ERROR		/* 500 */
};

struct account_user {
	char	id[37];
	char	email[ACCOUNT_EMAIL_MAX + 1];
	char	name[ACCOUNT_NAME_MAX * 4 + 1];
	int	email_verified;
};

/* Maps a database failure onto ACCOUNT_UNAVAILABLE / ACCOUNT_ERROR. */
enum account_rc account_from_db(enum db_rc rc);

/* 1 if s (NUL-terminated) is an address we accept: ASCII, one @, a dotted
 * domain of letters, digits and hyphens, at most 254 bytes. */
int account_email_valid(const char *s);
/* 1 if name is an IANA time zone name that core/zone (libical, reading the
 * system tzdata) knows: the one engine that plans and renders in it. */
int account_time_zone_valid(const char *name);
/* Checks default_reminders: an array of at most 5 {"method":"email",
 * "minutes_before":0..40320} (method optional). On success *norm gets the
 * normalised array (caller puts it); on failure field names the culprit
 * ("default_reminders[1].minutes_before") and why says what is wrong. */
int account_reminders_parse(json_object *arr, json_object **norm,
    char *field, size_t fieldlen, char *why, size_t whylen);

/* Sign-up: a new address gets an unconfirmed account and a code; an
 * unconfirmed one keeps its password and name (a stranger may have signed
 * up with it: the one who confirms chooses) and records one more offer
 * before a fresh code goes out; a confirmed one a notice, and a decoy id
 * that is stable for that address. user_id receives the id to answer
 * either way. */
enum account_rc account_signup(struct db *db, const struct identity *id,
    const char *email, const char *password, size_t pwlen, const char *name,
    char user_id[37]) __attribute__((warn_unused_result));
/* Sends a fresh confirmation code if the address has an unconfirmed
 * account; ACCOUNT_OK whether or not. */
enum account_rc account_resend(struct db *db, const struct identity *id,
    const char *email) __attribute__((warn_unused_result));
/* Confirms the address with its code: ACCOUNT_OK and u, or ACCOUNT_DENIED
 * for any wrong, expired, used or locked code, a spent daily guess budget
 * or an unknown address. With a password (NULL: none; the caller checked
 * its length rules) the right code also makes it the account's password,
 * so the mailbox owner's choice is the one in force. Without one the
 * stored password stays, which is safe only while a single one was ever
 * offered: after competing sign-ups a right code answers
 * ACCOUNT_NEED_PASSWORD and stays unused. */
enum account_rc account_confirm(struct db *db, const struct identity *id,
    const char *email, const char *code, const char *password, size_t pwlen,
    struct account_user *u) __attribute__((warn_unused_result));

#define ACCOUNT_DEVICES_MAX	4	/* device tokens looked at per sign-in */

/* Which failure limit refused a sign-in. */
enum account_limit {
	ACCOUNT_LIMIT_NONE = 0,
	ACCOUNT_LIMIT_ACCOUNT,	/* the address signed in to */
	ACCOUNT_LIMIT_ADDRESS,	/* unknown clients at the client address */
	ACCOUNT_LIMIT_DEVICE	/* the presented device token */
};

/* The client of a sign-in: what it presented, and what it gets back. */
struct account_client {
	const char	*addr;		/* REMOTE_ADDR, or NULL */
	const char	*devices[ACCOUNT_DEVICES_MAX];	/* tokens presented */
	size_t		 ndevices;
	/* out */
	int		 trusted;	/* a token was valid for the account */
	enum account_limit limited_by;	/* when ACCOUNT_LIMITED */
	long		 retry_after;	/* seconds, when ACCOUNT_LIMITED */
	char		 new_device[DEVICE_TOKEN_MAX + 1];	/* after OK */
};

/* Sign-in. ACCOUNT_OK fills u and cl->new_device (a fresh device token for
 * this account; "" if none could be made); ACCOUNT_DENIED for an unknown
 * address, a wrong password, an unconfirmed or disabled account, all alike
 * in answer and time; ACCOUNT_LIMITED with cl->retry_after seconds and
 * cl->limited_by when the account, the client address (unknown clients
 * only) or the presented device token has failed too often. A client
 * that presents a valid device token for the account is not held by its
 * address's failures (OWASP's device cookies). */
enum account_rc account_login(struct db *db, const struct identity *id,
    const char *email, const char *password, size_t pwlen,
    struct account_client *cl, struct account_user *u)
    __attribute__((warn_unused_result));

/* A failed sign-in at another door (HTTP Basic with an app password,
 * auth/apppass.c), counted in the records of account_login so that both
 * doors share one budget per address and per client address (addr may be
 * NULL; those doors have no device tokens). ACCOUNT_LIMITED with
 * *retry_after seconds when the failures are spent already (nothing more
 * is recorded, as account_login does), else ACCOUNT_DENIED once the
 * failure is recorded; ACCOUNT_UNAVAILABLE / ACCOUNT_ERROR. */
enum account_rc account_login_failed(struct db *db, const struct conf *c,
    const char *email, const char *addr, long *retry_after)
    __attribute__((warn_unused_result));

/* Mails a reset code if the address has a local account. ACCOUNT_OK
 * whether or not. */
enum account_rc account_forgot(struct db *db, const struct identity *id,
    const char *email) __attribute__((warn_unused_result));
/* Sets a new password with a reset code, confirms the address and signs
 * the account out everywhere. ACCOUNT_DENIED for a bad code. */
enum account_rc account_reset(struct db *db, const struct identity *id,
    const char *email, const char *code, const char *password, size_t pwlen)
    __attribute__((warn_unused_result));

/* Changes the password of the signed-in user_id: password must be the
 * current one, checked like a sign-in from addr (its failures counted and
 * limited the same way: ACCOUNT_LIMITED with *retry_after seconds;
 * ACCOUNT_DENIED when wrong). The user's other sessions are signed out
 * (keep_session, the caller's, stays), app passwords stay, and a security
 * notice is mailed. ACCOUNT_NOT_FOUND for an external issuer's account. */
enum account_rc account_password_change(struct db *db,
    const struct identity *id, const char *user_id, const char *keep_session,
    const char *addr, const char *password, size_t pwlen,
    const char *new_password, size_t newlen, long *retry_after)
    __attribute__((warn_unused_result));

/* The profile as the API shows it, two-step state ("mfa") included, in
 * one statement; caller puts *out. */
enum account_rc account_get(struct db *db, const char *user_id,
    json_object **out) __attribute__((warn_unused_result));
/* account_get in the statement of the session check armed on db for
 * user_id (verify_local_guard), put in its place (db_guard_swap): the check
 * and the profile in one statement, one round trip for GET /api/v1/me.
 * ACCOUNT_NOT_FOUND when the check refused; with no check pending, exactly
 * account_get. */
enum account_rc account_get_checked(struct db *db, const char *user_id,
    json_object **out) __attribute__((warn_unused_result));
/* Changes the given fields (NULL: unchanged); reminders is a normalised
 * array from account_reminders_parse. *out as for account_get. */
enum account_rc account_update(struct db *db, const char *user_id,
    const char *name, const char *time_zone, json_object *reminders,
    json_object **out) __attribute__((warn_unused_result));
/* Deletes the account and, by cascade, everything it owns. */
enum account_rc account_delete(struct db *db, const char *user_id)
    __attribute__((warn_unused_result));

/* aurora-remind's pass: deletes at most max_rows local accounts that were
 * never confirmed and were made more than days ago (0 or less: none), and
 * with them, through the foreign keys, their mail rows, calendars and
 * codes; *purged gets how many. Its own statement, through the SECURITY
 * DEFINER function of sql/014 (aurora_remind may not delete users). */
#define ACCOUNT_PURGE_BATCH	500	/* accounts per pass */
enum db_rc account_purge_unconfirmed(struct db *db, int days, int max_rows,
    long long *purged) __attribute__((warn_unused_result));

/* Queues a security notice (mail/render.h: password reset or changed, a
 * new app password, a new address, two-step sign-in on or off) to user_id,
 * at to (NULL: the account's address), written in the account's zone,
 * inside the caller's transaction; detail as render_security takes it.
 * Account mail of kind "security", never superseded by a later one. */
enum db_rc account_security_mail(struct db *db, const struct conf *c,
    const char *user_id, const char *to, enum render_security what,
    const char *detail) __attribute__((warn_unused_result));

/* Change of address (PATCH /api/v1/me {"email"}): mails a code to email
 * and keeps it as the pending address; the account's address stays until
 * account_email_confirm. When email belongs to another account the same
 * things are done, except that the code is mailed to nobody and that
 * account's owner is told instead (account_mail_taken), so the answer
 * never says whether an address has an account. ACCOUNT_OK; ACCOUNT_DENIED
 * when the account is not a local one or email is its address already;
 * ACCOUNT_LIMITED when the day's ACCOUNT_CODE_SENDS are spent (nothing
 * changed); ACCOUNT_NOT_FOUND when the account is gone. */
enum account_rc account_email_change(struct db *db, const struct identity *id,
    const char *user_id, const char *email)
    __attribute__((warn_unused_result));
/* Confirms the pending address with its code: the account's address
 * becomes it (confirmed), the old address is told, and *out is the
 * profile as account_get gives it (caller puts it). ACCOUNT_DENIED for no pending address,
 * a wrong, used, expired or locked code, a spent daily guess budget, or an
 * address taken meanwhile (the change is dropped then). */
enum account_rc account_email_confirm(struct db *db, const struct identity *id,
    const char *user_id, const char *code, json_object **out)
    __attribute__((warn_unused_result));

/* Operator commands (aurora-admin user ...). */
enum account_rc account_list(struct db *db, FILE *out)
    __attribute__((warn_unused_result));
enum account_rc account_set_disabled(struct db *db, const char *email,
    int disabled) __attribute__((warn_unused_result));
enum account_rc account_delete_email(struct db *db, const char *email)
    __attribute__((warn_unused_result));

#endif
