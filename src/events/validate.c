/* validate.c — events from and to JSON: every member declared, typed and
 * range-checked; nothing unknown or server-owned gets through (see event.h). */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonout.h"
#include "core/utf8.h"
#include "events/event.h"

enum event_rc
event_invalid(struct event_error *err, const char *field, const char *fmt,
    ...)
{
	va_list ap;

	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return EVENT_INVALID;
}

void
event_clear(struct event *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	free(ev->title);
	free(ev->description);
	free(ev->location);
	for (i = 0; i < ev->nrecurrence; i++)
		free(ev->recurrence[i]);
	free(ev->recurrence);
	memset(ev, 0, sizeof(*ev));
}

int
event_add_line(struct event *ev, struct buf *b)
{
	char **nl;

	if ((nl = reallocarray(ev->recurrence, ev->nrecurrence + 1,
	    sizeof(*nl))) == NULL)
		return -1;
	ev->recurrence = nl;
	if ((nl[ev->nrecurrence] = buf_detach(b)) == NULL)
		return -1;
	ev->nrecurrence++;
	return 0;
}

int
event_id_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != EVENT_ID_LEN)
		return 0;
	for (i = 0; i < EVENT_ID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* See event.h: used for JSON members and for text read from ICS files. */
long
event_text_chars(const char *s, size_t len, int ctl)
{
	return utf8_count(s, len, UTF8_NO_CTL | (ctl ? UTF8_TEXT_CTL : 0));
}

enum event_rc
event_text_member(json_object *v, const char *field, long min, long max,
    int ctl, int nullable, const char **s, size_t *len,
    struct event_error *err)
{
	long	 n;

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		if (!nullable)
			return event_invalid(err, field, "%s must be a string",
			    field);
		*s = "";
		*len = 0;
	} else if (!json_object_is_type(v, json_type_string))
		return event_invalid(err, field, "%s must be a string", field);
	else {
		*s = json_object_get_string(v);
		*len = (size_t)json_object_get_string_len(v);
		if (strlen(*s) != *len)
			return event_invalid(err, field, "%s contains a NUL "
			    "character", field);
	}
	/* Bytes bound characters from above by 4: reject early. */
	if (*len > (size_t)max * 4)
		return event_invalid(err, field,
		    "%s is longer than %ld characters", field, max);
	if ((n = event_text_chars(*s, *len, ctl)) < 0)
		return event_invalid(err, field, "%s " EVENT_TEXT_REFUSED,
		    field);
	if (n < min || n > max)
		return event_invalid(err, field, min > 0 ?
		    "%s must have %ld to %ld characters" :
		    "%s must have at most %ld characters",
		    field, min > 0 ? min : max, max);
	return EVENT_OK;
}

enum event_rc
event_json_members(json_object *body, const char *const *members,
    const char *const *readonly, json_object **m, int *has,
    struct event_error *err)
{
	int	 i;

	json_object_object_foreach(body, key, val) {
		for (i = 0; members[i] != NULL; i++)
			if (!strcmp(key, members[i]))
				break;
		if (members[i] != NULL) {
			m[i] = val;	/* NULL for a JSON null */
			has[i] = 1;
			continue;
		}
		for (i = 0; readonly[i] != NULL; i++)
			if (!strcmp(key, readonly[i]))
				return event_invalid(err, readonly[i],
				    "%s is set by the server and cannot be "
				    "written", readonly[i]);
		return event_invalid(err, key, "unknown member \"%.60s\"", key);
	}
	return EVENT_OK;
}

/* A string member of at most max characters (min 1 when nonempty). */
static enum event_rc
text_member(json_object *v, const char *field, long min, long max, int ctl,
    int nullable, char **out, struct event_error *err)
{
	const char	*s;
	size_t		 len;
	enum event_rc	 rc;
	char		*dup;

	if ((rc = event_text_member(v, field, min, max, ctl, nullable, &s,
	    &len, err)) != EVENT_OK)
		return rc;
	if ((dup = strdup(s)) == NULL)
		return EVENT_NOMEM;
	free(*out);
	*out = dup;
	return EVENT_OK;
}

