/* opstats.h — mail send totals read from the database for /metrics (the
 * outbox depth gauges are outbox_gauges, outbox.h). */
#ifndef AURORA_OPSTATS_H
#define AURORA_OPSTATS_H

#include "db/db.h"

/* Send totals per transport and result: rows (transport, result, total)
 * in *res, which the caller PQclear()s. */
enum db_rc opstats_sends(struct db *db, PGresult **res)
    __attribute__((warn_unused_result));

#endif
