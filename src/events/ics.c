/* ics.c — calendar export (see ics.h). Built with libical components so
 * that escaping and line folding follow RFC 5545; TZIDs are the IANA names
 * themselves, each with the VTIMEZONE libical derives from the system
 * tzdata, cut to the years the calendar uses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sha256.h"
#include "events/ics.h"
#include "events/recur.h"
#include "core/zone.h"

struct ics_zone {
	char	 name[ZONE_NAME_MAX + 1];
	time_t	 earliest;
};

struct ics_writer {
	icalcomponent	*events;	/* a VCALENDAR holding the VEVENTs */
	icalcomponent	*custom;	/* stored objects' own VTIMEZONEs */
	char		 name[256];
	struct ics_zone	*zones;
	size_t		 nzones;
};

struct ics_writer *
ics_writer_new(const char *name)
{
	struct ics_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if ((w->events = icalcomponent_new_vcalendar()) == NULL) {
		free(w);
		return NULL;
	}
	snprintf(w->name, sizeof(w->name), "%s", name ? name : "Aurora Time");
	return w;
}

void
ics_writer_free(struct ics_writer *w)
{
	if (w == NULL)
		return;
	if (w->events != NULL)
		icalcomponent_free(w->events);
	if (w->custom != NULL)
		icalcomponent_free(w->custom);
	free(w->zones);
	free(w);
}

static int
note_zone(struct ics_writer *w, const char *name, time_t start)
{
	struct ics_zone	*nz;
	size_t		 i;

	for (i = 0; i < w->nzones; i++)
		if (strcmp(w->zones[i].name, name) == 0) {
			if (start < w->zones[i].earliest)
				w->zones[i].earliest = start;
			return 0;
		}
	if ((nz = reallocarray(w->zones, w->nzones + 1, sizeof(*nz))) == NULL)
		return -1;
	w->zones = nz;
	snprintf(nz[w->nzones].name, sizeof(nz[w->nzones].name), "%s", name);
	nz[w->nzones].earliest = start;
	w->nzones++;
	return 0;
}

/* A property holding the local time of t in the event's zone: DATE for
 * all-day events, UTC for UTC events, else local time with TZID. */
static int
add_time(icalcomponent *c, icalproperty *(*mk)(struct icaltimetype),
    const struct event *ev, icaltimezone *z, time_t t)
{
	struct icaltimetype	 tt;
	icalproperty		*p;
	icalparameter		*tzid;

	if (ev->all_day) {
		tt = zone_local(z, t, 1);
		tt.zone = NULL;
	} else if (z == icaltimezone_get_utc_timezone())
		tt = icaltime_from_timet_with_zone(t, 0, z);
	else {
		tt = zone_local(z, t, 0);
		tt.zone = NULL;	/* written as local time + our TZID */
	}
	if ((p = mk(tt)) == NULL)
		return -1;
	if (!ev->all_day && z != icaltimezone_get_utc_timezone()) {
		if ((tzid = icalparameter_new_tzid(ev->time_zone)) == NULL) {
			icalproperty_free(p);
			return -1;
		}
		icalproperty_add_parameter(p, tzid);
	}
	icalcomponent_add_property(c, p);
	return 0;
}

static icalproperty *
mk_dtstart(struct icaltimetype t)
{
	return icalproperty_new_dtstart(t);
}

static icalproperty *
mk_dtend(struct icaltimetype t)
{
	return icalproperty_new_dtend(t);
}

static icalproperty *
mk_exdate(struct icaltimetype t)
{
	return icalproperty_new_exdate(t);
}

static icalproperty *
mk_rdate(struct icaltimetype t)
{
	struct icaldatetimeperiodtype dp;

	memset(&dp, 0, sizeof(dp));
	dp.time = t;
	dp.period = icalperiodtype_null_period();
	return icalproperty_new_rdate(dp);
}

static struct icaltimetype
utc_time(const char *rfc3339, time_t fallback)
{
	time_t t;

	if (rfc3339 == NULL || rfc3339_parse(rfc3339, &t, NULL) == -1)
		t = fallback;
	return icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
}

/* A VALARM of ours: DISPLAY, so that the app notifies too, marked as a
 * reminder set here so that reading it back mails it whatever the
 * calendar's email_for_app_alarms says. */
