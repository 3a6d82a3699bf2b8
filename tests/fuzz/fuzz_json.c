/* fuzz_json.c — arbitrary bytes down the path a JSON request body takes
 * to become an event (POST/PATCH /api/v1/events): the NUL check, the RFC
 * 8259 grammar check and json-c (http_json_parse), then the event model
 * (event_from_json) as a new event and as a patch of a stored one. Every
 * event the model accepts is written out (event_to_json), must pass our own
 * parser again, and read back as a new event must be accepted and mean the
 * same. Two builds: with libFuzzer (`make fuzz-json`, clang
 * -fsanitize=fuzzer,address,undefined), and as a plain program replaying
 * the files or directories named on its command line (default: the
 * checked-in corpus), which `make check` runs. No database is touched. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/event.h"
#include "core/zone.h"
#include "http/internal.h"
#include "replay.h"

#define FUZZ_MAX_INPUT	(256 * 1024)	/* the API's body cap is lower */

/* A stored event the input is applied to as a patch, as PATCH does. */
static const char fuzz_base[] =
    "{\"title\":\"Base\",\"start\":\"2026-03-28T10:00:00+01:00\","
    "\"end\":\"2026-03-28T11:00:00+01:00\",\"time_zone\":\"Europe/Berlin\","
    "\"recurrence\":[\"RRULE:FREQ=WEEKLY;COUNT=10\"],"
    "\"reminders\":[{\"method\":\"email\",\"minutes_before\":10}]}";

static unsigned long	 accepted_new, accepted_patch;	/* replay */

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_json: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The event's own JSON form, with what the server owns removed, read back
 * as a new event: it must be accepted and be the same event. */
static void
round_trip(const struct event *ev)
{
	static const char *const owned[] = {
		"id", "created_at", "updated_at", "version", NULL
	};
	struct event_defaults	 def;
	struct event_error	 err;
	struct event		 again;
	struct recur		 rec;
	json_object		*o, *back;
	const char		*text;
	char			 why[160];
	size_t			 i;

	if ((o = event_to_json(ev, 0, 0)) == NULL)
		return;		/* out of memory */
	for (i = 0; owned[i] != NULL; i++)
		json_object_object_del(o, owned[i]);
	if ((text = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN)) == NULL) {
		json_object_put(o);
		return;
	}
	if ((back = http_json_parse(text, strlen(text), why, sizeof(why))) ==
	    NULL)
		fail("our own output does not parse", why);
	memset(&def, 0, sizeof(def));
	memcpy(def.time_zone, "UTC", 4);
	memset(&again, 0, sizeof(again));
	if (event_from_json(&again, back, 0, &def, &rec, &err) != EVENT_OK)
		fail("our own output is refused", err.msg);
	recur_free(&rec);
	if (again.start != ev->start || again.end != ev->end ||
	    again.all_day != ev->all_day ||
	    strcmp(again.time_zone, ev->time_zone) != 0 ||
	    !same_text(again.title, ev->title) ||
	    !same_text(again.description, ev->description) ||
	    !same_text(again.location, ev->location) ||
	    again.nrecurrence != ev->nrecurrence ||
	    again.nreminders != ev->nreminders ||
	    memcmp(again.reminders, ev->reminders,
	    ev->nreminders * sizeof(int)) != 0)
		fail("read back differs", text);
	for (i = 0; i < ev->nrecurrence; i++)
		if (strcmp(again.recurrence[i], ev->recurrence[i]) != 0)
			fail("recurrence read back differs", text);
	event_clear(&again);
	json_object_put(back);
	json_object_put(o);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_defaults	 def;
	struct event_error	 err;
	struct event		 ev;
	struct recur		 rec;
	json_object		*body, *base;
	char			 why[160];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* Refusing the body is as good an answer as reading it. */
	if ((body = http_json_parse((const char *)data, size, why,
	    sizeof(why))) == NULL)
		return 0;
	/* The handler's next step: the body must be an object. */
	if (!json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		return 0;
	}
	memset(&def, 0, sizeof(def));
	memcpy(def.time_zone, "Europe/Berlin", 14);
	def.reminders[0] = 15;
	def.nreminders = 1;

	memset(&ev, 0, sizeof(ev));
	if (event_from_json(&ev, body, 0, &def, &rec, &err) == EVENT_OK) {
		recur_free(&rec);
		accepted_new++;
		round_trip(&ev);
	}
	event_clear(&ev);

	/* As a patch of a stored event. */
	if ((base = http_json_parse(fuzz_base, sizeof(fuzz_base) - 1, why,
	    sizeof(why))) == NULL)
		fail("base event does not parse", why);
	memset(&ev, 0, sizeof(ev));
	if (event_from_json(&ev, base, 0, &def, &rec, &err) != EVENT_OK)
		fail("base event refused", err.msg);
	recur_free(&rec);
	if (event_from_json(&ev, body, 1, NULL, &rec, &err) == EVENT_OK) {
		recur_free(&rec);
		accepted_patch++;
		round_trip(&ev);
	}
	event_clear(&ev);
	json_object_put(base);
	json_object_put(body);
	return 0;
}

#ifndef AURORA_LIBFUZZER
int
main(int argc, char *argv[])
{
	int	 count = 0, rc;

	rc = fuzz_replay_args(argc, argv, FUZZ_CORPUS, FUZZ_MAX_INPUT,
	    &count);
	printf("fuzz_json: %d inputs replayed, %lu accepted as new events, "
	    "%lu as patches\n", count, accepted_new, accepted_patch);
	/* The checked-in corpus holds valid bodies: if none passes, the
	 * harness stops at the grammar and fuzzes nothing behind it. */
	if (argc < 2 && (accepted_new == 0 || accepted_patch == 0))
		rc = -1;
	zone_cleanup();
	return rc == 0 && count > 0 ? 0 : 1;
}
#endif
