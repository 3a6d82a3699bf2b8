/* schedule.h — reminder mail planning: which reminder of which occurrence
 * is due when, kept in the outbox (mail/outbox.h) a fixed horizon ahead
 * (SCHEDULE_HORIZON, see docs/events.md). schedule_plan is the one
 * planning entry point: event creation (store.c) writes its result in its
 * own INSERT; an event change (store.c) and the sender's extension
 * (schedule_extend, each aurora-remind pass) write it with schedule_write.
 * This file calls nothing in store.c (rows are decoded by row.c), so the
 * store depends on the planner and not the other way round. */
#ifndef AURORA_SCHEDULE_H
#define AURORA_SCHEDULE_H

#include <time.h>

#include "db/db.h"
#include "events/event.h"
#include "events/plan.h"

/* One event's series as planning sees it. The series' end (a walk of the
 * series, recur_last_start) is looked for once, by schedule_series, and
 * serves both the events.series_end column (store.c) and the plan's
 * reminders_scheduled_until. The pointers are borrowed: ev, rec and z
 * must outlive the struct. */
struct schedule_series {
	const struct event	*ev;
	const struct recur	*rec;
	icaltimezone		*z;
	int			 last_rc;	/* recur_last_start's result */
	time_t			 last;		/* its *last when last_rc is 0 */
};

void schedule_series(struct schedule_series *s, const struct event *ev,
    const struct recur *rec, icaltimezone *z);

/* The plan of one event: the mails and the mark written with them. */
struct schedule_plan {
	struct plan	 mails;			/* due in [lo, now + horizon] */
	char		 until[RFC3339_MAX];	/* reminders_scheduled_until */
};

/* Plans s: every (occurrence, rule) whose due time lies in
 * [lo, now + SCHEDULE_HORIZON] (lo <= now; below now only to recognise
 * pending mail), and the mark. Pure: no database. Returns 0, or -1 when
 * out of memory. sp is the caller's, to free with schedule_plan_free
 * (also after -1). */
int schedule_plan(struct schedule_plan *sp, const struct schedule_series *s,
    time_t lo, time_t now) __attribute__((warn_unused_result));
void schedule_plan_free(struct schedule_plan *sp);

/* Rebuilds the pending reminder mail of one stored event inside the
 * caller's transaction, from s (the event as just written, or as read by
 * the extension): pending rows of occurrences or rules that no longer
 * exist become 'cancelled', and one 'pending' mail_outbox row (kind
 * 'reminder', event_id, occurrence_start, minutes_before, due_at, user_id)
 * is inserted for each occurrence x rule whose due time lies in
 * [now, now + horizon]. A row already there for that occurrence x rule
 * (the unique index) is left as it is unless cancelled; a cancelled one is
 * made pending again with the new due_at, attempts 0 and no last_error
 * (ON CONFLICT ... DO UPDATE ... WHERE status = 'cancelled'), so a reminder
 * removed and added back is sent. Then events.reminders_scheduled_until
 * is set to the plan's mark. *inserted grows by the rows inserted. */
enum db_rc schedule_write(struct db *db, const char *user_id,
    const char *event_id, const struct schedule_series *s, time_t now,
    long *inserted);

/* Extends the horizon for every event whose reminders_scheduled_until is
 * before now + horizon (aurora-remind runs it on each pass, in batches,
 * cheaply: an index on reminders_scheduled_until; single events are done
 * once). Stops starting events after EXTEND_BUDGET_MS (schedule.c), so a
 * pass gets on to sending however costly the series are; the rest waits
 * for the next pass. *inserted receives the number of new rows. */
enum db_rc schedule_extend(struct db *db, time_t now, long *inserted);

#endif
