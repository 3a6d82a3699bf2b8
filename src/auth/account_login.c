/* account_login.c — signing in with a password, its throttling (per
 * account, per client address, per device token, doubling delays; shared
 * with HTTP Basic through account_login_failed), the password reset by
 * mailed code and the change of password while signed in (see account.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "auth/account_internal.h"
#include "auth/session.h"
#include "core/log.h"
#include "core/sha256.h"

#define ACCOUNT_DELAY_BASE	60	/* seconds of the first slow-down */

static const struct db_stmt st_user_by_email = {
	"account_user_by_email",
	"SELECT " USER_COLS " FROM users "
	" WHERE lower(email) = lower($1) AND issuer = 'local'",
	1, 1
};

/* Failures in the window: of the account ($1), of unknown clients at the
 * address ($2; failures made with a valid device token do not count
 * there), and of the device ($4, '' when none). A device is bound to one
 * account, so its failures are among the account's. */
static const struct db_stmt st_fail_counts = {
	"account_fail_counts",
	"SELECT count(*) FILTER (WHERE email_hash = decode($1, 'hex')), "
	"       COALESCE(extract(epoch FROM now() - max(at) FILTER "
	"                (WHERE email_hash = decode($1, 'hex'))), 0)::float8, "
	"       count(*) FILTER (WHERE addr = $2 AND device IS NULL), "
	"       COALESCE(extract(epoch FROM now() - max(at) FILTER "
	"                (WHERE addr = $2 AND device IS NULL)), 0)::float8, "
	"       count(*) FILTER (WHERE device = decode(NULLIF($4, ''), 'hex')), "
	"       COALESCE(extract(epoch FROM now() - max(at) FILTER "
	"                (WHERE device = decode(NULLIF($4, ''), 'hex'))), "
	"                0)::float8 "
	"  FROM auth_login_failures "
	" WHERE at > now() - make_interval(secs => $3::int) "
	"   AND (email_hash = decode($1, 'hex') OR "
	"        (addr = $2 AND device IS NULL))",
	4, 1
};

static const struct db_stmt st_fail_add = {
	"account_fail_add",
	"WITH old AS (DELETE FROM auth_login_failures "
	"              WHERE at < now() - make_interval(secs => $3::int)) "
	"INSERT INTO auth_login_failures (email_hash, addr, device) "
	"VALUES (decode($1, 'hex'), $2, decode(NULLIF($4, ''), 'hex'))",
	4, 0
};

static const struct db_stmt st_fail_clear = {
	"account_fail_clear",
	"DELETE FROM auth_login_failures WHERE email_hash = decode($1, 'hex')",
	1, 0
};

static const struct db_stmt st_rehash = {
	"account_rehash",
	"UPDATE users SET password_hash = $2 "
	" WHERE id = $1::uuid AND password_hash = $3",
	3, 0
};

static const struct db_stmt st_reset_password = {
	"account_reset_password",
	"UPDATE users SET password_hash = $2, email_verified = true, "
	"       updated_at = now() WHERE id = $1::uuid",
	2, 0
};

static const struct db_stmt st_user_email = {
	"account_user_email",
	"SELECT email FROM users WHERE id = $1::uuid AND issuer = 'local'",
	1, 1
};

static const struct db_stmt st_change_password = {
	"account_change_password",
	"UPDATE users SET password_hash = $2, updated_at = now() "
	" WHERE id = $1::uuid AND issuer = 'local'",
	2, 0
};

static double
db_double(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	return errno != 0 || end == s || *end != '\0' || !isfinite(v) ? 0 : v;
}

/* SHA-256 of the lower-cased address: the key of failure records. */
static int
email_key(const char *email, char hash[65])
{
	char	low[ACCOUNT_EMAIL_MAX + 1];
	size_t	i, n = strlen(email);

	if (n > ACCOUNT_EMAIL_MAX)
		return -1;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	return sha256_hex(low, n, hash);
}

/* ------------------------------------------------------------ sign-in */

/* Seconds a client must still wait after n failures, the last since
 * seconds ago: none below max, then 60 s doubling up to the window (also
 * the second step's, auth/totp.c). */