/* Reads start or end: a date for all-day events, else RFC 3339. */
static enum event_rc
time_member(json_object *v, const char *field, int all_day, icaltimezone *z,
    time_t *out, struct event_error *err)
{
	const char	*s;
	int		 y, m, d;
	time_t		 t;

	if (!json_object_is_type(v, json_type_string))
		return event_invalid(err, field, "%s must be a string", field);
	s = json_object_get_string(v);
	if (strlen(s) > 64 || strlen(s) != (size_t)json_object_get_string_len(v))
		return event_invalid(err, field, "%s is not a valid time",
		    field);
	if (all_day) {
		if (rfc3339_parse_date(s, &y, &m, &d) == -1)
			return event_invalid(err, field, "%s of an all-day "
			    "event must be a date such as 2026-03-05", field);
		if (y < EVENT_YEAR_MIN || y > EVENT_YEAR_MAX)
			goto range;
		*out = zone_midnight(z, y, m, d);
		return EVENT_OK;
	}
	if (rfc3339_parse(s, &t, NULL) == -1)
		return event_invalid(err, field, "%s must be an RFC 3339 "
		    "date-time with an offset, such as "
		    "2026-03-05T09:00:00+07:00", field);
	if (t < (time_t)rfc3339_days_from_civil(EVENT_YEAR_MIN, 1, 2) * 86400 ||
	    t >= (time_t)rfc3339_days_from_civil(EVENT_YEAR_MAX, 12, 31) * 86400)
		goto range;
	*out = t;
	return EVENT_OK;
range:
	return event_invalid(err, field,
	    "%s must lie between the years %d and %d", field, EVENT_YEAR_MIN,
	    EVENT_YEAR_MAX);
}

static enum event_rc
reminders_member(json_object *v, int *out, size_t *nout,
    struct event_error *err)
{
	json_object	*r, *m;
	size_t		 i, j, n;
	int64_t		 mb;
	char		 field[96];

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		*nout = 0;
		return EVENT_OK;
	}
	if (!json_object_is_type(v, json_type_array))
		return event_invalid(err, "reminders",
		    "reminders must be an array");
	n = json_object_array_length(v);
	if (n > REMINDER_MAX)
		return event_invalid(err, "reminders", "at most %d reminders",
		    REMINDER_MAX);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(v, i);
		snprintf(field, sizeof(field), "reminders[%zu]", i);
		if (!json_object_is_type(r, json_type_object))
			return event_invalid(err, field, "%s must be an "
			    "object with method and minutes_before", field);
		m = NULL;
		json_object_object_foreach(r, key, val) {
			if (!strcmp(key, "method")) {
				snprintf(field, sizeof(field),
				    "reminders[%zu].method", i);
				if (!json_object_is_type(val,
				    json_type_string) ||
				    strcmp(json_object_get_string(val),
				    "email") != 0)
					return event_invalid(err, field,
					    "%s must be \"email\"", field);
			} else if (!strcmp(key, "minutes_before"))
				m = val;
			else {
				snprintf(field, sizeof(field),
				    "reminders[%zu].%.40s", i, key);
				return event_invalid(err, field,
				    "unknown member %s", field);
			}
		}
		snprintf(field, sizeof(field), "reminders[%zu].minutes_before",
		    i);
		if (m == NULL)
			return event_invalid(err, field, "%s is required",
			    field);
		if (!json_object_is_type(m, json_type_int))
			return event_invalid(err, field,
			    "%s must be a whole number", field);
		mb = json_object_get_int64(m);
		if (mb < 0 || mb > REMINDER_MINUTES_MAX)
			return event_invalid(err, field,
			    "%s must be from 0 to %d", field,
			    REMINDER_MINUTES_MAX);
		for (j = 0; j < i; j++)
			if (out[j] == (int)mb)
				return event_invalid(err, field, "%s repeats "
				    "reminders[%zu]", field, j);
		out[i] = (int)mb;
	}
	*nout = n;
	return EVENT_OK;
}

