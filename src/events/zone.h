/* zone.h — IANA time zones for events: name checks, a per-process cache of
 * libical's builtin zones (read from the system tzdata), and conversions
 * between instants and local wall-clock time. */
#ifndef AURORA_ZONE_H
#define AURORA_ZONE_H

#include <time.h>

#include <libical/ical.h>

#define ZONE_NAME_MAX	64	/* longest accepted IANA name */

/* 1 when name looks like an IANA zone name (Area/City, letters, digits,
 * '_', '-', '+'), no path tricks. */
int zone_name_ok(const char *name);

/* The zone for an IANA name, or NULL when unknown or malformed. Zones stay
 * valid for the life of the process (libical keeps them); never free one. */
icaltimezone *zone_find(const char *name);

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