static icalcomponent *
reminder_alarm(const struct event *ev, int minutes)
{
	icalcomponent		*a;
	icalproperty		*p;
	struct icaltriggertype	 trig;

	if ((a = icalcomponent_new_valarm()) == NULL)
		return NULL;
	memset(&trig, 0, sizeof(trig));
	trig.time = icaltime_null_time();
	trig.duration = icaldurationtype_from_int(-minutes * 60);
	icalcomponent_add_property(a,
	    icalproperty_new_action(ICAL_ACTION_DISPLAY));
	icalcomponent_add_property(a, icalproperty_new_description(
	    ev->title ? ev->title : ""));
	icalcomponent_add_property(a, icalproperty_new_trigger(trig));
	if ((p = icalproperty_new_x("TRUE")) == NULL) {
		icalcomponent_free(a);
		return NULL;
	}
	icalproperty_set_x_name(p, ICS_REMINDER_MARK);
	icalcomponent_add_property(a, p);
	return a;
}

icalcomponent *
ics_vevent(const struct event *ev)
{
	icalcomponent		*c = NULL, *a;
	icaltimezone		*z;
	struct recur		 rec;
	struct recur_error	 rerr;
	size_t			 i;
	int			 ok = 0;

	memset(&rec, 0, sizeof(rec));
	if ((z = zone_find(ev->time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	if ((c = icalcomponent_new_vevent()) == NULL)
		goto out;
	icalcomponent_add_property(c, icalproperty_new_uid(ev->uid[0] ?
	    ev->uid : ev->id));
	icalcomponent_add_property(c, icalproperty_new_dtstamp(
	    utc_time(ev->updated_at, ev->start)));
	icalcomponent_add_property(c, icalproperty_new_created(
	    utc_time(ev->created_at, ev->start)));
	icalcomponent_add_property(c, icalproperty_new_lastmodified(
	    utc_time(ev->updated_at, ev->start)));
	icalcomponent_add_property(c, icalproperty_new_sequence(
	    ev->version > 0 ? ev->version - 1 : 0));
	icalcomponent_add_property(c, icalproperty_new_summary(ev->title ?
	    ev->title : ""));
	if (ev->description != NULL && ev->description[0] != '\0')
		icalcomponent_add_property(c,
		    icalproperty_new_description(ev->description));
	if (ev->location != NULL && ev->location[0] != '\0')
		icalcomponent_add_property(c,
		    icalproperty_new_location(ev->location));
	if (add_time(c, mk_dtstart, ev, z, ev->start) == -1 ||
	    add_time(c, mk_dtend, ev, z, ev->end) == -1)
		goto out;
	if (ev->nrecurrence > 0 && recur_parse(&rec,
	    (const char *const *)ev->recurrence, ev->nrecurrence, ev->start,
	    ev->all_day, z, 0, &rerr) != RECUR_OK) {
		/* A stored rule refused today (a check added after it was
		 * written, a tzdata change): exported as its first occurrence,
		 * as the planner plans it, rather than failing the feed. */
		log_msg(LOG_WARN, "ics", "event %s: stored recurrence does not "
		    "parse: %s", ev->id, rerr.msg);
		memset(&rec, 0, sizeof(rec));
	} else if (ev->nrecurrence > 0) {
		if (rec.has_rule)
			icalcomponent_add_property(c,
			    icalproperty_new_rrule(rec.rule));
		for (i = 0; i < rec.nrdate; i++)
			if (add_time(c, mk_rdate, ev, z, rec.rdate[i]) == -1)
				goto out;
		for (i = 0; i < rec.nexdate; i++)
			if (add_time(c, mk_exdate, ev, z, rec.exdate[i]) == -1)
				goto out;
	}
	for (i = 0; i < ev->nreminders; i++) {
		if ((a = reminder_alarm(ev, ev->reminders[i])) == NULL)
			goto out;
		icalcomponent_add_component(c, a);
	}
	ok = 1;
out:
	if (!ok && c != NULL) {
		icalcomponent_free(c);
		c = NULL;
	}
	recur_free(&rec);
	return c;
}

int
ics_writer_add(struct ics_writer *w, const struct event *ev)
{
	icalcomponent	*c;

	if ((c = ics_vevent(ev)) == NULL)
		return -1;
	if (!ev->all_day && zone_find(ev->time_zone) != NULL &&
	    zone_find(ev->time_zone) != icaltimezone_get_utc_timezone() &&
	    note_zone(w, ev->time_zone, ev->start) == -1) {
		icalcomponent_free(c);
		return -1;
	}
	icalcomponent_add_component(w->events, c);
	return 0;
}

icalcomponent *
ics_vtimezone(const char *name, time_t earliest)
{
	icalcomponent	*vtz;
	icalproperty	*p;
	icaltimezone	*z;

	if ((z = zone_find(name)) == NULL ||
	    z == icaltimezone_get_utc_timezone() ||
	    icaltimezone_get_component(z) == NULL)
		return NULL;
	if ((vtz = icalcomponent_new_clone(
	    icaltimezone_get_component(z))) == NULL)
		return NULL;
	/* A year of history before the first event is plenty. */
	icaltimezone_truncate_vtimezone(vtz,
	    icaltime_from_timet_with_zone(earliest - 366L * 86400, 0,
	    icaltimezone_get_utc_timezone()), icaltime_null_time(), 0);
	if ((p = icalcomponent_get_first_property(vtz,
	    ICAL_TZID_PROPERTY)) != NULL)
		icalproperty_set_tzid(p, name);
	return vtz;
}

char *
ics_writer_finish(struct ics_writer *w)
{
	icalcomponent	*cal, *vtz, *ev;
	icalproperty	*p;
	icaltimezone	*z;
	char		*text = NULL;
	size_t		 i;

	if ((cal = icalcomponent_new_vcalendar()) == NULL)
		return NULL;
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICS_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
	    ICAL_METHOD_PUBLISH));
	if ((p = icalproperty_new_x(w->name)) != NULL) {
		icalproperty_set_x_name(p, "X-WR-CALNAME");
		icalcomponent_add_property(cal, p);
	}
	for (i = 0; i < w->nzones; i++) {
		if ((z = zone_find(w->zones[i].name)) == NULL ||
		    icaltimezone_get_component(z) == NULL)
			continue;
		if ((vtz = ics_vtimezone(w->zones[i].name,
		    w->zones[i].earliest)) == NULL)
			goto out;
		icalcomponent_add_component(cal, vtz);
	}
	while (w->custom != NULL && (vtz = icalcomponent_get_first_component(
	    w->custom, ICAL_VTIMEZONE_COMPONENT)) != NULL) {
		icalcomponent_remove_component(w->custom, vtz);
		icalcomponent_add_component(cal, vtz);
	}
	while ((ev = icalcomponent_get_first_component(w->events,
	    ICAL_VEVENT_COMPONENT)) != NULL) {
		icalcomponent_remove_component(w->events, ev);
		icalcomponent_add_component(cal, ev);
	}
	text = icalcomponent_as_ical_string_r(cal);
out:
	icalcomponent_free(cal);
	return text;
}

int
ics_alarm_minutes(icalcomponent *valarm, time_t start, time_t end,
    long *minutes, int *absolute)
{
	icalproperty		*p;
	icalparameter		*rel;
	struct icaltriggertype	 tr;
	time_t			 fire;
	long long		 before;

	*absolute = 0;
	if ((p = icalcomponent_get_first_property(valarm,
	    ICAL_TRIGGER_PROPERTY)) == NULL)
		return -1;
	tr = icalproperty_get_trigger(p);
	if (!icaltime_is_null_time(tr.time)) {
		/* RFC 5545 has absolute triggers in UTC; a writer that left
		 * the Z off is read as if it had not. */
		if (tr.time.is_date)
			return -1;
		tr.time.zone = NULL;
		fire = icaltime_as_timet_with_zone(tr.time,
		    icaltimezone_get_utc_timezone());
		*absolute = 1;
	} else if (icaldurationtype_is_bad_duration(tr.duration))
		return -1;
	else {
		rel = icalproperty_get_first_parameter(p,
		    ICAL_RELATED_PARAMETER);
		fire = (rel != NULL && icalparameter_get_related(rel) ==
		    ICAL_RELATED_END ? end : start) +
		    icaldurationtype_as_int(tr.duration);
	}
	before = (long long)start - (long long)fire;
	/* Up to the minute: 90 s before is mailed 2 minutes before. */
	*minutes = before >= 0 ? (long)((before + 59) / 60) :
	    -(long)((-before + 59) / 60);
	return 0;
}

time_t
ics_instant(struct icaltimetype tt, icaltimezone *z)
{
	if (tt.is_date)
		return zone_midnight(z, tt.year, tt.month, tt.day);
	if (tt.zone != NULL)
		return icaltime_as_timet_with_zone(tt, tt.zone);
	return zone_instant(z, tt);
}

time_t
ics_overrides_end(const char *ical, icaltimezone *z)
{
	icalcomponent		*root, *v;
	struct icaltimetype	 s, e;
	time_t			 end, last = 0;

	if (strstr(ical, "RECURRENCE-ID") == NULL ||
	    (root = icalparser_parse_string(ical)) == NULL)
		return 0;
	for (v = icalcomponent_get_first_component(root,
	    ICAL_VEVENT_COMPONENT); v != NULL;
	    v = icalcomponent_get_next_component(root,
	    ICAL_VEVENT_COMPONENT)) {
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) == NULL)
			continue;
		s = icalcomponent_get_dtstart(v);
		e = icalcomponent_get_dtend(v);
		if (icaltime_is_null_time(s))
			continue;
		end = ics_instant(icaltime_is_null_time(e) ? s : e, z);
		/* A day more for dates and for an end left out. */
		if (s.is_date || icaltime_is_null_time(e))
			end += 86400;
		if (end > last)
			last = end;
	}
	icalcomponent_free(root);
	return last;
}

