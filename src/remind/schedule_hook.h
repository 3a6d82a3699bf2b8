/* schedule_hook.h — the one call aurora-remind makes into the events
 * module: extend the reminder schedule (insert outbox rows for occurrences
 * coming into the horizon) before each pass. */
#ifndef AURORA_SCHEDULE_HOOK_H
#define AURORA_SCHEDULE_HOOK_H

#include <time.h>

#include "db/db.h"

/* Inserts the reminder rows that became due for scheduling; *inserted
 * counts them. DB_OK, or the database failure. */
enum db_rc remind_schedule_extend(struct db *db, time_t now, long *inserted)
    __attribute__((warn_unused_result));

#endif
