/* account_admin.c — the operators' commands on accounts (aurora-admin):
 * list, disable or enable, delete by address (see account.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/account_internal.h"
#include "auth/session.h"

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