static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Replaces dst's properties of kind by copies of src's. 0 or -1. */
static int
replace_props(icalcomponent *dst, icalcomponent *src, icalproperty_kind kind)
{
	icalproperty	*p, *n;

	while ((p = icalcomponent_get_first_property(dst, kind)) != NULL) {
		icalcomponent_remove_property(dst, p);
		icalproperty_free(p);
	}
	for (p = icalcomponent_get_first_property(src, kind); p != NULL;
	    p = icalcomponent_get_next_property(src, kind)) {
		if ((n = icalproperty_new_clone(p)) == NULL)
			return -1;
		icalcomponent_add_property(dst, n);
	}
	return 0;
}

static int
has_minutes(const struct event *ev, long m)
{
	size_t i;

	for (i = 0; i < ev->nreminders; i++)
		if (ev->reminders[i] == m)
			return 1;
	return 0;
}

static int
same_recurrence(const struct event *a, const struct event *b)
{
	size_t i;

	if (a->nrecurrence != b->nrecurrence)
		return 0;
	for (i = 0; i < a->nrecurrence; i++)
		if (strcmp(a->recurrence[i], b->recurrence[i]) != 0)
			return 0;
	return 1;
}

/* The VTIMEZONE of root whose TZID is tzid, NULL when none. */
static icalcomponent *
find_vtimezone(icalcomponent *root, const char *tzid)
{
	icalcomponent	*z;
	icalproperty	*p;

	for (z = icalcomponent_get_first_component(root,
	    ICAL_VTIMEZONE_COMPONENT); z != NULL;
	    z = icalcomponent_get_next_component(root,
	    ICAL_VTIMEZONE_COMPONENT))
		if ((p = icalcomponent_get_first_property(z,
		    ICAL_TZID_PROPERTY)) != NULL &&
		    icalproperty_get_tzid(p) != NULL &&
		    strcmp(icalproperty_get_tzid(p), tzid) == 0)
			return z;
	return NULL;
}

