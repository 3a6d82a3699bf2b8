/* plan.h — the pure part of reminder scheduling: from an event, its
 * recurrence and its reminder rules, the mails due in a time range. Used
 * through schedule_plan (schedule.h), the one planning entry point. */
#ifndef AURORA_PLAN_H
#define AURORA_PLAN_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "events/event.h"
#include "events/recur.h"

#define SCHEDULE_HORIZON	(7L * 86400)	/* mail planned this far ahead */
#define SCHEDULE_REFRESH	(6L * 86400)	/* re-plan when less remains */
#define PLAN_MAX		2000		/* mails per event and pass */

struct plan_item {
	time_t	 occurrence;
	int	 minutes;
	time_t	 due;
};

struct plan {
	struct plan_item	*items;
	size_t			 n;
	size_t			 alloc;
};

/* Fills p with every (occurrence, reminder) of ev whose due time lies in
 * [lo, hi]. Returns 0, or -1 when out of memory. Free with plan_free. */
int plan_build(struct plan *p, const struct event *ev, const struct recur *rec,
    icaltimezone *z, time_t lo, time_t hi) __attribute__((warn_unused_result));
void plan_free(struct plan *p);
/* 1 when (occurrence, minutes) is in p. */
int plan_has(const struct plan *p, time_t occurrence, int minutes);

/* reminders_scheduled_until after planning up to hi, as SQL text: hi, or
 * "infinity" when no later mail can become due. */
void plan_until(const struct event *ev, const struct recur *rec,
    icaltimezone *z, time_t hi, char *out, size_t outlen);
/* The same from recur_last_start's result (last_rc, last) found by the
 * caller, so that a series' end is looked for once per plan. */
void plan_until_last(const struct event *ev, int last_rc, time_t last,
    time_t hi, char *out, size_t outlen);

/* The plan as three SQL array literals ({..}) of occurrence epochs, minutes
 * and due epochs. Returns 0 or -1. */
int plan_arrays(const struct plan *p, struct buf *occ, struct buf *min,
    struct buf *due) __attribute__((warn_unused_result));

#endif
