/* ics_import.c — reading RFC 5545 files (see ics.h). Lines are unfolded and
 * checked here so that every error names its physical line; property values
 * are parsed by libical one line at a time; the structure (BEGIN/END) is
 * checked by a small stack. VTIMEZONEs are read in a first pass so that
 * events may refer to zones defined further down. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/utf8.h"
#include "events/ics.h"
#include "events/recur.h"
#include "core/zone.h"

#define ICS_DEPTH	8		/* deepest BEGIN nesting */
#define ICS_MAX_PROPS	1000		/* properties per VEVENT */
#define ICS_MAX_ZONES	100		/* VTIMEZONEs per file */
#define ICS_MAX_RRULES	8		/* RRULE lines read per VEVENT */
#define ICS_MAX_MATCHED	8		/* custom VTIMEZONEs matched per file */
#define ICS_MATCH_DAYS	(3 * 365 + 1)	/* days compared when matching */

struct line {
	char	*text;
	long	 no;
};

struct custom_zone {
	char		 tzid[256];
	icaltimezone	*zone;		/* from the file's VTIMEZONE */
	char		 iana[ZONE_NAME_MAX + 1];	/* "" if none */
	int		 matched;	/* match_zone tried */
};

struct reader {
	struct line		*lines;
	size_t			 nlines;
	char			*buf;
	struct custom_zone	*zones;
	size_t			 nzones;
	const char		*default_tz;
	size_t			 nmatched;	/* match_zone runs */
	/* The VCALENDAR's X-WR-TIMEZONE, for floating date-times; "" */
	char			 cal_tz[ZONE_NAME_MAX + 1];
	struct ics_error	*err;
};

static int
fail(struct reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct reader *r, long line, const char *fmt, ...)
{
	va_list ap;

	r->err->line = line;
	va_start(ap, fmt);
	vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Valid UTF-8 without control characters other than tab. */
static int
line_text_ok(const unsigned char *p, size_t len)
{
	size_t		 i = 0;
	uint32_t	 cp;
	int		 k;

	while (i < len) {
		if ((k = utf8_decode(p + i, len - i, &cp)) == -1)
			return 0;
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

/* Splits data into unfolded logical lines, each tagged with the physical
 * line it starts on. The copy never moves, so the line pointers stay. */
static int
split_lines(struct reader *r, const char *data, size_t len)
{
	const char	*nul;
	size_t		 i = 0, o = 0, start, end, cap = 0, k;
	long		 no = 0;
	struct line	*nl;
	int		 have = 0;

	if ((nul = memchr(data, '\0', len)) != NULL) {
		for (no = 1, k = 0; data + k < nul; k++)
			no += data[k] == '\n';
		return fail(r, no, "the file contains a NUL byte");
	}
	if ((r->buf = malloc(len + 1)) == NULL)
		return -3;
	/* A UTF-8 byte-order mark, as Windows editors write; not text. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		no++;
		start = i;
		while (i < len && data[i] != '\n')
			i++;
		end = i;
		if (end > start && data[end - 1] == '\r')
			end--;
		if (i < len)
			i++;
		if (end == start) {
			/* Blank lines are not RFC 5545, but harmless. */
			if (have)
				r->buf[o++] = '\0';
			have = 0;
			continue;
		}
		if (data[start] == ' ' || data[start] == '\t') {
			/* Only white space after a blank line (or at the
			 * top) is a blank line too, as some writers leave
			 * after END:VCALENDAR. */
			for (k = start; k < end && (data[k] == ' ' ||
			    data[k] == '\t'); k++)
				;
			if (!have && k == end)
				continue;
			if (!have)
				return fail(r, no, "a continuation line "
				    "follows nothing");
			memcpy(r->buf + o, data + start + 1, end - start - 1);
			o += end - start - 1;
			continue;
		}
		if (have)
			r->buf[o++] = '\0';
		if (r->nlines == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nl = reallocarray(r->lines, cap,
			    sizeof(*nl))) == NULL)
				return -3;
			r->lines = nl;
		}
		r->lines[r->nlines].text = r->buf + o;
		r->lines[r->nlines].no = no;
		r->nlines++;
		memcpy(r->buf + o, data + start, end - start);
		o += end - start;
		have = 1;
	}
	r->buf[o] = '\0';
	for (k = 0; k < r->nlines; k++) {
		const char *t = r->lines[k].text;

		if (!line_text_ok((const unsigned char *)t, strlen(t)))
			return fail(r, r->lines[k].no, "invalid UTF-8 or a "
			    "control character");
	}
	return 0;
}

/* The name part (before ';' or ':'), checked; returns its length. */
static size_t
prop_name(const char *t)
{
	size_t n = 0;

	while ((t[n] >= 'A' && t[n] <= 'Z') || (t[n] >= 'a' && t[n] <= 'z') ||
	    (t[n] >= '0' && t[n] <= '9') || t[n] == '-')
		n++;
	return (t[n] == ';' || t[n] == ':') ? n : 0;
}

static const char *
value_of(const char *t)
{
	int q = 0;

	for (; *t; t++) {
		if (*t == '"')
			q = !q;
		else if (*t == ':' && !q)
			return t + 1;
	}
	return NULL;
}

static int
is_name(const char *t, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(t, name, n) == 0;
}

/* The value of parameter name (unquoted) into out; 1 found, 0 not. */
static int
param(const char *t, const char *name, char *out, size_t outlen)
{
	const char	*v = value_of(t), *p = t, *e;
	size_t		 nl = strlen(name), l;
	int		 q;

	if (v == NULL)
		return 0;
	while ((p = strchr(p, ';')) != NULL && p < v) {
		p++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			q = *p == '"';
			if (q)
				p++;
			for (e = p; e < v - 1 && *e != (q ? '"' : ';'); e++)
				;
			l = (size_t)(e - p);
			if (l >= outlen)
				l = outlen - 1;
			memcpy(out, p, l);
			out[l] = '\0';
			return 1;
		}
	}
	return 0;
}