long
account_slow_down(long n, double since, int max, int window)
{
	double	delay;
	long	shift;

	if (n < max)
		return 0;
	shift = n - max;
	if (shift > 16)
		shift = 16;
	delay = (double)ACCOUNT_DELAY_BASE * (double)(1L << shift);
	if (delay > window)
		delay = window;
	if (delay - since <= 0)
		return 0;
	return (long)ceil(delay - since);
}

/* The largest of the waits, and which limit it is. */
static void
limit_pick(struct account_client *cl, long wait, int by)
{
	if (wait > cl->retry_after) {
		cl->retry_after = wait;
		cl->limited_by = by;
	}
}

enum account_rc
account_login(struct db *db, const struct identity *id, const char *email,
    const char *password, size_t pwlen, struct account_client *cl,
    struct account_user *u)
{
	const struct conf	*c = id->conf;
	PGresult		*res = NULL;
	const char		*p[4], *hash;
	char			 key[65], window[16], client[65], dev[65] = "";
	char			 newhash[PASSWD_HASH_MAX + 1];
	unsigned char		 secret[32];
	int			 have_secret = 0;
	size_t			 i;
	enum db_rc		 drc;
	enum account_rc		 rc = ACCOUNT_ERROR;
	int			 ok, usable;
	time_t			 now = time(NULL);

	memset(u, 0, sizeof(*u));
	cl->retry_after = 0;
	cl->limited_by = ACCOUNT_LIMIT_NONE;
	cl->trusted = 0;
	cl->new_device[0] = '\0';
	if (email_key(email, key) == -1)
		return ACCOUNT_DENIED;
	snprintf(client, sizeof(client), "%s", cl->addr != NULL &&
	    *cl->addr != '\0' ? cl->addr : "-");
	snprintf(window, sizeof(window), "%d", c->login_failure_window);

	/* A client that signed in to this account before is known by its
	 * device token: the address's throttle is not for it. */
	if (cl->ndevices > 0) {
		if ((drc = account_device_secret(db, secret)) != DB_OK) {
			rc = account_from_db(drc);
			goto out;
		}
		have_secret = 1;
		for (i = 0; i < cl->ndevices && i < ACCOUNT_DEVICES_MAX &&
		    !cl->trusted; i++)
			cl->trusted = device_check(secret, sizeof(secret), key,
			    cl->devices[i], now, c->login_device_ttl, dev);
		if (!cl->trusted)
			dev[0] = '\0';
	}

	p[0] = key;
	p[1] = client;
	p[2] = window;
	p[3] = dev;
	if ((drc = db_exec(db, &st_fail_counts, p, &res)) != DB_OK) {
		rc = account_from_db(drc);
		goto out;
	}
	limit_pick(cl, account_slow_down(
	    account_db_long(PQgetvalue(res, 0, 0)),
	    db_double(PQgetvalue(res, 0, 1)), c->login_max_failures,
	    c->login_failure_window), ACCOUNT_LIMIT_ACCOUNT);
	if (!cl->trusted)
		limit_pick(cl, account_slow_down(
		    account_db_long(PQgetvalue(res, 0, 2)),
		    db_double(PQgetvalue(res, 0, 3)),
		    c->login_max_failures_addr, c->login_failure_window),
		    ACCOUNT_LIMIT_ADDRESS);
	else
		limit_pick(cl, account_slow_down(
		    account_db_long(PQgetvalue(res, 0, 4)),
		    db_double(PQgetvalue(res, 0, 5)),
		    c->login_max_failures_device, c->login_failure_window),
		    ACCOUNT_LIMIT_DEVICE);
	PQclear(res);
	res = NULL;
	if (cl->retry_after > 0) {
		rc = ACCOUNT_LIMITED;
		goto out;
	}

