/* apppass.c — app passwords: generation, the list, revocation and the
 * HTTP Basic check (see apppass.h for why a SHA-256 and no cache). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/account.h"
#include "auth/apppass.h"
#include "auth/verify.h"
#include "core/sha256.h"
#include "core/utf8.h"

#define APPPASS_TS(x) "to_char(" x " AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define APPPASS_STR(x)	APPPASS_STR2(x)
#define APPPASS_STR2(x)	#x

/* The account row is locked first, so two creations at once cannot both
 * pass the cap (the INSERT's count runs after the lock, on a fresh
 * snapshot). NO KEY: rows that reference the user are not held up. */
static const struct db_stmt st_lock_user = {
	"apppass_lock_user",
	"SELECT 1 FROM users WHERE id = $1::uuid FOR NO KEY UPDATE",
	1, 0
};

/* created_at comes from our clock, like users.signed_out_at
 * (session_revoke_all_tx), the instant the check compares it with.
 * Passwords from before the last global sign-out do not count: they are
 * deleted by it, or refused if one slipped in beside it. */
static const struct db_stmt st_insert = {
	"apppass_insert",
	"INSERT INTO app_passwords (user_id, name, secret_sha256, created_at)"
	" SELECT $1::uuid, $2, decode($3, 'hex'), to_timestamp($4::float8)"
	"  WHERE (SELECT count(*) FROM app_passwords a"
	"           JOIN users u ON u.id = a.user_id"
	"          WHERE a.user_id = $1::uuid"
	"            AND a.created_at > u.signed_out_at) < "
	APPPASS_STR(APPPASS_MAX)
	" RETURNING id, name, " APPPASS_TS("created_at"),
	4, 0
};

static const struct db_stmt st_list = {
	"apppass_list",
	"SELECT a.id, a.name, " APPPASS_TS("a.created_at") ","
	"       COALESCE(" APPPASS_TS("a.last_used_at") ", '')"
	"  FROM app_passwords a JOIN users u ON u.id = a.user_id"
	" WHERE a.user_id = $1::uuid AND a.created_at > u.signed_out_at"
	" ORDER BY a.created_at, a.id LIMIT 1000",
	1, 1
};

static const struct db_stmt st_delete = {
	"apppass_delete",
	"DELETE FROM app_passwords WHERE id = $1::uuid AND user_id = $2::uuid",
	2, 0
};

static const struct db_stmt st_revoke_all = {
	"apppass_revoke_all",
	"DELETE FROM app_passwords WHERE user_id = $1::uuid",
	1, 0
};

/* The one statement of a check: the digest's row (unique index), if its
 * account is that address, confirmed, enabled and not signed out since;
 * last_used_at moves in the same round trip, at most once per $4
 * seconds, so most checks write nothing. Retrying it is harmless. */
static const struct db_stmt st_check = {
	"apppass_check",
	"WITH hit AS ("
	"  SELECT a.id, a.user_id, a.last_used_at"
	"    FROM app_passwords a JOIN users u ON u.id = a.user_id"
	"   WHERE a.secret_sha256 = decode($1, 'hex')"
	"     AND lower(u.email) = lower($2)"
	"     AND u.email_verified AND NOT u.disabled"
	"     AND a.created_at > u.signed_out_at"
	"), touch AS ("
	"  UPDATE app_passwords t SET last_used_at = to_timestamp($3::bigint)"
	"    FROM hit WHERE t.id = hit.id"
	"     AND (hit.last_used_at IS NULL OR hit.last_used_at <="
	"          to_timestamp($3::bigint) - make_interval(secs => $4::int))"
	") SELECT user_id FROM hit",
	4, 1
};

/* The throttling settings; aurora.conf's defaults until configured. */
static const struct conf *apppass_conf;

void
apppass_configure(const struct conf *c)
{
	apppass_conf = c;
}

static const struct conf *
limits(void)
{
	static struct conf	defaults;
	static int		loaded;

	if (apppass_conf != NULL)
		return apppass_conf;
	if (!loaded) {
		conf_defaults(&defaults);
		loaded = 1;
	}
	return &defaults;
}

static enum apppass_rc
from_db(enum db_rc rc)
{
	return rc == DB_UNAVAILABLE ? APPPASS_UNAVAILABLE : APPPASS_ERROR;
}

