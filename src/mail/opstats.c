/* opstats.c — mail send totals for /metrics (see opstats.h). */
#include "config.h"

#include "mail/opstats.h"

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