/* Marks as a reminder of ours the first alarm of master (DISPLAY, AUDIO
 * or EMAIL) that fires minutes before the start of old: 1 when one was
 * found, 0 when none, -1 out of memory. */
static int
mark_alarm(icalcomponent *master, const struct event *old, int minutes)
{
	icalcomponent		*a;
	icalproperty		*p;
	icalproperty_action	 act;
	long			 m;
	int			 abs;

	for (a = icalcomponent_get_first_component(master,
	    ICAL_VALARM_COMPONENT); a != NULL;
	    a = icalcomponent_get_next_component(master,
	    ICAL_VALARM_COMPONENT)) {
		act = (p = icalcomponent_get_first_property(a,
		    ICAL_ACTION_PROPERTY)) != NULL ? icalproperty_get_action(p) :
		    ICAL_ACTION_NONE;
		if ((act != ICAL_ACTION_DISPLAY && act != ICAL_ACTION_AUDIO &&
		    act != ICAL_ACTION_EMAIL) || ics_alarm_minutes(a,
		    old->start, old->end, &m, &abs) == -1 || m != minutes)
			continue;
		if ((p = icalproperty_new_x("TRUE")) == NULL)
			return -1;
		icalproperty_set_x_name(p, ICS_REMINDER_MARK);
		icalcomponent_add_property(a, p);
		return 1;
	}
	return 0;
}

