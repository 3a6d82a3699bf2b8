/* store.c — the SQL of events: create, read, update, delete and import
 * upserts, each scoped to the caller's user id (see event.h). Creating an
 * event is one statement: the event, its reminder rules and its first
 * reminder mails go in together (the mail's SQL text comes from
 * mail/outbox.h, which owns mail_outbox; other mail goes through its
 * functions). Reminders are planned by schedule_plan (schedule.h) for
 * create and update alike, from the event in memory; rows are decoded by
 * row.c. Events live in calendars (calendar.c owns that table; here it is
 * only read, to check that a calendar is the user's and for its default
 * reminders); a UID is unique within its calendar. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonout.h"
#include "db/array.h"
#include "events/event.h"
#include "events/ics.h"
#include "events/plan.h"
#include "events/schedule.h"
#include "events/store_sql.h"
#include "mail/outbox.h"

/* How late an alarm of an object an app creates may still be mailed. */
#define STORE_LATE_ALARM	(5L * 60)

/* The account's zone, and the reminders of calendar $2 (NULL: the default
 * one): its own when set, else the account's. No calendar row when $2 is
 * not one of the user's. Whether it is read-only (a subscription's). */
static const struct db_stmt st_defaults = {
	"ev_defaults",
	"SELECT u.time_zone,"
	"  coalesce(array_to_json(c.default_reminders)::text,"
	"   u.default_reminders::text),"
	"  c.id, c.read_only"
	" FROM users u LEFT JOIN calendars c ON c.user_id = u.id"
	"  AND CASE WHEN $2::uuid IS NULL THEN c.is_default"
	"   ELSE c.id = $2::uuid END"
	" WHERE u.id = $1::uuid",
	2, 1
};

static const struct db_stmt st_calendar_owned = {
	"ev_calendar_owned",
	"SELECT read_only FROM calendars WHERE id = $1::uuid"
	" AND user_id = $2::uuid",
	2, 1
};