static void
free_reader(struct reader *r)
{
	size_t i;

	for (i = 0; i < r->nzones; i++)
		if (r->zones[i].zone != NULL)
			icaltimezone_free(r->zones[i].zone, 1);
	free(r->zones);
	free(r->lines);
	free(r->buf);
}


/* Reads one VTIMEZONE (lines a..b) into r->zones. */
static int
read_vtimezone(struct reader *r, size_t a, size_t b)
{
	struct buf		 t;
	icalcomponent		*c = NULL;
	icaltimezone		*z;
	icalproperty		*p;
	struct custom_zone	*nz;
	const char		*tzid, *loc;
	size_t			 i;
	int			 rc = -1;

	buf_init(&t, 1 << 20);
	if (r->nzones >= ICS_MAX_ZONES) {
		rc = fail(r, r->lines[a].no, "more than %d VTIMEZONEs",
		    ICS_MAX_ZONES);
		goto out;
	}
	for (i = a; i <= b; i++)
		if (buf_addstr(&t, r->lines[i].text) != BUF_OK ||
		    buf_addstr(&t, "\r\n") != BUF_OK) {
			rc = fail(r, r->lines[a].no, "VTIMEZONE too large");
			goto out;
		}
	c = icalparser_parse_string(t.data);
	if (c == NULL || icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT ||
	    icalcomponent_count_errors(c) > 0 ||
	    (p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY)) ==
	    NULL || (tzid = icalproperty_get_tzid(p)) == NULL ||
	    icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT) == NULL) {
		rc = fail(r, r->lines[a].no, "this VTIMEZONE cannot be read");
		goto out;
	}
	if ((nz = reallocarray(r->zones, r->nzones + 1, sizeof(*nz))) == NULL) {
		rc = -3;
		goto out;
	}
	r->zones = nz;
	nz = &r->zones[r->nzones];
	memset(nz, 0, sizeof(*nz));
	snprintf(nz->tzid, sizeof(nz->tzid), "%s", tzid);
	/* A known IANA name wins over the file's rules, which may cover a
	 * few years only. */
	for (p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY))
		if (icalproperty_get_x_name(p) != NULL &&
		    !strcmp(icalproperty_get_x_name(p), "X-LIC-LOCATION") &&
		    (loc = icalproperty_get_x(p)) != NULL &&
		    zone_find(loc) != NULL)
			snprintf(nz->iana, sizeof(nz->iana), "%s", loc);
	if ((z = icaltimezone_new()) == NULL) {
		rc = -3;
		goto out;
	}
	if (!icaltimezone_set_component(z, c)) {
		icaltimezone_free(z, 1);
		rc = fail(r, r->lines[a].no, "this VTIMEZONE cannot be read");
		goto out;
	}
	c = NULL;	/* z owns it now */
	nz->zone = z;
	r->nzones++;
	rc = 0;
out:
	if (c != NULL)
		icalcomponent_free(c);
	buf_free(&t);
	return rc;
}

/* Windows zone names (Outlook, Exchange) and the IANA zone each stands
 * for, after CLDR's windowsZones table (territory 001). */
static const char *const windows_zones[][2] = {
	{ "Dateline Standard Time", "Etc/GMT+12" },
	{ "UTC-11", "Etc/GMT+11" },
	{ "Hawaiian Standard Time", "Pacific/Honolulu" },
	{ "Alaskan Standard Time", "America/Anchorage" },
	{ "Pacific Standard Time", "America/Los_Angeles" },
	{ "US Mountain Standard Time", "America/Phoenix" },
	{ "Mountain Standard Time", "America/Denver" },
	{ "Central America Standard Time", "America/Guatemala" },
	{ "Central Standard Time", "America/Chicago" },
	{ "Canada Central Standard Time", "America/Regina" },
	{ "SA Pacific Standard Time", "America/Bogota" },
	{ "Eastern Standard Time", "America/New_York" },
	{ "US Eastern Standard Time", "America/Indiana/Indianapolis" },
	{ "Atlantic Standard Time", "America/Halifax" },
	{ "SA Western Standard Time", "America/La_Paz" },
	{ "Pacific SA Standard Time", "America/Santiago" },
	{ "Newfoundland Standard Time", "America/St_Johns" },
	{ "E. South America Standard Time", "America/Sao_Paulo" },
	{ "Argentina Standard Time", "America/Argentina/Buenos_Aires" },
	{ "UTC", "UTC" },
	{ "GMT Standard Time", "Europe/London" },
	{ "Greenwich Standard Time", "Atlantic/Reykjavik" },
	{ "W. Europe Standard Time", "Europe/Berlin" },
	{ "Central Europe Standard Time", "Europe/Budapest" },
	{ "Romance Standard Time", "Europe/Paris" },
	{ "Central European Standard Time", "Europe/Warsaw" },
	{ "W. Central Africa Standard Time", "Africa/Lagos" },
	{ "GTB Standard Time", "Europe/Bucharest" },
	{ "E. Europe Standard Time", "Europe/Chisinau" },
	{ "FLE Standard Time", "Europe/Helsinki" },
	{ "Israel Standard Time", "Asia/Jerusalem" },
	{ "Egypt Standard Time", "Africa/Cairo" },
	{ "South Africa Standard Time", "Africa/Johannesburg" },
	{ "Russian Standard Time", "Europe/Moscow" },
	{ "Turkey Standard Time", "Europe/Istanbul" },
	{ "Arab Standard Time", "Asia/Riyadh" },
	{ "Arabian Standard Time", "Asia/Dubai" },
	{ "Iran Standard Time", "Asia/Tehran" },
	{ "Pakistan Standard Time", "Asia/Karachi" },
	{ "India Standard Time", "Asia/Kolkata" },
	{ "Nepal Standard Time", "Asia/Kathmandu" },
	{ "Bangladesh Standard Time", "Asia/Dhaka" },
	{ "SE Asia Standard Time", "Asia/Bangkok" },
	{ "China Standard Time", "Asia/Shanghai" },
	{ "Singapore Standard Time", "Asia/Singapore" },
	{ "Taipei Standard Time", "Asia/Taipei" },
	{ "W. Australia Standard Time", "Australia/Perth" },
	{ "Tokyo Standard Time", "Asia/Tokyo" },
	{ "Korea Standard Time", "Asia/Seoul" },
	{ "Cen. Australia Standard Time", "Australia/Adelaide" },
	{ "AUS Central Standard Time", "Australia/Darwin" },
	{ "E. Australia Standard Time", "Australia/Brisbane" },
	{ "AUS Eastern Standard Time", "Australia/Sydney" },
	{ "New Zealand Standard Time", "Pacific/Auckland" },
};

