/* opstats.h — operational gauges read from the database for /metrics:
 * mail outbox depth and lateness. Cheap: each uses a partial index. */
#ifndef AURORA_OPSTATS_H
#define AURORA_OPSTATS_H

#include "db/db.h"

struct opstats {
	long	pending;	/* mail waiting, due or not */
	long	due;		/* pending and already due */
	long	sending;	/* leased by a sender */
	double	oldest_due_s;	/* lateness of the oldest due mail, 0 if none */
};

enum db_rc opstats_outbox(struct db *db, struct opstats *out)
    __attribute__((warn_unused_result));

/* Send totals per transport and result: rows (transport, result, total)
 * in *res, which the caller PQclear()s. */
enum db_rc opstats_sends(struct db *db, PGresult **res)
    __attribute__((warn_unused_result));

#endif
