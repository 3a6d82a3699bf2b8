/* zone.c — time zones through libical (see zone.h). libical's own lookup is
 * a linear search costing microseconds, so a worker keeps a small cache. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/zone.h"

#define ZONE_CACHE	64

static struct {
	char		 name[ZONE_NAME_MAX + 1];
	icaltimezone	*zone;
} zone_cache[ZONE_CACHE];
static unsigned zone_next;

int
zone_name_ok(const char *name)
{
	size_t	 n, i;
	int	 seglen = 0;

	if (name == NULL || (n = strlen(name)) == 0 || n > ZONE_NAME_MAX)
		return 0;
	/* Leap-second ("right/") and POSIX-rule trees are not civil time. */
	if (!strncmp(name, "right/", 6) || !strncmp(name, "posix/", 6))
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c == '/') {
			if (seglen == 0)
				return 0;
			seglen = 0;
			continue;
		}
		if (seglen == 0 && !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z')))
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+'))
			return 0;
		seglen++;
	}
	return seglen > 0;
}

icaltimezone *
zone_find(const char *name)
{
	icaltimezone	*z;
	unsigned	 i;

	if (!zone_name_ok(name))
		return NULL;
	/* Never let libical abort the process on bad input. */
	if (zone_next == 0)
		icalerror_set_errors_are_fatal(0);
	for (i = 0; i < ZONE_CACHE; i++)
		if (zone_cache[i].zone != NULL &&
		    strcmp(zone_cache[i].name, name) == 0)
			return zone_cache[i].zone;
	if (strcmp(name, "UTC") == 0)
		z = icaltimezone_get_utc_timezone();
	else
		z = icaltimezone_get_builtin_timezone(name);
	if (z == NULL)
		return NULL;
	i = zone_next++ % ZONE_CACHE;
	memcpy(zone_cache[i].name, name, strlen(name) + 1);
	zone_cache[i].zone = z;
	return z;
}

int
zone_offset(icaltimezone *z, time_t t)
{
	struct icaltimetype	 tt;
	int			 dst;

	if (z == NULL || z == icaltimezone_get_utc_timezone())
		return 0;
	tt = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(z, &tt, &dst);
}

struct icaltimetype
zone_local(icaltimezone *z, time_t t, int is_date)
{
	struct icaltimetype tt;

	tt = icaltime_from_timet_with_zone(t, 0, z);
	/* libical leaves the UTC zone on the converted fields; they are
	 * z's wall-clock time. */
	tt.zone = z;
	if (is_date) {
		tt.is_date = 1;
		tt.hour = tt.minute = tt.second = 0;
	}
	return tt;
}

void
zone_abbrev(icaltimezone *z, time_t t, char *abbr, size_t len)
{
	struct icaltimetype	 tt;
	const char		*names, *slash;
	int			 dst = 0;

	names = z != NULL ? icaltimezone_get_tznames(z) : NULL;
	if (names == NULL || names[0] == '\0') {
		snprintf(abbr, len, "UTC");
		return;
	}
	/* libical names a zone by its current observances: "CET/CEST" when
	 * standard and daylight time differ, one name when they do not. */
	if ((slash = strchr(names, '/')) == NULL) {
		snprintf(abbr, len, "%s", names);
		return;
	}
	tt = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	(void)icaltimezone_get_utc_offset_of_utc_time(z, &tt, &dst);
	if (dst)
		snprintf(abbr, len, "%s", slash + 1);
	else
		snprintf(abbr, len, "%.*s", (int)(slash - names), names);
}

time_t
zone_instant(icaltimezone *z, struct icaltimetype tt)
{
	if (tt.is_date) {
		tt.is_date = 0;
		tt.hour = tt.minute = tt.second = 0;
	}
	if (icaltime_is_utc(tt))
		return icaltime_as_timet_with_zone(tt,
		    icaltimezone_get_utc_timezone());
	return icaltime_as_timet_with_zone(tt, z);
}

time_t
zone_midnight(icaltimezone *z, int y, int m, int d)
{
	struct icaltimetype tt = icaltime_null_time();

	tt.year = y;
	tt.month = m;
	tt.day = d;
	return zone_instant(z, tt);
}

void
zone_cleanup(void)
{
	memset(zone_cache, 0, sizeof(zone_cache));
	icaltimezone_free_builtin_timezones();
}