static enum event_rc
recurrence_member(json_object *v, struct event *ev, struct event_error *err)
{
	json_object	*l;
	size_t		 i, n;
	char		 field[32], **lines = NULL;
	enum event_rc	 rc = EVENT_NOMEM;

	if (v != NULL && !json_object_is_type(v, json_type_null) &&
	    !json_object_is_type(v, json_type_array))
		return event_invalid(err, "recurrence",
		    "recurrence must be an array of strings");
	n = v == NULL || json_object_is_type(v, json_type_null) ? 0 :
	    json_object_array_length(v);
	if (n > RECUR_MAX_LINES)
		return event_invalid(err, "recurrence", "at most %d recurrence "
		    "lines", RECUR_MAX_LINES);
	if (n > 0 && (lines = calloc(n, sizeof(*lines))) == NULL)
		return EVENT_NOMEM;
	for (i = 0; i < n; i++) {
		l = json_object_array_get_idx(v, i);
		snprintf(field, sizeof(field), "recurrence[%zu]", i);
		if (!json_object_is_type(l, json_type_string) ||
		    (size_t)json_object_get_string_len(l) !=
		    strlen(json_object_get_string(l)) ||
		    event_text_chars(json_object_get_string(l),
		    strlen(json_object_get_string(l)), 0) < 0) {
			rc = event_invalid(err, field, "%s must be a string of "
			    "printable characters", field);
			goto fail;
		}
		if (strlen(json_object_get_string(l)) > RECUR_MAX_LINE) {
			rc = event_invalid(err, field,
			    "%s is longer than %d bytes", field,
			    RECUR_MAX_LINE);
			goto fail;
		}
		if ((lines[i] = strdup(json_object_get_string(l))) == NULL)
			goto fail;
	}
	for (i = 0; i < ev->nrecurrence; i++)
		free(ev->recurrence[i]);
	free(ev->recurrence);
	ev->recurrence = lines;
	ev->nrecurrence = n;
	return EVENT_OK;
fail:
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return rc;
}

/* Replaces ev's lines with the normalised ones of rec. */
static enum event_rc
take_lines(struct event *ev, const struct recur *rec)
{
	size_t	 i;
	char	*dup;

	for (i = 0; i < ev->nrecurrence && i < rec->nlines; i++) {
		if ((dup = strdup(rec->lines[i])) == NULL)
			return EVENT_NOMEM;
		free(ev->recurrence[i]);
		ev->recurrence[i] = dup;
	}
	return EVENT_OK;
}

enum event_rc
event_check(struct event *ev, struct recur *rec, struct event_error *err)
{
	icaltimezone		*z;
	struct recur_error	 rerr;
	enum recur_rc		 rrc;
	char			 field[32];

	memset(rec, 0, sizeof(*rec));
	if ((z = zone_find(ev->time_zone)) == NULL)
		return event_invalid(err, "time_zone",
		    "unknown time zone \"%s\"", ev->time_zone);
	if (ev->end <= ev->start)
		return event_invalid(err, "end", "end must be after start");
	if (ev->end - ev->start > 5L * 366 * 86400)
		return event_invalid(err, "end",
		    "an event may last at most five years");
	rrc = recur_parse(rec, (const char *const *)ev->recurrence,
	    ev->nrecurrence, ev->start, ev->all_day, z, RECUR_TRIAL, &rerr);
	if (rrc == RECUR_NOMEM)
		return EVENT_NOMEM;
	if (rrc != RECUR_OK) {
		if (rerr.index < 0)
			snprintf(field, sizeof(field), "recurrence");
		else
			snprintf(field, sizeof(field), "recurrence[%d]",
			    rerr.index);
		return event_invalid(err, field, "%s: %s", field, rerr.msg);
	}
	if (take_lines(ev, rec) != EVENT_OK) {
		recur_free(rec);
		return EVENT_NOMEM;
	}
	return EVENT_OK;
}

static const char *const event_members[] = {
	"title", "description", "location", "start", "end", "time_zone",
	"all_day", "recurrence", "reminders", "calendar_id", NULL
};
enum { M_TITLE, M_DESC, M_LOC, M_START, M_END, M_TZ, M_ALLDAY, M_RECUR,
    M_REM, M_CAL, M__MAX };

static const char *const event_readonly[] = {
	"id", "created_at", "updated_at", "version", "user_id", "owner",
	"uid", "ical_uid", "occurrence_start", "etag", "series_end", NULL
};