	p[0] = email;
	if ((drc = db_exec(db, &st_user_by_email, p, &res)) != DB_OK)
		return account_from_db(drc);
	hash = PQntuples(res) == 1 && PQgetlength(res, 0, 4) > 0 ?
	    PQgetvalue(res, 0, 4) : id->dummy_hash;
	/* The dummy hash never matches: its password was random. */
	if ((ok = passwd_verify(hash, password, pwlen)) == -1)
		goto out;
	ok = ok && hash != id->dummy_hash;
	usable = ok && strcmp(PQgetvalue(res, 0, 2), "t") == 0 &&
	    strcmp(PQgetvalue(res, 0, 3), "t") != 0;
	if (!ok) {
		p[0] = key;
		p[1] = client;
		p[2] = window;
		p[3] = dev;
		if ((drc = db_run(db, &st_fail_add, p, NULL)) != DB_OK) {
			rc = account_from_db(drc);
			goto out;
		}
		rc = ACCOUNT_DENIED;
		goto out;
	}
	if (!usable) {
		/* Right password, but unconfirmed or disabled: the same
		 * answer as a wrong one, or a sign-up with someone else's
		 * address would reveal whether that address had an account. */
		rc = ACCOUNT_DENIED;
		goto out;
	}
	account_user_from_row(res, u);
	p[0] = key;
	if ((drc = db_run(db, &st_fail_clear, p, NULL)) != DB_OK) {
		rc = account_from_db(drc);
		goto out;
	}
	if (passwd_needs_rehash(&id->pw, hash) &&
	    passwd_hash(&id->pw, password, pwlen, newhash, sizeof(newhash))
	    == 0) {
		p[0] = u->id;
		p[1] = newhash;
		p[2] = hash;
		if (db_run(db, &st_rehash, p, NULL) != DB_OK)
			log_msg(LOG_WARN, "rehash", "could not store a rehashed "
			    "password for %s", u->id);
	}
	/* A fresh device token at each sign-in (OWASP's design); without
	 * one the sign-in still stands. */
	if ((!have_secret && account_device_secret(db, secret) != DB_OK) ||
	    device_issue(secret, sizeof(secret), key, now, cl->new_device,
	    sizeof(cl->new_device)) == -1)
		log_msg(LOG_WARN, "device", "no device token for %s", u->id);
	rc = ACCOUNT_OK;
out:
	PQclear(res);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

enum account_rc
account_login_failed(struct db *db, const struct conf *c, const char *email,
    const char *addr, long *retry_after)
{
	struct account_client	 cl;
	PGresult		*res = NULL;
	const char		*p[4];
	char			 key[65], window[16], client[65];
	enum db_rc		 drc;

	*retry_after = 0;
	if (email_key(email, key) == -1)
		return ACCOUNT_DENIED;
	snprintf(client, sizeof(client), "%s", addr != NULL && *addr != '\0' ?
	    addr : "-");
	snprintf(window, sizeof(window), "%d", c->login_failure_window);
	p[0] = key;
	p[1] = client;
	p[2] = window;
	p[3] = "";	/* no device token at these doors */
	if ((drc = db_exec(db, &st_fail_counts, p, &res)) != DB_OK)
		return account_from_db(drc);
	memset(&cl, 0, sizeof(cl));
	limit_pick(&cl, account_slow_down(
	    account_db_long(PQgetvalue(res, 0, 0)),
	    db_double(PQgetvalue(res, 0, 1)), c->login_max_failures,
	    c->login_failure_window), ACCOUNT_LIMIT_ACCOUNT);
	limit_pick(&cl, account_slow_down(
	    account_db_long(PQgetvalue(res, 0, 2)),
	    db_double(PQgetvalue(res, 0, 3)), c->login_max_failures_addr,
	    c->login_failure_window), ACCOUNT_LIMIT_ADDRESS);
	PQclear(res);
	if (cl.retry_after > 0) {
		*retry_after = cl.retry_after;
		return ACCOUNT_LIMITED;
	}
	if ((drc = db_run(db, &st_fail_add, p, NULL)) != DB_OK)
		return account_from_db(drc);
	return ACCOUNT_DENIED;
}

/* ------------------------------------------------------------ reset */

enum account_rc
account_forgot(struct db *db, const struct identity *id, const char *email)
{
	/* Unconfirmed accounts too: a reset proves the mailbox as well. */
	return account_code_offer(db, id, email, "reset", 0);
}

enum account_rc
account_reset(struct db *db, const struct identity *id, const char *email,
    const char *code, const char *password, size_t pwlen)
{
	PGresult		*res = NULL;
	struct account_user	 u;
	const char		*p[2];
	char			 hash[PASSWD_HASH_MAX + 1], key[65];
	enum db_rc		 drc;
	enum account_rc		 rc;

	if (passwd_hash(&id->pw, password, pwlen, hash, sizeof(hash)) == -1)
		return ACCOUNT_ERROR;
	if ((drc = account_begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		rc = ACCOUNT_DENIED;
		db_rollback(db);
		goto out;
	}
	account_user_from_row(res, &u);
	rc = account_code_check(db, u.id, "reset", code);
	if (rc == ACCOUNT_OK) {
		p[0] = u.id;
		p[1] = hash;
		if ((drc = db_run(db, &st_reset_password, p, NULL)) != DB_OK ||
		    (drc = account_offers_done(db, u.id)) != DB_OK ||
		    (drc = session_revoke_all_tx(db, u.id, "reset")) != DB_OK ||
		    (drc = account_security_mail(db, id->conf, u.id, NULL,
		    RENDER_SEC_PASSWORD_RESET, NULL)) != DB_OK)
			goto dberr;
		/* A new password lifts the slow-down of the old one. */
		if (email_key(u.email, key) == 0) {
			p[0] = key;
			if ((drc = db_run(db, &st_fail_clear, p, NULL)) !=
			    DB_OK)
				goto dberr;
		}
	} else if (rc != ACCOUNT_DENIED) {
		db_rollback(db);
		goto out;
	}
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	goto out;
dberr:
	rc = account_from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

/* ------------------------------------------------------------ change */

enum account_rc
account_password_change(struct db *db, const struct identity *id,
    const char *user_id, const char *keep_session, const char *addr,
    const char *password, size_t pwlen, const char *new_password,
    size_t newlen, long *retry_after)
{
	struct account_client	 cl;
	struct account_user	 u;
	PGresult		*res = NULL;
	const char		*p[2];
	char			 email[ACCOUNT_EMAIL_MAX + 1];
	char			 hash[PASSWD_HASH_MAX + 1];
	enum db_rc		 drc;
	enum account_rc		 rc;

	*retry_after = 0;
	p[0] = user_id;
	if ((drc = db_exec(db, &st_user_email, p, &res)) != DB_OK)
		return account_from_db(drc);
	if (PQntuples(res) != 1) {
		/* An external issuer's account has no password here. */
		PQclear(res);
		return ACCOUNT_NOT_FOUND;
	}
	snprintf(email, sizeof(email), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	/* The current password is checked as a sign-in is, with its
	 * failure limits: a stolen session must not be a guessing oracle. */
	memset(&cl, 0, sizeof(cl));
	cl.addr = addr;
	rc = account_login(db, id, email, password, pwlen, &cl, &u);
	OPENSSL_cleanse(cl.new_device, sizeof(cl.new_device));
	if (rc == ACCOUNT_LIMITED)
		*retry_after = cl.retry_after;
	if (rc != ACCOUNT_OK)
		return rc;
	if (strcmp(u.id, user_id) != 0)
		return ACCOUNT_DENIED;
	if (passwd_hash(&id->pw, new_password, newlen, hash, sizeof(hash)) ==
	    -1)
		return ACCOUNT_ERROR;
	if ((drc = db_begin(db)) != DB_OK) {
		rc = account_from_db(drc);
		goto out;
	}
	p[0] = user_id;
	p[1] = hash;
	/* Whoever else held the old password is signed out; this session
	 * and the app passwords (secrets of their own) stay. */
	if ((drc = db_run(db, &st_change_password, p, NULL)) != DB_OK ||
	    (drc = session_revoke_others_tx(db, user_id, keep_session,
	    "logout_all")) != DB_OK ||
	    (drc = account_security_mail(db, id->conf, user_id, NULL,
	    RENDER_SEC_PASSWORD_CHANGED, NULL)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		rc = account_from_db(drc);
		goto out;
	}
	rc = ACCOUNT_OK;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}
