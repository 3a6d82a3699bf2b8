/* account_code.c — the one-time codes mailed to an account's address
 * (confirmation, password reset, a new address) and the notices to an
 * address's owner (someone used it; security notices): six random digits
 * kept as a hash, a day's cap on mails and on wrong guesses
 * (account_internal.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/account_internal.h"
#include "core/log.h"
#include "core/sha256.h"
#include "mail/outbox.h"
#include "mail/render.h"

#define ACCOUNT_MAIL_MAX	4096

static const struct db_stmt st_code_issue = {
	"account_code_issue",
	"INSERT INTO auth_codes AS c (user_id, purpose, code_hash, expires_at) "
	"VALUES ($1::uuid, $2, decode(NULLIF($3, ''), 'hex'), "
	"        now() + make_interval(secs => $4::int)) "
	"ON CONFLICT (user_id, purpose) DO UPDATE "
	"   SET code_hash = EXCLUDED.code_hash, "
	"       expires_at = EXCLUDED.expires_at, attempts = 0, "
	"       sends = CASE WHEN c.window_start <= now() - interval '1 day' "
	"                    THEN 1 ELSE c.sends + 1 END, "
	"       window_start = CASE WHEN c.window_start <= now() - "
	"                    interval '1 day' THEN now() ELSE c.window_start END "
	" WHERE c.window_start <= now() - interval '1 day' OR c.sends < $5::int "
	"RETURNING 1",
	5, 0
};

/* The last column: wrong guesses in the current 24-hour window (0 once
 * the window that began with the first of them has passed). */
static const struct db_stmt st_code_get = {
	"account_code_get",
	"SELECT COALESCE(encode(code_hash, 'hex'), ''), expires_at > now(), "
	"       attempts, CASE WHEN guess_window_start > now() - "
	"                 interval '1 day' THEN guesses ELSE 0 END "
	"  FROM auth_codes "
	" WHERE user_id = $1::uuid AND purpose = $2 FOR UPDATE",
	2, 0
};

/* A wrong guess counts against the code (attempts, reset by a new code)
 * and against the day (guesses, which code_issue never resets). */
static const struct db_stmt st_code_fail = {
	"account_code_fail",
	"UPDATE auth_codes SET attempts = attempts + 1, "
	"       guesses = CASE WHEN guess_window_start <= now() - "
	"                 interval '1 day' THEN 1 ELSE guesses + 1 END, "
	"       guess_window_start = CASE WHEN guess_window_start <= now() - "
	"                 interval '1 day' THEN now() "
	"                 ELSE guess_window_start END "
	" WHERE user_id = $1::uuid AND purpose = $2",
	2, 0
};

static const struct db_stmt st_code_used = {
	"account_code_used",
	"UPDATE auth_codes SET code_hash = NULL "
	" WHERE user_id = $1::uuid AND purpose = $2",
	2, 0
};

/* Six uniformly random digits: values past the last whole million of the
 * 32-bit range are drawn again, so no code is likelier than another. */
static int
code_new(char code[7])
{
	unsigned char	b[4];
	uint32_t	v;

	do {
		if (RAND_bytes(b, sizeof(b)) != 1)
			return -1;
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	} while (v >= 4294000000U);
	snprintf(code, 7, "%06u", (unsigned)(v % 1000000U));
	return 0;
}

static int
code_hash(const char *user_id, const char *purpose, const char *code,
    char hash[65])
{
	char in[128];
	int  n;

	n = snprintf(in, sizeof(in), "%s:%s:%s", user_id, purpose, code);
	if (n < 0 || n >= (int)sizeof(in))
		return -1;
	return sha256_hex(in, (size_t)n, hash);
}

static int
code_wellformed(const char *code)
{
	return strlen(code) == 6 && strspn(code, "0123456789") == 6;
}

/* Records that user_id is sent a mail of purpose and, unless purpose is
 * "notice", makes code its live code. 1 if the mail may go out, 0 if the
 * user had enough such mail today. */
static enum db_rc
code_issue(struct db *db, const char *user_id, const char *purpose,
    const char *code, int *send)
{
	PGresult	*res = NULL;
	const char	*p[5];
	char		 hash[65] = "", ttl[16], cap[16];
	enum db_rc	 rc;

	*send = 0;
	if (code != NULL && code_hash(user_id, purpose, code, hash) == -1)
		return DB_ERROR;
	snprintf(ttl, sizeof(ttl), "%d", ACCOUNT_CODE_TTL);
	snprintf(cap, sizeof(cap), "%d", ACCOUNT_CODE_SENDS);
	p[0] = user_id;
	p[1] = purpose;
	p[2] = hash;
	p[3] = ttl;
	p[4] = cap;
	if ((rc = db_exec(db, &st_code_issue, p, &res)) != DB_OK)
		return rc;
	*send = PQntuples(res) == 1;
	PQclear(res);
	return DB_OK;
}

