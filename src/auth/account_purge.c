/* account_purge.c — accounts never confirmed, removed by aurora-remind's
 * pass once they are unconfirmed_account_days old (see account.h). Kept
 * apart from the rest of the account module so that aurora-remind links
 * only this and the database layer, not password hashing or tokens. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "auth/account.h"

/* SECURITY DEFINER (sql/014): aurora_remind holds no DELETE on users. */
static const struct db_stmt st_purge = {
	"account_purge_unconfirmed",
	"SELECT account_purge_unconfirmed($1::int, $2::int)",
	2, 0
};

enum db_rc
account_purge_unconfirmed(struct db *db, int days, int max_rows,
    long long *purged)
{
	PGresult	*res = NULL;
	const char	*p[2];
	char		 d[16], m[16], *end;
	enum db_rc	 rc;

	*purged = 0;
	if (days <= 0)
		return DB_OK;
	snprintf(d, sizeof(d), "%d", days);
	snprintf(m, sizeof(m), "%d", max_rows);
	p[0] = d;
	p[1] = m;
	if ((rc = db_exec(db, &st_purge, p, &res)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1) {
		*purged = strtoll(PQgetvalue(res, 0, 0), &end, 10);
		if (*end != '\0')
			*purged = 0;
	}
	PQclear(res);
	return DB_OK;
}