/* The shape of calendar_id (whose it is, the store checks): a UUID, kept in
 * lower case; null on a new event for the default calendar. */
static enum event_rc
calendar_member(json_object *v, int patch, struct event *ev,
    struct event_error *err)
{
	const char	*s;
	size_t		 i;

	if (v == NULL && !patch) {
		ev->calendar_id[0] = '\0';
		return EVENT_OK;
	}
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return event_invalid(err, "calendar_id",
		    "calendar_id must be the id of one of your calendars");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v) ||
	    !event_id_ok(s))
		return event_invalid(err, "calendar_id", "no such calendar");
	for (i = 0; i < EVENT_ID_LEN; i++)
		ev->calendar_id[i] = s[i] >= 'A' && s[i] <= 'F' ?
		    s[i] - 'A' + 'a' : s[i];
	ev->calendar_id[EVENT_ID_LEN] = '\0';
	return EVENT_OK;
}

enum event_rc
event_from_json(struct event *ev, json_object *body, int patch,
    const struct event_defaults *def, struct recur *rec,
    struct event_error *err)
{
	json_object	*m[M__MAX] = { NULL };
	int		 has[M__MAX] = { 0 };
	icaltimezone	*oldz = NULL, *z;
	enum event_rc	 rc;
	int		 y0, mo0, d0, y1, mo1, d1, all_day;
	struct icaltimetype lt;

	memset(rec, 0, sizeof(*rec));
	memset(err, 0, sizeof(*err));
	if ((rc = event_json_members(body, event_members, event_readonly, m,
	    has, err)) != EVENT_OK)
		return rc;
	if (!patch) {
		if (!has[M_TITLE])
			return event_invalid(err, "title", "title is required");
		if (!has[M_START])
			return event_invalid(err, "start", "start is required");
		if (!has[M_END])
			return event_invalid(err, "end", "end is required");
	}
	if (has[M_CAL] && (rc = calendar_member(m[M_CAL], patch, ev,
	    err)) != EVENT_OK)
		return rc;
	if (has[M_TITLE] && (rc = text_member(m[M_TITLE], "title", 1,
	    EVENT_TITLE_MAX, 0, 0, &ev->title, err)) != EVENT_OK)
		return rc;
	if ((has[M_DESC] || !patch) && (rc = text_member(m[M_DESC],
	    "description", 0, EVENT_DESC_MAX, 1, 1, &ev->description,
	    err)) != EVENT_OK)
		return rc;
	if ((has[M_LOC] || !patch) && (rc = text_member(m[M_LOC],
	    "location", 0, EVENT_LOCATION_MAX, 0, 1, &ev->location,
	    err)) != EVENT_OK)
		return rc;

