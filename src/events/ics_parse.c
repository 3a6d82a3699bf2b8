/* ics_parse.c — reading RFC 5545 files (see ics.h): the VEVENTs of a
 * file into ics_items. Lines come unfolded from the lexer (ics_lex.c) so
 * that every error names its physical line; property values are parsed
 * by libical one line at a time; the structure (BEGIN/END) is checked by
 * a small stack. VTIMEZONEs are read in a first pass (ics_vtimezone.c) so
 * that events may refer to zones defined further down. What is not
 * well-formed (the lexer's refusals, a line that is not NAME:VALUE,
 * unbalanced BEGIN/END) refuses the file; what makes one event unusable (a
 * value libical cannot read, an impossible date, an unknown TZID, ...)
 * skips that event with its line and reason (ics_item.skip). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events/ics_internal.h"
#include "events/recur.h"

#define ICS_DEPTH	8		/* deepest BEGIN nesting */
#define ICS_MAX_PROPS	1000		/* properties per VEVENT */
#define ICS_MAX_RRULES	8		/* RRULE lines read per VEVENT */

/* Frees what the reader holds: the lines and the file's zones. */
static void
free_reader(struct ics_reader *r)
{
	size_t i;

	for (i = 0; i < r->nzones; i++)
		if (r->zones[i].zone != NULL)
			icaltimezone_free(r->zones[i].zone, 1);
	free(r->zones);
	free(r->lines);
	free(r->buf);
}

struct tval {
	struct icaltimetype	 tt;	/* zone NULL: local or floating */
	int			 is_date, is_utc;
	icaltimezone		*z;	/* TZID's zone, NULL when none */
	char			 iana[ZONE_NAME_MAX + 1];
};

static int
time_ok(const struct icaltimetype *tt)
{
	return !icaltime_is_null_time(*tt) && rfc3339_valid_date(tt->year,
	    tt->month, tt->day) && tt->year >= EVENT_YEAR_MIN &&
	    tt->year <= EVENT_YEAR_MAX && (tt->is_date || (tt->hour >= 0 &&
	    tt->hour < 24 && tt->minute >= 0 && tt->minute < 60 &&
	    tt->second >= 0 && tt->second < 60));
}

