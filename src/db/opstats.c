/* opstats.c — outbox gauges for /metrics (see opstats.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/opstats.h"

static const struct db_stmt opstats_outbox_stmt = {
	"opstats_outbox",
	"SELECT (SELECT count(*) FROM mail_outbox WHERE status = 'pending'),"
	" (SELECT count(*) FROM mail_outbox WHERE status = 'pending'"
	"  AND due_at <= now()),"
	" (SELECT count(*) FROM mail_outbox WHERE status = 'sending'),"
	" COALESCE((SELECT extract(epoch FROM now() - min(due_at))"
	"  FROM mail_outbox WHERE status = 'pending' AND due_at <= now()), 0)",
	0, 1
};

enum db_rc
opstats_outbox(struct db *db, struct opstats *out)
{
	PGresult	*r;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_exec(db, &opstats_outbox_stmt, NULL, &r)) != DB_OK)
		return rc;
	if (PQntuples(r) == 1) {
		out->pending = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		out->due = strtol(PQgetvalue(r, 0, 1), NULL, 10);
		out->sending = strtol(PQgetvalue(r, 0, 2), NULL, 10);
		out->oldest_due_s = strtod(PQgetvalue(r, 0, 3), NULL);
	}
	PQclear(r);
	return DB_OK;
}

static const struct db_stmt opstats_sends_stmt = {
	"opstats_sends",
	"SELECT transport, result, total FROM mail_send_stats"
	" ORDER BY transport, result",
	0, 1
};

enum db_rc
opstats_sends(struct db *db, PGresult **res)
{
	return db_exec(db, &opstats_sends_stmt, NULL, res);
}
