/* lastwrite.c — an account's last write of its calendars (see lastwrite.h).
 * The stamps are written by triggers (sql/018): calendars.written_at at the
 * journal's flush, users.calendar_deleted_at when a calendar goes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "events/lastwrite.h"

/* One index range over calendars (user_id, dav_name) and the user's row. */
static const struct db_stmt st_lastwrite = {
	"lastwrite_get",
	"SELECT (extract(epoch FROM greatest("
	"          (SELECT max(written_at) FROM calendars"
	"            WHERE user_id = $1::uuid),"
	"          (SELECT calendar_deleted_at FROM users"
	"            WHERE id = $1::uuid))) * 1000000)::bigint",
	1, 1
};

enum db_rc
lastwrite_get(struct db *db, const char *user_id, int64_t *us)
{
	PGresult	*res = NULL;
	const char	*p[1], *s;
	char		*end;
	long long	 n;
	enum db_rc	 rc;

	*us = 0;
	p[0] = user_id;
	if ((rc = db_exec(db, &st_lastwrite, p, &res)) != DB_OK)
		return rc;
	rc = DB_ERROR;
	if (PQntuples(res) != 1)
		goto out;
	rc = DB_OK;
	if (PQgetisnull(res, 0, 0))
		goto out;
	s = PQgetvalue(res, 0, 0);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		rc = DB_ERROR;
		goto out;
	}
	*us = n;
out:
	PQclear(res);
	return rc;
}