	/* Time zone and all-day first: they decide how start/end read. */
	if (patch)
		oldz = zone_find(ev->time_zone);
	if (has[M_TZ]) {
		const char *s;

		if (m[M_TZ] == NULL ||
		    !json_object_is_type(m[M_TZ], json_type_string))
			return event_invalid(err, "time_zone",
			    "time_zone must be a string");
		s = json_object_get_string(m[M_TZ]);
		if (strlen(s) != (size_t)json_object_get_string_len(m[M_TZ]) ||
		    zone_find(s) == NULL)
			return event_invalid(err, "time_zone",
			    "unknown time zone; "
			    "use an IANA name such as Europe/Berlin");
		memcpy(ev->time_zone, s, strlen(s) + 1);
	} else if (!patch)
		memcpy(ev->time_zone, def->time_zone,
		    strlen(def->time_zone) + 1);
	if ((z = zone_find(ev->time_zone)) == NULL)
		return event_invalid(err, "time_zone", "unknown time zone");
	all_day = ev->all_day;
	if (has[M_ALLDAY]) {
		if (m[M_ALLDAY] == NULL ||
		    !json_object_is_type(m[M_ALLDAY], json_type_boolean))
			return event_invalid(err, "all_day",
			    "all_day must be true or false");
		all_day = json_object_get_boolean(m[M_ALLDAY]);
	} else if (!patch)
		all_day = 0;
	if (patch && all_day != ev->all_day &&
	    (!has[M_START] || !has[M_END]))
		return event_invalid(err, !has[M_START] ? "start" : "end",
		    "changing all_day needs both start and end");
	/* An all-day event keeps its dates when its zone changes. */
	if (patch && all_day && ev->all_day && oldz != NULL && oldz != z) {
		lt = zone_local(oldz, ev->start, 1);
		y0 = lt.year, mo0 = lt.month, d0 = lt.day;
		lt = zone_local(oldz, ev->end, 1);
		y1 = lt.year, mo1 = lt.month, d1 = lt.day;
		ev->start = zone_midnight(z, y0, mo0, d0);
		ev->end = zone_midnight(z, y1, mo1, d1);
	}
	ev->all_day = all_day;
	if (has[M_START] && (rc = time_member(m[M_START], "start",
	    all_day, z, &ev->start, err)) != EVENT_OK)
		return rc;
	if (has[M_END] && (rc = time_member(m[M_END], "end", all_day, z,
	    &ev->end, err)) != EVENT_OK)
		return rc;
	if (has[M_REM]) {
		if ((rc = reminders_member(m[M_REM], ev->reminders,
		    &ev->nreminders, err)) != EVENT_OK)
			return rc;
	} else if (!patch) {
		memcpy(ev->reminders, def->reminders, sizeof(ev->reminders));
		ev->nreminders = def->nreminders;
	}
	if ((has[M_RECUR] || !patch) &&
	    (rc = recurrence_member(m[M_RECUR], ev, err)) != EVENT_OK)
		return rc;
	return event_check(ev, rec, err);
}

int
event_format_time(const struct event *ev, icaltimezone *z, time_t t,
    char *out, size_t outlen)
{
	struct icaltimetype lt;

	if (ev->all_day) {
		lt = zone_local(z, t, 1);
		return rfc3339_format_date(lt.year, lt.month, lt.day, out,
		    outlen);
	}
	return rfc3339_format(t, zone_offset(z, t), out, outlen);
}

time_t
event_occurrence_end(const struct event *ev, icaltimezone *z, time_t occ)
{
	struct icaltimetype	 s0, e0, o0;
	int64_t			 days;
	int			 y, mo, d;

	if (!ev->all_day)
		return occ + (ev->end - ev->start);
	/* Whole days, whatever DST does in between. */
	s0 = zone_local(z, ev->start, 1);
	e0 = zone_local(z, ev->end, 1);
	o0 = zone_local(z, occ, 1);
	days = rfc3339_days_from_civil(e0.year, e0.month, e0.day) -
	    rfc3339_days_from_civil(s0.year, s0.month, s0.day);
	rfc3339_civil_from_days(rfc3339_days_from_civil(o0.year, o0.month,
	    o0.day) + days, &y, &mo, &d);
	return zone_midnight(z, y, mo, d);
}

/* The start and end an answer shows: the event's, or with_occurrence
 * those of its occurrence starting then (whose start is also the
 * occurrence_start shown). 0 or -1. */
