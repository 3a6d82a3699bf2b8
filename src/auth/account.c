/* account.c — built-in accounts (see account.h). Answers never tell an
 * outsider whether an address has an account: the paths for known and
 * unknown addresses do the same work and answer alike. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/account.h"
#include "auth/device.h"
#include "auth/session.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/zone.h"
#include "mail/outbox.h"

#define ACCOUNT_MAIL_MAX	4096
#define ACCOUNT_DELAY_BASE	60	/* seconds of the first slow-down */

/* ------------------------------------------------------------ statements */

#define USER_COLS "id, email, email_verified, disabled, " \
	"COALESCE(password_hash, ''), name"

static const struct db_stmt st_user_by_email = {
	"account_user_by_email",
	"SELECT " USER_COLS " FROM users "
	" WHERE lower(email) = lower($1) AND issuer = 'local'",
	1, 1
};

static const struct db_stmt st_user_by_email_lock = {
	"account_user_by_email_lock",
	"SELECT " USER_COLS " FROM users "
	" WHERE lower(email) = lower($1) AND issuer = 'local' FOR UPDATE",
	1, 0
};

static const struct db_stmt st_user_insert = {
	"account_user_insert",
	"INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) "
	"RETURNING id",
	3, 0
};

/* Sign-up offers (sql/008): a re-sign-up of an unconfirmed address counts
 * one more instead of replacing the password. A missing row means "not
 * known to be one" (2), the safe side of the rule in account_confirm. */
static const struct db_stmt st_offer_first = {
	"account_offer_first",
	"INSERT INTO auth_signup_offers (user_id) VALUES ($1::uuid)",
	1, 0
};

static const struct db_stmt st_offer_more = {
	"account_offer_more",
	"INSERT INTO auth_signup_offers AS o (user_id, offers) "
	"VALUES ($1::uuid, 2) "
	"ON CONFLICT (user_id) DO UPDATE "
	"   SET offers = CASE WHEN o.offers < 1000000 THEN o.offers + 1 "
	"                     ELSE o.offers END, last_at = now()",
	1, 0
};

static const struct db_stmt st_offer_count = {
	"account_offer_count",
	"SELECT offers FROM auth_signup_offers WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_offer_done = {
	"account_offer_done",
	"DELETE FROM auth_signup_offers WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_pepper = {
	"account_pepper",
	"SELECT encode(pepper, 'hex') FROM auth_secret",
	0, 1
};

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

static const struct db_stmt st_confirm = {
	"account_confirm",
	"UPDATE users SET email_verified = true, updated_at = now() "
	" WHERE id = $1::uuid",
	1, 0
};

/* Confirmation with the code reader's password; the name stays only when
 * it was offered with that very password ($3), else it may be a
 * stranger's. */
static const struct db_stmt st_confirm_password = {
	"account_confirm_password",
	"UPDATE users SET email_verified = true, password_hash = $2, "
	"       name = CASE WHEN $3::boolean THEN name ELSE '' END, "
	"       updated_at = now() "
	" WHERE id = $1::uuid",
	3, 0
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

#define ME_COLS "id, email, email_verified, name, time_zone, " \
	"default_reminders::text, issuer, " \
	"to_char(created_at AT TIME ZONE 'UTC', " \
	"        'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(updated_at AT TIME ZONE 'UTC', " \
	"        'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt st_me_get = {
	"account_me_get",
	"SELECT " ME_COLS " FROM users WHERE id = $1::uuid",
	1, 1
};

static const struct db_stmt st_me_update = {
	"account_me_update",
	"UPDATE users SET name = COALESCE($2, name), "
	"       time_zone = COALESCE($3, time_zone), "
	"       default_reminders = COALESCE($4::jsonb, default_reminders), "
	"       updated_at = now() "
	" WHERE id = $1::uuid RETURNING " ME_COLS,
	4, 0
};

static const struct db_stmt st_me_delete = {
	"account_me_delete",
	"DELETE FROM users WHERE id = $1::uuid",
	1, 0
};

static const struct db_stmt st_list = {
	"account_list",
	"SELECT id, email, issuer, email_verified, disabled, "
	"       to_char(created_at AT TIME ZONE 'UTC', "
	"               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"  FROM users ORDER BY created_at, id",
	0, 1
};

static const struct db_stmt st_disable = {
	"account_disable",
	"UPDATE users SET disabled = $2::boolean, updated_at = now() "
	" WHERE lower(email) = lower($1) RETURNING id",
	2, 0
};