/* 1 when z's UTC offsets are offs[] at noon UTC of the days from t0;
 * zones that differ mostly do in January or July, tried first. */
static int
zone_agrees(icaltimezone *z, const int *offs, time_t t0)
{
	static const size_t quick[] = { 365 + 14, 365 + 195 };
	size_t i;

	for (i = 0; i < sizeof(quick) / sizeof(quick[0]); i++)
		if (zone_offset(z, t0 + (time_t)quick[i] * 86400) !=
		    offs[quick[i]])
			return 0;
	for (i = 0; i < ICS_MATCH_DAYS; i++)
		if (zone_offset(z, t0 + (time_t)i * 86400) != offs[i])
			return 0;
	return 1;
}

/* A file's own VTIMEZONE under a TZID that is no IANA name (Outlook's
 * "Customized Time Zone", Thunderbird's "/Europe/CUSTOM", "MyTimezone")
 * read by libical, and the IANA zone that agrees with its rules on every
 * day of year - 1 to year + 1 into iana (the calendar's X-WR-TIMEZONE
 * first, then the user's zone, then libical's list): an event's zone is an IANA name here, and with it a
 * series keeps its local time across DST changes as the file means. 0
 * when one agrees; at most ICS_MAX_MATCHED per file (each compares a few
 * hundred zones). */
static int
match_zone(struct reader *r, icaltimezone *custom, int year, char *iana,
    size_t ilen)
{
	int		 offs[ICS_MATCH_DAYS];
	char		 cand[ZONE_NAME_MAX + 1];
	icalarray	*all;
	icaltimezone	*z;
	const char	*name;
	time_t		 t0;
	size_t		 i;

	if (year == 0 || r->nmatched >= ICS_MAX_MATCHED)
		return -1;
	r->nmatched++;
	t0 = zone_midnight(icaltimezone_get_utc_timezone(), year - 1, 1, 1) +
	    43200;
	for (i = 0; i < ICS_MATCH_DAYS; i++)
		offs[i] = zone_offset(custom, t0 + (time_t)i * 86400);
	for (i = 0; i < 2; i++) {
		name = i == 0 ? r->cal_tz : r->default_tz;
		if (name[0] != '\0' && (z = zone_find(name)) != NULL &&
		    zone_agrees(z, offs, t0)) {
			snprintf(iana, ilen, "%s", name);
			return 0;
		}
	}
	if ((all = icaltimezone_get_builtin_timezones()) == NULL)
		return -1;
	for (i = 0; i < all->num_elements; i++) {
		/* A copy: loading the zone replaces libical's string. The
		 * list's zones are those zone_find returns, without churning
		 * its cache. */
		z = icalarray_element_at(all, i);
		if ((name = icaltimezone_get_location(z)) == NULL ||
		    strlen(name) >= sizeof(cand))
			continue;
		memcpy(cand, name, strlen(name) + 1);
		if (!zone_agrees(z, offs, t0) || zone_find(cand) == NULL)
			continue;
		snprintf(iana, ilen, "%s", cand);
		return 0;
	}
	return -1;
}

/* A TZID as an IANA name (*iana, "" when none) and a zone to convert
 * with; NULL when nothing in or outside the file defines it. A custom
 * VTIMEZONE is matched to an IANA zone around year (0: not matched). */