int
apppass_name_valid(const char *name)
{
	size_t	len = strlen(name);
	long	n;

	n = utf8_count(name, len, UTF8_NO_CTL);
	return n >= 1 && n <= APPPASS_NAME_MAX && strspn(name, " ") != len;
}

/* APPPASS_LETTERS random letters a-z into letters. A byte is used only
 * below 234 (9 * 26), so every letter is equally likely. 0, or -1 when
 * OpenSSL fails. */
static int
random_letters(char letters[APPPASS_LETTERS])
{
	unsigned char	 b[64];
	size_t		 i = 0, j;
	int		 rc = -1;

	while (i < APPPASS_LETTERS) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			goto out;
		for (j = 0; j < sizeof(b) && i < APPPASS_LETTERS; j++)
			if (b[j] < 234)
				letters[i++] = (char)('a' + b[j] % 26);
	}
	rc = 0;
out:
	OPENSSL_cleanse(b, sizeof(b));
	return rc;
}

/* The letters of a password as typed into canon (APPPASS_LETTERS and a
 * NUL): hyphens and spaces skipped, A-Z lowered. -1 when what remains is
 * not exactly APPPASS_LETTERS letters, or the input is too long. */
static int
canonical(const char *pw, char canon[APPPASS_LETTERS + 1])
{
	size_t	i, n = 0;

	for (i = 0; pw[i] != '\0'; i++) {
		char c = pw[i];

		if (i >= APPPASS_INPUT_MAX)
			return -1;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z' || n == APPPASS_LETTERS)
			return -1;
		canon[n++] = c;
	}
	canon[n] = '\0';
	return n == APPPASS_LETTERS ? 0 : -1;
}

enum apppass_rc
apppass_create(struct db *db, const char *user_id, const char *name,
    struct apppass *out, char password[APPPASS_LEN + 1])
{
	PGresult	*res = NULL;
	const char	*p[4];
	char		 letters[APPPASS_LETTERS + 1], hex[SHA256_HEX_LEN + 1];
	char		 now[48];
	struct timespec	 ts;
	size_t		 i, k = 0;
	enum db_rc	 drc;
	enum apppass_rc	 rc = APPPASS_ERROR;