/* The alarms of master for reminders old has and ev has not. */
static void
drop_alarms(icalcomponent *master, const struct event *old,
    const struct event *ev)
{
	icalcomponent	*a, *gone[64];
	size_t		 i, n = 0;
	long		 m;
	int		 abs;

	for (a = icalcomponent_get_first_component(master,
	    ICAL_VALARM_COMPONENT); a != NULL && n < 64;
	    a = icalcomponent_get_next_component(master,
	    ICAL_VALARM_COMPONENT))
		if (ics_alarm_minutes(a, old->start, old->end, &m, &abs) ==
		    0 && has_minutes(old, m) && !has_minutes(ev, m))
			gone[n++] = a;
	for (i = 0; i < n; i++) {
		icalcomponent_remove_component(master, gone[i]);
		icalcomponent_free(gone[i]);
	}
}

/* The instant of an RDATE or EXDATE value of ours (IANA TZID, UTC or a
 * date in z). */
static time_t
date_instant(icalproperty *p, struct icaltimetype tt, icaltimezone *z)
{
	icalparameter	*tz;

	if ((tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) !=
	    NULL && icalparameter_get_tzid(tz) != NULL && !tt.is_date)
		tt.zone = zone_find(icalparameter_get_tzid(tz));
	return ics_instant(tt, z);
}

static int
in_list(const time_t *v, size_t n, time_t t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

#define ICS_MERGE_OVERRIDES	1000

/* Takes out of master's new RDATEs and EXDATEs those that only stand for
 * the object's overrides in the model (object.c's override_dates): the
 * object says it with the overrides themselves. */
static int
drop_override_dates(icalcomponent *root, icalcomponent *master,
    icaltimezone *z)
{
	icalcomponent		*v;
	icalcompiter		 it;
	icalproperty		*p, *gone[RECUR_MAX_DATES + 1];
	struct icaltimetype	 tt;
	time_t			*rid = NULL, *start = NULL;
	size_t			 nr = 0, ns = 0, ng = 0, i;

	if ((rid = calloc(ICS_MERGE_OVERRIDES, sizeof(*rid))) == NULL ||
	    (start = calloc(ICS_MERGE_OVERRIDES, sizeof(*start))) == NULL) {
		free(rid);
		return -1;
	}
	for (it = icalcomponent_begin_component(root, ICAL_VEVENT_COMPONENT);
	    (v = icalcompiter_deref(&it)) != NULL && nr < ICS_MERGE_OVERRIDES;
	    icalcompiter_next(&it)) {
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) == NULL)
			continue;
		rid[nr++] = ics_instant(icalcomponent_get_recurrenceid(v), z);
		tt = icalcomponent_get_dtstart(v);
		if (!icaltime_is_null_time(tt))
			start[ns++] = ics_instant(tt, z);
	}
	for (p = icalcomponent_get_first_property(master, ICAL_ANY_PROPERTY);
	    p != NULL && ng < RECUR_MAX_DATES + 1;
	    p = icalcomponent_get_next_property(master, ICAL_ANY_PROPERTY))
		if ((icalproperty_isa(p) == ICAL_EXDATE_PROPERTY &&
		    in_list(rid, nr, date_instant(p, icalproperty_get_exdate(p),
		    z))) || (icalproperty_isa(p) == ICAL_RDATE_PROPERTY &&
		    in_list(start, ns, date_instant(p,
		    icalproperty_get_rdate(p).time, z))))
			gone[ng++] = p;
	for (i = 0; i < ng; i++) {
		icalcomponent_remove_property(master, gone[i]);
		icalproperty_free(gone[i]);
	}
	free(rid);
	free(start);
	return 0;
}