static void
skip(struct ics_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An event that cannot be used: skipped, the reason naming the line (the
 * first reason stays). Returns 1, which ends the reading of that event
 * (build_event) but not of the file. */
static int
unusable(struct ics_item *it, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
unusable(struct ics_item *it, long line, const char *fmt, ...)
{
	va_list	ap;
	char	msg[160];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	skip(it, "line %ld: %s", line, msg);
	return 1;
}

/* A TZID no zone was found for, in property prop of line: the event is
 * unusable, and the reason says whether the file's VTIMEZONE of that
 * TZID could not be read or there is none. Returns 1. */
static int
unknown_zone(const struct ics_reader *r, struct ics_item *it, long line,
    const char *tzid, const char *prop)
{
	long zl = ics_zone_unreadable(r, tzid);

	if (zl != 0)
		return unusable(it, line, "the VTIMEZONE of \"%.60s\" in %s "
		    "(line %ld) cannot be read", tzid, prop, zl);
	return unusable(it, line, "unknown time zone \"%.60s\" in %s (no "
	    "VTIMEZONE in the file defines it)", tzid, prop);
}

enum which_time { T_DTSTART, T_DTEND, T_RID };

/* DTSTART, DTEND or RECURRENCE-ID through libical, then the TZID resolved
 * here. 0, or 1 when the event is unusable (it->why). */
static int
read_time(struct ics_reader *r, struct ics_item *it, const struct ics_line *l,
    enum which_time which, struct tval *out)
{
	static const char *const names[] = { "DTSTART", "DTEND",
	    "RECURRENCE-ID" };
	icalproperty	*p;
	char		 tzid[256];

	memset(out, 0, sizeof(*out));
	if ((p = icalproperty_new_from_string(l->text)) == NULL)
		return unusable(it, l->no, "this %s cannot be read",
		    names[which]);
	out->tt = which == T_DTEND ? icalproperty_get_dtend(p) :
	    which == T_RID ? icalproperty_get_recurrenceid(p) :
	    icalproperty_get_dtstart(p);
	icalproperty_free(p);
	if (!time_ok(&out->tt))
		return unusable(it, l->no, "%s is not a valid date or time "
		    "(years %d to %d)", names[which], EVENT_YEAR_MIN,
		    EVENT_YEAR_MAX);
	out->is_date = out->tt.is_date;
	out->is_utc = icaltime_is_utc(out->tt);
	out->tt.zone = NULL;
	if (ics_param(l->text, "TZID", tzid, sizeof(tzid)) && !out->is_utc &&
	    !out->is_date) {
		if ((out->z = ics_resolve_zone(r, tzid, out->tt.year, out->iana,
		    sizeof(out->iana))) == NULL)
			return unknown_zone(r, it, l->no, tzid, names[which]);
	}
	return 0;
}

/* The instant of a value: UTC, in its TZID's zone, or in dz (floating). */
static time_t
instant(const struct tval *v, icaltimezone *dz)
{
	struct icaltimetype tt = v->tt;

	if (v->is_utc)
		return icaltime_as_timet_with_zone(tt,
		    icaltimezone_get_utc_timezone());
	return zone_instant(v->z ? v->z : dz, tt);
}

/* Copies at most max characters of s (UTF-8), turning control characters
 * other than newline (when nl) into spaces. */
static char *
clip_text(const char *s, long max, int nl)
{
	char	*o;
	size_t	 i = 0, n = strlen(s);
	long	 chars = 0;

	if ((o = malloc(n + 1)) == NULL)
		return NULL;
	while (i < n && chars < max) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		if (i + k > n)
			break;
		memcpy(o + i, s + i, k);
		if (k == 1 && (c < 0x20 || c == 0x7f) && !(nl && (c == '\n' ||
		    c == '\t')))
			o[i] = ' ';
		i += k;
		chars++;
	}
	o[i] = '\0';
	return o;
}

/* A text property's unescaped value via libical, for member field. Line
 * breaks (RFC 5545's \n) and other C0 controls become spaces where the
 * member takes none; then the JSON API's own rule (event_text_chars)
 * decides: what it refuses, C1 controls (U+0080-U+009F) above all, skips
 * the event with the API's message. 0, 1 (unusable) or -3. */
static int
read_text(struct ics_reader *r, struct ics_item *it, const struct ics_line *l,
    const char *field, long max, int nl, char **out)
{
	icalproperty	*p = NULL;
	const char	*v = ics_value_of(l->text);
	char		*t;

	/* An empty value (RFC 5545 allows it; Google and Thunderbird write
	 * "LOCATION:") is "", which libical does not parse. */
	if (v == NULL || *v != '\0') {
		if ((p = icalproperty_new_from_string(l->text)) == NULL)
			return unusable(it, l->no, "the %s cannot be read",
			    field);
		v = icalvalue_get_text(icalproperty_get_value(p));
	}
	t = clip_text(v ? v : "", max, nl);
	if (p != NULL)
		icalproperty_free(p);
	if (t == NULL)
		return -3;
	if (event_text_chars(t, strlen(t), nl) < 0)
		skip(it, "line %ld: %s " EVENT_TEXT_REFUSED, l->no, field);
	free(*out);
	*out = t;
	return 0;
}

struct vevent {
	size_t		 begin;		/* BEGIN:VEVENT */
	const struct ics_line *dtstart, *dtend, *duration, *uid, *exrule;
	const struct ics_line *rrules[ICS_MAX_RRULES];
	size_t		 nrrules;
	int		 too_many_rrules;
	const struct ics_line *summary, *description, *location;
	const struct ics_line *rid, *status;
	const struct ics_line *sequence, *last_modified, *dtstamp;
	const struct ics_line *dates[RECUR_MAX_DATES + 1];
	size_t		 ndates;
	long		 alarms[REMINDER_MAX];	/* minutes */
	size_t		 nalarms;
	int		 too_many_dates;
};

static void
skip(struct ics_item *it, const char *fmt, ...)
{
	va_list ap;

	if (it->skip)
		return;
	it->skip = 1;
	va_start(ap, fmt);
	vsnprintf(it->why, sizeof(it->why), fmt, ap);
	va_end(ap);
}

/* Appends a canonical RDATE/EXDATE line for the values of l. 0, 1 when
 * the event is unusable (it->why), -3 out of memory. */
static int
add_dates(struct ics_reader *r, struct ics_item *it, const struct ics_line *l,
    icaltimezone *ez, char ***lines, size_t *n)
{
	struct buf	 b;
	char		 tzid[256], val[32], **nl;
	const char	*v = ics_value_of(l->text), *e;
	icaltimezone	*z = NULL;
	struct tval	 tv;
	struct icaltimetype lt;
	int		 ex = !strncasecmp(l->text, "EXDATE", 6), rc = -3;
	const char	*name = ex ? "EXDATE" : "RDATE";
	time_t		 t;

	buf_init(&b, RECUR_MAX_LINE);
	/* An empty EXDATE or RDATE (as some writers leave) adds nothing. */
	if (v == NULL || *v == '\0') {
		rc = 0;
		goto out;
	}
	if (ics_param(l->text, "VALUE", val, sizeof(val)) &&
	    !strcasecmp(val, "PERIOD")) {
		skip(it, "line %ld: RDATE periods are not supported", l->no);
		rc = 0;
		goto out;
	}
	if (ics_param(l->text, "TZID", tzid, sizeof(tzid)) &&
	    (z = ics_resolve_zone(r, tzid, icaltime_from_timet_with_zone(
	    it->ev.start, 0, icaltimezone_get_utc_timezone()).year, tv.iana,
	    sizeof(tv.iana))) == NULL) {
		rc = unknown_zone(r, it, l->no, tzid, name);
		goto out;
	}
	if (buf_printf(&b, "%s%s:", name,
	    it->ev.all_day ? ";VALUE=DATE" : "") != BUF_OK)
		goto out;
	for (; v != NULL && *v; v = *e ? e + 1 : e) {
		size_t len;

		e = strchr(v, ',');
		if (e == NULL)
			e = v + strlen(v);
		len = (size_t)(e - v);
		if (len >= sizeof(val) || memchr(v, '/', len) != NULL) {
			rc = unusable(it, l->no, "a value of %s is not a date "
			    "or date-time", name);
			goto out;
		}
		memcpy(val, v, len);
		val[len] = '\0';
		memset(&tv, 0, sizeof(tv));
		tv.tt = icaltime_from_string(val);
		if (!time_ok(&tv.tt)) {
			rc = unusable(it, l->no, "a value of %s is not a valid "
			    "date or date-time (years %d to %d)", name,
			    EVENT_YEAR_MIN, EVENT_YEAR_MAX);
			goto out;
		}
		tv.is_date = tv.tt.is_date;
		tv.is_utc = icaltime_is_utc(tv.tt);
		tv.tt.zone = NULL;
		tv.z = z;
		if (it->ev.all_day) {
			if (!tv.is_date) {
				lt = zone_local(ez, instant(&tv, ez), 1);
				tv.tt = lt;
			}
			if (buf_printf(&b, "%s%04d%02d%02d", b.data[b.len - 1] ==
			    ':' ? "" : ",", tv.tt.year, tv.tt.month,
			    tv.tt.day) != BUF_OK)
				goto toolong;
			continue;
		}
		t = tv.is_date ? zone_midnight(ez, tv.tt.year, tv.tt.month,
		    tv.tt.day) : instant(&tv, ez);
		lt = icaltime_from_timet_with_zone(t, 0,
		    icaltimezone_get_utc_timezone());
		if (buf_printf(&b, "%s%04d%02d%02dT%02d%02d%02dZ",
		    b.data[b.len - 1] == ':' ? "" : ",", lt.year, lt.month,
		    lt.day, lt.hour, lt.minute, lt.second) != BUF_OK)
			goto toolong;
	}
	if ((nl = reallocarray(*lines, *n + 1, sizeof(*nl))) == NULL)
		goto out;
	*lines = nl;
	nl[*n] = buf_detach(&b);
	if (nl[*n] == NULL)
		goto out;
	(*n)++;
	rc = 0;
	goto out;
toolong:
	skip(it, "line %ld: too many dates on one line", l->no);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* RRULE through libical, with UNTIL made the kind recur.c accepts: UTC for
 * timed events, a date for all-day ones. 0, 1 (unusable), -3. */
static int
add_rrule(struct ics_reader *r, struct ics_item *it, const struct ics_line *l,
    icaltimezone *ez, char ***lines, size_t *n)
{
	icalproperty			*p;
	struct icalrecurrencetype	 rule;
	char				*s, **nl, *line;
	size_t				 len;
	time_t				 t;

	if ((p = icalproperty_new_from_string(l->text)) == NULL)
		return unusable(it, l->no, "this RRULE cannot be read");
	rule = icalproperty_get_rrule(p);
	icalproperty_free(p);
	if (rule.freq == ICAL_NO_RECURRENCE)
		return unusable(it, l->no, "this RRULE cannot be read");
	if (!icaltime_is_null_time(rule.until)) {
		if (it->ev.all_day) {
			rule.until.is_date = 1;
			rule.until.hour = rule.until.minute =
			    rule.until.second = 0;
			rule.until.zone = NULL;
		} else {
			if (rule.until.is_date) {
				/* The whole last day counts. */
				t = zone_midnight(ez, rule.until.year,
				    rule.until.month, rule.until.day) + 86399;
			} else if (icaltime_is_utc(rule.until))
				t = icaltime_as_timet_with_zone(rule.until,
				    icaltimezone_get_utc_timezone());
			else {
				rule.until.zone = NULL;
				t = zone_instant(ez, rule.until);
			}
			rule.until = icaltime_from_timet_with_zone(t, 0,
			    icaltimezone_get_utc_timezone());
		}
	}
	if ((s = icalrecurrencetype_as_string_r(&rule)) == NULL)
		return -3;
	len = strlen(s) + 7;
	if ((line = malloc(len)) == NULL) {
		free(s);
		return -3;
	}
	snprintf(line, len, "RRULE:%s", s);
	free(s);
	if ((nl = reallocarray(*lines, *n + 1, sizeof(*nl))) == NULL) {
		free(line);
		return -3;
	}
	*lines = nl;
	nl[(*n)++] = line;
	return 0;
}

/* Minutes before the start of one VALARM's TRIGGER, -1 if unusable. */
static long
alarm_minutes(const char *text, const struct tval *start, icaltimezone *ez)
{
	icalproperty		*p;
	struct icaltriggertype	 tr;
	char			 rel[16];
	long			 secs;

	if ((p = icalproperty_new_from_string(text)) == NULL)
		return -2;
	tr = icalproperty_get_trigger(p);
	icalproperty_free(p);
	if (ics_param(text, "RELATED", rel, sizeof(rel)) &&
	    !strcasecmp(rel, "END"))
		return -1;
	if (!icaltime_is_null_time(tr.time)) {
		struct tval v;

		memset(&v, 0, sizeof(v));
		v.tt = tr.time;
		v.is_utc = icaltime_is_utc(tr.time);
		v.tt.zone = NULL;
		secs = (long)(instant(start, ez) - instant(&v, ez));
	} else
		secs = -icaldurationtype_as_int(tr.duration);
	if (secs < 0 || secs % 60 != 0 || secs / 60 > REMINDER_MINUTES_MAX)
		return -1;
	return secs / 60;
}

/* The instance a RECURRENCE-ID names, in the form EXDATE takes: the date
 * of an all-day series, the UTC instant of a timed one. Its kind follows
 * the series' DTSTART, not the override's (Thunderbird turns one timed
 * instance into an all-day one); the import compares it with the series. */
static int
read_rid(struct ics_reader *r, const struct ics_line *l, icaltimezone *ez,
    struct ics_item *it)
{
	struct tval		 tr;
	struct icaltimetype	 u;
	icaltimezone		*fz;
	int			 rc;

	if ((rc = read_time(r, it, l, T_RID, &tr)) != 0)
		return rc;
	/* A floating date-time on an all-day override names a floating
	 * instance of a timed series: in the calendar's zone (or the
	 * user's), as that series' floating times are. */
	if (it->ev.all_day && !tr.is_date && !tr.is_utc && tr.z == NULL &&
	    (fz = zone_find(r->cal_tz[0] != '\0' ? r->cal_tz :
	    r->default_tz)) != NULL)
		ez = fz;
	it->has_rid = 1;
	if (tr.is_date) {
		snprintf(it->rid, sizeof(it->rid), "%04d%02d%02d", tr.tt.year,
		    tr.tt.month, tr.tt.day);
		return 0;
	}
	u = icaltime_from_timet_with_zone(instant(&tr, ez), 0,
	    icaltimezone_get_utc_timezone());
	snprintf(it->rid, sizeof(it->rid), "%04d%02d%02dT%02d%02d%02dZ",
	    u.year, u.month, u.day, u.hour, u.minute, u.second);
	return 0;
}

/* A LAST-MODIFIED or DTSTAMP line as a UTC instant; 0 when absent or
 * unreadable: these only order copies. */
static time_t
read_stamp(const struct ics_line *l, int dtstamp)
{
	icalproperty		*p;
	struct icaltimetype	 tt;

	if (l == NULL || (p = icalproperty_new_from_string(l->text)) == NULL)
		return 0;
	tt = dtstamp ? icalproperty_get_dtstamp(p) :
	    icalproperty_get_lastmodified(p);
	icalproperty_free(p);
	if (!time_ok(&tt) || tt.is_date)
		return 0;
	return icaltime_as_timet_with_zone(tt,
	    icaltimezone_get_utc_timezone());
}

/* SEQUENCE, LAST-MODIFIED and DTSTAMP of a copy of an event: which copy
 * of a UID is the newest. What libical cannot read counts as absent (0). */
static void
read_version(const struct vevent *v, struct ics_item *it)
{
	icalproperty *p;

	if (v->sequence != NULL &&
	    (p = icalproperty_new_from_string(v->sequence->text)) != NULL) {
		it->sequence = icalproperty_get_sequence(p);
		icalproperty_free(p);
	}
	it->modified = read_stamp(v->last_modified, 0);
	it->stamp = read_stamp(v->dtstamp, 1);
}

/* The UID of a VEVENT into it->ev.uid, first, so that whatever makes the
 * event unusable is reported with it. 0, 1 (unusable). */
static int
read_uid(const struct vevent *v, struct ics_item *it)
{
	icalproperty	*p;
	const char	*u;

	/* An empty UID is no UID (skipped in build_event). */
	if (v->uid == NULL || *ics_value_of(v->uid->text) == '\0')
		return 0;
	if ((p = icalproperty_new_from_string(v->uid->text)) == NULL)
		return unusable(it, v->uid->no, "this UID cannot be read");
	u = icalproperty_get_uid(p) ? icalproperty_get_uid(p) : "";
	snprintf(it->ev.uid, sizeof(it->ev.uid), "%s", u);
	if (strlen(u) > EVENT_UID_MAX)
		skip(it, "line %ld: UID longer than %d bytes", v->uid->no,
		    EVENT_UID_MAX);
	icalproperty_free(p);
	return 0;
}

/* The event's times: DTSTART, then DTEND, else DURATION, else RFC 5545's
 * defaults. 0, 1 (unusable). */
static int
read_times(struct ics_reader *r, const struct vevent *v, struct ics_item *it,
    struct tval *ts, icaltimezone **ezp)
{
	struct tval	 te;
	icaltimezone	*ez;
	icalproperty	*p;
	int		 rc;

	if (v->dtstart == NULL)
		return unusable(it, it->line, "VEVENT without DTSTART");
	if ((rc = read_time(r, it, v->dtstart, T_DTSTART, ts)) != 0)
		return rc;
	it->ev.all_day = ts->is_date;
	if (ts->iana[0] != '\0')
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    ts->iana);
	else if (ts->is_utc)
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "UTC");
	else if (!ts->is_date && ts->z == NULL && r->cal_tz[0] != '\0')
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    r->cal_tz);
	else
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    r->default_tz);
	if ((ez = zone_find(it->ev.time_zone)) == NULL)
		ez = icaltimezone_get_utc_timezone();
	*ezp = ez;
	it->ev.start = ts->is_date ? zone_midnight(ez, ts->tt.year,
	    ts->tt.month, ts->tt.day) : instant(ts, ez);
	if (v->dtend != NULL) {
		if ((rc = read_time(r, it, v->dtend, T_DTEND, &te)) != 0)
			return rc;
		if (te.is_date != ts->is_date)
			return unusable(it, v->dtend->no, "DTEND and DTSTART "
			    "must both be dates or both date-times");
		it->ev.end = te.is_date ? zone_midnight(ez, te.tt.year,
		    te.tt.month, te.tt.day) : instant(&te, ez);
	} else if (v->duration != NULL) {
		struct icaldurationtype d;

		if ((p = icalproperty_new_from_string(v->duration->text)) ==
		    NULL)
			return unusable(it, v->duration->no, "this DURATION "
			    "cannot be read");
		d = icalproperty_get_duration(p);
		icalproperty_free(p);
		if (d.is_neg)
			return unusable(it, v->duration->no, "DURATION is "
			    "negative");
		if (ts->is_date) {
			struct icaltimetype e = ts->tt;

			e.day += d.days + 7 * d.weeks;
			e = icaltime_normalize(e);
			it->ev.end = zone_midnight(ez, e.year, e.month, e.day);
		} else
			it->ev.end = it->ev.start +
			    icaldurationtype_as_int(d);
	} else if (ts->is_date)
		it->ev.end = zone_midnight(ez, ts->tt.year, ts->tt.month,
		    ts->tt.day) + 86400;
	else
		it->ev.end = it->ev.start;
	/* RFC 5545 allows an instant event; ours last at least a minute. */
	if (!ts->is_date && it->ev.end == it->ev.start)
		it->ev.end = it->ev.start + 60;
	if (ts->is_date && it->ev.end == it->ev.start) {
		struct icaltimetype e = ts->tt;

		e.day += 1;
		e = icaltime_normalize(e);
		it->ev.end = zone_midnight(ez, e.year, e.month, e.day);
	}
	return 0;
}

