/* schedule.c — the one reminder planner (schedule.h): plans an event's
 * mail from its series (plan.c) and keeps it in the outbox up to
 * SCHEDULE_HORIZON ahead; the rows are written by mail/outbox.c, which
 * owns mail_outbox. Events are read with event_from_row (row.c), never
 * through store.c, which calls in here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "db/array.h"
#include "events/event.h"
#include "events/plan.h"
#include "events/schedule.h"
#include "events/store_sql.h"
#include "mail/outbox.h"

#define EXTEND_BATCH	200	/* events per transaction */
#define EXTEND_MAX	50	/* batches per call: bounds one pass */
/* Re-planning stops starting events after this long in one call, so that
 * the sender's pass gets on to sending whatever the planned series cost;
 * the rest are next pass's (each event's own work is bounded by recur.c's
 * RECUR_MAX_WORK, so the clock is read only between events). */
#define EXTEND_BUDGET_MS 1000

static const struct db_stmt st_load = {
	"sch_load",
	"SELECT " EVENT_COLUMNS " FROM events e"
	" WHERE e.id = $1::uuid AND e.user_id = $2::uuid",
	2, 0
};

static const struct db_stmt st_mark = {
	"sch_mark",
	"UPDATE events SET reminders_scheduled_until = $2::timestamptz"
	" WHERE id = $1::uuid",
	2, 0
};

static const struct db_stmt st_batch = {
	"sch_batch",
	"SELECT id, user_id FROM events"
	" WHERE reminders_scheduled_until < $1::timestamptz"
	" ORDER BY reminders_scheduled_until LIMIT 200"
	" FOR UPDATE SKIP LOCKED",
	1, 0
};

void
schedule_series(struct schedule_series *s, const struct event *ev,
    const struct recur *rec, icaltimezone *z)
{
	memset(s, 0, sizeof(*s));
	s->ev = ev;
	s->rec = rec;
	s->z = z;
	s->last_rc = recur_last_start(rec, ev->start, ev->all_day, z,
	    &s->last);
}

int
schedule_plan(struct schedule_plan *sp, const struct schedule_series *s,
    time_t lo, time_t now)
{
	memset(sp, 0, sizeof(*sp));
	if (plan_build(&sp->mails, s->ev, s->rec, s->z, lo,
	    now + SCHEDULE_HORIZON) == -1)
		return -1;
	plan_until_last(s->ev, s->last_rc, s->last, now + SCHEDULE_HORIZON,
	    sp->until, sizeof(sp->until));
	return 0;
}

void
schedule_plan_free(struct schedule_plan *sp)
{
	plan_free(&sp->mails);
}

enum db_rc
schedule_write(struct db *db, const char *user_id, const char *event_id,
    const struct schedule_series *s, time_t now, long *inserted)
{
	struct schedule_plan	 sp;
	struct plan		 fresh = { NULL, 0, 0 };
	struct buf		 ids, occ, min, due;
	PGresult		*res = NULL;
	const char		*p[2];
	enum db_rc		 rc;
	time_t			 lo = now, o, d;
	long			 ncancel = 0, nins = 0;
	int			 i, n, m;
	size_t			 k;

	memset(&sp, 0, sizeof(sp));
	buf_init(&ids, 1 << 20);
	buf_init(&occ, 1 << 20);
	buf_init(&min, 1 << 20);
	buf_init(&due, 1 << 20);

	/* Pending mail that no longer matches an occurrence and rule. */
	if ((rc = outbox_pending_reminders(db, event_id, &res)) != DB_OK)
		goto out;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		d = (time_t)strtoll(PQgetvalue(res, i, 3), NULL, 10);
		if (d < lo)
			lo = d;
	}
	if (schedule_plan(&sp, s, lo, now) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	if (db_array_open(&ids) == -1)
		goto nomem;
	for (i = 0, k = 0; i < n; i++) {
		o = (time_t)strtoll(PQgetvalue(res, i, 1), NULL, 10);
		m = (int)strtol(PQgetvalue(res, i, 2), NULL, 10);
		if (plan_has(&sp.mails, o, m))
			continue;
		k++;
		if (db_array_int(&ids, strtoll(PQgetvalue(res, i, 0), NULL,
		    10)) == -1)
			goto nomem;
	}
	if (db_array_close(&ids) == -1)
		goto nomem;
	PQclear(res);
	res = NULL;
	if (k > 0) {
		if ((rc = outbox_cancel_ids(db, ids.data, &ncancel)) != DB_OK)
			goto out;
	}

	/* New mail: only what is due from now on. */
	for (k = 0; k < sp.mails.n; k++) {
		if (sp.mails.items[k].due < now)
			continue;
		if (fresh.n == fresh.alloc) {
			struct plan_item *ni;
			size_t na = fresh.alloc ? fresh.alloc * 2 : 16;

			if ((ni = reallocarray(fresh.items, na,
			    sizeof(*ni))) == NULL)
				goto nomem;
			fresh.items = ni;
			fresh.alloc = na;
		}
		fresh.items[fresh.n++] = sp.mails.items[k];
	}
	if (fresh.n > 0) {
		if (plan_arrays(&fresh, &occ, &min, &due) == -1)
			goto nomem;
		if ((rc = outbox_queue_reminders(db, user_id, event_id,
		    occ.data, min.data, due.data, &nins)) != DB_OK)
			goto out;
		*inserted += nins;
	}
	p[0] = event_id;
	p[1] = sp.until;
	if ((rc = db_run(db, &st_mark, p, NULL)) != DB_OK)
		goto out;
	if (ncancel + nins > 0)
		rc = outbox_notify(db);
	goto out;
nomem:
	rc = DB_ERROR;
out:
	PQclear(res);
	schedule_plan_free(&sp);
	plan_free(&fresh);
	buf_free(&ids);
	buf_free(&occ);
	buf_free(&min);
	buf_free(&due);
	return rc;
}

