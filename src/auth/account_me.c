/* account_me.c — the signed-in user's own profile (/me): read, change
 * (name, zone, default reminders; the address through a code mailed to the
 * new one) and delete (see account.h). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "auth/account_internal.h"
#include "auth/totp.h"
#include "auth/verify.h"
#include "core/jsonout.h"
#include "mail/render.h"

/* pending_email shows while its code is live: once it expired or was used
 * there is nothing to confirm, and the user starts again. The two-step
 * state comes in the same row: GET /api/v1/me is one statement, sent in
 * the round trip of the session check (issue 15). */
#define ME_COLS "id, email, email_verified, name, time_zone, " \
	"default_reminders::text, issuer, " \
	"to_char(created_at AT TIME ZONE 'UTC', " \
	"        'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(updated_at AT TIME ZONE 'UTC', " \
	"        'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"CASE WHEN pending_email IS NOT NULL " \
	"      AND EXISTS (SELECT 1 FROM auth_codes c " \
	"                   WHERE c.user_id = users.id " \
	"                     AND c.purpose = 'email_change' " \
	"                     AND c.code_hash IS NOT NULL " \
	"                     AND c.expires_at > now()) " \
	"     THEN pending_email END, " \
	TOTP_SQL_ON("users.id") ", " TOTP_SQL_RECOVERY_LEFT("users.id")

static const struct db_stmt st_me_get = {
	"account_me_get",
	"SELECT " ME_COLS " FROM users WHERE id = $1::uuid",
	1, 1
};

/* The profile in the statement of the session check (account_get_checked):
 * one row whatever happens, so that the check is evaluated exactly once and
 * refuses a user who is gone as it refuses any other. */
static const struct db_stmt st_me_checked = {
	"account_me_checked",
	"SELECT " ME_COLS ", " VERIFY_SQL_SESSION_CHECK
	"  FROM (SELECT 1) AS one LEFT JOIN users ON users.id = $1::uuid",
	3, 1
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

static json_object *
me_json(const PGresult *res)
{
	json_object	*o, *rem, *m = NULL;
	int		 on;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((rem = json_tokener_parse(PQgetvalue(res, 0, 5))) == NULL)
		rem = json_object_new_array();
	if (jsonout_string(o, "user_id", PQgetvalue(res, 0, 0)) == -1 ||
	    jsonout_string(o, "email", PQgetvalue(res, 0, 1)) == -1 ||
	    jsonout_bool(o, "email_verified",
	    strcmp(PQgetvalue(res, 0, 2), "t") == 0) == -1 ||
	    jsonout_string(o, "name", PQgetvalue(res, 0, 3)) == -1 ||
	    jsonout_string(o, "time_zone", PQgetvalue(res, 0, 4)) == -1)
		goto fail;
	/* jsonout_add takes rem (NULL: out of memory), also on failure. */
	if (jsonout_add(o, "default_reminders", rem) == -1) {
		rem = NULL;
		goto fail;
	}
	rem = NULL;
	if (jsonout_string(o, "issuer", PQgetvalue(res, 0, 6)) == -1 ||
	    jsonout_string(o, "created_at", PQgetvalue(res, 0, 7)) == -1 ||
	    jsonout_string(o, "updated_at", PQgetvalue(res, 0, 8)) == -1)
		goto fail;
	if ((PQgetisnull(res, 0, 9) ? jsonout_null(o, "pending_email") :
	    jsonout_string(o, "pending_email", PQgetvalue(res, 0, 9))) == -1)
		goto fail;
	if ((m = json_object_new_object()) == NULL)
		goto fail;
	on = strcmp(PQgetvalue(res, 0, 10), "t") == 0;
	if (jsonout_bool(m, "totp", on) == -1 ||
	    jsonout_int(m, "recovery_codes_left", on ?
	    account_db_long(PQgetvalue(res, 0, 11)) : 0) == -1)
		goto fail;
	/* jsonout_add takes m, also on failure. */
	if (jsonout_add(o, "mfa", m) == -1) {
		m = NULL;
		goto fail;
	}
	return o;
fail:
	json_object_put(m);
	json_object_put(rem);
	json_object_put(o);
	return NULL;
}

/* Runs st (which returns the profile row, ME_COLS) and puts the profile
 * into *out (caller puts it); ACCOUNT_NOT_FOUND without a row. */
static enum account_rc
me_answer(struct db *db, const struct db_stmt *st, const char *const *p,
    json_object **out)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;

	*out = NULL;
	if ((drc = db_exec(db, st, p, &res)) != DB_OK)
		return account_from_db(drc);
	if (PQntuples(res) != 1)
		rc = ACCOUNT_NOT_FOUND;
	else if ((*out = me_json(res)) != NULL)
		rc = ACCOUNT_OK;
	PQclear(res);
	return rc;
}

enum account_rc
account_get(struct db *db, const char *user_id, json_object **out)
{
	const char	*p[1] = { user_id };

	return me_answer(db, &st_me_get, p, out);
}

enum account_rc
account_get_checked(struct db *db, const char *user_id, json_object **out)
{
	const PGresult	*res;
	enum db_rc	 drc;

	*out = NULL;
	if (db_guard_swap(db, &st_me_checked) != DB_OK)
		return account_get(db, user_id, out);
	if ((drc = db_guard_flush(db)) == DB_DENIED)
		return ACCOUNT_NOT_FOUND;
	if (drc != DB_OK)
		return account_from_db(drc);
	if ((res = db_guard_result(db)) == NULL || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0) || strcmp(PQgetvalue(res, 0, 0), user_id))
		return ACCOUNT_ERROR;
	return (*out = me_json(res)) != NULL ? ACCOUNT_OK : ACCOUNT_ERROR;
}

