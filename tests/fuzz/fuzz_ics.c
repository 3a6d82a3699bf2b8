/* fuzz_ics.c — arbitrary bytes into the ICS reader (ics_parse), every
 * event it yields into its stored object (ics_item_object) and the event
 * model (event_check), and every series the model accepts expanded
 * twice, directly and through the recurrence memo, which must agree. Two builds: with libFuzzer (`make fuzz-ics`,
 * clang -fsanitize=fuzzer,address), and as a plain program replaying the
 * files or directories named on its command line (default: the checked-in
 * corpus), which `make check` runs. Nothing here touches a database. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/event.h"
#include "events/ics.h"
#include "events/occache.h"
#include "core/zone.h"
#include "replay.h"

#define FUZZ_MAX_INPUT	(256 * 1024)
#define FUZZ_MAX_STARTS	400

struct starts {
	time_t	 t[FUZZ_MAX_STARTS];
	size_t	 n;
};

static int
gather(time_t t, void *arg)
{
	struct starts *s = arg;

	s->t[s->n++] = t;
	return s->n == FUZZ_MAX_STARTS;
}

/* The memo lives as long as the process, as in a worker: later inputs
 * meet what earlier ones left in it. */
static struct occache *memo;

static int
one_event(struct ics_item *it, void *arg)
{
	static struct starts	 direct, memoised;
	struct recur		 rec;
	struct event_error	 err;
	icaltimezone		*z;
	icalcomponent		*obj;
	time_t			 from;

	(void)arg;
	/* The stored object an import keeps: the VEVENT, whole, and the
	 * VTIMEZONEs it names, in a VCALENDAR that libical writes. */
	if ((obj = ics_item_object(it)) != NULL) {
		if (icalcomponent_isa(obj) != ICAL_VCALENDAR_COMPONENT ||
		    icalcomponent_count_components(obj,
		    ICAL_VEVENT_COMPONENT) != 1) {
			fprintf(stderr, "fuzz_ics: the object of the VEVENT at "
			    "line %ld is not a VCALENDAR of one VEVENT\n",
			    it->line);
			abort();
		}
		free(icalcomponent_as_ical_string_r(obj));
		icalcomponent_free(obj);
	}
	if (it->skip || event_check(&it->ev, &rec, &err) != EVENT_OK)
		return 0;
	recur_free(&rec);
	if (it->ev.nrecurrence == 0)
		return 0;
	if ((z = zone_find(it->ev.time_zone)) == NULL)
		z = icaltimezone_get_utc_timezone();
	/* A window around the third month of the series, across a year's
	 * end now and then. */
	from = it->ev.start + 60L * 86400 + (it->ev.start % 7) * 86400 * 40;
	direct.n = memoised.n = 0;
	if (event_series_starts(NULL, &it->ev, z, from, from + 45L * 86400,
	    gather, &direct) != 0 ||
	    event_series_starts(memo, &it->ev, z, from, from + 45L * 86400,
	    gather, &memoised) != 0)
		return 0;	/* capped or unparsable: nothing to compare */
	if (direct.n != memoised.n || memcmp(direct.t, memoised.t,
	    direct.n * sizeof(time_t)) != 0) {
		fprintf(stderr, "fuzz_ics: memo and direct expansion differ "
		    "for %s (%zu vs %zu)\n", it->ev.uid, memoised.n, direct.n);
		abort();
	}
	return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ics_error err;
	int		 rc;

	if (memo == NULL && (memo = occache_new(64, 1 << 20)) == NULL)
		abort();
	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* Refusing the input is as good an answer as reading it. */
	rc = ics_parse((const char *)data, size, "Europe/Berlin", one_event,
	    NULL, &err);
	(void)rc;
	return 0;
}

#ifndef AURORA_LIBFUZZER
int
main(int argc, char *argv[])
{
	int	 count = 0, rc;

	rc = fuzz_replay_args(argc, argv, FUZZ_CORPUS, FUZZ_MAX_INPUT,
	    &count);
	printf("fuzz_ics: %d inputs replayed\n", count);
	occache_free(memo);
	zone_cleanup();
	return rc == 0 && count > 0 ? 0 : 1;
}
#endif
