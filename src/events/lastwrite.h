/* lastwrite.h — when an account last wrote its calendars (the instant the
 * journal stamps at commit, sql/018), so that reads sent to a replica can
 * leave out a user whose write the replica may not hold yet. */
#ifndef AURORA_LASTWRITE_H
#define AURORA_LASTWRITE_H

#include <stdint.h>

#include "db/db.h"

/* The account's last write of an event or deletion of a calendar, as the
 * database's clock read it, in microseconds since the epoch (0: none).
 * Read it on the primary: a replica knows only what it has replayed. */
enum db_rc lastwrite_get(struct db *db, const char *user_id, int64_t *us)
    __attribute__((warn_unused_result));

#endif