static const struct db_stmt st_delete_email = {
	"account_delete_email",
	"DELETE FROM users WHERE lower(email) = lower($1) RETURNING id",
	1, 0
};

/* ------------------------------------------------------------ validation */

enum account_rc
account_from_db(enum db_rc rc)
{
	return rc == DB_UNAVAILABLE || rc == DB_RETRY ? ACCOUNT_UNAVAILABLE :
	    ACCOUNT_ERROR;
}

int
account_email_valid(const char *s)
{
	static const char atext[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-";
	const char	*at, *d, *label;
	size_t		 n = strlen(s), local, i, llen;
	int		 labels = 0;

	if (n < 3 || n > ACCOUNT_EMAIL_MAX)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (strchr(atext, s[i]) == NULL || s[i] == '\0')
			return 0;
	}
	d = at + 1;
	if (*d == '\0' || strlen(d) > 253)
		return 0;
	label = d;
	for (;;) {
		llen = strspn(label, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		if (llen == 0 || llen > 63 || label[0] == '-' ||
		    label[llen - 1] == '-')
			return 0;
		labels++;
		if (label[llen] == '\0')
			break;
		if (label[llen] != '.')
			return 0;
		label += llen + 1;
	}
	return labels >= 2;
}

int
account_time_zone_valid(const char *name)
{
	/* One engine for zones: the name must be one libical (core/zone)
	 * can read, the same engine that plans reminders and renders them. */
	return name != NULL && zone_find(name) != NULL;
}

int
account_reminders_parse(json_object *arr, json_object **norm, char *field,
    size_t fieldlen, char *why, size_t whylen)
{
	json_object	*out = NULL, *item, *r, *m = NULL, *mb = NULL;
	size_t		 i, n;
	int64_t		 minutes;

	*norm = NULL;
	snprintf(field, fieldlen, "default_reminders");
	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(why, whylen, "must be an array");
		return -1;
	}
	if ((n = json_object_array_length(arr)) > REMINDER_MAX) {
		snprintf(why, whylen, "at most %d reminders",
		    REMINDER_MAX);
		return -1;
	}
	if ((out = json_object_new_array()) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(arr, i);
		snprintf(field, fieldlen, "default_reminders[%zu]", i);
		if (!json_object_is_type(item, json_type_object)) {
			snprintf(why, whylen, "must be an object");
			goto fail;
		}
		m = mb = NULL;
		{
			json_object_object_foreach(item, key, val) {
				if (strcmp(key, "method") == 0)
					m = val;
				else if (strcmp(key, "minutes_before") == 0)
					mb = val;
				else {
					snprintf(field, fieldlen,
					    "default_reminders[%zu].%.40s", i,
					    key);
					snprintf(why, whylen, "unknown field");
					goto fail;
				}
			}
		}
		if (m != NULL && (!json_object_is_type(m, json_type_string) ||
		    strcmp(json_object_get_string(m), "email") != 0)) {
			snprintf(field, fieldlen, "default_reminders[%zu].method",
			    i);
			snprintf(why, whylen, "must be \"email\"");
			goto fail;
		}
		snprintf(field, fieldlen,
		    "default_reminders[%zu].minutes_before", i);
		if (mb == NULL || !json_object_is_type(mb, json_type_int)) {
			snprintf(why, whylen, "must be a whole number of "
			    "minutes");
			goto fail;
		}
		minutes = json_object_get_int64(mb);
		if (minutes < 0 || minutes > REMINDER_MINUTES_MAX) {
			snprintf(why, whylen, "must be 0 to %d",
			    REMINDER_MINUTES_MAX);
			goto fail;
		}
		if ((r = json_object_new_object()) == NULL ||
		    json_object_array_add(out, r) != 0) {
			json_object_put(r);
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		json_object_object_add(r, "method",
		    json_object_new_string("email"));
		json_object_object_add(r, "minutes_before",
		    json_object_new_int64(minutes));
	}
	*norm = out;
	return 0;
fail:
	json_object_put(out);
	return -1;
}

/* ------------------------------------------------------------ helpers */

/* A number the database printed; 0 if it is somehow not one. */
static long
db_long(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? 0 : v;
}

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
static enum account_rc
code_check(struct db *db, const char *user_id, const char *purpose,
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
	attempts = db_long(PQgetvalue(res, 0, 2));
	if (attempts >= ACCOUNT_CODE_TRIES)
		goto out;
	/* A spent day refuses the right code too, or 10 codes a day would
	 * give 50 guesses; the answer is the same as for a wrong code. */
	if (db_long(PQgetvalue(res, 0, 3)) >= ACCOUNT_CODE_GUESSES)
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

static enum db_rc
mail_code(struct db *db, const struct identity *id, const char *user_id,
    const char *to, const char *purpose)
{
	char		 code[7], body[ACCOUNT_MAIL_MAX];
	const char	*subject;
	enum db_rc	 rc;
	int		 send;

	if (code_new(code) == -1)
		return DB_ERROR;
	if ((rc = code_issue(db, user_id, purpose, code, &send)) != DB_OK)
		return rc;
	if (!send) {
		log_msg(LOG_INFO, "code_capped", "user %s: no more %s codes "
		    "today", user_id, purpose);
		return DB_OK;
	}
	if (strcmp(purpose, "confirm") == 0) {
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
	rc = outbox_queue_account_mail(db, user_id, purpose, to, subject,
	    body);
	OPENSSL_cleanse(body, sizeof(body));
	return rc;
}

/* Someone signed up with an address that has a confirmed account: tell
 * its owner instead of telling the one who tried. */
static enum db_rc
mail_notice(struct db *db, const struct identity *id, const char *user_id,
    const char *to)
{
	char		body[ACCOUNT_MAIL_MAX];
	enum db_rc	rc;
	int		send;

	if ((rc = code_issue(db, user_id, "notice", NULL, &send)) != DB_OK ||
	    !send)
		return rc;
	snprintf(body, sizeof(body),
	    "Hello,\n\n"
	    "someone, perhaps you, tried to create an Aurora Time account with "
	    "this address, which already has one. Nothing was changed.\n\n"
	    "If it was you, sign in at %s/ or reset your password there.\n",
	    id->conf->public_url);
	return outbox_queue_account_mail(db, user_id, "confirm",
	    to, "Sign-up attempt with your Aurora Time address", body);
}

/* The decoy id of an address: stable, unguessable without the secret, and
 * shaped like a random UUID. */
static enum db_rc
decoy_id(struct db *db, const char *email, char out[37])
{
	PGresult	*res = NULL;
	char		 in[64 + ACCOUNT_EMAIL_MAX + 2], low[ACCOUNT_EMAIL_MAX + 1];
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	size_t		 i, n = strlen(email);
	enum db_rc	 rc;

	if ((rc = db_exec(db, &st_pepper, NULL, &res)) != DB_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 64 ||
	    n > ACCOUNT_EMAIL_MAX) {
		PQclear(res);
		return DB_ERROR;
	}
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	low[n] = '\0';
	snprintf(in, sizeof(in), "%s:%s", PQgetvalue(res, 0, 0), low);
	PQclear(res);
	if (EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha256(), NULL) != 1)
		return DB_ERROR;
	OPENSSL_cleanse(in, sizeof(in));
	md[6] = (md[6] & 0x0f) | 0x40;
	md[8] = (md[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4],
	    md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13],
	    md[14], md[15]);
	return DB_OK;
}

static void
user_from_row(PGresult *res, struct account_user *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 1));
	u->email_verified = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	snprintf(u->name, sizeof(u->name), "%s", PQgetvalue(res, 0, 5));
}