char *
ics_object_merge(const char *ical, const struct event *old,
    const struct event *ev, time_t now)
{
	icalcomponent		*root = NULL, *master = NULL, *v, *gen = NULL;
	icalcomponent		*a, *vtz;
	icalproperty		*p;
	struct icaltimetype	 stamp;
	char			*text = NULL;
	size_t			 i;
	int			 changed = 0, seq, rc;

	if ((root = icalparser_parse_string(ical)) == NULL ||
	    icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT)
		goto out;
	icalcomponent_strip_errors(root);
	for (v = icalcomponent_get_first_component(root,
	    ICAL_VEVENT_COMPONENT); v != NULL;
	    v = icalcomponent_get_next_component(root,
	    ICAL_VEVENT_COMPONENT)) {
		if (master == NULL)
			master = v;
		if (icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY) == NULL) {
			master = v;
			break;
		}
	}
	if (master == NULL || (gen = ics_vevent(ev)) == NULL)
		goto out;
	if (!same_text(old->title, ev->title)) {
		changed = 1;
		if (replace_props(master, gen, ICAL_SUMMARY_PROPERTY) == -1)
			goto out;
	}
	if (!same_text(old->description, ev->description)) {
		changed = 1;
		if (replace_props(master, gen, ICAL_DESCRIPTION_PROPERTY) ==
		    -1)
			goto out;
	}
	if (!same_text(old->location, ev->location)) {
		changed = 1;
		if (replace_props(master, gen, ICAL_LOCATION_PROPERTY) == -1)
			goto out;
	}
	if (old->start != ev->start || old->end != ev->end ||
	    old->all_day != ev->all_day ||
	    strcmp(old->time_zone, ev->time_zone) != 0) {
		changed = 1;
		if (replace_props(master, gen, ICAL_DTSTART_PROPERTY) == -1 ||
		    replace_props(master, gen, ICAL_DTEND_PROPERTY) == -1 ||
		    replace_props(master, gen, ICAL_DURATION_PROPERTY) == -1)
			goto out;
		if (!ev->all_day && find_vtimezone(root, ev->time_zone) ==
		    NULL && (vtz = ics_vtimezone(ev->time_zone, ev->start)) !=
		    NULL)
			icalcomponent_add_component(root, vtz);
	}
	if (!same_recurrence(old, ev) || old->all_day != ev->all_day) {
		changed = 1;
		if (replace_props(master, gen, ICAL_RRULE_PROPERTY) == -1 ||
		    replace_props(master, gen, ICAL_RDATE_PROPERTY) == -1 ||
		    replace_props(master, gen, ICAL_EXDATE_PROPERTY) == -1 ||
		    replace_props(master, gen, ICAL_EXRULE_PROPERTY) == -1 ||
		    drop_override_dates(root, master, zone_find(ev->time_zone) ?
		    zone_find(ev->time_zone) :
		    icaltimezone_get_utc_timezone()) == -1)
			goto out;
	}
	for (i = 0; i < old->nreminders; i++)
		if (!has_minutes(ev, old->reminders[i]))
			changed = 1;
	for (i = 0; i < ev->nreminders; i++)
		if (!has_minutes(old, ev->reminders[i]))
			changed = 1;
	if (!changed) {
		text = strdup(ical);
		goto out;
	}
	drop_alarms(master, old, ev);
	for (i = 0; i < ev->nreminders; i++) {
		if (has_minutes(old, ev->reminders[i]))
			continue;
		/* An alarm of the app's at that time (one it was not mailed
		 * for) becomes the reminder, rather than a second alarm. */
		if ((rc = mark_alarm(master, old, ev->reminders[i])) == -1)
			goto out;
		if (rc == 1)
			continue;
		if ((a = reminder_alarm(ev, ev->reminders[i])) == NULL)
			goto out;
		icalcomponent_add_component(master, a);
	}
	seq = (p = icalcomponent_get_first_property(master,
	    ICAL_SEQUENCE_PROPERTY)) != NULL ? icalproperty_get_sequence(p) :
	    0;
	if (p == NULL) {
		if ((p = icalproperty_new_sequence(0)) == NULL)
			goto out;
		icalcomponent_add_property(master, p);
	}
	icalproperty_set_sequence(p, seq + 1);
	stamp = icaltime_from_timet_with_zone(now, 0,
	    icaltimezone_get_utc_timezone());
	icalcomponent_set_dtstamp(master, stamp);
	if ((p = icalcomponent_get_first_property(master,
	    ICAL_LASTMODIFIED_PROPERTY)) != NULL)
		icalproperty_set_lastmodified(p, stamp);
	else if ((p = icalproperty_new_lastmodified(stamp)) != NULL)
		icalcomponent_add_property(master, p);
	else
		goto out;
	text = icalcomponent_as_ical_string_r(root);