/* The extension's step for one event: reads it (a row of another pass's
 * batch may be gone by now) and writes its plan. */
static enum db_rc
schedule_one(struct db *db, const char *user_id, const char *event_id,
    time_t now, long *inserted)
{
	struct event		 ev;
	struct recur		 rec;
	struct recur_error	 rerr;
	struct schedule_series	 s;
	icaltimezone		*z;
	PGresult		*res = NULL;
	const char		*p[2];
	enum db_rc		 rc;
	long			 ncancel = 0;

	memset(&ev, 0, sizeof(ev));
	memset(&rec, 0, sizeof(rec));
	p[0] = event_id;
	p[1] = user_id;
	if ((rc = db_exec(db, &st_load, p, &res)) != DB_OK)
		goto out;
	if (PQntuples(res) != 1) {
		/* Gone (or not this user's): nothing may stay pending. */
		rc = outbox_cancel_event(db, user_id, event_id, &ncancel);
		if (rc == DB_OK && ncancel > 0)
			rc = outbox_notify(db);
		goto out;
	}
	if (event_from_row(&ev, res, 0) != EVENT_OK) {
		rc = DB_ERROR;
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((z = zone_find(ev.time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	if (recur_parse(&rec, (const char *const *)ev.recurrence,
	    ev.nrecurrence, ev.start, ev.all_day, z, 0, &rerr) != RECUR_OK) {
		/* Stored rules were checked when written; a rule that no
		 * longer parses (tzdata changed) plans no repeats. */
		log_msg(LOG_WARN, "schedule", "event %s: recurrence: %s",
		    event_id, rerr.msg);
		memset(&rec, 0, sizeof(rec));
	}
	schedule_series(&s, &ev, &rec, z);
	rc = schedule_write(db, user_id, event_id, &s, now, inserted);
out:
	PQclear(res);
	recur_free(&rec);
	event_clear(&ev);
	return rc;
}

enum db_rc
schedule_extend(struct db *db, time_t now, long *inserted)
{
	PGresult	*res = NULL;
	char		 cut[RFC3339_MAX], (*ids)[2][64] = NULL;
	const char	*p[1];
	enum db_rc	 rc = DB_OK;
	int		 batch, i, n, over = 0;
	int64_t		 deadline = clock_mono_us() + EXTEND_BUDGET_MS * 1000L;

	*inserted = 0;
	if (rfc3339_format(now + SCHEDULE_REFRESH, 0, cut, sizeof(cut)) == -1)
		return DB_ERROR;
	p[0] = cut;
	for (batch = 0; batch < EXTEND_MAX; batch++) {
		if ((rc = db_begin(db)) != DB_OK)
			break;
		if ((rc = db_exec(db, &st_batch, p, &res)) != DB_OK)
			break;
		n = PQntuples(res);
		free(ids);
		if ((ids = calloc(n ? (size_t)n : 1, sizeof(*ids))) == NULL) {
			rc = DB_ERROR;
			break;
		}
		for (i = 0; i < n; i++) {
			snprintf(ids[i][0], sizeof(ids[i][0]), "%s",
			    PQgetvalue(res, i, 0));
			snprintf(ids[i][1], sizeof(ids[i][1]), "%s",
			    PQgetvalue(res, i, 1));
		}
		PQclear(res);
		res = NULL;
		for (i = 0; i < n && rc == DB_OK && !over; i++) {
			rc = schedule_one(db, ids[i][1], ids[i][0], now,
			    inserted);
			over = clock_mono_us() > deadline;
		}
		if (rc != DB_OK)
			break;
		if ((rc = db_commit(db)) != DB_OK)
			break;
		if (over) {
			log_msg(LOG_WARN, "schedule", "re-planning stopped "
			    "after %d ms; the rest is left for the next pass",
			    EXTEND_BUDGET_MS);
			break;
		}
		if (n < EXTEND_BATCH)
			break;
	}
	if (rc != DB_OK)
		db_rollback(db);
	PQclear(res);
	free(ids);
	return rc;
}