/* ------------------------------------------------------------ sign-up */

/* Opens a transaction and locks the user row of email, if any, into *res
 * (the columns of st_user_by_email_lock). On failure the caller rolls back
 * (db_rollback is a no-op when nothing is open). */
static enum db_rc
begin_locked(struct db *db, const char *email, PGresult **res)
{
	const char	*p[1] = { email };
	enum db_rc	 drc;

	if ((drc = db_begin(db)) != DB_OK)
		return drc;
	return db_exec(db, &st_user_by_email_lock, p, res);
}

enum account_rc
account_signup(struct db *db, const struct identity *id, const char *email,
    const char *password, size_t pwlen, const char *name, char user_id[37])
{
	PGresult	*res = NULL;
	const char	*p[3];
	char		 hash[PASSWD_HASH_MAX + 1];
	enum db_rc	 drc = DB_OK;
	enum account_rc	 rc = ACCOUNT_ERROR;
	int		 attempt;

	user_id[0] = '\0';
	/* Hashed whatever the address, so every path takes as long. */
	if (passwd_hash(&id->pw, password, pwlen, hash, sizeof(hash)) == -1)
		return ACCOUNT_ERROR;
	/* Twice: a concurrent sign-up with the same address may win the
	 * insert, and the second pass then sees its row. */
	for (attempt = 0; attempt < 2; attempt++) {
		PQclear(res);
		res = NULL;
		if ((drc = begin_locked(db, email, &res)) != DB_OK)
			goto dberr;
		if (PQntuples(res) == 0) {
			PQclear(res);
			res = NULL;
			p[0] = email;
			p[1] = name;
			p[2] = hash;
			drc = db_exec(db, &st_user_insert, p, &res);
			if (drc == DB_CONFLICT) {
				db_rollback(db);
				continue;
			}
			if (drc != DB_OK)
				goto dberr;
			snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
			p[0] = user_id;
			if ((drc = db_run(db, &st_offer_first, p, NULL)) !=
			    DB_OK || (drc = mail_code(db, id, user_id, email,
			    "confirm")) != DB_OK)
				goto dberr;
		} else if (strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
			/* Unconfirmed: anyone may sign up with any address,
			 * so a later sign-up must not replace the password
			 * (it would be a stranger's after the owner's code).
			 * It counts an offer; the mailbox owner names the
			 * password when confirming (account_confirm). */
			snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
			p[0] = user_id;
			if ((drc = db_run(db, &st_offer_more, p, NULL)) !=
			    DB_OK)
				goto dberr;
			if ((drc = mail_code(db, id, user_id,
			    PQgetvalue(res, 0, 1), "confirm")) != DB_OK)
				goto dberr;
		} else {
			char real[37];

			snprintf(real, sizeof(real), "%s", PQgetvalue(res, 0, 0));
			if ((drc = decoy_id(db, email, user_id)) != DB_OK ||
			    (drc = mail_notice(db, id, real,
			    PQgetvalue(res, 0, 1))) != DB_OK)
				goto dberr;
		}
		if ((drc = db_commit(db)) != DB_OK)
			goto dberr;
		rc = ACCOUNT_OK;
		goto out;
	}
	rc = ACCOUNT_ERROR;
	goto out;
dberr:
	rc = account_from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

enum account_rc
account_resend(struct db *db, const struct identity *id, const char *email)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_OK;

	if ((drc = begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 2), "t") != 0 &&
	    strcmp(PQgetvalue(res, 0, 3), "t") != 0 &&
	    (drc = mail_code(db, id, PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 1), "confirm")) != DB_OK)
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