static int
shown_times(const struct event *ev, time_t occurrence, int with_occurrence,
    char *start, char *end, size_t len)
{
	icaltimezone	*z;
	time_t		 st = ev->start, en = ev->end;

	if ((z = zone_find(ev->time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	if (with_occurrence) {
		st = occurrence;
		en = event_occurrence_end(ev, z, occurrence);
	}
	return event_format_time(ev, z, st, start, len) == -1 ||
	    event_format_time(ev, z, en, end, len) == -1 ? -1 : 0;
}

json_object *
event_to_json(const struct event *ev, time_t occurrence, int with_occurrence)
{
	json_object	*o, *a = NULL, *r;
	char		 start[RFC3339_MAX], end[RFC3339_MAX];
	size_t		 i;
	int		 bad = 0;

	if (shown_times(ev, occurrence, with_occurrence, start, end,
	    sizeof(start)) == -1)
		return NULL;
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	bad |= jsonout_string(o, "id", ev->id);
	bad |= ev->calendar_id[0] ? jsonout_string(o, "calendar_id",
	    ev->calendar_id) : jsonout_null(o, "calendar_id");
	bad |= jsonout_string(o, "title", ev->title ? ev->title : "");
	bad |= jsonout_string(o, "description", ev->description ?
	    ev->description : "");
	bad |= jsonout_string(o, "location", ev->location ?
	    ev->location : "");
	bad |= jsonout_string(o, "start", start);
	bad |= jsonout_string(o, "end", end);
	bad |= jsonout_string(o, "time_zone", ev->time_zone);
	bad |= jsonout_bool(o, "all_day", ev->all_day);
	a = json_object_new_array();
	for (i = 0; a != NULL && i < ev->nrecurrence && !bad; i++)
		bad |= jsonout_push(a, json_object_new_string(
		    ev->recurrence[i]));
	bad |= jsonout_add(o, "recurrence", a);
	a = json_object_new_array();
	for (i = 0; a != NULL && i < ev->nreminders && !bad; i++) {
		r = json_object_new_object();
		bad |= jsonout_push(a, r);
		bad |= bad || jsonout_string(r, "method", "email") ||
		    jsonout_int(r, "minutes_before", ev->reminders[i]);
	}
	bad |= jsonout_add(o, "reminders", a);
	bad |= jsonout_string(o, "created_at", ev->created_at);
	bad |= jsonout_string(o, "updated_at", ev->updated_at);
	bad |= jsonout_int(o, "version", ev->version);
	if (with_occurrence)
		bad |= jsonout_string(o, "occurrence_start", start);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A member's literal text ("," "\"key\":" and the like). */
static int
put(struct buf *b, const char *lit)
{
	return buf_add(b, lit, strlen(lit)) == BUF_OK ? 0 : -1;
}

int
event_json_write(struct buf *b, const struct event *ev, time_t occurrence,
    int with_occurrence)
{
	char		 start[RFC3339_MAX], end[RFC3339_MAX], num[24];
	size_t		 i;
	int		 bad = 0;

	if (shown_times(ev, occurrence, with_occurrence, start, end,
	    sizeof(start)) == -1)
		return -1;
	bad |= put(b, "{\"id\":") || jsonout_quote(b, ev->id);
	bad |= put(b, ",\"calendar_id\":") || (ev->calendar_id[0] ?
	    jsonout_quote(b, ev->calendar_id) : put(b, "null"));
	bad |= put(b, ",\"title\":") ||
	    jsonout_quote(b, ev->title ? ev->title : "");
	bad |= put(b, ",\"description\":") ||
	    jsonout_quote(b, ev->description ? ev->description : "");
	bad |= put(b, ",\"location\":") ||
	    jsonout_quote(b, ev->location ? ev->location : "");
	bad |= put(b, ",\"start\":") || jsonout_quote(b, start);
	bad |= put(b, ",\"end\":") || jsonout_quote(b, end);
	bad |= put(b, ",\"time_zone\":") || jsonout_quote(b, ev->time_zone);
	bad |= put(b, ev->all_day ? ",\"all_day\":true" :
	    ",\"all_day\":false");
	bad |= put(b, ",\"recurrence\":[");
	for (i = 0; i < ev->nrecurrence && !bad; i++)
		bad |= (i > 0 && put(b, ",")) ||
		    jsonout_quote(b, ev->recurrence[i]);
	bad |= put(b, "],\"reminders\":[");
	for (i = 0; i < ev->nreminders && !bad; i++) {
		snprintf(num, sizeof(num), "%d", ev->reminders[i]);
		bad |= put(b, i > 0 ? ",{\"method\":\"email\","
		    "\"minutes_before\":" : "{\"method\":\"email\","
		    "\"minutes_before\":") || put(b, num) || put(b, "}");
	}
	bad |= put(b, "],\"created_at\":") ||
	    jsonout_quote(b, ev->created_at);
	bad |= put(b, ",\"updated_at\":") || jsonout_quote(b, ev->updated_at);
	snprintf(num, sizeof(num), "%d", ev->version);
	bad |= put(b, ",\"version\":") || put(b, num);
	if (with_occurrence)
		bad |= put(b, ",\"occurrence_start\":") ||
		    jsonout_quote(b, start);
	bad |= put(b, "}");
	return bad ? -1 : 0;
}
