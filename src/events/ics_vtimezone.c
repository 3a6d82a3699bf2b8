/* ics_vtimezone.c — the time zones of an ICS file: its VTIMEZONEs read
 * by libical (first pass), and a TZID resolved to a zone: an IANA name
 * (also inside a longer TZID), a Windows name (ics_windows.c), or the
 * file's own VTIMEZONE, matched to the IANA zone that agrees with it so
 * that an event's zone is an IANA name. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "events/ics_internal.h"

#define ICS_MAX_ZONES	100		/* VTIMEZONEs per file */
#define ICS_MAX_MATCHED	8		/* custom VTIMEZONEs matched per file */
#define ICS_MATCH_DAYS	(3 * 365 + 1)	/* days compared when matching */

/* Notes the VTIMEZONE of lines a..b that libical could not read under
 * its TZID (the first TZID line at its top), so that an event using it is
 * skipped saying so; without a TZID it names nothing and is ignored. */
static int
note_unreadable(struct ics_reader *r, size_t a, size_t b)
{
	struct ics_custom_zone	*nz;
	const char		*t, *v = NULL;
	size_t			 i, n, depth = 0;

	for (i = a + 1; i < b; i++) {
		t = r->lines[i].text;
		if (!strncasecmp(t, "BEGIN:", 6))
			depth++;
		else if (!strncasecmp(t, "END:", 4))
			depth--;
		else if (depth == 0 && (n = ics_prop_name(t)) != 0 &&
		    ics_is_name(t, n, "TZID") && (v = ics_value_of(t)) != NULL)
			break;
	}
	if (v == NULL)
		return 0;
	if ((nz = reallocarray(r->zones, r->nzones + 1, sizeof(*nz))) == NULL)
		return -3;
	r->zones = nz;
	nz = &r->zones[r->nzones++];
	memset(nz, 0, sizeof(*nz));
	snprintf(nz->tzid, sizeof(nz->tzid), "%s", v);
	nz->line = r->lines[a].no;
	return 0;
}

/* Reads one VTIMEZONE (lines a..b) into r->zones. */
int
ics_read_vtimezone(struct ics_reader *r, size_t a, size_t b)
{
	struct buf		 t;
	icalcomponent		*c = NULL;
	icaltimezone		*z;
	icalproperty		*p;
	struct ics_custom_zone	*nz;
	const char		*tzid, *loc;
	size_t			 i;
	int			 rc = -1;

	buf_init(&t, 1 << 20);
	if (r->nzones >= ICS_MAX_ZONES) {
		rc = ics_fail(r, r->lines[a].no, "more than %d VTIMEZONEs",
		    ICS_MAX_ZONES);
		goto out;
	}
	for (i = a; i <= b; i++)
		if (buf_addstr(&t, r->lines[i].text) != BUF_OK ||
		    buf_addstr(&t, "\r\n") != BUF_OK) {
			rc = ics_fail(r, r->lines[a].no, "VTIMEZONE too large");
			goto out;
		}
	c = icalparser_parse_string(t.data);
	if (c == NULL || icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT ||
	    icalcomponent_count_errors(c) > 0 ||
	    (p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY)) ==
	    NULL || (tzid = icalproperty_get_tzid(p)) == NULL ||
	    icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT) == NULL) {
		rc = note_unreadable(r, a, b);
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
	nz->line = r->lines[a].no;
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
		rc = note_unreadable(r, a, b);
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
 * first, then the user's zone, then the zone CLDR's Windows table names
 * for those rules, so that Berlin's rules are Europe/Berlin rather than
 * Europe/Andorra, then libical's alphabetical list): an event's zone
 * is an IANA name here, and with it a series keeps its local time across
 * DST changes as the file means. 0 when one agrees; at most
 * ICS_MAX_MATCHED per file (each compares a few hundred zones). */
static int
match_zone(struct ics_reader *r, icaltimezone *custom, int year, char *iana,
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
	for (i = 0; (name = ics_windows_golden(i)) != NULL; i++)
		if ((z = zone_find(name)) != NULL && zone_agrees(z, offs, t0)) {
			snprintf(iana, ilen, "%s", name);
			return 0;
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
icaltimezone *
ics_resolve_zone(struct ics_reader *r, const char *tzid, int year, char *iana,
    size_t ilen)
{
	icaltimezone	*z;
	const char	*s, *w;
	size_t		 i;

	iana[0] = '\0';
	for (s = tzid; s != NULL; s = strchr(s, '/') ? strchr(s, '/') + 1 :
	    NULL)
		if ((z = zone_find(s)) != NULL) {
			snprintf(iana, ilen, "%s", s);
			return z;
		}
	if ((w = ics_windows_zone(tzid)) != NULL &&
	    (z = zone_find(w)) != NULL) {
		snprintf(iana, ilen, "%s", w);
		return z;
	}
	for (i = 0; i < r->nzones; i++)
		if (!strcmp(r->zones[i].tzid, tzid)) {
			if (r->zones[i].zone == NULL)
				return NULL;	/* unreadable */
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


long
ics_zone_unreadable(const struct ics_reader *r, const char *tzid)
{
	size_t i;

	for (i = 0; i < r->nzones; i++)
		if (!strcmp(r->zones[i].tzid, tzid))
			return r->zones[i].zone == NULL ? r->zones[i].line : 0;
	return 0;
}