/* The rest of a VEVENT once its UID is read. 0, 1 (unusable), -3. */
static int
read_event(struct ics_reader *r, struct vevent *v, struct ics_item *it,
    const struct ics_line *alarm_lines[], size_t nalarm_lines)
{
	struct tval	 ts;
	icaltimezone	*ez = NULL;
	const char	*sv;
	size_t		 i, j;
	long		 m;
	int		 rc;

	if ((rc = read_times(r, v, it, &ts, &ez)) != 0)
		return rc;
	if (it->ev.uid[0] == '\0')
		skip(it, "line %ld: VEVENT without UID", it->line);
	if (v->summary != NULL) {
		if ((rc = read_text(r, it, v->summary, "title",
		    EVENT_TITLE_MAX, 0, &it->ev.title)) != 0)
			return rc;
	}
	if (it->ev.title == NULL || it->ev.title[0] == '\0') {
		free(it->ev.title);
		if ((it->ev.title = strdup("(no title)")) == NULL)
			return -3;
	}
	if (v->description != NULL && (rc = read_text(r, it, v->description,
	    "description", EVENT_DESC_MAX, 1, &it->ev.description)) != 0)
		return rc;
	if (v->location != NULL && (rc = read_text(r, it, v->location,
	    "location", EVENT_LOCATION_MAX, 0, &it->ev.location)) != 0)
		return rc;
	if (v->rid != NULL && (rc = read_rid(r, v->rid, ez, it)) != 0)
		return rc;
	if (v->status != NULL && (sv = ics_value_of(v->status->text)) != NULL &&
	    !strcasecmp(sv, "CANCELLED")) {
		/* A cancelled instance still removes it from its series. */
		it->cancelled = 1;
		if (!it->has_rid)
			skip(it, "line %ld: cancelled event", v->status->no);
	}
	if (v->too_many_dates)
		skip(it, "more than %d RDATE/EXDATE lines", RECUR_MAX_DATES);
	if (v->exrule != NULL)
		skip(it, "line %ld: EXRULE is not supported", v->exrule->no);
	if (v->too_many_rrules)
		skip(it, "more than %d RRULE lines", ICS_MAX_RRULES);
	for (i = 0; i < v->nrrules; i++) {
		if ((rc = add_rrule(r, it, v->rrules[i], ez,
		    &it->ev.recurrence, &it->ev.nrecurrence)) != 0)
			return rc;
		if (i == 0)
			continue;
		/* Copies of the rule (some writers repeat it) are the rule;
		 * an event has one rule here, so a different one is an event
		 * we cannot use, not a broken file. */
		if (!strcmp(it->ev.recurrence[it->ev.nrecurrence - 1],
		    it->ev.recurrence[0])) {
			free(it->ev.recurrence[--it->ev.nrecurrence]);
			it->ev.recurrence[it->ev.nrecurrence] = NULL;
		} else
			skip(it, "line %ld: a second RRULE, different from the "
			    "first (one rule per event is supported)",
			    v->rrules[i]->no);
	}
	for (i = 0; i < v->ndates; i++)
		if ((rc = add_dates(r, it, v->dates[i], ez,
		    &it->ev.recurrence, &it->ev.nrecurrence)) != 0)
			return rc;
	for (i = 0; i < nalarm_lines; i++) {
		m = alarm_minutes(alarm_lines[i]->text, &ts, ez);
		if (m == -2)
			return unusable(it, alarm_lines[i]->no, "this TRIGGER "
			    "cannot be read");
		if (m < 0 || it->ev.nreminders >= REMINDER_MAX)
			continue;
		for (j = 0; j < it->ev.nreminders; j++)
			if (it->ev.reminders[j] == (int)m)
				break;
		if (j == it->ev.nreminders)
			it->ev.reminders[it->ev.nreminders++] = (int)m;
	}
	return 0;
}