out:
	if (gen != NULL)
		icalcomponent_free(gen);
	if (root != NULL)
		icalcomponent_free(root);
	return text;
}

/* The zone TZID of stored object root names for the feed: an IANA name
 * gets the writer's own VTIMEZONE, any other the object's, the first
 * seen of that TZID. 0 or -1. */
static int
object_zone(struct ics_writer *w, icalcomponent *root, const char *tzid,
    time_t start)
{
	icalcomponent	*z, *copy;

	if (zone_find(tzid) != NULL)
		return zone_find(tzid) == icaltimezone_get_utc_timezone() ? 0 :
		    note_zone(w, tzid, start);
	if (w->custom != NULL && find_vtimezone(w->custom, tzid) != NULL)
		return 0;
	if ((z = find_vtimezone(root, tzid)) == NULL)
		return 0;
	if (w->custom == NULL &&
	    (w->custom = icalcomponent_new_vcalendar()) == NULL)
		return -1;
	if ((copy = icalcomponent_new_clone(z)) == NULL)
		return -1;
	icalcomponent_add_component(w->custom, copy);
	return 0;
}

/* The TZIDs the properties of component c (and its VALARMs) use. */
static int
object_zones(struct ics_writer *w, icalcomponent *root, icalcomponent *c,
    time_t start)
{
	icalproperty	*p;
	icalparameter	*tz;

	for (p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY))
		if ((tz = icalproperty_get_first_parameter(p,
		    ICAL_TZID_PARAMETER)) != NULL &&
		    icalparameter_get_tzid(tz) != NULL &&
		    object_zone(w, root, icalparameter_get_tzid(tz), start) ==
		    -1)
			return -1;
	return 0;
}

int
ics_writer_add_object(struct ics_writer *w, const struct event *ev,
    const char *ical)
{
	icalcomponent	*root, *v, *copy;
	icalcompiter	 it;
	int		 rc = -1;

	if (ical == NULL || (root = icalparser_parse_string(ical)) == NULL)
		return ics_writer_add(w, ev);
	if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT ||
	    icalcomponent_get_first_component(root,
	    ICAL_VEVENT_COMPONENT) == NULL) {
		icalcomponent_free(root);
		return ics_writer_add(w, ev);
	}
	icalcomponent_strip_errors(root);
	/* An iterator of our own: object_zone walks root's VTIMEZONEs with
	 * root's internal one. */
	for (it = icalcomponent_begin_component(root, ICAL_VEVENT_COMPONENT);
	    (v = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
		if (object_zones(w, root, v, ev->start) == -1 ||
		    (copy = icalcomponent_new_clone(v)) == NULL)
			goto out;
		icalcomponent_add_component(w->events, copy);
	}
	rc = 0;
out:
	icalcomponent_free(root);
	return rc;
}

struct export_walk {
	struct ics_writer	*w;
};

static int
export_one(const struct event *ev, const char *ical, void *arg)
{
	struct export_walk *x = arg;

	return ical != NULL ? ics_writer_add_object(x->w, ev, ical) :
	    ics_writer_add(x->w, ev);
}

enum event_rc
ics_export(struct event_ctx *c, const char *name, struct buf *out,
    char *etag, size_t etaglen)
{
	struct export_walk	 x;
	char			 hex[SHA256_HEX_LEN + 1];
	char			*text = NULL;
	enum event_rc		 rc;

	if ((x.w = ics_writer_new(name)) == NULL)
		return EVENT_NOMEM;
	if ((rc = event_each(c, export_one, &x)) != EVENT_OK)
		goto out;
	rc = EVENT_NOMEM;
	if ((text = ics_writer_finish(x.w)) == NULL)
		goto out;
	if (buf_add(out, text, strlen(text)) != BUF_OK)
		goto out;
	/* The first 160 bits of the digest are plenty for an ETag. */
	if (sha256_hex(text, strlen(text), hex) == -1 || etaglen < 2 * 20 + 3)
		goto out;
	snprintf(etag, etaglen, "\"%.40s\"", hex);
	rc = EVENT_OK;
out:
	free(text);
	ics_writer_free(x.w);
	return rc;
}