/* With the user's row locked: ACCOUNT_OK and the code is used up, or
 * ACCOUNT_DENIED and a wrong try is counted (none once the code is locked
 * or the day's ACCOUNT_CODE_GUESSES are spent: then nothing is compared). */
enum account_rc
account_code_check(struct db *db, const char *user_id, const char *purpose,
    const char *code)
{
	PGresult	*res = NULL;
	const char	*p[2];
	char		 want[65], got[65];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_DENIED;
	long		 attempts;

	p[0] = user_id;
	p[1] = purpose;
	if ((drc = db_exec(db, &st_code_get, p, &res)) != DB_OK)
		return account_from_db(drc);
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 64 ||
	    strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		goto out;
	attempts = account_db_long(PQgetvalue(res, 0, 2));
	if (attempts >= ACCOUNT_CODE_TRIES)
		goto out;
	/* A spent day refuses the right code too, or 10 codes a day would
	 * give 50 guesses; the answer is the same as for a wrong code. */
	if (account_db_long(PQgetvalue(res, 0, 3)) >= ACCOUNT_CODE_GUESSES)
		goto out;
	memcpy(want, PQgetvalue(res, 0, 0), 65);
	if (!code_wellformed(code) || code_hash(user_id, purpose, code, got)
	    == -1 || CRYPTO_memcmp(want, got, 64) != 0) {
		if ((drc = db_run(db, &st_code_fail, p, NULL)) != DB_OK)
			rc = account_from_db(drc);
		goto out;
	}
	if ((drc = db_run(db, &st_code_used, p, NULL)) != DB_OK) {
		rc = account_from_db(drc);
		goto out;
	}
	rc = ACCOUNT_OK;
out:
	PQclear(res);
	return rc;
}

enum db_rc
account_mail_code(struct db *db, const struct identity *id, const char *user_id,
    const char *to, const char *purpose)
{
	int sent;

	return account_mail_code_sent(db, id, user_id, to, purpose, &sent);
}

enum db_rc
account_mail_code_sent(struct db *db, const struct identity *id,
    const char *user_id, const char *to, const char *purpose, int *sent)
{
	char		 code[7], body[ACCOUNT_MAIL_MAX];
	const char	*subject, *kind = purpose;
	enum db_rc	 rc;
	int		 send;

	*sent = 0;
	if (code_new(code) == -1)
		return DB_ERROR;
	if ((rc = code_issue(db, user_id, purpose, code, &send)) != DB_OK)
		return rc;
	if (!send) {
		log_msg(LOG_INFO, "code_capped", "user %s: no more %s codes "
		    "today", user_id, purpose);
		return DB_OK;
	}
	*sent = 1;
	if (strcmp(purpose, "email_change") == 0) {
		/* An outbox kind of codes: a newer one supersedes it (009). */
		kind = "confirm";
		subject = "Confirm your new Aurora Time address";
		snprintf(body, sizeof(body),
		    "Hello,\n\n"
		    "to make this the address of your Aurora Time account, "
		    "your code is:\n\n"
		    "    %s\n\n"
		    "Enter it in Settings at %s/. The code works once and "
		    "expires in 24 hours; until then the account keeps its old "
		    "address.\n\n"
		    "If you did not ask for this, ignore this mail: nothing "
		    "changes without the code.\n",
		    code, id->conf->public_url);
	} else if (strcmp(purpose, "confirm") == 0) {
		subject = "Your Aurora Time confirmation code";
		snprintf(body, sizeof(body),
		    "Hello,\n\n"
		    "your Aurora Time confirmation code is:\n\n"
		    "    %s\n\n"
		    "Enter it at %s/ to confirm this address. The code works "
		    "once and expires in 24 hours.\n\n"
		    "If you did not sign up for Aurora Time, ignore this mail: "
		    "no account is used without the code.\n",
		    code, id->conf->public_url);
	} else {
		subject = "Your Aurora Time password reset code";
		snprintf(body, sizeof(body),
		    "Hello,\n\n"
		    "your Aurora Time password reset code is:\n\n"
		    "    %s\n\n"
		    "Enter it at %s/ with your new password. The code works "
		    "once and expires in 24 hours. Resetting the password "
		    "signs you out on every device.\n\n"
		    "If you did not ask for this, ignore this mail: your "
		    "password stays as it is.\n",
		    code, id->conf->public_url);
	}
	OPENSSL_cleanse(code, sizeof(code));
	rc = outbox_queue_account_mail(db, user_id, kind, to, subject, body);
	OPENSSL_cleanse(body, sizeof(body));
	return rc;
}