/* The number of sign-ups that offered a password for the unconfirmed
 * user_id into *n; 2 ("more than one") when no row says. */
static enum db_rc
offer_count(struct db *db, const char *user_id, long *n)
{
	PGresult	*res = NULL;
	const char	*p[1] = { user_id };
	enum db_rc	 drc;

	*n = 2;
	if ((drc = db_exec(db, &st_offer_count, p, &res)) != DB_OK)
		return drc;
	if (PQntuples(res) == 1)
		*n = db_long(PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

/* With the code found right (and used) on the locked row res: makes the
 * account confirmed with password, or, without one, with the stored
 * password if it is the only one ever offered (else ACCOUNT_NEED_PASSWORD
 * and nothing written). */
static enum account_rc
confirm_apply(struct db *db, const struct identity *id, PGresult *res,
    const char *user_id, const char *password, size_t pwlen)
{
	const char	*p[3], *stored = PQgetvalue(res, 0, 4);
	char		 hash[PASSWD_HASH_MAX + 1];
	long		 offers;
	enum db_rc	 drc;
	int		 same = 0;

	p[0] = user_id;
	if (password == NULL) {
		if ((drc = offer_count(db, user_id, &offers)) != DB_OK)
			return account_from_db(drc);
		if (offers != 1)
			return ACCOUNT_NEED_PASSWORD;
		if ((drc = db_run(db, &st_confirm, p, NULL)) != DB_OK)
			return account_from_db(drc);
	} else {
		/* The password the reader sends is the one in force; its
		 * hash is kept when it is the stored one (and the name that
		 * came with it is theirs too). */
		if (*stored != '\0' &&
		    (same = passwd_verify(stored, password, pwlen)) == -1)
			return ACCOUNT_ERROR;
		if (same)
			snprintf(hash, sizeof(hash), "%s", stored);
		else if (passwd_hash(&id->pw, password, pwlen, hash,
		    sizeof(hash)) == -1)
			return ACCOUNT_ERROR;
		p[1] = hash;
		p[2] = same ? "true" : "false";
		drc = db_run(db, &st_confirm_password, p, NULL);
		OPENSSL_cleanse(hash, sizeof(hash));
		if (drc != DB_OK)
			return account_from_db(drc);
	}
	if ((drc = db_run(db, &st_offer_done, p, NULL)) != DB_OK)
		return account_from_db(drc);
	return ACCOUNT_OK;
}

enum account_rc
account_confirm(struct db *db, const struct identity *id, const char *email,
    const char *code, const char *password, size_t pwlen,
    struct account_user *u)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc;

	memset(u, 0, sizeof(*u));
	if ((drc = begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		rc = ACCOUNT_DENIED;
		db_rollback(db);
		goto out;
	}
	user_from_row(res, u);
	/* The code first, whatever else is wrong: only its reader may learn
	 * that the address has competing sign-ups. */
	rc = code_check(db, u->id, "confirm", code);
	if (rc == ACCOUNT_OK) {
		rc = confirm_apply(db, id, res, u->id, password, pwlen);
		if (rc != ACCOUNT_OK) {
			/* Rolled back, so a right code stays usable for the
			 * confirmation that names the password. */
			db_rollback(db);
			goto out;
		}
		u->email_verified = 1;
	} else if (rc != ACCOUNT_DENIED) {
		db_rollback(db);
		goto out;
	}
	/* Committed on failure too: the wrong try must count. */
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

/* ------------------------------------------------------------ sign-in */

/* Seconds a client must still wait after n failures, the last since
 * seconds ago: none below max, then 60 s doubling up to the window. */
static long
slow_down(long n, double since, int max, int window)
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

/* The server's secret (auth_secret.pepper) as 32 bytes: the key of
 * device tokens. */
static enum db_rc
device_secret(struct db *db, unsigned char out[32])
{
	PGresult	*res = NULL;
	enum db_rc	 rc;
	size_t		 len = 0;

	if ((rc = db_exec(db, &st_pepper, NULL, &res)) != DB_OK)
		return rc;
	rc = DB_ERROR;
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 64)
		goto out;
	if (OPENSSL_hexstr2buf_ex(out, 32, &len, PQgetvalue(res, 0, 0),
	    '\0') != 1 || len != 32)
		goto out;
	rc = DB_OK;
out:
	PQclear(res);
	return rc;
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
		if ((drc = device_secret(db, secret)) != DB_OK) {
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
	limit_pick(cl, slow_down(db_long(PQgetvalue(res, 0, 0)),
	    db_double(PQgetvalue(res, 0, 1)), c->login_max_failures,
	    c->login_failure_window), ACCOUNT_LIMIT_ACCOUNT);
	if (!cl->trusted)
		limit_pick(cl, slow_down(db_long(PQgetvalue(res, 0, 2)),
		    db_double(PQgetvalue(res, 0, 3)),
		    c->login_max_failures_addr, c->login_failure_window),
		    ACCOUNT_LIMIT_ADDRESS);
	else
		limit_pick(cl, slow_down(db_long(PQgetvalue(res, 0, 4)),
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
	user_from_row(res, u);
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
	if ((!have_secret && device_secret(db, secret) != DB_OK) ||
	    device_issue(secret, sizeof(secret), key, now, cl->new_device,
	    sizeof(cl->new_device)) == -1)
		log_msg(LOG_WARN, "device", "no device token for %s", u->id);
	rc = ACCOUNT_OK;
out:
	PQclear(res);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

/* ------------------------------------------------------------ reset */

enum account_rc
account_forgot(struct db *db, const struct identity *id, const char *email)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_OK;

	if ((drc = begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	/* Unconfirmed accounts too: a reset proves the mailbox as well. */
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 3), "t") != 0 &&
	    (drc = mail_code(db, id, PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 1), "reset")) != DB_OK)
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
	if ((drc = begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		rc = ACCOUNT_DENIED;
		db_rollback(db);
		goto out;
	}
	user_from_row(res, &u);
	rc = code_check(db, u.id, "reset", code);
	if (rc == ACCOUNT_OK) {
		p[0] = u.id;
		p[1] = hash;
		if ((drc = db_run(db, &st_reset_password, p, NULL)) != DB_OK ||
		    (drc = db_run(db, &st_offer_done, p, NULL)) != DB_OK ||
		    (drc = session_revoke_all_tx(db, u.id, "reset")) != DB_OK)
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

/* ------------------------------------------------------------ profile */

static json_object *
me_json(PGresult *res)
{
	json_object	*o, *rem;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((rem = json_tokener_parse(PQgetvalue(res, 0, 5))) == NULL)
		rem = json_object_new_array();
	json_object_object_add(o, "user_id",
	    json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(o, "email",
	    json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(o, "email_verified",
	    json_object_new_boolean(strcmp(PQgetvalue(res, 0, 2), "t") == 0));
	json_object_object_add(o, "name",
	    json_object_new_string(PQgetvalue(res, 0, 3)));
	json_object_object_add(o, "time_zone",
	    json_object_new_string(PQgetvalue(res, 0, 4)));
	json_object_object_add(o, "default_reminders", rem);
	json_object_object_add(o, "issuer",
	    json_object_new_string(PQgetvalue(res, 0, 6)));
	json_object_object_add(o, "created_at",
	    json_object_new_string(PQgetvalue(res, 0, 7)));
	json_object_object_add(o, "updated_at",
	    json_object_new_string(PQgetvalue(res, 0, 8)));
	return o;
}

enum account_rc
account_get(struct db *db, const char *user_id, json_object **out)
{
	PGresult	*res = NULL;
	const char	*p[1];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;

	*out = NULL;
	p[0] = user_id;
	if ((drc = db_exec(db, &st_me_get, p, &res)) != DB_OK)
		return account_from_db(drc);
	if (PQntuples(res) != 1)
		rc = ACCOUNT_NOT_FOUND;
	else if ((*out = me_json(res)) != NULL)
		rc = ACCOUNT_OK;
	PQclear(res);
	return rc;
}

enum account_rc
account_update(struct db *db, const char *user_id, const char *name,
    const char *time_zone, json_object *reminders, json_object **out)
{
	PGresult	*res = NULL;
	const char	*p[4];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;

	*out = NULL;
	p[0] = user_id;
	p[1] = name;
	p[2] = time_zone;
	p[3] = reminders != NULL ? json_object_to_json_string_ext(reminders,
	    JSON_C_TO_STRING_PLAIN) : NULL;
	if ((drc = db_exec(db, &st_me_update, p, &res)) != DB_OK)
		return account_from_db(drc);
	if (PQntuples(res) != 1)
		rc = ACCOUNT_NOT_FOUND;
	else if ((*out = me_json(res)) != NULL)
		rc = ACCOUNT_OK;
	PQclear(res);
	return rc;
}

enum account_rc
account_delete(struct db *db, const char *user_id)
{
	const char	*p[1];
	long		 n = 0;
	enum db_rc	 drc;

	p[0] = user_id;
	if ((drc = db_run(db, &st_me_delete, p, &n)) != DB_OK)
		return account_from_db(drc);
	return n == 1 ? ACCOUNT_OK : ACCOUNT_NOT_FOUND;
}

/* ------------------------------------------------------------ operators */

enum account_rc
account_list(struct db *db, FILE *out)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	int		 i;

	if ((drc = db_exec(db, &st_list, NULL, &res)) != DB_OK)
		return account_from_db(drc);
	for (i = 0; i < PQntuples(res); i++)
		fprintf(out, "%s  %-40s %-9s %-11s %-8s %s\n",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    strcmp(PQgetvalue(res, i, 2), "local") == 0 ? "local" :
		    "external",
		    strcmp(PQgetvalue(res, i, 3), "t") == 0 ? "confirmed" :
		    "unconfirmed",
		    strcmp(PQgetvalue(res, i, 4), "t") == 0 ? "disabled" :
		    "active", PQgetvalue(res, i, 5));
	PQclear(res);
	return ACCOUNT_OK;
}

enum account_rc
account_set_disabled(struct db *db, const char *email, int disabled)
{
	PGresult	*res = NULL;
	const char	*p[2];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_OK;
	int		 i;

	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	p[0] = email;
	p[1] = disabled ? "true" : "false";
	if ((drc = db_exec(db, &st_disable, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) == 0) {
		rc = ACCOUNT_NOT_FOUND;
		db_rollback(db);
		goto out;
	}
	/* A disabled account keeps no session. */
	for (i = 0; disabled && i < PQntuples(res); i++)
		if ((drc = session_revoke_all_tx(db, PQgetvalue(res, i, 0),
		    "disabled")) != DB_OK)
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

enum account_rc
account_delete_email(struct db *db, const char *email)
{
	const char	*p[1];
	long		 n = 0;
	enum db_rc	 drc;

	p[0] = email;
	if ((drc = db_run(db, &st_delete_email, p, &n)) != DB_OK)
		return account_from_db(drc);
	return n > 0 ? ACCOUNT_OK : ACCOUNT_NOT_FOUND;
}
