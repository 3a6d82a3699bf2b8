/* object.c — an event as a CalDAV resource (see object.h): checking and
 * reading an object an app PUTs (its structure with libical, its modelled
 * fields with the ICS reader of ics_parse.c, its VALARMs as reminders),
 * storing it through the store (event_put_object_tx), generating objects
 * for events that have none (ics.c's VEVENT), and the listing of a
 * calendar's objects with the time-range test of calendar-query. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/utf8.h"
#include "db/array.h"
#include "events/calendar.h"
#include "events/event.h"
#include "events/ics.h"
#include "events/object.h"
#include "events/store_sql.h"
#include "mail/outbox.h"

#define OBJECT_PRODID		"-//Aurora Time//EN"
#define OBJECT_MAX_OVERRIDES	1000	/* RECURRENCE-IDs read per object */
#define OBJECT_MAX_NAMES	1000	/* hrefs of one multiget */
#define OBJECT_NAME_CHARS	255	/* events.dav_name's CHECK */
#define OBJECT_SHORT_SPAN	"interval '14 days'"
/* The years an event's times may take (EVENT_YEAR_MIN to EVENT_YEAR_MAX). */
#define OBJECT_TIME_MIN		(-2208988800LL)	/* 1900-01-01 */
#define OBJECT_TIME_MAX		7258118400LL	/* 2200-01-01 */

/* The columns after EVENT_COLUMNS in the statements below. */
enum { OC_NAME = EC__MAX, OC_REV, OC_ICAL, OC_OVERRIDES };

static const struct db_stmt st_obj_get = {
	"obj_get",
	"SELECT " EVENT_COLUMNS ", e.dav_name, e.dav_revision, e.ical"
	" FROM events e WHERE e.calendar_id = $1::uuid AND e.dav_name = $2"
	"  AND e.user_id = $3::uuid",
	3, 1
};

static const struct db_stmt st_obj_lock = {
	"obj_lock",
	"SELECT e.id, e.dav_revision, e.version FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.dav_name = $2"
	"  AND e.user_id = $3::uuid FOR UPDATE",
	3, 0
};

static const struct db_stmt st_obj_find = {
	"obj_find",
	"SELECT e.id, e.dav_revision, e.version FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.dav_name = $2"
	"  AND e.user_id = $3::uuid",
	3, 1
};

static const struct db_stmt st_obj_uid = {
	"obj_uid",
	"SELECT dav_name FROM events WHERE calendar_id = $1::uuid"
	" AND uid = $2 AND dav_name <> $3",
	3, 0
};

static const struct db_stmt st_obj_rev = {
	"obj_rev",
	"SELECT dav_revision FROM events WHERE id = $1::uuid",
	1, 0
};

/* What the listings select: the event, its name and revision, its object
 * when asked for ($3) and, for the time-range test, whether it has
 * overrides (then the object is needed too). Only that test reads the
 * objects it does not send. */
#define OBJ_COLUMNS \
	EVENT_COLUMNS ", e.dav_name, e.dav_revision," \
	" CASE WHEN $3::boolean THEN e.ical END, false"
#define OBJ_RANGE_COLUMNS \
	EVENT_COLUMNS ", e.dav_name, e.dav_revision," \
	" CASE WHEN $3::boolean OR strpos(e.ical, 'RECURRENCE-ID') > 0" \
	"  THEN e.ical END," \
	" coalesce(strpos(e.ical, 'RECURRENCE-ID') > 0, false)"

static const struct db_stmt st_obj_all = {
	"obj_all",
	"SELECT " OBJ_COLUMNS " FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.user_id = $2::uuid"
	" ORDER BY e.dav_name",
	3, 1
};

static const struct db_stmt st_obj_names = {
	"obj_names",
	"SELECT " OBJ_COLUMNS " FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.user_id = $2::uuid"
	"  AND e.dav_name = ANY($4::text[])"
	" ORDER BY e.dav_name",
	4, 1
};

/* The window prefilter, in the two halves list.c uses so that each has an
 * index: short single events by their start (events_calendar_window),
 * series and long events by the end of their series (events_user_long,
 * whose predicate the second half repeats). */
static const struct db_stmt st_obj_range = {
	"obj_range",
	"SELECT " OBJ_RANGE_COLUMNS " FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.user_id = $2::uuid"
	"  AND e.starts_at < $5::timestamptz"
	"  AND e.starts_at >= $4::timestamptz - " OBJECT_SHORT_SPAN
	"  AND e.recurrence = '{}' AND e.ends_at > $4::timestamptz"
	"  AND e.ends_at - e.starts_at <= " OBJECT_SHORT_SPAN
	" UNION ALL"
	" SELECT " OBJ_RANGE_COLUMNS " FROM events e"
	" WHERE e.user_id = $2::uuid AND e.calendar_id = $1::uuid"
	"  AND e.series_end > $4::timestamptz"
	"  AND (e.recurrence <> '{}' OR e.ends_at - e.starts_at > "
	OBJECT_SHORT_SPAN ")"
	"  AND e.starts_at < $5::timestamptz",
	5, 1
};

/* object_remap_alarms: the calendar's stored objects that hold a VALARM,
 * locked before the calendar's row (the order every event writer takes),
 * at most OBJECT_REMAP_MAX + 1 of them; then each one's row and object. */
static const struct db_stmt st_remap_lock = {
	"obj_remap_lock",
	"SELECT e.id FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.user_id = $2::uuid"
	"  AND e.ical IS NOT NULL AND e.ical ILIKE '%BEGIN:VALARM%'"
	" ORDER BY e.id LIMIT $3::int FOR UPDATE",
	3, 0
};

static const struct db_stmt st_remap_get = {
	"obj_remap_get",
	"SELECT " EVENT_COLUMNS ", e.dav_name, e.dav_revision, e.ical"
	" FROM events e WHERE e.id = $1::uuid AND e.user_id = $2::uuid",
	2, 1
};

static enum event_rc
dberr(struct event_ctx *c, enum db_rc rc)
{
	c->dbrc = rc;
	return EVENT_DB;
}