/* Queues a notice to an address's owner about what someone else tried,
 * at most as often as the "notice" cap lets (DB_OK when it holds it). */
static enum db_rc
notice_queue(struct db *db, const char *user_id, const char *to,
    const char *kind, const char *subject, const char *body)
{
	enum db_rc	rc;
	int		send;

	if ((rc = code_issue(db, user_id, "notice", NULL, &send)) != DB_OK ||
	    !send)
		return rc;
	return outbox_queue_account_mail(db, user_id, kind, to, subject, body);
}

/* Someone signed up with an address that has a confirmed account: tell
 * its owner instead of telling the one who tried. */
enum db_rc
account_mail_notice(struct db *db, const struct identity *id,
    const char *user_id, const char *to)
{
	char		body[ACCOUNT_MAIL_MAX];

	snprintf(body, sizeof(body),
	    "Hello,\n\n"
	    "someone, perhaps you, tried to create an Aurora Time account with "
	    "this address, which already has one. Nothing was changed.\n\n"
	    "If it was you, sign in at %s/ or reset your password there.\n",
	    id->conf->public_url);
	return notice_queue(db, user_id, to, "confirm",
	    "Sign-up attempt with your Aurora Time address", body);
}

enum db_rc
account_code_blind(struct db *db, const char *user_id, const char *purpose,
    int *sent)
{
	char		code[7];
	enum db_rc	rc;

	*sent = 0;
	if (code_new(code) == -1)
		return DB_ERROR;
	rc = code_issue(db, user_id, purpose, code, sent);
	OPENSSL_cleanse(code, sizeof(code));
	return rc;
}

/* Someone asked to move another account to an address that has one: tell
 * the address's owner (capped like the sign-up notice), never the asker. */
enum db_rc
account_mail_taken(struct db *db, const struct identity *id,
    const char *user_id, const char *to)
{
	char		body[ACCOUNT_MAIL_MAX];

	snprintf(body, sizeof(body),
	    "Hello,\n\n"
	    "someone, perhaps you, asked to move another Aurora Time account to "
	    "this address, which already has an account of its own. Nothing "
	    "was changed, and they were not told that this address has an "
	    "account.\n\n"
	    "If it was you: sign in at %s/ with this address, or give the other "
	    "account a different one.\n",
	    id->conf->public_url);
	return notice_queue(db, user_id, to, "security",
	    "Someone tried to use your Aurora Time address", body);
}

static const struct db_stmt st_security_user = {
	"account_security_user",
	"SELECT email, time_zone FROM users WHERE id = $1::uuid",
	1, 0
};

enum db_rc
account_security_mail(struct db *db, const struct conf *c,
    const char *user_id, const char *to, enum render_security what,
    const char *detail)
{
	PGresult		*res = NULL;
	struct render_notice	 n;
	struct render_out	 out;
	const char		*p[1] = { user_id };
	enum db_rc		 rc;

	memset(&out, 0, sizeof(out));
	if ((rc = db_exec(db, &st_security_user, p, &res)) != DB_OK)
		return rc;
	if (PQntuples(res) != 1)
		goto out;	/* gone: nobody to tell */
	memset(&n, 0, sizeof(n));
	n.what = what;
	n.at = time(NULL);
	n.user_tz = PQgetvalue(res, 0, 1);
	n.email = PQgetvalue(res, 0, 0);
	n.detail = detail;
	n.public_url = c->public_url;
	if (render_security(&n, &out) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	rc = outbox_queue_account_mail(db, user_id, "security",
	    to != NULL ? to : n.email, out.subject, out.text);
out:
	render_out_free(&out);
	PQclear(res);
	return rc;
}

enum account_rc
account_code_offer(struct db *db, const struct identity *id,
    const char *email, const char *purpose, int unconfirmed_only)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_OK;

	if ((drc = account_begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	/* USER_COLS: id, email, email_verified, disabled. */
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 3), "t") != 0 &&
	    (!unconfirmed_only || strcmp(PQgetvalue(res, 0, 2), "t") != 0) &&
	    (drc = account_mail_code(db, id, PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 1), purpose)) != DB_OK)
		goto dberr;
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	goto out;
dberr:
	rc = account_from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	return rc;
}
