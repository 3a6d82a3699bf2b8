/* account_me.c — the signed-in user's own profile (/me): read, change
 * (name, zone, default reminders) and delete (see account.h). */
#include "config.h"

#include <string.h>

#include "auth/account_internal.h"
#include "core/jsonout.h"

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

static json_object *
me_json(PGresult *res)
{
	json_object	*o, *rem;

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
	return o;
fail:
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
