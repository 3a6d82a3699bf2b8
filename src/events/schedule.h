/* schedule.h — reminder mail planning: which reminder of which occurrence
 * is due when, kept in the outbox (mail/outbox.h) a fixed horizon ahead
 * (SCHEDULE_HORIZON, see docs/events.md). aurora-api calls schedule_event
 * whenever an event changes; aurora-remind calls schedule_extend on each
 * pass. */
#ifndef AURORA_SCHEDULE_H
#define AURORA_SCHEDULE_H

#include <time.h>

#include "db/db.h"

/* Rebuilds the pending reminder mail of one event inside the caller's
 * transaction: pending rows of occurrences or rules that no longer exist
 * become 'cancelled', and one 'pending' mail_outbox row (kind 'reminder',
 * event_id, occurrence_start, minutes_before, due_at, user_id) is inserted
 * for each occurrence x rule whose due time lies in [now, now + horizon].
 * A row already there for that occurrence x rule (the unique index) is
 * left as it is unless cancelled; a cancelled one is made pending again
 * with the new due_at, attempts 0 and no last_error (ON CONFLICT ... DO
 * UPDATE ... WHERE status = 'cancelled'), so a reminder removed and added
 * back is sent. */
enum db_rc schedule_event(struct db *db, const char *user_id, const char *event_id, time_t now);
/* Extends the horizon for every event whose reminders_scheduled_until is
 * before now + horizon (aurora-remind runs it on each pass, in batches,
 * cheaply: an index on reminders_scheduled_until; single events are done
 * once). Stops starting events after EXTEND_BUDGET_MS (schedule.c), so a
 * pass gets on to sending however costly the series are; the rest waits
 * for the next pass. *inserted receives the number of new rows. */
enum db_rc schedule_extend(struct db *db, time_t now, long *inserted);

#endif
