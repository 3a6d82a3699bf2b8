/* account.c — built-in accounts (see account.h): the checks of input
 * (addresses, zones, default reminders), and what the other account files
 * share (account_internal.h): the locked user row and the server's secret.
 * Answers never tell an outsider whether an address has an account: the
 * paths for known and unknown addresses do the same work and answer
 * alike. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/account_internal.h"
#include "core/jsonout.h"
#include "core/zone.h"

static const struct db_stmt st_user_by_email_lock = {
	"account_user_by_email_lock",
	"SELECT " USER_COLS " FROM users "
	" WHERE lower(email) = lower($1) AND issuer = 'local' FOR UPDATE",
	1, 0
};

static const struct db_stmt st_pepper = {
	"account_pepper",
	"SELECT encode(pepper, 'hex') FROM auth_secret",
	0, 1
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
		    jsonout_string(r, "method", "email") == -1 ||
		    jsonout_int(r, "minutes_before", minutes) == -1) {
			json_object_put(r);
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		if (jsonout_push(out, r) == -1) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
	}
	*norm = out;
	return 0;
fail:
	json_object_put(out);
	return -1;
}

/* ------------------------------------------------------------ helpers */

/* A number the database printed; 0 if it is somehow not one. */
long
account_db_long(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? 0 : v;
}

void
account_user_from_row(PGresult *res, struct account_user *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 1));
	u->email_verified = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	snprintf(u->name, sizeof(u->name), "%s", PQgetvalue(res, 0, 5));
}

/* Opens a transaction and locks the user row of email, if any, into *res
 * (the columns of st_user_by_email_lock). On failure the caller rolls back
 * (db_rollback is a no-op when nothing is open). */
enum db_rc
account_begin_locked(struct db *db, const char *email, PGresult **res)
{
	const char	*p[1] = { email };
	enum db_rc	 drc;

	if ((drc = db_begin(db)) != DB_OK)
		return drc;
	return db_exec(db, &st_user_by_email_lock, p, res);
}

/* The decoy id of an address: stable, unguessable without the secret, and
 * shaped like a random UUID. */
enum db_rc
account_decoy_id(struct db *db, const char *email, char out[37])
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

/* The server's secret (auth_secret.pepper) as 32 bytes: the key of
 * device tokens. */
enum db_rc
account_device_secret(struct db *db, unsigned char out[32])
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