static icaltimezone *
resolve_zone(struct reader *r, const char *tzid, int year, char *iana,
    size_t ilen)
{
	icaltimezone	*z;
	const char	*s;
	size_t		 i;

	iana[0] = '\0';
	for (s = tzid; s != NULL; s = strchr(s, '/') ? strchr(s, '/') + 1 :
	    NULL)
		if ((z = zone_find(s)) != NULL) {
			snprintf(iana, ilen, "%s", s);
			return z;
		}
	for (i = 0; i < sizeof(windows_zones) / sizeof(windows_zones[0]); i++)
		if (!strcasecmp(windows_zones[i][0], tzid) &&
		    (z = zone_find(windows_zones[i][1])) != NULL) {
			snprintf(iana, ilen, "%s", windows_zones[i][1]);
			return z;
		}
	for (i = 0; i < r->nzones; i++)
		if (!strcmp(r->zones[i].tzid, tzid)) {
			if (r->zones[i].iana[0] == '\0' &&
			    !r->zones[i].matched && year != 0) {
				r->zones[i].matched = 1;
				(void)match_zone(r, r->zones[i].zone, year,
				    r->zones[i].iana, sizeof(r->zones[i].iana));
			}
			if (r->zones[i].iana[0] != '\0') {
				snprintf(iana, ilen, "%s", r->zones[i].iana);
				return zone_find(iana);
			}
			return r->zones[i].zone;
		}
	return NULL;
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

enum which_time { T_DTSTART, T_DTEND, T_RID };

/* DTSTART, DTEND or RECURRENCE-ID through libical, then the TZID resolved
 * here. */
static int
read_time(struct reader *r, const struct line *l, enum which_time which,
    struct tval *out)
{
	static const char *const names[] = { "DTSTART", "DTEND",
	    "RECURRENCE-ID" };
	icalproperty	*p;
	char		 tzid[256];

	memset(out, 0, sizeof(*out));
	if ((p = icalproperty_new_from_string(l->text)) == NULL)
		return fail(r, l->no, "this %s cannot be read", names[which]);
	out->tt = which == T_DTEND ? icalproperty_get_dtend(p) :
	    which == T_RID ? icalproperty_get_recurrenceid(p) :
	    icalproperty_get_dtstart(p);
	icalproperty_free(p);
	if (!time_ok(&out->tt))
		return fail(r, l->no, "not a valid date or time (years %d to "
		    "%d)", EVENT_YEAR_MIN, EVENT_YEAR_MAX);
	out->is_date = out->tt.is_date;
	out->is_utc = icaltime_is_utc(out->tt);
	out->tt.zone = NULL;
	if (param(l->text, "TZID", tzid, sizeof(tzid)) && !out->is_utc &&
	    !out->is_date) {
		if ((out->z = resolve_zone(r, tzid, out->tt.year, out->iana,
		    sizeof(out->iana))) == NULL)
			return fail(r, l->no, "unknown time zone \"%.60s\"",
			    tzid);
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

static void
skip(struct ics_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A text property's unescaped value via libical, for member field. Line
 * breaks (RFC 5545's \n) and other C0 controls become spaces where the
 * member takes none; then the JSON API's own rule (event_text_chars)
 * decides: what it refuses, C1 controls (U+0080-U+009F) above all, skips
 * the event with the API's message. */
static int
read_text(struct reader *r, struct ics_item *it, const struct line *l,
    const char *field, long max, int nl, char **out)
{
	icalproperty	*p = NULL;
	const char	*v = value_of(l->text);
	char		*t;

	/* An empty value (RFC 5545 allows it; Google and Thunderbird write
	 * "LOCATION:") is "", which libical does not parse. */
	if (v == NULL || *v != '\0') {
		if ((p = icalproperty_new_from_string(l->text)) == NULL)
			return fail(r, l->no, "this line cannot be read");
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
	const struct line *dtstart, *dtend, *duration, *uid, *exrule;
	const struct line *rrules[ICS_MAX_RRULES];
	size_t		 nrrules;
	int		 too_many_rrules;
	const struct line *summary, *description, *location;
	const struct line *rid, *status;
	const struct line *sequence, *last_modified, *dtstamp;
	const struct line *dates[RECUR_MAX_DATES + 1];
	size_t		 ndates;
	long		 alarms[EVENT_MAX_REMINDERS];	/* minutes */
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

/* Appends a canonical RDATE/EXDATE line for the values of l. */
static int
add_dates(struct reader *r, struct ics_item *it, const struct line *l,
    icaltimezone *ez, char ***lines, size_t *n)
{
	struct buf	 b;
	char		 tzid[256], val[32], **nl;
	const char	*v = value_of(l->text), *e;
	icaltimezone	*z = NULL;
	struct tval	 tv;
	struct icaltimetype lt;
	int		 ex = !strncasecmp(l->text, "EXDATE", 6), rc = -3;
	time_t		 t;

	buf_init(&b, RECUR_MAX_LINE);
	/* An empty EXDATE or RDATE (as some writers leave) adds nothing. */
	if (v == NULL || *v == '\0') {
		rc = 0;
		goto out;
	}
	if (param(l->text, "VALUE", val, sizeof(val)) &&
	    !strcasecmp(val, "PERIOD")) {
		skip(it, "line %ld: RDATE periods are not supported", l->no);
		rc = 0;
		goto out;
	}
	if (param(l->text, "TZID", tzid, sizeof(tzid)) &&
	    (z = resolve_zone(r, tzid, icaltime_from_timet_with_zone(
	    it->ev.start, 0, icaltimezone_get_utc_timezone()).year, tv.iana,
	    sizeof(tv.iana))) == NULL) {
		rc = fail(r, l->no, "unknown time zone \"%.60s\"", tzid);
		goto out;
	}
	if (buf_printf(&b, "%s%s:", ex ? "EXDATE" : "RDATE",
	    it->ev.all_day ? ";VALUE=DATE" : "") != BUF_OK)
		goto out;
	for (; v != NULL && *v; v = *e ? e + 1 : e) {
		size_t len;

		e = strchr(v, ',');
		if (e == NULL)
			e = v + strlen(v);
		len = (size_t)(e - v);
		if (len >= sizeof(val) || memchr(v, '/', len) != NULL) {
			rc = fail(r, l->no, "not a date or date-time");
			goto out;
		}
		memcpy(val, v, len);
		val[len] = '\0';
		memset(&tv, 0, sizeof(tv));
		tv.tt = icaltime_from_string(val);
		if (!time_ok(&tv.tt)) {
			rc = fail(r, l->no, "not a valid date or date-time");
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
 * timed events, a date for all-day ones. */
static int
add_rrule(struct reader *r, struct ics_item *it, const struct line *l,
    icaltimezone *ez, char ***lines, size_t *n)
{
	icalproperty			*p;
	struct icalrecurrencetype	 rule;
	char				*s, **nl, *line;
	size_t				 len;
	time_t				 t;

	if ((p = icalproperty_new_from_string(l->text)) == NULL)
		return fail(r, l->no, "this RRULE cannot be read");
	rule = icalproperty_get_rrule(p);
	icalproperty_free(p);
	if (rule.freq == ICAL_NO_RECURRENCE)
		return fail(r, l->no, "this RRULE cannot be read");
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
	if (param(text, "RELATED", rel, sizeof(rel)) &&
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
	if (secs < 0 || secs % 60 != 0 || secs / 60 > EVENT_MINUTES_MAX)
		return -1;
	return secs / 60;
}

/* The instance a RECURRENCE-ID names, in the form EXDATE takes: the date
 * of an all-day series, the UTC instant of a timed one. Its kind follows
 * the series' DTSTART, not the override's (Thunderbird turns one timed
 * instance into an all-day one); the import compares it with the series. */
static int
read_rid(struct reader *r, const struct line *l, icaltimezone *ez,
    struct ics_item *it)
{
	struct tval		 tr;
	struct icaltimetype	 u;
	icaltimezone		*fz;
	int			 rc;

	if ((rc = read_time(r, l, T_RID, &tr)) != 0)
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

/* SEQUENCE, and LAST-MODIFIED else DTSTAMP, of a copy of an event: which
 * copy of a UID is the newest. What libical cannot read counts as absent
 * (0): these only order copies. */
static void
read_version(const struct vevent *v, struct ics_item *it)
{
	icalproperty		*p;
	struct icaltimetype	 tt;
	const struct line	*l = v->last_modified ? v->last_modified :
	    v->dtstamp;

	if (v->sequence != NULL &&
	    (p = icalproperty_new_from_string(v->sequence->text)) != NULL) {
		it->sequence = icalproperty_get_sequence(p);
		icalproperty_free(p);
	}
	if (l == NULL || (p = icalproperty_new_from_string(l->text)) == NULL)
		return;
	tt = l == v->dtstamp ? icalproperty_get_dtstamp(p) :
	    icalproperty_get_lastmodified(p);
	icalproperty_free(p);
	if (time_ok(&tt) && !tt.is_date)
		it->stamp = icaltime_as_timet_with_zone(tt,
		    icaltimezone_get_utc_timezone());
}

static int
build_event(struct reader *r, struct vevent *v, struct ics_item *it,
    const struct line *alarm_lines[], size_t nalarm_lines)
{
	struct tval	 ts, te;
	icaltimezone	*ez;
	icalproperty	*p;
	const char	*sv;
	size_t		 i, j;
	long		 m;
	int		 rc;

	memset(it, 0, sizeof(*it));
	it->line = r->lines[v->begin].no;
	if (v->dtstart == NULL)
		return fail(r, it->line, "VEVENT without DTSTART");
	if ((rc = read_time(r, v->dtstart, T_DTSTART, &ts)) != 0)
		return rc;
	it->ev.all_day = ts.is_date;
	if (ts.iana[0] != '\0')
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    ts.iana);
	else if (ts.is_utc)
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "UTC");
	else if (!ts.is_date && ts.z == NULL && r->cal_tz[0] != '\0')
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    r->cal_tz);
	else
		snprintf(it->ev.time_zone, sizeof(it->ev.time_zone), "%s",
		    r->default_tz);
	if ((ez = zone_find(it->ev.time_zone)) == NULL)
		ez = icaltimezone_get_utc_timezone();
	it->ev.start = ts.is_date ? zone_midnight(ez, ts.tt.year,
	    ts.tt.month, ts.tt.day) : instant(&ts, ez);
	if (v->dtend != NULL) {
		if ((rc = read_time(r, v->dtend, T_DTEND, &te)) != 0)
			return rc;
		if (te.is_date != ts.is_date)
			return fail(r, v->dtend->no, "DTEND and DTSTART must "
			    "both be dates or both date-times");
		it->ev.end = te.is_date ? zone_midnight(ez, te.tt.year,
		    te.tt.month, te.tt.day) : instant(&te, ez);
	} else if (v->duration != NULL) {
		struct icaldurationtype d;

		if ((p = icalproperty_new_from_string(v->duration->text)) ==
		    NULL)
			return fail(r, v->duration->no, "this DURATION cannot "
			    "be read");
		d = icalproperty_get_duration(p);
		icalproperty_free(p);
		if (d.is_neg)
			return fail(r, v->duration->no, "DURATION is negative");
		if (ts.is_date) {
			struct icaltimetype e = ts.tt;

			e.day += d.days + 7 * d.weeks;
			e = icaltime_normalize(e);
			it->ev.end = zone_midnight(ez, e.year, e.month, e.day);
		} else
			it->ev.end = it->ev.start +
			    icaldurationtype_as_int(d);
	} else if (ts.is_date)
		it->ev.end = zone_midnight(ez, ts.tt.year, ts.tt.month,
		    ts.tt.day) + 86400;
	else
		it->ev.end = it->ev.start;
	/* RFC 5545 allows an instant event; ours last at least a minute. */
	if (!ts.is_date && it->ev.end == it->ev.start)
		it->ev.end = it->ev.start + 60;
	if (ts.is_date && it->ev.end == it->ev.start) {
		struct icaltimetype e = ts.tt;

		e.day += 1;
		e = icaltime_normalize(e);
		it->ev.end = zone_midnight(ez, e.year, e.month, e.day);
	}

	/* An empty UID is no UID (skipped below). */
	if (v->uid != NULL && *value_of(v->uid->text) != '\0') {
		if ((p = icalproperty_new_from_string(v->uid->text)) == NULL)
			return fail(r, v->uid->no, "this UID cannot be read");
		snprintf(it->ev.uid, sizeof(it->ev.uid), "%s",
		    icalproperty_get_uid(p) ? icalproperty_get_uid(p) : "");
		if (strlen(icalproperty_get_uid(p) ?
		    icalproperty_get_uid(p) : "") > EVENT_UID_MAX)
			skip(it, "line %ld: UID longer than %d bytes",
			    v->uid->no, EVENT_UID_MAX);
		icalproperty_free(p);
	}
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
	read_version(v, it);
	if (v->rid != NULL && (rc = read_rid(r, v->rid, ez, it)) != 0)
		return rc;
	if (v->status != NULL && (sv = value_of(v->status->text)) != NULL &&
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
			return fail(r, alarm_lines[i]->no, "this TRIGGER "
			    "cannot be read");
		if (m < 0 || it->ev.nreminders >= EVENT_MAX_REMINDERS)
			continue;
		for (j = 0; j < it->ev.nreminders; j++)
			if (it->ev.reminders[j] == (int)m)
				break;
		if (j == it->ev.nreminders)
			it->ev.reminders[it->ev.nreminders++] = (int)m;
	}
	return 0;
}

struct walk {
	ics_fn		 fn;
	void		*arg;
	int		 pass;	/* 1: zones, 2: events */
};

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
calendar_zone(struct reader *r, size_t begin)
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
		if (depth == 0 && (nl = prop_name(t)) != 0 &&
		    is_name(t, nl, "X-WR-TIMEZONE") &&
		    (val = value_of(t)) != NULL && *val != '\0' &&
		    resolve_zone(r, val, 0, iana, sizeof(iana)) != NULL &&
		    iana[0] != '\0') {
			snprintf(r->cal_tz, sizeof(r->cal_tz), "%s", iana);
			return;
		}
	}
}

static int
walk(struct reader *r, struct walk *w)
{
	const char	*stack[ICS_DEPTH], *comp;
	const struct line *alarms[64];
	size_t		 depth = 0, i, ztop = 0, nalarms = 0, nl;
	struct vevent	 v;
	struct ics_item	 it;
	int		 is_end, in_event = 0, in_alarm = 0, calendars = 0, rc;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < r->nlines; i++) {
		const struct line *l = &r->lines[i];

		if ((nl = prop_name(l->text)) == 0 || value_of(l->text) ==
		    NULL)
			return fail(r, l->no, "expected NAME:VALUE");
		/* libical reads any BEGIN or END as structure; ours must too. */
		if ((is_name(l->text, nl, "BEGIN") || is_name(l->text, nl,
		    "END")) && l->text[nl] != ':')
			return fail(r, l->no, "BEGIN and END take no "
			    "parameters");
		if ((comp = begin_end(l->text, &is_end)) != NULL) {
			if (*comp == '\0' || strlen(comp) > 64)
				return fail(r, l->no, "BEGIN/END needs a "
				    "component name");
			if (!is_end) {
				if (depth == 0 && strcasecmp(comp, "VCALENDAR"))
					return fail(r, l->no, "expected "
					    "BEGIN:VCALENDAR");
				if (depth > 0 && !strcasecmp(comp, "VCALENDAR"))
					return fail(r, l->no, "VCALENDAR "
					    "inside a component");
				if (depth == ICS_DEPTH)
					return fail(r, l->no, "components "
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
				return fail(r, l->no, "END:%.40s does not "
				    "match BEGIN:%.40s", comp, depth ?
				    stack[depth - 1] : "(nothing)");
			depth--;
			if (depth == 1 && w->pass == 1 &&
			    !strcasecmp(comp, "VTIMEZONE") &&
			    (rc = read_vtimezone(r, ztop, i)) != 0)
				return rc;
			if (depth == 2 && in_alarm)
				in_alarm = 0;
			if (depth == 1 && in_event) {
				in_event = 0;
				if (w->pass != 2)
					continue;
				rc = build_event(r, &v, &it, alarms, nalarms);
				if (rc == 0 && w->fn(&it, w->arg) != 0)
					rc = -2;
				event_clear(&it.ev);
				if (rc != 0)
					return rc;
			}
			continue;
		}
		if (depth == 0)
			return fail(r, l->no, "expected BEGIN:VCALENDAR");
		if (in_alarm && depth == 3) {
			if (is_name(l->text, nl, "TRIGGER") &&
			    nalarms < sizeof(alarms) / sizeof(alarms[0]))
				alarms[nalarms++] = l;
			continue;
		}
		if (!in_event || depth != 2)
			continue;
		if (is_name(l->text, nl, "DTSTART"))
			v.dtstart = l;
		else if (is_name(l->text, nl, "DTEND"))
			v.dtend = l;
		else if (is_name(l->text, nl, "DURATION"))
			v.duration = l;
		else if (is_name(l->text, nl, "UID"))
			v.uid = l;
		else if (is_name(l->text, nl, "SUMMARY"))
			v.summary = l;
		else if (is_name(l->text, nl, "DESCRIPTION"))
			v.description = l;
		else if (is_name(l->text, nl, "LOCATION"))
			v.location = l;
		else if (is_name(l->text, nl, "RECURRENCE-ID"))
			v.rid = l;
		else if (is_name(l->text, nl, "STATUS"))
			v.status = l;
		else if (is_name(l->text, nl, "SEQUENCE"))
			v.sequence = l;
		else if (is_name(l->text, nl, "LAST-MODIFIED"))
			v.last_modified = l;
		else if (is_name(l->text, nl, "DTSTAMP"))
			v.dtstamp = l;
		else if (is_name(l->text, nl, "RRULE")) {
			if (v.nrrules < ICS_MAX_RRULES)
				v.rrules[v.nrrules++] = l;
			else
				v.too_many_rrules = 1;
		} else if (is_name(l->text, nl, "EXRULE"))
			v.exrule = l;
		else if (is_name(l->text, nl, "RDATE") ||
		    is_name(l->text, nl, "EXDATE")) {
			if (v.ndates < RECUR_MAX_DATES)
				v.dates[v.ndates++] = l;
			else
				v.too_many_dates = 1;
		}
	}
	if (depth != 0)
		return fail(r, r->nlines ? r->lines[r->nlines - 1].no : 1,
		    "the file ends inside %.40s", stack[depth - 1]);
	if (calendars == 0)
		return fail(r, 1, "no VCALENDAR in the file");
	return 0;
}

int
ics_parse(const char *data, size_t len, const char *default_tz, ics_fn fn,
    void *arg, struct ics_error *err)
{
	struct reader	 r;
	struct walk	 w;
	int		 rc;

	memset(&r, 0, sizeof(r));
	memset(err, 0, sizeof(*err));
	r.err = err;
	r.default_tz = zone_find(default_tz) ? default_tz : "UTC";
	w.fn = fn;
	w.arg = arg;
	if ((rc = split_lines(&r, data, len)) != 0)
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

/* Every VEVENT of the file that has a UID, by UID and RECURRENCE-ID (""
 * for a series), noted in the first pass: which copy of a UID is imported,
 * which instances are taken out of their series, and whether a changed
 * instance names its instance the way its series' DTSTART does. Sorted by
 * key, then oldest to newest copy, so a key's last note is its newest. */
struct note {
	char	uid[EVENT_UID_MAX + 1];
	char	rid[20];	/* "YYYYMMDD" names a date */
	long	sequence;
	time_t	stamp;
	long	line;		/* of BEGIN:VEVENT: which copy */
	int	all_day;
	int	skip;
};

struct import_state {
	struct event_ctx	*c;
	int64_t			 cpu_deadline;	/* clock_cpu_us */
	int64_t			 deadline;	/* monotonic us */
	long			 nevents;	/* VEVENTs seen in pass 1 */
	json_object		*errors;
	long			 imported, updated, skipped;
	struct ics_error	*err;
	int			 failed;	/* event_rc that stopped us */
	struct note		*notes;		/* sorted after pass 1 */
	size_t			 nnotes, nrids;
};

static int
key_cmp(const struct note *a, const char *uid, const char *rid)
{
	int c = strcmp(a->uid, uid);

	return c != 0 ? c : strcmp(a->rid, rid);
}

static int
note_cmp(const void *pa, const void *pb)
{
	const struct note *a = pa, *b = pb;
	int c = key_cmp(a, b->uid, b->rid);

	if (c != 0)
		return c;
	if (a->sequence != b->sequence)
		return a->sequence < b->sequence ? -1 : 1;
	if (a->stamp != b->stamp)
		return a->stamp < b->stamp ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* The first note at or after (uid, rid) (after, when past). */
static size_t
note_bound(const struct import_state *s, const char *uid, const char *rid,
    int past)
{
	size_t lo = 0, hi = s->nnotes, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_cmp(&s->notes[mid], uid, rid) < past)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The newest copy of (uid, rid), NULL when the file has none. */
static const struct note *
note_newest(const struct import_state *s, const char *uid, const char *rid)
{
	size_t i = note_bound(s, uid, rid, 1);

	if (i == 0 || key_cmp(&s->notes[i - 1], uid, rid) != 0)
		return NULL;
	return &s->notes[i - 1];
}

/* Refuses the whole file (-1) once the import has taken its budget (CPU,
 * or the wall-clock cap); read between events, whose own work recur.c
 * bounds. */
static int
over_budget(struct import_state *s, const struct ics_item *it)
{
	if (clock_cpu_us() <= s->cpu_deadline &&
	    clock_mono_us() <= s->deadline)
		return 0;
	s->failed = EVENT_INVALID;
	s->err->line = it->line;
	s->err->too_costly = 1;
	snprintf(s->err->msg, sizeof(s->err->msg), "importing this file "
	    "takes more than %d seconds (ICS_IMPORT_BUDGET_MS), so nothing "
	    "was imported; split it into smaller files", ICS_IMPORT_BUDGET_MS /
	    1000);
	return -1;
}

/* First pass: counts the events and notes every one with a UID, whatever
 * the order of series, copies and instances in the file. */
static int
note_event(struct ics_item *it, void *arg)
{
	struct import_state	*s = arg;
	struct note		*n;

	if (++s->nevents > ICS_MAX_EVENTS) {
		s->failed = EVENT_INVALID;
		s->err->line = it->line;
		s->err->too_costly = 1;
		snprintf(s->err->msg, sizeof(s->err->msg), "more than %d events "
		    "(VEVENT) in one file (ICS_MAX_EVENTS), so nothing was "
		    "imported; split it into smaller files", ICS_MAX_EVENTS);
		return -1;
	}
	if (over_budget(s, it))
		return -1;
	if (it->ev.uid[0] == '\0')
		return 0;
	if (it->has_rid && !it->skip && s->nrids++ == ICS_MAX_RIDS) {
		s->failed = EVENT_INVALID;
		s->err->line = it->line;
		snprintf(s->err->msg, sizeof(s->err->msg), "more than %d "
		    "changed instances (RECURRENCE-ID) in one file",
		    ICS_MAX_RIDS);
		return -1;
	}
	if ((s->nnotes & 255) == 0) {
		if ((n = reallocarray(s->notes, s->nnotes + 256,
		    sizeof(*n))) == NULL) {
			s->failed = EVENT_NOMEM;
			return -1;
		}
		s->notes = n;
	}
	n = &s->notes[s->nnotes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->uid, sizeof(n->uid), "%s", it->ev.uid);
	if (it->has_rid)
		snprintf(n->rid, sizeof(n->rid), "%s", it->rid);
	n->sequence = it->sequence;
	n->stamp = it->stamp;
	n->line = it->line;
	n->all_day = it->ev.all_day;
	n->skip = it->skip;
	return 0;
}

static int
add_line(struct event *ev, struct buf *b)
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

/* Takes the file's changed instances of series ev out of it: EXDATE lines
 * of at most RECUR_MAX_LINE bytes. -1 when out of memory. */
static int
exclude_changed(const struct import_state *s, struct event *ev)
{
	const struct note *n;
	struct buf	 b;
	size_t		 i;
	int		 rc = -1;

	if (s->nrids == 0 || ev->nrecurrence == 0)
		return 0;
	buf_init(&b, RECUR_MAX_LINE);
	for (i = note_bound(s, ev->uid, "", 0); i < s->nnotes &&
	    !strcmp(s->notes[i].uid, ev->uid); i++) {
		n = &s->notes[i];
		/* The newest copy of each instance; one of the other kind
		 * names no instance of this series (and is skipped). */
		if (n->rid[0] == '\0' || n->skip || (i + 1 < s->nnotes &&
		    key_cmp(&s->notes[i + 1], n->uid, n->rid) == 0) ||
		    (strlen(n->rid) == 8) != ev->all_day)
			continue;
		if (b.len + 1 + strlen(n->rid) >= RECUR_MAX_LINE &&
		    add_line(ev, &b) == -1)
			goto out;
		if (b.len == 0 && buf_addstr(&b, ev->all_day ?
		    "EXDATE;VALUE=DATE:" : "EXDATE:") != BUF_OK)
			goto out;
		if (buf_printf(&b, "%s%s", b.data[b.len - 1] == ':' ? "" :
		    ",", n->rid) != BUF_OK)
			goto out;
	}
	if (b.len > 0 && add_line(ev, &b) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* A changed instance is stored as an event of its own, under the series'
 * UID and the instance it replaces, so that importing the file again
 * updates it. -1 when that UID would be too long. */
static int
as_instance(struct ics_item *it)
{
	size_t	 i, n = strlen(it->ev.uid);

	if (n + 1 + strlen(it->rid) > EVENT_UID_MAX)
		return -1;
	snprintf(it->ev.uid + n, sizeof(it->ev.uid) - n, "#%s", it->rid);
	for (i = 0; i < it->ev.nrecurrence; i++)
		free(it->ev.recurrence[i]);
	free(it->ev.recurrence);
	it->ev.recurrence = NULL;
	it->ev.nrecurrence = 0;
	return 0;
}

static int
note_skip(struct import_state *s, const struct ics_item *it, const char *why)
{
	json_object *e;

	s->skipped++;
	if (json_object_array_length(s->errors) >= ICS_MAX_ERRORS)
		return 0;
	if ((e = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(e, "line", json_object_new_int64(it->line));
	json_object_object_add(e, "uid", json_object_new_string(it->ev.uid));
	json_object_object_add(e, "message", json_object_new_string(why));
	return json_object_array_add(s->errors, e);
}

static int
import_one(struct ics_item *it, void *arg)
{
	struct import_state	*s = arg;
	const struct note	*n;
	struct recur		 rec;
	struct event_error	 eerr;
	enum event_rc		 rc;
	int			 updated;
	char			 why[320];

	if (over_budget(s, it))
		return -1;
	if (it->skip)
		return note_skip(s, it, it->why);
	/* Of several copies of one UID (and RECURRENCE-ID), the newest. */
	if (it->ev.uid[0] != '\0' && (n = note_newest(s, it->ev.uid,
	    it->has_rid ? it->rid : "")) != NULL && n->line != it->line) {
		snprintf(why, sizeof(why), "an older copy of this event: the "
		    "copy at line %ld has a higher SEQUENCE, a later "
		    "LAST-MODIFIED or DTSTAMP, or comes later in the file",
		    n->line);
		return note_skip(s, it, why);
	}
	/* A changed instance names its instance as its series' DTSTART
	 * does: a date for an all-day series, else a date-time. */
	if (it->has_rid && (n = note_newest(s, it->ev.uid, "")) != NULL &&
	    !n->skip && (strlen(it->rid) == 8) != n->all_day)
		return note_skip(s, it, n->all_day ? "RECURRENCE-ID is a "
		    "date-time but the series' DTSTART is a date" :
		    "RECURRENCE-ID is a date but the series' DTSTART is a "
		    "date-time");
	if (it->has_rid) {
		/* Cancelled: the series' EXDATE says it all. */
		if (it->cancelled)
			return 0;
		if (as_instance(it) == -1)
			return note_skip(s, it, "UID too long to store a "
			    "changed instance under");
	} else if (exclude_changed(s, &it->ev) == -1) {
		s->failed = EVENT_NOMEM;
		return -1;
	}
	if ((rc = event_check(&it->ev, &rec, &eerr)) != EVENT_OK) {
		if (rc == EVENT_NOMEM) {
			s->failed = rc;
			return -1;
		}
		snprintf(why, sizeof(why), "%.60s: %.250s", eerr.field,
		    eerr.msg);
		return note_skip(s, it, why);
	}
	rc = event_upsert_tx(s->c, &it->ev, &rec, &updated);
	recur_free(&rec);
	if (rc != EVENT_OK) {
		s->failed = rc;
		s->err->line = it->line;
		snprintf(s->err->msg, sizeof(s->err->msg), "%.190s",
		    rc == EVENT_INVALID ? s->c->err.msg : "cannot be stored");
		return -1;
	}
	if (updated)
		s->updated++;
	else
		s->imported++;
	return 0;
}

enum event_rc
ics_import(struct event_ctx *c, const char *data, size_t len,
    json_object **result, struct ics_error *err)
{
	struct import_state	 s;
	struct event_defaults	 def;
	enum event_rc		 rc;
	enum db_rc		 drc;
	int			 prc;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.err = err;
	s.cpu_deadline = clock_cpu_us() + ICS_IMPORT_BUDGET_MS * 1000L;
	s.deadline = clock_mono_us() + ICS_IMPORT_WALL_MS * 1000L;
	if ((rc = event_user_defaults(c, &def)) != EVENT_OK)
		return rc;
	if ((s.errors = json_object_new_array()) == NULL)
		return EVENT_NOMEM;
	/* Pass 1 notes the events (copies, changed instances), pass 2
	 * stores. */
	prc = ics_parse(data, len, def.time_zone, note_event, &s, err);
	if (prc == -1 || (prc == -2 && s.failed == EVENT_INVALID)) {
		rc = EVENT_INVALID;
		goto out;
	}
	if (prc != 0) {
		rc = EVENT_NOMEM;
		goto out;
	}
	if (s.nnotes > 1)
		qsort(s.notes, s.nnotes, sizeof(*s.notes), note_cmp);
	if ((drc = db_begin(c->db)) != DB_OK) {
		c->dbrc = drc;
		rc = EVENT_DB;
		goto out;
	}
	prc = ics_parse(data, len, def.time_zone, import_one, &s, err);
	if (prc == -1 || (prc == -2 && s.failed == EVENT_INVALID)) {
		rc = EVENT_INVALID;
		goto out;
	}
	if (prc == -3 || (prc == -2 && s.failed == EVENT_NOMEM)) {
		rc = EVENT_NOMEM;
		goto out;
	}
	if (prc != 0) {
		rc = s.failed ? (enum event_rc)s.failed : EVENT_DB;
		goto out;
	}
	if ((drc = db_commit(c->db)) != DB_OK) {
		c->dbrc = drc;
		rc = EVENT_DB;
		goto out;
	}
	if ((*result = json_object_new_object()) == NULL) {
		rc = EVENT_NOMEM;
		goto out;
	}
	json_object_object_add(*result, "imported",
	    json_object_new_int64(s.imported));
	json_object_object_add(*result, "updated",
	    json_object_new_int64(s.updated));
	json_object_object_add(*result, "skipped",
	    json_object_new_int64(s.skipped));
	json_object_object_add(*result, "errors", s.errors);
	s.errors = NULL;
	rc = EVENT_OK;
out:
	if (rc != EVENT_OK)
		db_rollback(c->db);
	json_object_put(s.errors);
	free(s.notes);
	return rc;
}
