/* ics_internal.h — what the pieces of the ICS reader share; not an
 * interface (events/ics.h is). A file is read by the lexer (ics_lex.c:
 * unfolded content lines tagged with their physical line), its VTIMEZONEs
 * by ics_vtimezone.c (with the Windows names of ics_windows.c), its
 * VEVENTs by ics_parse.c, and ics_import.c stores them. */
#ifndef AURORA_ICS_INTERNAL_H
#define AURORA_ICS_INTERNAL_H

#include <stddef.h>

#include "core/zone.h"
#include "events/ics.h"

struct ics_line {
	char	*text;
	long	 no;
};

struct ics_custom_zone {
	char		 tzid[256];
	icaltimezone	*zone;		/* from the file's VTIMEZONE; NULL when
					 * libical could not read it */
	long		 line;		/* of its BEGIN:VTIMEZONE */
	char		 iana[ZONE_NAME_MAX + 1];	/* "" if none */
	int		 matched;	/* match_zone tried */
};

struct ics_reader {
	struct ics_line		*lines;
	size_t			 nlines;
	char			*buf;
	struct ics_custom_zone	*zones;
	size_t			 nzones;
	const char		*default_tz;
	size_t			 nmatched;	/* match_zone runs */
	/* The VCALENDAR's X-WR-TIMEZONE, for floating date-times; "" */
	char			 cal_tz[ZONE_NAME_MAX + 1];
	struct ics_error	*err;
};

/* --- the lexer (ics_lex.c) --- */

/* Sets r->err to line and the message; returns -1. */
int ics_fail(struct ics_reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Splits data into r->lines (unfolded, BOM and blank lines dropped, each
 * checked as UTF-8 text); r->buf holds them. 0, -1 (r->err), -3 (memory). */
int ics_split_lines(struct ics_reader *r, const char *data, size_t len);
/* The length of a content line's checked name, 0 when it has none. */
size_t ics_prop_name(const char *t);
/* The value after the first unquoted ':', NULL when none. */
const char *ics_value_of(const char *t);
/* 1 when the n characters at t are name, ignoring case. */
int ics_is_name(const char *t, size_t n, const char *name);
/* The value of parameter name (unquoted) into out; 1 found, 0 not. */
int ics_param(const char *t, const char *name, char *out, size_t outlen);

/* --- time zones (ics_vtimezone.c, ics_windows.c) --- */

/* Reads the VTIMEZONE of lines a..b into r->zones; one libical cannot
 * read is noted without a zone (its events are skipped, not the file).
 * 0, -1 (over ICS_MAX_ZONES or its size cap), -3. */
int ics_read_vtimezone(struct ics_reader *r, size_t a, size_t b);
/* A TZID as an IANA name (iana, "" when none) and a zone to convert
 * with; NULL when nothing in or outside the file defines it. A custom
 * VTIMEZONE is matched to an IANA zone around year (0: not matched). */
icaltimezone *ics_resolve_zone(struct ics_reader *r, const char *tzid,
    int year, char *iana, size_t ilen);
/* The line of the VTIMEZONE of tzid that libical could not read, 0 when
 * there is none: why ics_resolve_zone found no zone. */
long ics_zone_unreadable(const struct ics_reader *r, const char *tzid);
/* The IANA name a Windows zone name (Outlook, Exchange) stands for,
 * ignoring case; NULL when it is none. */
const char *ics_windows_zone(const char *name);
/* The IANA zone of the i-th Windows name (CLDR's "golden" zone of each
 * offset pair, the best-known city), NULL past the last: the zones a
 * custom VTIMEZONE is matched to before libical's alphabetical list. */
const char *ics_windows_golden(size_t i);

#endif
