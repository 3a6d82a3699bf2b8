/* zone.h — IANA time zones, the one engine for them (libical, reading the
 * system tzdata): name checks, a per-process cache of libical's builtin
 * zones, and conversions between instants and local wall-clock time. Used by
 * events (recurrence, listings, ICS), auth (an account's zone) and mail (a
 * reminder's local time), so it lives below the domains. */
#ifndef AURORA_CORE_ZONE_H
#define AURORA_CORE_ZONE_H

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

#define ZONE_NAME_MAX	64	/* longest accepted IANA name */

/* 1 when name looks like an IANA zone name (Area/City, letters, digits,
 * '_', '-', '+'), no path tricks. */
int zone_name_ok(const char *name);

/* The zone for an IANA name, or NULL when unknown or malformed. Known means
 * libical can read it: a name of the tzdata's zone.tab, or any other zone
 * file under the zoneinfo directory (backward links such as US/Eastern,
 * Etc/GMT+5); files that are not zones (leapseconds) are unknown. Zones stay
 * valid for the life of the process (libical keeps them); never free one. */
icaltimezone *zone_find(const char *name);

/* Writes into abbr the abbreviation in force in z at instant t ("CET",
 * "CEST", "EST", "+0530" style names as the tzdata spells them), or "UTC"
 * for the UTC zone and zones without names. */
void zone_abbrev(icaltimezone *z, time_t t, char *abbr, size_t len);

/* Seconds east of UTC in zone z at instant t. */
int zone_offset(icaltimezone *z, time_t t);

/* The local wall-clock time of instant t in z, as a libical time carrying z
 * (is_date for all-day values). */
struct icaltimetype zone_local(icaltimezone *z, time_t t, int is_date);

/* The instant of local wall-clock time tt in z (a date means its midnight).
 * Times in a DST gap move forward the way libical resolves them. */
time_t zone_instant(icaltimezone *z, struct icaltimetype tt);

/* The instant of local midnight of y-m-d in z. */
time_t zone_midnight(icaltimezone *z, int y, int m, int d);

/* Releases libical's zone data (for leak checkers, at exit). */
void zone_cleanup(void);

#endif