/* One VEVENT into *it: 0 (it->skip set when the event cannot be used,
 * it->why saying why) or -3 (memory). */
static int
build_event(struct ics_reader *r, struct vevent *v, struct ics_item *it,
    const struct ics_line *alarm_lines[], size_t nalarm_lines)
{
	int rc;

	memset(it, 0, sizeof(*it));
	it->line = r->lines[v->begin].no;
	if ((rc = read_uid(v, it)) == 0) {
		read_version(v, it);
		rc = read_event(r, v, it, alarm_lines, nalarm_lines);
	}
	if (rc != 1)
		return rc;
	/* Unusable. A changed instance whose RECURRENCE-ID was not read
	 * names no instance: it is noted under one that none has ("?"), so
	 * that it is not taken for a copy of its series. */
	if (v->rid != NULL && !it->has_rid) {
		it->has_rid = 1;
		snprintf(it->rid, sizeof(it->rid), "?");
	}
	return 0;
}

/* Adds to cal the VTIMEZONE of tzid unless it has it: the file's own,
 * else the known zone's from a year before start on. 0 or -1. */
static int
object_zone(struct ics_reader *r, icalcomponent *cal, const char *tzid,
    time_t start)
{
	icalcomponent	*z, *copy = NULL;
	icalproperty	*p;
	size_t		 i;

	for (z = icalcomponent_get_first_component(cal,
	    ICAL_VTIMEZONE_COMPONENT); z != NULL;
	    z = icalcomponent_get_next_component(cal,
	    ICAL_VTIMEZONE_COMPONENT))
		if ((p = icalcomponent_get_first_property(z,
		    ICAL_TZID_PROPERTY)) != NULL &&
		    icalproperty_get_tzid(p) != NULL &&
		    !strcmp(icalproperty_get_tzid(p), tzid))
			return 0;
	for (i = 0; i < r->nzones; i++)
		if (!strcmp(r->zones[i].tzid, tzid) && r->zones[i].zone !=
		    NULL && icaltimezone_get_component(r->zones[i].zone) !=
		    NULL) {
			if ((copy = icalcomponent_new_clone(
			    icaltimezone_get_component(r->zones[i].zone))) ==
			    NULL)
				return -1;
			break;
		}
	if (copy == NULL && (copy = ics_vtimezone(tzid, start)) == NULL)
		return 0;	/* UTC, or a name nothing defines */
	/* VTIMEZONEs first, as RFC 5545 writers put them. */
	icalcomponent_add_component(cal, copy);
	return 0;
}