static const struct db_stmt st_insert = {
	"ev_insert",
	"WITH e AS ("
	" INSERT INTO events (id, user_id, uid, title, description, location,"
	"  starts_at, ends_at, time_zone, all_day, recurrence, series_end,"
	"  reminders_scheduled_until, reminder_minutes, calendar_id,"
	"  dav_name, ical)"
	" SELECT g.id, $1::uuid, coalesce($2, g.id::text), $3, $4, $5,"
	"  $6::timestamptz, $7::timestamptz, $8, $9::boolean,"
	"  ARRAY(SELECT v FROM json_array_elements_text($10::json)"
	"   WITH ORDINALITY AS t(v, i) ORDER BY i),"
	"  $11::timestamptz, $12::timestamptz, $13::int[], $17::uuid,"
	"  $18, $19"
	" FROM (SELECT gen_random_uuid() AS id) g"
	" RETURNING id, user_id, version, created_at, updated_at, calendar_id"
	"), r AS ("
	" INSERT INTO event_reminders (event_id, position, minutes_before)"
	" SELECT e.id, t.i - 1, t.m"
	" FROM e, unnest($13::int[]) WITH ORDINALITY AS t(m, i)"
	"), o AS ("
	OUTBOX_SQL_QUEUE_REMINDERS("e.user_id", "e.id",
	    "e, unnest($14::bigint[], $15::int[], $16::bigint[])"
	    "  AS t(o, m, d)")
	"), n AS ("
	" SELECT " OUTBOX_SQL_NOTIFY
	" WHERE cardinality($14::bigint[]) > 0"
	")"
	" SELECT e.id, e.version,"
	"  to_char(e.created_at AT TIME ZONE 'UTC',"
	"   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"  to_char(e.updated_at AT TIME ZONE 'UTC',"
	"   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"  (SELECT count(*) FROM n), e.calendar_id"
	" FROM e",
	19, 0
};

static const struct db_stmt st_get = {
	"ev_get",
	"SELECT " EVENT_COLUMNS " FROM events e"
	" WHERE e.id = $1::uuid AND e.user_id = $2::uuid",
	2, 1
};

/* With its calendar's read_only after the event's columns. */
static const struct db_stmt st_get_lock = {
	"ev_get_lock",
	"SELECT " EVENT_COLUMNS ", c.read_only FROM events e"
	" JOIN calendars c ON c.id = e.calendar_id"
	" WHERE e.id = $1::uuid AND e.user_id = $2::uuid FOR UPDATE OF e",
	2, 0
};

/* The UID within calendar $3 (NULL: the default calendar). */
static const struct db_stmt st_find_uid = {
	"ev_find_uid",
	"SELECT id FROM events WHERE user_id = $1::uuid AND uid = $2"
	" AND calendar_id = coalesce($3::uuid, (SELECT id FROM calendars"
	"  WHERE user_id = $1::uuid AND is_default))"
	" FOR UPDATE",
	3, 0
};

/* The events of calendar $3 (NULL: the default one) whose UIDs are in
 * $2, locked: an import's lookups in one statement. */
static const struct db_stmt st_find_uids = {
	"ev_find_uids",
	"SELECT uid, id FROM events WHERE user_id = $1::uuid"
	" AND uid = ANY($2::text[])"
	" AND calendar_id = coalesce($3::uuid, (SELECT id FROM calendars"
	"  WHERE user_id = $1::uuid AND is_default))"
	" FOR UPDATE",
	3, 0
};

static const struct db_stmt st_update = {
	"ev_update",
	"UPDATE events SET title = $3, description = $4, location = $5,"
	" starts_at = $6::timestamptz, ends_at = $7::timestamptz,"
	" time_zone = $8, all_day = $9::boolean,"
	" recurrence = ARRAY(SELECT v FROM json_array_elements_text($10::json)"
	"  WITH ORDINALITY AS t(v, i) ORDER BY i),"
	" series_end = $11::timestamptz, reminder_minutes = $12::int[],"
	" calendar_id = coalesce($13::uuid, calendar_id),"
	" uid = coalesce($14, uid), dav_name = coalesce($15, dav_name),"
	" ical = CASE WHEN $16::boolean THEN $17 ELSE ical END,"
	" version = version + 1, updated_at = now()"
	" WHERE id = $1::uuid AND user_id = $2::uuid"
	" RETURNING version,"
	"  to_char(created_at AT TIME ZONE 'UTC',"
	"   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"  to_char(updated_at AT TIME ZONE 'UTC',"
	"   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"  calendar_id",
	17, 0
};

/* Positions below the new count are upserted, the rest deleted: one
 * statement, two disjoint sets of rows. */
static const struct db_stmt st_set_reminders = {
	"ev_set_reminders",
	"WITH d AS ("
	" DELETE FROM event_reminders WHERE event_id = $1::uuid"
	"  AND position >= cardinality($2::int[])"
	")"
	" INSERT INTO event_reminders (event_id, position, minutes_before)"
	" SELECT $1::uuid, t.i - 1, t.m"
	" FROM unnest($2::int[]) WITH ORDINALITY AS t(m, i)"
	" ON CONFLICT (event_id, position)"
	" DO UPDATE SET minutes_before = EXCLUDED.minutes_before",
	2, 0
};

static const struct db_stmt st_get_ical = {
	"ev_get_ical",
	"SELECT ical FROM events WHERE id = $1::uuid AND user_id = $2::uuid"
	"  AND ical IS NOT NULL",
	2, 0
};

static const struct db_stmt st_delete = {
	"ev_delete",
	"DELETE FROM events WHERE id = $1::uuid AND user_id = $2::uuid"
	" RETURNING version",
	2, 0
};

static enum event_rc
dberr(struct event_ctx *c, enum db_rc rc)
{
	c->dbrc = rc;
	if (rc == DB_INVALID) {
		snprintf(c->err.field, sizeof(c->err.field), "%s", "");
		snprintf(c->err.msg, sizeof(c->err.msg), "the database refused "
		    "a value of this event");
		return EVENT_INVALID;
	}
	return EVENT_DB;
}

/* Reads "[30, 10]" or "[{..."minutes_before": 30}]" leniently: only the
 * user's own settings arrive here and bad entries are skipped. */
static void
parse_defaults(const char *text, struct event_defaults *def)
{
	json_object	*a, *e, *m;
	size_t		 i, n;
	int64_t		 v;

	def->nreminders = 0;
	if (text == NULL || (a = json_tokener_parse(text)) == NULL)
		return;
	if (!json_object_is_type(a, json_type_array))
		goto out;
	n = json_object_array_length(a);
	for (i = 0; i < n && def->nreminders < REMINDER_MAX; i++) {
		e = json_object_array_get_idx(a, i);
		m = e;
		if (json_object_is_type(e, json_type_object) &&
		    !json_object_object_get_ex(e, "minutes_before", &m))
			continue;
		if (!json_object_is_type(m, json_type_int))
			continue;
		v = json_object_get_int64(m);
		if (v >= 0 && v <= REMINDER_MINUTES_MAX)
			def->reminders[def->nreminders++] = (int)v;
	}
out:
	json_object_put(a);
}

/* The account's own writes stop at a subscription's calendar (the
 * fetcher writes it through the _tx functions, which do not ask). */
static enum event_rc
read_only(struct event_ctx *c)
{
	snprintf(c->err.field, sizeof(c->err.field), "calendar_id");
	snprintf(c->err.msg, sizeof(c->err.msg), "%s", EVENT_READ_ONLY_MSG);
	return EVENT_READ_ONLY;
}

static enum event_rc
no_calendar(struct event_ctx *c)
{
	snprintf(c->err.field, sizeof(c->err.field), "calendar_id");
	snprintf(c->err.msg, sizeof(c->err.msg), "no such calendar");
	return EVENT_INVALID;
}

/* The defaults for a new event in calendar cal (NULL: the default one);
 * EVENT_INVALID on calendar_id when cal is not one of the user's. */
static enum event_rc
defaults_for(struct event_ctx *c, const char *cal, struct event_defaults *def)
{
	const char	*p[2] = { c->user_id, cal };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_OK;
	const char	*tz;

	memset(def, 0, sizeof(*def));
	memcpy(def->time_zone, "UTC", 4);
	if ((drc = db_exec(c->db, &st_defaults, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) == 1) {
		tz = PQgetvalue(res, 0, 0);
		if (zone_find(tz) != NULL)
			snprintf(def->time_zone, sizeof(def->time_zone), "%s",
			    tz);
		parse_defaults(PQgetvalue(res, 0, 1), def);
		if (cal != NULL && PQgetisnull(res, 0, 2))
			rc = no_calendar(c);
		else if (cal != NULL && PQgetvalue(res, 0, 3)[0] == 't')
			rc = read_only(c);
	}
	PQclear(res);
	return rc;
}

enum event_rc
event_user_defaults(struct event_ctx *c, struct event_defaults *def)
{
	return defaults_for(c, NULL, def);
}

/* EVENT_OK when cal is one of the user's calendars and not read-only. */
static enum event_rc
calendar_owned(struct event_ctx *c, const char *cal)
{
	const char	*p[2] = { cal, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc;

	if ((drc = db_exec(c->db, &st_calendar_owned, p, &res)) != DB_OK)
		return dberr(c, drc);
	rc = PQntuples(res) != 1 ? no_calendar(c) :
	    PQgetvalue(res, 0, 0)[0] == 't' ? read_only(c) : EVENT_OK;
	PQclear(res);
	return rc;
}

/* event_series_end from recur_last_start's result (rc, last). */
static int
series_end_text(const struct event *ev, int rc, time_t last, char *out,
    size_t outlen)
{
	if (rc == 1) {
		snprintf(out, outlen, "infinity");
		return 0;
	}
	if (rc == -1)
		return -1;
	/* A bound is enough for the window query; DST can stretch an
	 * all-day occurrence by an hour, so allow a day. */
	last += ev->end - ev->start + (ev->all_day ? 86400 : 0);
	if (last < ev->end)
		last = ev->end;
	return rfc3339_format(last, 0, out, outlen);
}

int
event_series_end(const struct event *ev, const struct recur *rec,
    icaltimezone *z, char *out, size_t outlen)
{
	time_t	 last = 0;
	int	 rc;

	rc = recur_last_start(rec, ev->start, ev->all_day, z, &last);
	return series_end_text(ev, rc, last, out, outlen);
}

/* The text parameters shared by insert and update. */
struct ev_params {
	char		 start[RFC3339_MAX], end[RFC3339_MAX];
	char		 series_end[RFC3339_MAX];
	char		 reminders[96];
	const char	*recurrence;	/* JSON array text */
	json_object	*rj;
};

/* The CalDAV columns of a write (object.c): the name (NULL: "<id>.ics"
 * on insert, kept on update), the UID (update; NULL keeps it) and, when
 * set_ical, the stored object (NULL: none, generated on read). */
struct ev_object {
	const char	*uid;
	const char	*dav_name;
	int		 set_ical;
	const char	*ical;
	int		 imported;	/* a file's copy, planned as the row */
};

/* The series end comes from s, whose end was looked for once, reaching
 * the overrides of a stored object o (when not NULL) too. */
static enum event_rc
ev_params(struct event_ctx *c, const struct event *ev,
    const struct schedule_series *s, const struct ev_object *o,
    struct ev_params *p)
{
	size_t	 i;
	time_t	 cover, t;

	memset(p, 0, sizeof(*p));
	if (rfc3339_format(ev->start, 0, p->start, sizeof(p->start)) == -1 ||
	    rfc3339_format(ev->end, 0, p->end, sizeof(p->end)) == -1)
		goto range;
	if (series_end_text(ev, s->last_rc, s->last, p->series_end,
	    sizeof(p->series_end)) == -1) {
		snprintf(c->err.field, sizeof(c->err.field), "recurrence");
		snprintf(c->err.msg, sizeof(c->err.msg), "the series has too "
		    "many occurrences to store; use UNTIL or a smaller COUNT");
		return EVENT_INVALID;
	}
	if (o != NULL && o->ical != NULL &&
	    strcmp(p->series_end, "infinity") != 0 &&
	    (cover = ics_overrides_end(o->ical, s->z)) > 0 &&
	    rfc3339_parse(p->series_end, &t, NULL) == 0 && cover > t &&
	    rfc3339_format(cover, 0, p->series_end,
	    sizeof(p->series_end)) == -1)
		goto range;
	if (db_array_ints(ev->reminders, ev->nreminders, p->reminders,
	    sizeof(p->reminders)) == -1)
		return EVENT_NOMEM;
	if ((p->rj = json_object_new_array()) == NULL)
		return EVENT_NOMEM;
	for (i = 0; i < ev->nrecurrence; i++)
		if (jsonout_push(p->rj,
		    json_object_new_string(ev->recurrence[i])) == -1)
			return EVENT_NOMEM;
	p->recurrence = json_object_to_json_string_ext(p->rj,
	    JSON_C_TO_STRING_PLAIN);
	return p->recurrence ? EVENT_OK : EVENT_NOMEM;
range:
	snprintf(c->err.field, sizeof(c->err.field), "start");
	snprintf(c->err.msg, sizeof(c->err.msg), "start or end is out of "
	    "range");
	return EVENT_INVALID;
}

/* The columns insert and update share, as $3..$11 (params[2..10]). */
static void
ev_fields(const struct event *ev, const struct ev_params *p,
    const char **params)
{
	params[2] = ev->title;
	params[3] = ev->description ? ev->description : "";
	params[4] = ev->location ? ev->location : "";
	params[5] = p->start;
	params[6] = p->end;
	params[7] = ev->time_zone;
	params[8] = ev->all_day ? "true" : "false";
	params[9] = p->recurrence;
	params[10] = p->series_end;
}

/* Inserts ev with its rules and the mails due within the horizon; o (or
 * NULL) names the CalDAV resource. */
static enum event_rc
insert_event(struct event_ctx *c, struct event *ev, const struct recur *rec,
    const char *uid, const struct ev_object *o)
{
	struct ev_params	 p;
	struct schedule_series	 s;
	struct schedule_plan	 sp;
	struct buf		 occ, min, due;
	icaltimezone		*z;
	PGresult		*res = NULL;
	enum event_rc		 rc;
	enum db_rc		 drc;
	const char		*params[19];

	memset(&sp, 0, sizeof(sp));
	buf_init(&occ, 1 << 20);
	buf_init(&min, 1 << 20);
	buf_init(&due, 1 << 20);
	if ((z = zone_find(ev->time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	schedule_series(&s, ev, rec, z);
	if ((rc = ev_params(c, ev, &s, o, &p)) != EVENT_OK)
		goto out;
	rc = EVENT_NOMEM;
	/* A new event has no mail yet: plan from now; an app's object from
	 * a little earlier, for an app that syncs an event after its alarm
	 * went off on the device: that mail goes out late rather than never
	 * (the sender takes overdue mail at once). An import plans as a
	 * REST write does: its file was never on a device. */
	if (schedule_plan(&sp, &s, o != NULL && !o->imported ?
	    c->now - STORE_LATE_ALARM :
	    c->now, c->now) == -1 ||
	    plan_arrays(&sp.mails, &occ, &min, &due) == -1)
		goto out;
	params[0] = c->user_id;
	params[1] = uid;
	ev_fields(ev, &p, params);
	params[11] = sp.until;
	params[12] = p.reminders;
	params[13] = occ.data;
	params[14] = min.data;
	params[15] = due.data;
	params[16] = ev->calendar_id[0] ? ev->calendar_id : NULL;
	params[17] = o != NULL ? o->dav_name : NULL;
	params[18] = o != NULL && o->set_ical ? o->ical : NULL;
	if ((drc = db_exec(c->db, &st_insert, params, &res)) != DB_OK) {
		rc = drc == DB_CONFLICT ? EVENT_CONFLICT : dberr(c, drc);
		if (drc == DB_CONFLICT)
			c->dbrc = drc;
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = dberr(c, DB_ERROR);
		goto out;
	}
	snprintf(ev->id, sizeof(ev->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(ev->uid, sizeof(ev->uid), "%s", uid ? uid : ev->id);
	ev->version = (int)strtol(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(ev->created_at, sizeof(ev->created_at), "%s",
	    PQgetvalue(res, 0, 2));
	snprintf(ev->updated_at, sizeof(ev->updated_at), "%s",
	    PQgetvalue(res, 0, 3));
	snprintf(ev->calendar_id, sizeof(ev->calendar_id), "%s",
	    PQgetvalue(res, 0, 5));
	rc = EVENT_OK;
out:
	PQclear(res);
	json_object_put(p.rj);
	schedule_plan_free(&sp);
	buf_free(&occ);
	buf_free(&min);
	buf_free(&due);
	return rc;
}

static int
needs_defaults(json_object *body)
{
	json_object *v;

	return !json_object_object_get_ex(body, "time_zone", &v) ||
	    !json_object_object_get_ex(body, "reminders", &v);
}

enum event_rc
event_create(struct event_ctx *c, json_object *body, struct event *out)
{
	struct event_defaults	 def;
	struct recur		 rec;
	json_object		*v;
	const char		*cal = NULL;
	enum event_rc		 rc;

	memset(out, 0, sizeof(*out));
	memset(&rec, 0, sizeof(rec));
	memset(&def, 0, sizeof(def));
	memcpy(def.time_zone, "UTC", 4);
	/* A well-formed calendar_id is checked here, with the defaults it
	 * brings; event_from_json refuses any other. */
	if (json_object_object_get_ex(body, "calendar_id", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    event_id_ok(json_object_get_string(v)))
		cal = json_object_get_string(v);
	if ((cal != NULL || needs_defaults(body)) &&
	    (rc = defaults_for(c, cal, &def)) != EVENT_OK)
		return rc;
	if ((rc = event_from_json(out, body, 0, &def, &rec, &c->err)) !=
	    EVENT_OK)
		goto out;
	rc = insert_event(c, out, &rec, NULL, NULL);
out:
	recur_free(&rec);
	if (rc != EVENT_OK)
		event_clear(out);
	return rc;
}

enum event_rc
event_get(struct event_ctx *c, const char *id, struct event *out)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc;

	memset(out, 0, sizeof(*out));
	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_exec(c->db, &st_get, p, &res)) != DB_OK)
		return dberr(c, drc);
	rc = PQntuples(res) == 1 ? event_from_row(out, res, 0) :
	    EVENT_NOT_FOUND;
	PQclear(res);
	return rc;
}

/* Writes ev's fields over the stored row and reschedules its mail from ev
 * as written (no read back); inside the caller's transaction. */
static enum event_rc
update_event(struct event_ctx *c, struct event *ev, const struct recur *rec,
    const struct ev_object *o)
{
	struct ev_params	 p;
	struct schedule_series	 s;
	icaltimezone		*z;
	PGresult		*res = NULL;
	enum event_rc		 rc;
	enum db_rc		 drc;
	const char		*params[17], *rp[2];
	long			 inserted = 0;

	if ((z = zone_find(ev->time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	schedule_series(&s, ev, rec, z);
	if ((rc = ev_params(c, ev, &s, o, &p)) != EVENT_OK)
		goto out;
	params[0] = ev->id;
	params[1] = c->user_id;
	ev_fields(ev, &p, params);
	params[11] = p.reminders;
	params[12] = ev->calendar_id[0] ? ev->calendar_id : NULL;
	params[13] = o != NULL ? o->uid : NULL;
	params[14] = o != NULL ? o->dav_name : NULL;
	params[15] = o != NULL && o->set_ical ? "true" : "false";
	params[16] = o != NULL ? o->ical : NULL;
	if ((drc = db_exec(c->db, &st_update, params, &res)) != DB_OK) {
		/* A move into a calendar that holds the UID already. */
		rc = drc == DB_CONFLICT ? EVENT_CONFLICT : dberr(c, drc);
		if (drc == DB_CONFLICT)
			c->dbrc = drc;
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = EVENT_NOT_FOUND;
		goto out;
	}
	ev->version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(ev->created_at, sizeof(ev->created_at), "%s",
	    PQgetvalue(res, 0, 1));
	snprintf(ev->updated_at, sizeof(ev->updated_at), "%s",
	    PQgetvalue(res, 0, 2));
	snprintf(ev->calendar_id, sizeof(ev->calendar_id), "%s",
	    PQgetvalue(res, 0, 3));
	rp[0] = ev->id;
	rp[1] = p.reminders;
	if ((drc = db_run(c->db, &st_set_reminders, rp, NULL)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if ((drc = schedule_write(c->db, c->user_id, ev->id, &s, c->now,
	    &inserted)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	rc = EVENT_OK;
out:
	PQclear(res);
	json_object_put(p.rj);
	return rc;
}

/* The stored object of event id, when it has one (*ical malloc'd, else
 * NULL), with the event as stored into old (event_clear it): what a REST
 * edit merges into. Inside the caller's transaction, after the lock. */
static enum event_rc
load_object(struct event_ctx *c, const char *id, struct event *old,
    char **ical)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;

	*ical = NULL;
	if ((drc = db_exec(c->db, &st_get_ical, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) == 1 &&
	    (*ical = strdup(PQgetvalue(res, 0, 0))) == NULL) {
		PQclear(res);
		return EVENT_NOMEM;
	}
	PQclear(res);
	return *ical != NULL ? event_get(c, id, old) : EVENT_OK;
}

/* Locks and loads the row for a write by the account: EVENT_READ_ONLY
 * in a subscription's calendar; checks the version when asked. */
static enum event_rc
lock_event(struct event_ctx *c, const char *id, long if_match,
    struct event *ev)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc;

	if ((drc = db_exec(c->db, &st_get_lock, p, &res)) != DB_OK)
		return dberr(c, drc);
	rc = PQntuples(res) == 1 ? event_from_row(ev, res, 0) :
	    EVENT_NOT_FOUND;
	if (rc == EVENT_OK && PQgetvalue(res, 0, EC__MAX)[0] == 't') {
		event_clear(ev);
		rc = read_only(c);
	}
	PQclear(res);
	if (rc == EVENT_OK && if_match >= 0 && ev->version != if_match) {
		event_clear(ev);
		rc = EVENT_STALE;
	}
	return rc;
}

enum event_rc
event_patch(struct event_ctx *c, const char *id, json_object *body,
    long if_match, struct event *out)
{
	struct recur	 rec;
	struct event	 old;
	struct ev_object obj;
	enum event_rc	 rc;
	enum db_rc	 drc;
	char		 was[EVENT_ID_LEN + 1], *ical = NULL;

	memset(out, 0, sizeof(*out));
	memset(&rec, 0, sizeof(rec));
	memset(&old, 0, sizeof(old));
	memset(&obj, 0, sizeof(obj));
	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	if ((rc = lock_event(c, id, if_match, out)) != EVENT_OK)
		goto out;
	memcpy(was, out->calendar_id, sizeof(was));
	if ((rc = load_object(c, id, &old, &ical)) != EVENT_OK)
		goto out;
	if ((rc = event_from_json(out, body, 1, NULL, &rec, &c->err)) !=
	    EVENT_OK)
		goto out;
	/* An object stored as an app sent it changes only in what the
	 * edit changed (issue 14, round trip without loss). */
	if (ical != NULL) {
		obj.set_ical = 1;
		if ((obj.ical = ics_object_merge(ical, &old, out, c->now)) ==
		    NULL) {
			rc = EVENT_NOMEM;
			goto out;
		}
	}
	/* A move: the journal trigger leaves a tombstone in the old one. */
	if (strcmp(was, out->calendar_id) != 0 &&
	    (rc = calendar_owned(c, out->calendar_id)) != EVENT_OK)
		goto out;
	if ((rc = update_event(c, out, &rec, ical != NULL ? &obj : NULL)) !=
	    EVENT_OK)
		goto out;
	if ((drc = db_commit(c->db)) != DB_OK)
		rc = dberr(c, drc);
out:
	recur_free(&rec);
	event_clear(&old);
	free(ical);
	free((char *)obj.ical);
	if (rc != EVENT_OK) {
		db_rollback(c->db);
		event_clear(out);
	}
	return rc;
}

enum event_rc
event_delete(struct event_ctx *c, const char *id, long if_match)
{
	struct event	 ev;
	const char	*p[2] = { id, c->user_id };
	enum event_rc	 rc = EVENT_OK;
	enum db_rc	 drc;
	long		 cancelled = 0, deleted = 0;

	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	/* The event row first, then its mail: the order schedule_extend
	 * takes them in, so the two cannot deadlock. */
	if ((rc = lock_event(c, id, if_match, &ev)) != EVENT_OK)
		goto out;
	event_clear(&ev);
	/* Cancel first: deleting the event sets the mail's event_id to NULL,
	 * after which nothing ties the mail to it. */
	if ((drc = outbox_cancel_event(c->db, c->user_id, id, &cancelled)) !=
	    DB_OK ||
	    (drc = db_run(c->db, &st_delete, p, &deleted)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if (deleted != 1) {
		rc = EVENT_NOT_FOUND;
		goto out;
	}
	if (cancelled > 0 &&
	    (drc = outbox_notify(c->db)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if ((drc = db_commit(c->db)) != DB_OK)
		rc = dberr(c, drc);
out:
	if (rc != EVENT_OK)
		db_rollback(c->db);
	return rc;
}

enum event_rc
event_upsert_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *ical, int *updated)
{
	const char	*p[3] = { c->user_id, ev->uid,
	    ev->calendar_id[0] ? ev->calendar_id : NULL };
	PGresult	*res;
	enum db_rc	 drc;
	int		 found;

	*updated = 0;
	if ((drc = db_exec(c->db, &st_find_uid, p, &res)) != DB_OK)
		return dberr(c, drc);
	found = PQntuples(res) == 1;
	if (found)
		snprintf(ev->id, sizeof(ev->id), "%s", PQgetvalue(res, 0, 0));
	else
		ev->id[0] = '\0';
	PQclear(res);
	*updated = found;
	return event_upsert_found_tx(c, ev, rec, ical);
}

enum event_rc
event_upsert_found_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *ical)
{
	/* The file's copy replaces the event and an object an app stored
	 * under this UID: the file's own VEVENT is the object from now on
	 * (generated from the row when ical is NULL). */
	const struct ev_object o = { NULL, NULL, 1, ical, 1 };

	if (ev->id[0] == '\0')
		return insert_event(c, ev, rec, ev->uid, &o);
	return update_event(c, ev, rec, &o);
}

enum event_rc
event_find_uids_tx(struct event_ctx *c, const char *calendar_id,
    const char *uids, void (*fn)(const char *, const char *, void *),
    void *arg)
{
	const char	*p[3] = { c->user_id, uids, calendar_id };
	PGresult	*res;
	enum db_rc	 drc;
	int		 i, n;

	if ((drc = db_exec(c->db, &st_find_uids, p, &res)) != DB_OK)
		return dberr(c, drc);
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		fn(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), arg);
	PQclear(res);
	return EVENT_OK;
}

enum event_rc
event_put_object_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *dav_name, const char *ical)
{
	const struct ev_object o = { ev->uid, dav_name, 1, ical, 0 };

	if (ev->id[0] == '\0')
		return insert_event(c, ev, rec, ev->uid, &o);
	return update_event(c, ev, rec, &o);
}