	memset(out, 0, sizeof(*out));
	password[0] = '\0';
	if (!verify_is_uuid(user_id))
		return APPPASS_NOT_FOUND;
	if (!apppass_name_valid(name))
		return APPPASS_INVALID;
	if (random_letters(letters) == -1)
		goto out;
	letters[APPPASS_LETTERS] = '\0';
	if (sha256_hex(letters, APPPASS_LETTERS, hex) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		goto out;
	snprintf(now, sizeof(now), "%lld.%06ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);

	if ((drc = db_begin(db)) != DB_OK) {
		rc = from_db(drc);
		goto out;
	}
	p[0] = user_id;
	if ((drc = db_exec(db, &st_lock_user, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = APPPASS_NOT_FOUND;
		db_rollback(db);
		goto out;
	}
	PQclear(res);
	res = NULL;
	p[1] = name;
	p[2] = hex;
	p[3] = now;
	if ((drc = db_exec(db, &st_insert, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = APPPASS_LIMITED;
		db_rollback(db);
		goto out;
	}
	/* The owner hears of every new key to their calendars (issue 16),
	 * queued with it so that neither exists without the other. */
	if ((drc = account_security_mail(db, limits(), user_id, NULL,
	    RENDER_SEC_APP_PASSWORD, PQgetvalue(res, 0, 1))) != DB_OK)
		goto dberr;
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
	snprintf(out->created_at, sizeof(out->created_at), "%s",
	    PQgetvalue(res, 0, 2));
	/* Shown in groups, so that it can be read off one screen and typed
	 * on another. */
	for (i = 0; i < APPPASS_LETTERS; i++) {
		if (i > 0 && i % APPPASS_GROUP == 0)
			password[k++] = '-';
		password[k++] = letters[i];
	}
	password[k] = '\0';
	rc = APPPASS_OK;
	goto out;
dberr:
	rc = from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(letters, sizeof(letters));
	return rc;
}

enum apppass_rc
apppass_list(struct db *db, const char *user_id, struct apppass **out,
    size_t *n)
{
	PGresult	*res = NULL;
	const char	*p[1];
	struct apppass	*a = NULL;
	enum db_rc	 drc;
	enum apppass_rc	 rc = APPPASS_ERROR;
	int		 i, rows;

	*out = NULL;
	*n = 0;
	if (!verify_is_uuid(user_id))
		return APPPASS_NOT_FOUND;
	p[0] = user_id;
	if ((drc = db_exec(db, &st_list, p, &res)) != DB_OK)
		return from_db(drc);
	rows = PQntuples(res);
	if (rows > 0 && (a = calloc((size_t)rows, sizeof(*a))) == NULL)
		goto out;
	for (i = 0; i < rows; i++) {
		snprintf(a[i].id, sizeof(a[i].id), "%s", PQgetvalue(res, i, 0));
		snprintf(a[i].name, sizeof(a[i].name), "%s",
		    PQgetvalue(res, i, 1));
		snprintf(a[i].created_at, sizeof(a[i].created_at), "%s",
		    PQgetvalue(res, i, 2));
		snprintf(a[i].last_used_at, sizeof(a[i].last_used_at), "%s",
		    PQgetvalue(res, i, 3));
	}
	*out = a;
	*n = (size_t)rows;
	a = NULL;
	rc = APPPASS_OK;
out:
	free(a);
	PQclear(res);
	return rc;
}

enum apppass_rc
apppass_delete(struct db *db, const char *user_id, const char *id)
{
	const char	*p[2];
	long		 n = 0;
	enum db_rc	 drc;

	if (!verify_is_uuid(user_id) || !verify_is_uuid(id))
		return APPPASS_NOT_FOUND;
	p[0] = id;
	p[1] = user_id;
	if ((drc = db_run(db, &st_delete, p, &n)) != DB_OK)
		return from_db(drc);
	return n > 0 ? APPPASS_OK : APPPASS_NOT_FOUND;
}

enum db_rc
apppass_revoke_all_tx(struct db *db, const char *user_id)
{
	const char *p[1] = { user_id };

	return db_run(db, &st_revoke_all, p, NULL);
}

enum apppass_rc
apppass_check(struct db *db, const char *email, const char *password,
    const char *remote_addr, time_t now, char user_id[37], int *retry_after)
{
	PGresult	*res = NULL;
	const char	*p[4];
	char		 canon[APPPASS_LETTERS + 1], hex[SHA256_HEX_LEN + 1];
	char		 at[24];
	long		 wait = 0;
	enum db_rc	 drc;
	enum account_rc	 arc;
	enum apppass_rc	 rc = APPPASS_ERROR;

	user_id[0] = '\0';
	*retry_after = 0;
	if (email == NULL || password == NULL ||
	    strlen(email) > ACCOUNT_EMAIL_MAX)
		return APPPASS_DENIED;
	/* A password that cannot be one of ours (the account password, for
	 * one) costs no lookup, but counts as a failure all the same. */
	if (canonical(password, canon) == 0) {
		if (sha256_hex(canon, APPPASS_LETTERS, hex) == -1)
			goto out;
		snprintf(at, sizeof(at), "%lld", (long long)now);
		p[0] = hex;
		p[1] = email;
		p[2] = at;
		p[3] = APPPASS_STR(APPPASS_TOUCH_EVERY);
		if ((drc = db_exec(db, &st_check, p, &res)) != DB_OK) {
			rc = from_db(drc);
			goto out;
		}
		if (PQntuples(res) == 1) {
			snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
			rc = APPPASS_OK;
			goto out;
		}
	}
	arc = account_login_failed(db, limits(), email, remote_addr, &wait);
	switch (arc) {
	case ACCOUNT_LIMITED:
		*retry_after = wait > 86400 ? 86400 : (int)wait;
		rc = APPPASS_LIMITED;
		break;
	case ACCOUNT_DENIED:
		rc = APPPASS_DENIED;
		break;
	case ACCOUNT_UNAVAILABLE:
		rc = APPPASS_UNAVAILABLE;
		break;
	default:
		rc = APPPASS_ERROR;
	}
out:
	PQclear(res);
	OPENSSL_cleanse(canon, sizeof(canon));
	return rc;
}