icalcomponent *
ics_item_object(const struct ics_item *it)
{
	struct ics_reader	*r = it->reader;
	struct buf		 t;
	icalcomponent		*cal = NULL, *v = NULL;
	char			 tzid[256];
	size_t			 i;

	if (r == NULL || it->last <= it->first || it->last >= r->nlines)
		return NULL;
	buf_init(&t, ICS_MAX_OBJECT);
	for (i = it->first; i <= it->last; i++)
		if (buf_addstr(&t, r->lines[i].text) != BUF_OK ||
		    buf_addstr(&t, "\r\n") != BUF_OK)
			goto fail;
	if ((v = icalparser_parse_string(t.data)) == NULL ||
	    icalcomponent_isa(v) != ICAL_VEVENT_COMPONENT)
		goto fail;
	icalcomponent_strip_errors(v);
	if ((cal = icalcomponent_new_vcalendar()) == NULL)
		goto fail;
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICS_PRODID));
	for (i = it->first; i <= it->last; i++)
		if (ics_param(r->lines[i].text, "TZID", tzid, sizeof(tzid)) &&
		    object_zone(r, cal, tzid, it->ev.start) == -1)
			goto fail;
	icalcomponent_add_component(cal, v);
	buf_free(&t);
	return cal;
fail:
	if (cal != NULL)
		icalcomponent_free(cal);
	else if (v != NULL)
		icalcomponent_free(v);
	buf_free(&t);
	return NULL;
}