enum account_rc
account_update(struct db *db, const char *user_id, const char *name,
    const char *time_zone, json_object *reminders, json_object **out)
{
	const char	*p[4];

	p[0] = user_id;
	p[1] = name;
	p[2] = time_zone;
	p[3] = reminders != NULL ? json_object_to_json_string_ext(reminders,
	    JSON_C_TO_STRING_PLAIN) : NULL;
	return me_answer(db, &st_me_update, p, out);
}

/* ------------------------------------------------- change of address */

static const struct db_stmt st_email_lock = {
	"account_email_lock",
	"SELECT email, issuer = 'local', COALESCE(pending_email, '') "
	"  FROM users WHERE id = $1::uuid FOR UPDATE",
	1, 0
};

/* Another local account with the address, confirmed or not: either holds
 * it (users_email_key). */
static const struct db_stmt st_email_holder = {
	"account_email_holder",
	"SELECT id, email FROM users "
	" WHERE lower(email) = lower($1) AND issuer = 'local' "
	"   AND id <> $2::uuid",
	2, 0
};

static const struct db_stmt st_email_pending = {
	"account_email_pending",
	"UPDATE users SET pending_email = $2, updated_at = now() "
	" WHERE id = $1::uuid",
	2, 0
};

static const struct db_stmt st_email_switch = {
	"account_email_switch",
	"UPDATE users SET email = pending_email, pending_email = NULL, "
	"       email_verified = true, updated_at = now() "
	" WHERE id = $1::uuid AND pending_email IS NOT NULL",
	1, 0
};

static const struct db_stmt st_email_drop = {
	"account_email_drop",
	"UPDATE users SET pending_email = NULL, updated_at = now() "
	" WHERE id = $1::uuid",
	1, 0
};

enum account_rc
account_email_change(struct db *db, const struct identity *id,
    const char *user_id, const char *email)
{
	PGresult	*res = NULL, *holder = NULL;
	const char	*p[2];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;
	int		 sent = 0;

	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	p[0] = user_id;
	if ((drc = db_exec(db, &st_email_lock, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = ACCOUNT_NOT_FOUND;
		goto fail;
	}
	/* An external issuer's account changes its address there. */
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0 ||
	    strcasecmp(PQgetvalue(res, 0, 0), email) == 0) {
		rc = ACCOUNT_DENIED;
		goto fail;
	}
	p[0] = email;
	p[1] = user_id;
	if ((drc = db_exec(db, &st_email_holder, p, &holder)) != DB_OK)
		goto dberr;
	/* Both paths issue a code and count a mail against the same daily
	 * cap, so neither the answer nor its limits tell them apart. */
	if (PQntuples(holder) == 0)
		drc = account_mail_code_sent(db, id, user_id, email,
		    "email_change", &sent);
	else if ((drc = account_code_blind(db, user_id, "email_change",
	    &sent)) == DB_OK && sent)
		drc = account_mail_taken(db, id, PQgetvalue(holder, 0, 0),
		    PQgetvalue(holder, 0, 1));
	if (drc != DB_OK)
		goto dberr;
	if (!sent) {
		/* The old code stays live for the old pending address. */
		rc = ACCOUNT_LIMITED;
		goto fail;
	}
	p[0] = user_id;
	p[1] = email;
	if ((drc = db_run(db, &st_email_pending, p, NULL)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK)
		goto dberr;
	rc = ACCOUNT_OK;
	goto out;
dberr:
	rc = account_from_db(drc);
fail:
	db_rollback(db);
out:
	PQclear(holder);
	PQclear(res);
	return rc;
}

enum account_rc
account_email_confirm(struct db *db, const struct identity *id,
    const char *user_id, const char *code, json_object **out)
{
	PGresult	*res = NULL;
	const char	*p[1];
	char		 old[ACCOUNT_EMAIL_MAX + 1], neu[ACCOUNT_EMAIL_MAX + 1];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;
	long		 n = 0;

	*out = NULL;
	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	p[0] = user_id;
	if ((drc = db_exec(db, &st_email_lock, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = ACCOUNT_NOT_FOUND;
		goto fail;
	}
	if (PQgetvalue(res, 0, 2)[0] == '\0') {
		rc = ACCOUNT_DENIED;
		goto fail;
	}
	snprintf(old, sizeof(old), "%s", PQgetvalue(res, 0, 0));
	snprintf(neu, sizeof(neu), "%s", PQgetvalue(res, 0, 2));
	rc = account_code_check(db, user_id, "email_change", code);
	if (rc == ACCOUNT_DENIED) {
		/* The wrong guess is counted: keep it. */
		if ((drc = db_commit(db)) != DB_OK)
			goto dberr;
		goto out;
	}
	if (rc != ACCOUNT_OK)
		goto fail;
	drc = db_run(db, &st_email_switch, p, &n);
	if (drc == DB_CONFLICT) {
		/* Someone signed up with it since: the code is spent and
		 * the change dropped, which the user sees in /me. */
		db_rollback(db);
		drc = db_run(db, &st_email_drop, p, NULL);
		rc = drc == DB_OK ? ACCOUNT_DENIED : account_from_db(drc);
		goto out;
	}
	if (drc != DB_OK)
		goto dberr;
	if (n != 1) {
		rc = ACCOUNT_ERROR;
		goto fail;
	}
	if ((drc = account_security_mail(db, id->conf, user_id, old,
	    RENDER_SEC_EMAIL_CHANGED, neu)) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK)
		goto dberr;
	PQclear(res);
	res = NULL;
	rc = account_get(db, user_id, out);
	goto out;
dberr:
	rc = account_from_db(drc);
fail:
	db_rollback(db);
out:
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
