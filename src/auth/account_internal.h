/* account_internal.h — what the pieces of the account module share; not
 * an interface (auth/account.h is). account.c holds the checks of input,
 * the locked user row and the server's secret; account_code.c the mailed
 * codes; account_signup.c sign-up and confirmation; account_login.c
 * sign-in, its throttling and password reset; account_me.c the profile;
 * account_admin.c the operators' commands. */
#ifndef AURORA_ACCOUNT_INTERNAL_H
#define AURORA_ACCOUNT_INTERNAL_H

#include <libpq-fe.h>

#include "auth/account.h"
#include "db/db.h"

/* The columns of a user row, as account_user_from_row reads them. */
#define USER_COLS "id, email, email_verified, disabled, " \
	"COALESCE(password_hash, ''), name"

/* --- account.c --- */

/* A number the database printed; 0 if it is somehow not one. */
long account_db_long(const char *s);
/* The first row of res (USER_COLS) into u. */
void account_user_from_row(PGresult *res, struct account_user *u);
/* Opens a transaction and locks the user row of email, if any, into *res
 * (USER_COLS). On failure the caller rolls back. */
enum db_rc account_begin_locked(struct db *db, const char *email,
    PGresult **res);
/* The decoy id of an address (a random-looking UUID, stable). */
enum db_rc account_decoy_id(struct db *db, const char *email, char out[37]);
/* The server's secret as 32 bytes: the key of device tokens. */
enum db_rc account_device_secret(struct db *db, unsigned char out[32]);

/* --- account_login.c --- */

/* Seconds to wait after n failures, the last since seconds ago: none below
 * max, then 60 s doubling up to window (sign-in's slow-down). */
long account_slow_down(long n, double since, int max, int window);

/* --- account_code.c --- */

/* With the user's row locked: ACCOUNT_OK and the code of purpose is used
 * up, or ACCOUNT_DENIED and a wrong try is counted. */
enum account_rc account_code_check(struct db *db, const char *user_id,
    const char *purpose, const char *code);
/* Mails a new code of purpose ("confirm", "reset") to the user. */
enum db_rc account_mail_code(struct db *db, const struct identity *id,
    const char *user_id, const char *to, const char *purpose);
/* resend and forgot: in its own transaction, mails a new code of purpose
 * to the local account of email if there is one that is not disabled
 * (and, with unconfirmed_only, not yet confirmed). ACCOUNT_OK whether or
 * not, so the answer never tells. */
enum account_rc account_code_offer(struct db *db, const struct identity *id,
    const char *email, const char *purpose, int unconfirmed_only);
/* account_mail_code, and *sent: 1 if the code went out, 0 if the user
 * had ACCOUNT_CODE_SENDS such mails today (then the old code stays). */
enum db_rc account_mail_code_sent(struct db *db, const struct identity *id,
    const char *user_id, const char *to, const char *purpose, int *sent);
/* Makes a live code of purpose that is mailed to nobody, counted like a
 * mailed one (*sent as for account_mail_code_sent): the path of a request
 * that must not be told apart from a real one. */
enum db_rc account_code_blind(struct db *db, const char *user_id,
    const char *purpose, int *sent);
/* Tells the owner of an address that someone asked to move another
 * account to it (the change of address of account_me.c). */
enum db_rc account_mail_taken(struct db *db, const struct identity *id,
    const char *user_id, const char *to);
/* Tells the owner of a confirmed address that someone signed up with it. */
enum db_rc account_mail_notice(struct db *db, const struct identity *id,
    const char *user_id, const char *to);

/* --- account_signup.c --- */

/* Forgets the sign-up offers of user_id. */
enum db_rc account_offers_done(struct db *db, const char *user_id);

#endif