struct walk {
	ics_fn		 fn;
	void		*arg;
	int		 pass;	/* 1: zones, 2: events */
	struct ics_calendar *cal;	/* NULL: not asked */
};

/* A VCALENDAR's REFRESH-INTERVAL (RFC 7986) or X-PUBLISHED-TTL (Outlook,
 * Google): how often its publisher asks to be fetched, into w->cal.
 * REFRESH-INTERVAL wins; a duration libical cannot read is ignored. */
static void
calendar_refresh(struct walk *w, const char *t, size_t nl)
{
	struct icaldurationtype	 d;
	const char		*val;
	int			 refresh, secs;

	refresh = ics_is_name(t, nl, "REFRESH-INTERVAL");
	if (w->cal == NULL || (!refresh && (!ics_is_name(t, nl,
	    "X-PUBLISHED-TTL") || w->cal->refresh_from_rfc7986)) ||
	    (val = ics_value_of(t)) == NULL)
		return;
	d = icaldurationtype_from_string(val);
	if (icaldurationtype_is_bad_duration(d) || d.is_neg ||
	    (secs = icaldurationtype_as_int(d)) <= 0)
		return;
	w->cal->refresh_minutes = (secs + 59) / 60;
	w->cal->refresh_from_rfc7986 = refresh;
}