/* Fills the refusal: the precondition element and the message. */
static enum event_rc
refuse(char *precondition, struct event_error *err, const char *element,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum event_rc
refuse(char *precondition, struct event_error *err, const char *element,
    const char *fmt, ...)
{
	va_list ap;

	snprintf(precondition, 64, "%s", element);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return EVENT_INVALID;
}

int
object_etag_match(const char *if_match, long long revision)
{
	char		 want[32], tok[64];
	const char	*p;
	size_t		 n;

	if (if_match == NULL)
		return 0;
	snprintf(want, sizeof(want), "\"%lld\"", revision);
	for (p = if_match; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		/* One entry, with Evolution's backslashes before the quotes
		 * dropped. */
		for (n = 0; *p != '\0' && *p != ','; p++)
			if (*p != '\\' && n + 1 < sizeof(tok))
				tok[n++] = *p;
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			n--;
		tok[n] = '\0';
		/* Weak tags never match (RFC 9110 strong comparison). */
		if (strcmp(tok, "*") == 0 || strcmp(tok, want) == 0)
			return 1;
	}
	return 0;
}

/* --- reading an object --- */

/* The instant of an ACKNOWLEDGED (RFC 9074) or X-MOZ-LASTACK of valarm,
 * the later of them; 0 when neither. */
static time_t
acknowledged(icalcomponent *valarm)
{
	icalproperty		*p;
	struct icaltimetype	 tt;
	time_t			 t, best = 0;

	for (p = icalcomponent_get_first_property(valarm, ICAL_ANY_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(valarm, ICAL_ANY_PROPERTY)) {
		if (icalproperty_isa(p) == ICAL_ACKNOWLEDGED_PROPERTY)
			tt = icalproperty_get_acknowledged(p);
		else if (icalproperty_isa(p) == ICAL_X_PROPERTY &&
		    icalproperty_get_x_name(p) != NULL &&
		    strcasecmp(icalproperty_get_x_name(p),
		    "X-MOZ-LASTACK") == 0 && icalproperty_get_x(p) != NULL)
			tt = icaltime_from_string(icalproperty_get_x(p));
		else
			continue;
		if (icaltime_is_null_time(tt) || tt.is_date)
			continue;
		tt.zone = NULL;
		t = icaltime_as_timet_with_zone(tt,
		    icaltimezone_get_utc_timezone());
		if (t > best)
			best = t;
	}
	return best;
}

/* 1 when valarm carries ics.c's mark of a reminder set here. */
static int
our_reminder(icalcomponent *valarm)
{
	icalproperty *p;

	for (p = icalcomponent_get_first_property(valarm, ICAL_X_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(valarm, ICAL_X_PROPERTY))
		if (icalproperty_get_x_name(p) != NULL &&
		    strcasecmp(icalproperty_get_x_name(p),
		    ICS_REMINDER_MARK) == 0)
			return 1;
	return 0;
}

/* The master's VALARMs as ev's reminders (minutes before each start):
 * EMAIL alarms always, DISPLAY and AUDIO ones when app_alarms (or when
 * they are our own reminders, written by ics_vevent); at most
 * REMINDER_MAX distinct values within REMINDER_MINUTES_MAX, in the
 * object's order. What is not mailed stays in the object only:
 * - an alarm after the start (a positive offset): the model mails before;
 * - an absolute trigger of a series: it names one instant, while the
 *   model repeats a reminder at every occurrence, so it is not mailed
 *   (for a single event it becomes minutes before its start);
 * - an alarm acknowledged (ACKNOWLEDGED, X-MOZ-LASTACK) at or after the
 *   time it fires: for a single event that is its only firing, so it is
 *   not mailed. A series keeps the reminder for its later occurrences;
 *   the acknowledgement is noted in out->acks, and object_put withdraws
 *   the mail of the occurrences it covers (those whose alarm fired at or
 *   before it). */
static int
map_alarms(icalcomponent *master, struct object_parsed *out, int app_alarms)
{
	struct event	*ev = &out->ev;
	icalcomponent	*a;
	icalproperty	*p;
	icalproperty_action act;
	long		 m;
	size_t		 j;
	int		 abs, n = 0, series = ev->nrecurrence > 0;
	time_t		 ack;

	ev->nreminders = 0;
	for (a = icalcomponent_get_first_component(master,
	    ICAL_VALARM_COMPONENT); a != NULL;
	    a = icalcomponent_get_next_component(master,
	    ICAL_VALARM_COMPONENT)) {
		n++;
		act = (p = icalcomponent_get_first_property(a,
		    ICAL_ACTION_PROPERTY)) != NULL ? icalproperty_get_action(p) :
		    ICAL_ACTION_NONE;
		if (act != ICAL_ACTION_EMAIL && !((act == ICAL_ACTION_DISPLAY ||
		    act == ICAL_ACTION_AUDIO) && (app_alarms ||
		    our_reminder(a))))
			continue;
		if (ics_alarm_minutes(a, ev->start, ev->end, &m, &abs) == -1 ||
		    (abs && series) || m < 0 || m > REMINDER_MINUTES_MAX)
			continue;
		ack = acknowledged(a);
		if (!series && ack != 0 && ack >= ev->start - (time_t)m * 60)
			continue;
		for (j = 0; j < ev->nreminders; j++)
			if (ev->reminders[j] == (int)m)
				break;
		if (j == ev->nreminders && ev->nreminders < REMINDER_MAX)
			ev->reminders[ev->nreminders++] = (int)m;
		if (j == ev->nreminders || !series || ack == 0 ||
		    out->nacks == REMINDER_MAX)
			continue;
		out->acks[out->nacks].minutes = (int)m;
		out->acks[out->nacks++].ack = ack;
	}
	return n;
}

/* What the reader's callback keeps: the master's event (or the first
 * override's, for an object of overrides only). */
struct take {
	struct event	 ev;
	int		 have, from_master;
	char		 uid[EVENT_UID_MAX + 1];	/* the first item's */
	int		 items, other_uid;
	char		 why[200];	/* what the reader could not use */
};

static int
take_item(struct ics_item *it, void *arg)
{
	struct take *t = arg;

	if (t->items++ == 0)
		snprintf(t->uid, sizeof(t->uid), "%s", it->ev.uid);
	else if (strcmp(it->ev.uid, t->uid) != 0)
		t->other_uid = 1;
	if (t->from_master || (t->have && it->has_rid))
		return 0;
	event_clear(&t->ev);
	/* The item is the reader's to clear: its strings move here. */
	t->ev = it->ev;
	memset(&it->ev, 0, sizeof(it->ev));
	snprintf(t->why, sizeof(t->why), "%s", it->skip ? it->why : "");
	t->have = 1;
	t->from_master = !it->has_rid;
	return 0;
}

static const char *
comp_name(icalcomponent *c)
{
	const char *s = icalcomponent_kind_to_string(icalcomponent_isa(c));

	return s != NULL ? s : "an unknown component";
}

static int
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* 1 when the rules of a and b (in a's zone) give the same series. */
static int
same_series(const struct event *a, const struct event *b)
{
	struct recur		 ra, rb;
	struct recur_error	 e;
	icaltimezone		*z;
	char			*sa = NULL, *sb = NULL;
	int			 oka, okb, same = 0;

	if ((z = zone_find(a->time_zone)) == NULL)
		return 1;	/* refused further on either way */
	oka = recur_parse(&ra, (const char *const *)a->recurrence,
	    a->nrecurrence, a->start, a->all_day, z, 0, &e) == RECUR_OK;
	okb = recur_parse(&rb, (const char *const *)b->recurrence,
	    b->nrecurrence, b->start, b->all_day, z, 0, &e) == RECUR_OK;
	if (!oka || !okb) {
		same = oka == okb;
		goto out;
	}
	if (ra.has_rule != rb.has_rule || ra.nrdate != rb.nrdate ||
	    ra.nexdate != rb.nexdate || (ra.nrdate > 0 && memcmp(ra.rdate,
	    rb.rdate, ra.nrdate * sizeof(time_t)) != 0) ||
	    (ra.nexdate > 0 && memcmp(ra.exdate, rb.exdate,
	    ra.nexdate * sizeof(time_t)) != 0))
		goto out;
	if (ra.has_rule && ((sa = icalrecurrencetype_as_string_r(&ra.rule)) ==
	    NULL || (sb = icalrecurrencetype_as_string_r(&rb.rule)) == NULL ||
	    strcmp(sa, sb) != 0))
		goto out;
	same = 1;
out:
	free(sa);
	free(sb);
	if (oka)
		recur_free(&ra);
	if (okb)
		recur_free(&rb);
	return same;
}

/* 1 when the reader takes the same event from the object as libical
 * writes it back (what a REST edit stores) as from the bytes sent. A
 * malformed line the two read differently (a ':' inside a parameter, say)
 * would otherwise change meaning, or stop parsing, after the first edit. */
static int
reads_alike(icalcomponent *root, const struct event *ev,
    const char *default_tz)
{
	struct take		 t2;
	struct ics_error	 ierr;
	char			*text;
	int			 same = 0;

	memset(&t2, 0, sizeof(t2));
	if ((text = icalcomponent_as_ical_string_r(root)) == NULL)
		return -1;
	if (ics_parse(text, strlen(text), default_tz, take_item, &t2,
	    &ierr) == 0 && t2.have && !t2.other_uid &&
	    t2.ev.start == ev->start && t2.ev.end == ev->end &&
	    t2.ev.all_day == ev->all_day &&
	    strcmp(t2.ev.time_zone, ev->time_zone) == 0 &&
	    same_str(t2.ev.title, ev->title) &&
	    same_str(t2.ev.description, ev->description) &&
	    same_str(t2.ev.location, ev->location) && same_series(ev, &t2.ev))
		same = 1;
	event_clear(&t2.ev);
	free(text);
	return same;
}

/* The structure of a calendar object resource (RFC 4791 4.1): VEVENTs of
 * one UID, at most one without RECURRENCE-ID, no METHOD, nothing but
 * VTIMEZONEs beside them. *master: the master VEVENT, else the first. */
static enum event_rc
check_structure(icalcomponent *root, char *pre, struct event_error *err,
    icalcomponent **master, const char **uid, struct object_parsed *out)
{
	icalcomponent	*v, *other = NULL;
	const char	*u;
	int		 nevents = 0, nmasters = 0;

	*master = NULL;
	*uid = NULL;
	if (icalcomponent_get_first_property(root, ICAL_METHOD_PROPERTY) !=
	    NULL)
		return refuse(pre, err, "valid-calendar-object-resource",
		    "a calendar object resource carries no METHOD property "
		    "(RFC 4791 section 4.1)");
	for (v = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
	    v != NULL;
	    v = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT)) {
		switch (icalcomponent_isa(v)) {
		case ICAL_VTIMEZONE_COMPONENT:
			out->own_zones++;
			continue;
		case ICAL_X_COMPONENT:
			/* A writer's own component: kept, not a kind of
			 * calendar object. */
			continue;
		case ICAL_VEVENT_COMPONENT:
			break;
		default:
			if (other == NULL)
				other = v;
			continue;
		}
		nevents++;
		if ((u = icalcomponent_get_uid(v)) == NULL || *u == '\0')
			return refuse(pre, err, "valid-calendar-object-resource",
			    "a VEVENT without UID");
		if (*uid != NULL && strcmp(*uid, u) != 0)
			return refuse(pre, err, "valid-calendar-object-resource",
			    "more than one UID in one resource");
		*uid = u;
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) != NULL) {
			out->noverrides++;
			if (*master == NULL)
				*master = v;
			continue;
		}
		if (++nmasters > 1)
			return refuse(pre, err, "valid-calendar-object-resource",
			    "two VEVENTs without RECURRENCE-ID");
		*master = v;
	}
	if (other != NULL && nevents > 0)
		return refuse(pre, err, "valid-calendar-object-resource",
		    "VEVENT and %s in one resource", comp_name(other));
	if (other != NULL)
		return refuse(pre, err, "supported-calendar-component",
		    "%s is not supported here: this calendar holds VEVENTs",
		    comp_name(other));
	if (nevents == 0)
		return refuse(pre, err, "valid-calendar-object-resource",
		    "no VEVENT in the object");
	if (strlen(*uid) > EVENT_UID_MAX)
		return refuse(pre, err, "valid-calendar-object-resource",
		    "UID longer than %d bytes", EVENT_UID_MAX);
	if (icalcomponent_get_first_property(*master,
	    ICAL_DTSTART_PROPERTY) == NULL)
		return refuse(pre, err, "valid-calendar-object-resource",
		    "the VEVENT has no DTSTART");
	return EVENT_OK;
}

/* The value of instant t as a date list of ev takes it: a date for an
 * all-day event, else UTC. */
static void
date_value(const struct event *ev, icaltimezone *z, time_t t, char *out,
    size_t len)
{
	struct icaltimetype tt;

	if (ev->all_day) {
		tt = zone_local(z, t, 1);
		snprintf(out, len, "%04d%02d%02d", tt.year, tt.month, tt.day);
		return;
	}
	tt = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	snprintf(out, len, "%04d%02d%02dT%02d%02d%02dZ", tt.year, tt.month,
	    tt.day, tt.hour, tt.minute, tt.second);
}

/* Ends the line being built in b as one more recurrence line of ev. */
static int
date_flush(struct event *ev, struct buf *b)
{
	return b->len == 0 ? 0 : event_add_line(ev, b);
}

/* Appends value to the line being built in b ("EXDATE:..." or
 * "RDATE:..."), moving a full line into ev's recurrence first. 0 or -1
 * (memory). */
static int
date_line(struct event *ev, struct buf *b, const char *name,
    const char *value)
{
	if (b->len > 0 && b->len + 1 + strlen(value) >= RECUR_MAX_LINE - 1 &&
	    date_flush(ev, b) == -1)
		return -1;
	if (b->len == 0 && buf_printf(b, "%s%s:", name, ev->all_day ?
	    ";VALUE=DATE" : "") != BUF_OK)
		return -1;
	return buf_printf(b, "%s%s", b->data[b->len - 1] == ':' ? "" : ",",
	    value) == BUF_OK ? 0 : -1;
}

/* The overrides (RECURRENCE-ID components) of a series in its modelled
 * rule, so that the REST listing and the reminder mail follow them: the
 * instance an override replaces becomes an EXDATE, the override's own
 * start an RDATE (with the series' duration and texts: what the model
 * can hold); a cancelled one is only an EXDATE, one that keeps its time
 * changes nothing. The object keeps the overrides themselves, and a REST
 * edit of the rule does not write these dates back (ics_object_merge).
 * 0 or -1 (memory). */
static int
override_dates(icalcomponent *root, struct event *ev)
{
	icalcomponent	*v;
	icalcompiter	 it;
	icalproperty	*st;
	icaltimezone	*z;
	struct icaltimetype rid, start;
	struct buf	 ex, rd;
	char		 val[32];
	time_t		 r, t;
	int		 rc = -1, n = 0;

	if (ev->nrecurrence == 0)
		return 0;
	if ((z = zone_find(ev->time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	buf_init(&ex, RECUR_MAX_LINE);
	buf_init(&rd, RECUR_MAX_LINE);
	for (it = icalcomponent_begin_component(root, ICAL_VEVENT_COMPONENT);
	    (v = icalcompiter_deref(&it)) != NULL && n < RECUR_MAX_DATES;
	    icalcompiter_next(&it)) {
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) == NULL)
			continue;
		rid = icalcomponent_get_recurrenceid(v);
		if (icaltime_is_null_time(rid) || rid.is_date != ev->all_day)
			continue;
		r = ics_instant(rid, z);
		st = icalcomponent_get_first_property(v, ICAL_STATUS_PROPERTY);
		start = icalcomponent_get_dtstart(v);
		if (st != NULL && icalproperty_get_status(st) ==
		    ICAL_STATUS_CANCELLED)
			t = r - 1;	/* no RDATE */
		else if (icaltime_is_null_time(start) ||
		    start.is_date != ev->all_day || (t = ics_instant(start,
		    z)) == r || t < OBJECT_TIME_MIN || t >= OBJECT_TIME_MAX)
			continue;
		if (r < OBJECT_TIME_MIN || r >= OBJECT_TIME_MAX)
			continue;
		date_value(ev, z, r, val, sizeof(val));
		if (date_line(ev, &ex, "EXDATE", val) == -1)
			goto out;
		n++;
		if (t == r - 1)
			continue;
		date_value(ev, z, t, val, sizeof(val));
		if (date_line(ev, &rd, "RDATE", val) == -1)
			goto out;
		n++;
	}
	if (date_flush(ev, &ex) == -1 || date_flush(ev, &rd) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&ex);
	buf_free(&rd);
	return rc;
}

/* Drops the recurrence lines of ev from index keep on. */
static void
drop_lines(struct event *ev, size_t keep)
{
	while (ev->nrecurrence > keep) {
		ev->nrecurrence--;
		free(ev->recurrence[ev->nrecurrence]);
		ev->recurrence[ev->nrecurrence] = NULL;
	}
}

enum event_rc
object_parse(const char *data, size_t len, const char *default_tz,
    int app_alarms, struct object_parsed *out, char *precondition,
    struct event_error *err)
{
	icalcomponent		*root = NULL, *master;
	struct take		 t;
	struct ics_error	 ierr;
	const char		*uid;
	char			*text = NULL;
	enum event_rc		 rc;
	int			 prc, alike;
	size_t			 nlines;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	memset(err, 0, sizeof(*err));
	precondition[0] = '\0';
	if (len > OBJECT_MAX_BYTES)
		return refuse(precondition, err, "max-resource-size",
		    "the object is larger than %d bytes", OBJECT_MAX_BYTES);
	if (memchr(data, '\0', len) != NULL || utf8_count(data, len, 0) < 0)
		return refuse(precondition, err, "valid-calendar-data",
		    "the object is not UTF-8 text (or holds a NUL)");
	if ((text = malloc(len + 1)) == NULL)
		return EVENT_NOMEM;
	memcpy(text, data, len);
	text[len] = '\0';
	/* The modelled fields as the importer reads them: its zones
	 * (custom VTIMEZONEs and Windows names mapped to IANA ones), its
	 * text rules, its recurrence lines; and first its strictness about
	 * the file's syntax, so that libical (which complains on stderr)
	 * only meets well-formed structure. */
	prc = ics_parse(text, len, default_tz, take_item, &t, &ierr);
	if (prc == -3) {
		rc = EVENT_NOMEM;
		goto out;
	}
	if (prc != 0) {
		rc = refuse(precondition, err, "valid-calendar-data",
		    "line %ld: %s", ierr.line, ierr.msg);
		goto out;
	}
	if ((root = icalparser_parse_string(text)) == NULL ||
	    icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
		rc = refuse(precondition, err, "valid-calendar-data",
		    "not one iCalendar object (BEGIN:VCALENDAR ... "
		    "END:VCALENDAR)");
		goto out;
	}
	if ((rc = check_structure(root, precondition, err, &master, &uid,
	    out)) != EVENT_OK)
		goto out;
	if (t.other_uid || !t.have || strcmp(t.uid, uid) != 0) {
		rc = refuse(precondition, err, "valid-calendar-object-resource",
		    "more than one UID in one resource");
		goto out;
	}
	if ((alike = reads_alike(root, &t.ev, default_tz)) == -1) {
		rc = EVENT_NOMEM;
		goto out;
	}
	if (alike == 0) {
		rc = refuse(precondition, err, "valid-calendar-data",
		    "a line of the VEVENT reads two ways (a ':' or ';' inside "
		    "a parameter value should be quoted)");
		goto out;
	}
	out->ev = t.ev;
	memset(&t.ev, 0, sizeof(t.ev));
	snprintf(out->ev.uid, sizeof(out->ev.uid), "%s", uid);
	out->nalarms = map_alarms(master, out, app_alarms);
	nlines = out->ev.nrecurrence;
	if (out->noverrides > 0 && override_dates(root, &out->ev) == -1) {
		rc = EVENT_NOMEM;
		goto out;
	}
	/* Past the model's limits on dates, the overrides stay in the
	 * object only (the rule then has them at their first times). */
	if (out->ev.nrecurrence > nlines &&
	    (rc = event_check(&out->ev, &out->rec, err)) != EVENT_INVALID) {
		if (rc != EVENT_OK)
			goto out;
		goto done;
	}
	drop_lines(&out->ev, nlines);
	if ((rc = event_check(&out->ev, &out->rec, err)) != EVENT_OK) {
		/* What the reader skipped (an unknown TZID, a date out of
		 * range) says it best. */
		if (rc == EVENT_INVALID && t.why[0] != '\0')
			snprintf(err->msg, sizeof(err->msg), "%s", t.why);
		if (rc == EVENT_INVALID)
			snprintf(precondition, 64,
			    "valid-calendar-object-resource");
		goto out;
	}
done:
	rc = EVENT_OK;
out:
	if (rc != EVENT_OK) {
		event_clear(&out->ev);
		memset(out, 0, sizeof(*out));
	}
	event_clear(&t.ev);
	if (root != NULL)
		icalcomponent_free(root);
	free(text);
	return rc;
}

void
object_parsed_free(struct object_parsed *p)
{
	event_clear(&p->ev);
	recur_free(&p->rec);
	memset(p, 0, sizeof(*p));
}

/* --- generating one --- */

char *
object_generate(const struct event *ev)
{
	icalcomponent	*cal, *c;
	icalproperty	*p;
	char		*text = NULL;

	if ((cal = icalcomponent_new_vcalendar()) == NULL)
		return NULL;
	if ((p = icalproperty_new_prodid(OBJECT_PRODID)) == NULL)
		goto out;
	icalcomponent_add_property(cal, p);
	if ((p = icalproperty_new_version("2.0")) == NULL)
		goto out;
	icalcomponent_add_property(cal, p);
	if (!ev->all_day && (c = ics_vtimezone(ev->time_zone, ev->start)) !=
	    NULL)
		icalcomponent_add_component(cal, c);
	if ((c = ics_vevent(ev)) == NULL)
		goto out;
	icalcomponent_add_component(cal, c);
	text = icalcomponent_as_ical_string_r(cal);
out:
	icalcomponent_free(cal);
	return text;
}

/* --- the store --- */

static int
name_ok(const char *name)
{
	const unsigned char *p;

	if (name == NULL || *name == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strlen(name) > OBJECT_NAME_MAX ||
	    utf8_count(name, strlen(name), UTF8_NO_CTL) > OBJECT_NAME_CHARS ||
	    utf8_count(name, strlen(name), UTF8_NO_CTL) < 0)
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p == '/')
			return 0;
	return 1;
}

/* Withdraws the pending mail of event_id that the acknowledgements of
 * op cover: its rule's minutes, due at or before the acknowledgement.
 * Inside the caller's transaction. */
static enum event_rc
cancel_acknowledged(struct event_ctx *c, const char *event_id,
    const struct object_parsed *op)
{
	PGresult	*res = NULL;
	struct buf	 ids;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_NOMEM;
	long		 cancelled = 0, m;
	time_t		 due;
	size_t		 k, found = 0;
	int		 i, n;

	buf_init(&ids, 1 << 20);
	if ((drc = outbox_pending_reminders(c->db, event_id, &res)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if (db_array_open(&ids) == -1)
		goto out;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		m = strtol(PQgetvalue(res, i, 2), NULL, 10);
		due = (time_t)strtoll(PQgetvalue(res, i, 3), NULL, 10);
		for (k = 0; k < op->nacks; k++)
			if (op->acks[k].minutes == m && due <= op->acks[k].ack)
				break;
		if (k == op->nacks)
			continue;
		if (db_array_int(&ids, strtoll(PQgetvalue(res, i, 0), NULL,
		    10)) == -1)
			goto out;
		found++;
	}
	if (db_array_close(&ids) == -1)
		goto out;
	rc = EVENT_OK;
	if (found > 0 &&
	    ((drc = outbox_cancel_ids(c->db, ids.data, &cancelled)) != DB_OK ||
	    (cancelled > 0 && (drc = outbox_notify(c->db)) != DB_OK)))
		rc = dberr(c, drc);
out:
	PQclear(res);
	buf_free(&ids);
	return rc;
}

enum event_rc
object_put(struct event_ctx *c, const struct calendar *cal,
    const char *dav_name, const char *data, size_t len,
    const struct object_cond *cond, struct object_result *res)
{
	struct object_parsed	 op;
	struct event_defaults	 def;
	PGresult		*r = NULL;
	const char		*p[3];
	char			*text = NULL;
	enum event_rc		 rc;
	enum db_rc		 drc;
	int			 exists;
	long long		 rev = 0;

	memset(res, 0, sizeof(*res));
	memset(&op, 0, sizeof(op));
	/* A subscription's calendar: the fetcher alone writes it. */
	if (cal->read_only) {
		snprintf(c->err.msg, sizeof(c->err.msg), "%s",
		    EVENT_READ_ONLY_MSG);
		return EVENT_READ_ONLY;
	}
	if (!name_ok(dav_name)) {
		snprintf(c->err.msg, sizeof(c->err.msg), "a resource name is 1 "
		    "to %d characters without '/' or control characters",
		    OBJECT_NAME_CHARS);
		return EVENT_INVALID;
	}
	if (len > OBJECT_MAX_BYTES)
		return refuse(res->precondition, &c->err, "max-resource-size",
		    "the object is larger than %d bytes", OBJECT_MAX_BYTES);
	if ((rc = event_user_defaults(c, &def)) != EVENT_OK)
		return rc;
	if ((rc = object_parse(data, len, def.time_zone,
	    cal->email_for_app_alarms, &op, res->precondition, &c->err)) !=
	    EVENT_OK)
		return rc;
	if ((text = malloc(len + 1)) == NULL) {
		rc = EVENT_NOMEM;
		goto out;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	snprintf(op.ev.calendar_id, sizeof(op.ev.calendar_id), "%s", cal->id);
	if ((drc = db_begin(c->db)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	p[0] = cal->id;
	p[1] = dav_name;
	p[2] = c->user_id;
	if ((drc = db_exec(c->db, &st_obj_lock, p, &r)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if ((exists = PQntuples(r) == 1)) {
		snprintf(op.ev.id, sizeof(op.ev.id), "%s", PQgetvalue(r, 0, 0));
		rev = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	r = NULL;
	if ((cond != NULL && cond->if_none_match_star && exists) ||
	    (cond != NULL && cond->if_match != NULL && (!exists ||
	    !object_etag_match(cond->if_match, rev)))) {
		rc = EVENT_STALE;
		goto out;
	}
	p[1] = op.ev.uid;
	p[2] = dav_name;
	if ((drc = db_exec(c->db, &st_obj_uid, p, &r)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if (PQntuples(r) > 0) {
		snprintf(res->conflict_name, sizeof(res->conflict_name), "%s",
		    PQgetvalue(r, 0, 0));
		(void)refuse(res->precondition, &c->err, "no-uid-conflict",
		    "the UID is used by another resource of this calendar");
		rc = EVENT_CONFLICT;
		goto out;
	}
	PQclear(r);
	r = NULL;
	if ((rc = event_put_object_tx(c, &op.ev, &op.rec, dav_name, text)) !=
	    EVENT_OK) {
		/* A race with another writer of this UID (named when it can
		 * be found after the rollback) or of this name (412: the
		 * resource changed under the client). */
		if (rc == EVENT_CONFLICT) {
			db_rollback(c->db);
			p[0] = cal->id;
			p[1] = op.ev.uid;
			p[2] = dav_name;
			if (db_exec(c->db, &st_obj_uid, p, &r) == DB_OK &&
			    PQntuples(r) > 0) {
				snprintf(res->conflict_name,
				    sizeof(res->conflict_name), "%s",
				    PQgetvalue(r, 0, 0));
				snprintf(res->precondition,
				    sizeof(res->precondition),
				    "no-uid-conflict");
			} else
				rc = EVENT_STALE;
		} else if (rc == EVENT_INVALID)
			snprintf(res->precondition, sizeof(res->precondition),
			    "valid-calendar-object-resource");
		goto out;
	}
	if (op.nacks > 0 &&
	    (rc = cancel_acknowledged(c, op.ev.id, &op)) != EVENT_OK)
		goto out;
	p[0] = op.ev.id;
	if ((drc = db_exec(c->db, &st_obj_rev, p, &r)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if (PQntuples(r) != 1) {
		rc = dberr(c, DB_ERROR);
		goto out;
	}
	res->revision = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	if ((drc = db_commit(c->db)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	res->created = !exists;
	snprintf(res->event_id, sizeof(res->event_id), "%s", op.ev.id);
	rc = EVENT_OK;
out:
	if (rc != EVENT_OK)
		db_rollback(c->db);
	PQclear(r);
	free(text);
	object_parsed_free(&op);
	return rc;
}

/* Re-reads the alarms of one locked stored object (event id) as the
 * calendar now maps them, and writes the event back through the store
 * when its mailed reminders change. */
static enum event_rc
remap_one(struct event_ctx *c, const struct calendar *cal, const char *id,
    const char *default_tz)
{
	struct object_parsed	 op;
	struct event		 old;
	PGresult		*r = NULL;
	const char		*p[2], *ical;
	char			 pre[64];
	struct event_error	 err;
	enum event_rc		 rc;
	enum db_rc		 drc;

	memset(&op, 0, sizeof(op));
	memset(&old, 0, sizeof(old));
	p[0] = id;
	p[1] = c->user_id;
	if ((drc = db_exec(c->db, &st_remap_get, p, &r)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, OC_ICAL)) {
		rc = EVENT_OK;	/* gone or no longer an app's object */
		goto out;
	}
	if ((rc = event_from_row(&old, r, 0)) != EVENT_OK)
		goto out;
	ical = PQgetvalue(r, 0, OC_ICAL);
	rc = object_parse(ical, strlen(ical), default_tz,
	    cal->email_for_app_alarms, &op, pre, &err);
	if (rc == EVENT_INVALID) {
		/* Accepted when stored, unreadable now (zone data changed):
		 * its reminders stay as they were rather than failing the
		 * calendar's update. */
		log_msg(LOG_WARN, "object_remap", "event %s: %s", id, err.msg);
		rc = EVENT_OK;
		goto out;
	}
	if (rc != EVENT_OK)
		goto out;
	if (op.ev.nreminders == old.nreminders &&
	    memcmp(op.ev.reminders, old.reminders,
	    old.nreminders * sizeof(old.reminders[0])) == 0)
		goto out;
	snprintf(op.ev.id, sizeof(op.ev.id), "%s", old.id);
	snprintf(op.ev.calendar_id, sizeof(op.ev.calendar_id), "%s", cal->id);
	if ((rc = event_put_object_tx(c, &op.ev, &op.rec,
	    PQgetvalue(r, 0, OC_NAME), ical)) != EVENT_OK)
		goto out;
	if (op.nacks > 0)
		rc = cancel_acknowledged(c, op.ev.id, &op);
out:
	PQclear(r);
	event_clear(&old);
	object_parsed_free(&op);
	return rc;
}

enum event_rc
object_remap_alarms_tx(struct event_ctx *c, const struct calendar *cal)
{
	struct event_defaults	 def;
	PGresult		*r = NULL;
	const char		*p[3];
	char			 lim[16];
	enum event_rc		 rc;
	enum db_rc		 drc;
	int			 i, n;

	if ((rc = event_user_defaults(c, &def)) != EVENT_OK)
		return rc;
	snprintf(lim, sizeof(lim), "%d", OBJECT_REMAP_MAX + 1);
	p[0] = cal->id;
	p[1] = c->user_id;
	p[2] = lim;
	if ((drc = db_exec(c->db, &st_remap_lock, p, &r)) != DB_OK)
		return dberr(c, drc);
	if ((n = PQntuples(r)) > OBJECT_REMAP_MAX) {
		snprintf(c->err.field, sizeof(c->err.field),
		    "email_for_app_alarms");
		snprintf(c->err.msg, sizeof(c->err.msg), "this calendar has "
		    "more than %d events with alarms from apps; the setting "
		    "can change only on a smaller calendar", OBJECT_REMAP_MAX);
		rc = EVENT_INVALID;
		goto out;
	}
	rc = EVENT_OK;
	for (i = 0; i < n && rc == EVENT_OK; i++)
		rc = remap_one(c, cal, PQgetvalue(r, i, 0), def.time_zone);
out:
	PQclear(r);
	return rc;
}

/* The object of (res, row) into d: the stored text, or generated from
 * the row. d->ical is malloc'd. */
static enum event_rc
row_data(const PGresult *res, int row, struct object_data *d)
{
	struct event	 ev;
	enum event_rc	 rc;

	if (!PQgetisnull(res, row, OC_ICAL)) {
		d->ical = strdup(PQgetvalue(res, row, OC_ICAL));
		d->len = d->ical != NULL ? strlen(d->ical) : 0;
		return d->ical != NULL ? EVENT_OK : EVENT_NOMEM;
	}
	if ((rc = event_from_row(&ev, res, row)) != EVENT_OK)
		return rc;
	d->ical = object_generate(&ev);
	event_clear(&ev);
	d->len = d->ical != NULL ? strlen(d->ical) : 0;
	return d->ical != NULL ? EVENT_OK : EVENT_NOMEM;
}

static void
row_head(const PGresult *res, int row, struct object_data *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dav_name, sizeof(d->dav_name), "%s",
	    PQgetvalue(res, row, OC_NAME));
	snprintf(d->event_id, sizeof(d->event_id), "%s",
	    PQgetvalue(res, row, EC_ID));
	d->revision = strtoll(PQgetvalue(res, row, OC_REV), NULL, 10);
}

enum event_rc
object_get(struct event_ctx *c, const char *calendar_id, const char *dav_name,
    struct object_data *out)
{
	const char	*p[3] = { calendar_id, dav_name, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc;

	memset(out, 0, sizeof(*out));
	if (!event_id_ok(calendar_id) || !name_ok(dav_name))
		return EVENT_NOT_FOUND;
	if ((drc = db_exec(c->db, &st_obj_get, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return EVENT_NOT_FOUND;
	}
	row_head(res, 0, out);
	rc = row_data(res, 0, out);
	PQclear(res);
	return rc;
}

enum event_rc
object_delete(struct event_ctx *c, const char *calendar_id,
    const char *dav_name, const char *if_match)
{
	const char	*p[3] = { calendar_id, dav_name, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	char		 id[EVENT_ID_LEN + 1];
	long long	 rev;
	long		 version;

	if (!event_id_ok(calendar_id) || !name_ok(dav_name))
		return EVENT_NOT_FOUND;
	if ((drc = db_exec(c->db, &st_obj_find, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) != 1) {
		PQclear(res);
		return EVENT_NOT_FOUND;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	rev = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	version = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	if (if_match != NULL && !object_etag_match(if_match, rev))
		return EVENT_STALE;
	/* Every write moves version with the revision: a change between
	 * this read and the delete makes it EVENT_STALE there. */
	return event_delete(c, id, version);
}

/* --- the time-range test --- */

struct overlap {
	const struct event	*ev;
	icaltimezone		*z;
	time_t			 from, to;
	const time_t		*skip;		/* overridden starts */
	size_t			 nskip;
	int			 hit;
};

static int
overlap_fn(time_t start, void *arg)
{
	struct overlap	*o = arg;
	size_t		 i;

	for (i = 0; i < o->nskip; i++)
		if (o->skip[i] == start)
			return 0;
	if (event_occurrence_end(o->ev, o->z, start) > o->from &&
	    start < o->to) {
		o->hit = 1;
		return 1;
	}
	return 0;
}

/* The overrides of a stored object: their own spans tested against the
 * window (o->hit), their RECURRENCE-IDs into skip (at most max). */
static int
overrides(const char *ical, struct overlap *o, time_t *skip, size_t max)
{
	icalcomponent		*root, *v;
	icalproperty		*st;
	struct icaltimetype	 s, e;
	time_t			 ts, te;
	size_t			 n = 0;

	if ((root = icalparser_parse_string(ical)) == NULL)
		return -1;
	for (v = icalcomponent_get_first_component(root,
	    ICAL_VEVENT_COMPONENT); v != NULL;
	    v = icalcomponent_get_next_component(root,
	    ICAL_VEVENT_COMPONENT)) {
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) == NULL)
			continue;
		if (n < max)
			skip[n++] = ics_instant(
			    icalcomponent_get_recurrenceid(v), o->z);
		st = icalcomponent_get_first_property(v, ICAL_STATUS_PROPERTY);
		if (st != NULL && icalproperty_get_status(st) ==
		    ICAL_STATUS_CANCELLED)
			continue;
		s = icalcomponent_get_dtstart(v);
		if (icaltime_is_null_time(s))
			continue;
		ts = ics_instant(s, o->z);
		/* The model has the override's start as an RDATE: its span
		 * is decided here, with its own end. */
		if (n < max)
			skip[n++] = ts;
		e = icalcomponent_get_dtend(v);
		te = icaltime_is_null_time(e) ? ts + (o->ev->end -
		    o->ev->start) : ics_instant(e, o->z);
		if (te <= ts)
			te = ts + (s.is_date ? 86400 : 1);
		if (ts < o->to && te > o->from)
			o->hit = 1;
	}
	icalcomponent_free(root);
	o->skip = skip;
	o->nskip = n;
	return 0;
}

/* 1 when an occurrence of the event at (res, row) overlaps [from, to),
 * 0 when none does, -1 out of memory. An expansion that is capped, or a
 * stored rule that no longer parses, keeps the object. */
static int
in_range(struct event_ctx *c, const PGresult *res, int row, time_t from,
    time_t to)
{
	struct event	 ev;
	struct overlap	 o;
	time_t		*skip = NULL;
	int		 r, rc = -1, has_over;

	has_over = PQgetvalue(res, row, OC_OVERRIDES)[0] == 't' &&
	    !PQgetisnull(res, row, OC_ICAL);
	/* A single event needs no decoding: its span is in the row. */
	if (!has_over && strcmp(PQgetvalue(res, row, EC_RECUR), "[]") == 0)
		return strtoll(PQgetvalue(res, row, EC_START), NULL, 10) < to &&
		    strtoll(PQgetvalue(res, row, EC_END), NULL, 10) > from;
	if (event_from_row(&ev, res, row) != EVENT_OK)
		return -1;
	memset(&o, 0, sizeof(o));
	o.ev = &ev;
	o.from = from;
	o.to = to;
	if ((o.z = zone_find(ev.time_zone)) == NULL)
		o.z = icaltimezone_get_utc_timezone();
	if (has_over) {
		if ((skip = calloc(OBJECT_MAX_OVERRIDES, sizeof(*skip))) ==
		    NULL)
			goto out;
		if (overrides(PQgetvalue(res, row, OC_ICAL), &o, skip,
		    OBJECT_MAX_OVERRIDES) == -1 || o.hit) {
			rc = 1;
			goto out;
		}
	}
	if (ev.nrecurrence == 0) {
		/* Overrides without their series: their spans decided. */
		rc = !has_over && ev.start < to && ev.end > from;
		goto out;
	}
	r = event_series_starts(c->occ, &ev, o.z, from - (ev.end - ev.start) -
	    (ev.all_day ? 3600 : 0), to, overlap_fn, &o);
	if (r == -2)
		goto out;
	if (r == -1 || r == -3)
		log_msg(LOG_WARN, "object", "event %s: %s; kept in the "
		    "time-range answer", ev.id, r == -1 ? "expansion capped" :
		    "stored recurrence does not parse");
	rc = o.hit || r == -1 || r == -3;
out:
	free(skip);
	event_clear(&ev);
	return rc;
}

enum event_rc
object_list(struct event_ctx *c, const char *calendar_id,
    const struct object_query *q, int with_data,
    int (*fn)(const struct object_data *d, void *arg), void *arg)
{
	struct object_data	 d;
	struct buf		 names;
	PGresult		*res = NULL;
	const struct db_stmt	*st = &st_obj_all;
	const char		*p[5];
	char			 from[RFC3339_MAX], to[RFC3339_MAX];
	enum event_rc		 rc = EVENT_OK;
	enum db_rc		 drc;
	size_t			 k;
	int			 i, n, m;

	memset(&d, 0, sizeof(d));
	buf_init(&names, (size_t)OBJECT_MAX_NAMES * (OBJECT_NAME_MAX * 2 + 4));
	if (!event_id_ok(calendar_id))
		return EVENT_NOT_FOUND;
	p[0] = calendar_id;
	p[1] = c->user_id;
	p[2] = with_data ? "true" : "false";
	p[3] = p[4] = NULL;
	if (q != NULL && q->names != NULL) {
		if (q->nnames > OBJECT_MAX_NAMES) {
			snprintf(c->err.msg, sizeof(c->err.msg), "at most %d "
			    "hrefs in one multiget", OBJECT_MAX_NAMES);
			rc = EVENT_INVALID;
			goto out;
		}
		if (db_array_open(&names) == -1)
			goto nomem;
		for (k = 0; k < q->nnames; k++)
			if (db_array_text(&names, q->names[k]) == -1)
				goto nomem;
		if (db_array_close(&names) == -1)
			goto nomem;
		p[3] = names.data;
		st = &st_obj_names;
	} else if (q != NULL && q->has_range) {
		if (rfc3339_format(q->from, 0, from, sizeof(from)) == -1 ||
		    rfc3339_format(q->to, 0, to, sizeof(to)) == -1) {
			snprintf(c->err.msg, sizeof(c->err.msg), "time range "
			    "out of bounds");
			rc = EVENT_INVALID;
			goto out;
		}
		p[3] = from;
		p[4] = to;
		st = &st_obj_range;
	}
	if ((drc = db_exec(c->db, st, p, &res)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (q != NULL && q->has_range && q->names == NULL) {
			if ((m = in_range(c, res, i, q->from, q->to)) == -1)
				goto nomem;
			if (m == 0)
				continue;
		}
		row_head(res, i, &d);
		if (with_data && (rc = row_data(res, i, &d)) != EVENT_OK)
			goto out;
		m = fn(&d, arg);
		free(d.ical);
		d.ical = NULL;
		if (m != 0)
			break;
	}
	goto out;
nomem:
	rc = EVENT_NOMEM;
out:
	free(d.ical);
	PQclear(res);
	buf_free(&names);
	return rc;
}