static const char *
begin_end(const char *t, int *is_end)
{
	if (!strncasecmp(t, "BEGIN:", 6)) {
		*is_end = 0;
		return t + 6;
	}
	if (!strncasecmp(t, "END:", 4)) {
		*is_end = 1;
		return t + 4;
	}
	return NULL;
}

/* The X-WR-TIMEZONE of the VCALENDAR opened at line begin into r->cal_tz
 * ("" when absent or no zone known here). Google's export names the
 * calendar's zone there, and floating date-times are meant in it. */
static void
calendar_zone(struct ics_reader *r, size_t begin)
{
	char		 iana[ZONE_NAME_MAX + 1];
	const char	*t, *val;
	size_t		 i, nl, depth = 0;
	int		 is_end;

	r->cal_tz[0] = '\0';
	for (i = begin + 1; i < r->nlines; i++) {
		t = r->lines[i].text;
		if (begin_end(t, &is_end) != NULL) {
			if (is_end && depth == 0)
				return;
			depth = is_end ? depth - 1 : depth + 1;
			continue;
		}
		if (depth == 0 && (nl = ics_prop_name(t)) != 0 &&
		    ics_is_name(t, nl, "X-WR-TIMEZONE") &&
		    (val = ics_value_of(t)) != NULL && *val != '\0' &&
		    ics_resolve_zone(r, val, 0, iana, sizeof(iana)) != NULL &&
		    iana[0] != '\0') {
			snprintf(r->cal_tz, sizeof(r->cal_tz), "%s", iana);
			return;
		}
	}
}

static int
walk(struct ics_reader *r, struct walk *w)
{
	const char	*stack[ICS_DEPTH], *comp;
	const struct ics_line *alarms[64];
	size_t		 depth = 0, i, ztop = 0, nalarms = 0, nl;
	struct vevent	 v;
	struct ics_item	 it;
	int		 is_end, in_event = 0, in_alarm = 0, calendars = 0, rc;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < r->nlines; i++) {
		const struct ics_line *l = &r->lines[i];

		if ((nl = ics_prop_name(l->text)) == 0 ||
		    ics_value_of(l->text) == NULL)
			return ics_fail(r, l->no, "expected NAME:VALUE");
		/* libical reads any BEGIN or END as structure; ours must too. */
		if ((ics_is_name(l->text, nl, "BEGIN") ||
		    ics_is_name(l->text, nl, "END")) && l->text[nl] != ':')
			return ics_fail(r, l->no, "BEGIN and END take no "
			    "parameters");
		if ((comp = begin_end(l->text, &is_end)) != NULL) {
			if (*comp == '\0' || strlen(comp) > 64)
				return ics_fail(r, l->no, "BEGIN/END needs a "
				    "component name");
			if (!is_end) {
				if (depth == 0 && strcasecmp(comp, "VCALENDAR"))
					return ics_fail(r, l->no, "expected "
					    "BEGIN:VCALENDAR");
				if (depth > 0 && !strcasecmp(comp, "VCALENDAR"))
					return ics_fail(r, l->no, "VCALENDAR "
					    "inside a component");
				if (depth == ICS_DEPTH)
					return ics_fail(r, l->no, "components "
					    "nested too deeply");
				stack[depth++] = comp;
				if (depth == 1) {
					calendars++;
					if (w->pass == 2)
						calendar_zone(r, i);
				}
				if (depth == 2 && !strcasecmp(comp,
				    "VTIMEZONE"))
					ztop = i;
				if (depth == 2 && !strcasecmp(comp, "VEVENT")) {
					memset(&v, 0, sizeof(v));
					v.begin = i;
					in_event = 1;
					nalarms = 0;
				}
				if (depth == 3 && in_event &&
				    !strcasecmp(comp, "VALARM"))
					in_alarm = 1;
				continue;
			}
			if (depth == 0 || strcasecmp(stack[depth - 1], comp))
				return ics_fail(r, l->no, "END:%.40s does not "
				    "match BEGIN:%.40s", comp, depth ?
				    stack[depth - 1] : "(nothing)");
			depth--;
			if (depth == 1 && w->pass == 1 &&
			    !strcasecmp(comp, "VTIMEZONE") &&
			    (rc = ics_read_vtimezone(r, ztop, i)) != 0)
				return rc;
			if (depth == 2 && in_alarm)
				in_alarm = 0;
			if (depth == 1 && in_event) {
				in_event = 0;
				if (w->pass != 2)
					continue;
				rc = build_event(r, &v, &it, alarms, nalarms);
				it.reader = r;
				it.first = v.begin;
				it.last = i;
				if (rc == 0 && w->fn(&it, w->arg) != 0)
					rc = -2;
				event_clear(&it.ev);
				if (rc != 0)
					return rc;
			}
			continue;
		}
		if (depth == 0)
			return ics_fail(r, l->no, "expected BEGIN:VCALENDAR");
		if (in_alarm && depth == 3) {
			if (ics_is_name(l->text, nl, "TRIGGER") &&
			    nalarms < sizeof(alarms) / sizeof(alarms[0]))
				alarms[nalarms++] = l;
			continue;
		}
		if (depth == 1 && w->pass == 1)
			calendar_refresh(w, l->text, nl);
		if (!in_event || depth != 2)
			continue;
		if (ics_is_name(l->text, nl, "DTSTART"))
			v.dtstart = l;
		else if (ics_is_name(l->text, nl, "DTEND"))
			v.dtend = l;
		else if (ics_is_name(l->text, nl, "DURATION"))
			v.duration = l;
		else if (ics_is_name(l->text, nl, "UID"))
			v.uid = l;
		else if (ics_is_name(l->text, nl, "SUMMARY"))
			v.summary = l;
		else if (ics_is_name(l->text, nl, "DESCRIPTION"))
			v.description = l;
		else if (ics_is_name(l->text, nl, "LOCATION"))
			v.location = l;
		else if (ics_is_name(l->text, nl, "RECURRENCE-ID"))
			v.rid = l;
		else if (ics_is_name(l->text, nl, "STATUS"))
			v.status = l;
		else if (ics_is_name(l->text, nl, "SEQUENCE"))
			v.sequence = l;
		else if (ics_is_name(l->text, nl, "LAST-MODIFIED"))
			v.last_modified = l;
		else if (ics_is_name(l->text, nl, "DTSTAMP"))
			v.dtstamp = l;
		else if (ics_is_name(l->text, nl, "RRULE")) {
			if (v.nrrules < ICS_MAX_RRULES)
				v.rrules[v.nrrules++] = l;
			else
				v.too_many_rrules = 1;
		} else if (ics_is_name(l->text, nl, "EXRULE"))
			v.exrule = l;
		else if (ics_is_name(l->text, nl, "RDATE") ||
		    ics_is_name(l->text, nl, "EXDATE")) {
			if (v.ndates < RECUR_MAX_DATES)
				v.dates[v.ndates++] = l;
			else
				v.too_many_dates = 1;
		}
	}
	if (depth != 0)
		return ics_fail(r, r->nlines ? r->lines[r->nlines - 1].no : 1,
		    "the file ends inside %.40s", stack[depth - 1]);
	if (calendars == 0)
		return ics_fail(r, 1, "no VCALENDAR in the file");
	return 0;
}

int
ics_parse(const char *data, size_t len, const char *default_tz, ics_fn fn,
    void *arg, struct ics_error *err)
{
	return ics_parse_calendar(data, len, default_tz, fn, arg, NULL, err);
}

int
ics_parse_calendar(const char *data, size_t len, const char *default_tz,
    ics_fn fn, void *arg, struct ics_calendar *cal, struct ics_error *err)
{
	struct ics_reader	 r;
	struct walk	 w;
	int		 rc;

	memset(&r, 0, sizeof(r));
	memset(err, 0, sizeof(*err));
	if (cal != NULL)
		memset(cal, 0, sizeof(*cal));
	r.err = err;
	r.default_tz = zone_find(default_tz) ? default_tz : "UTC";
	w.fn = fn;
	w.arg = arg;
	w.cal = cal;
	if ((rc = ics_split_lines(&r, data, len)) != 0)
		goto out;
	w.pass = 1;
	if ((rc = walk(&r, &w)) != 0)
		goto out;
	w.pass = 2;
	rc = walk(&r, &w);
out:
	free_reader(&r);
	return rc;
}
