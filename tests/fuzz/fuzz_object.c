/* fuzz_object.c — arbitrary bytes as a CalDAV object PUT (object_parse),
 * and for every object accepted: the model is sane (times in order,
 * reminders within their limits), the object generated from it reads
 * back as the same event (times, title, reminders: what a sync through an
 * app gives back), a REST edit that changes nothing keeps the bytes, and
 * one that changes the title and reminders reads back with them. Built
 * with libFuzzer (`make fuzz-object`) or as a plain program replaying
 * files (default: the checked-in corpus), which `make check` runs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/zone.h"
#include "events/event.h"
#include "events/ics.h"
#include "events/object.h"
#include "replay.h"

#define FUZZ_MAX_INPUT	(256 * 1024)
#define FUZZ_TZ		"Europe/Berlin"

static void
fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_object: %s\n%s\n", what, text ? text : "");
	abort();
}

static int
same_reminders(const struct event *a, const struct event *b)
{
	size_t i;

	if (a->nreminders != b->nreminders)
		return 0;
	for (i = 0; i < a->nreminders; i++)
		if (a->reminders[i] != b->reminders[i])
			return 0;
	return 1;
}

/* The generated object of p reads back as the same event. */
static void
check_generated(const struct object_parsed *p)
{
	struct object_parsed	 back;
	struct event_error	 err;
	char			 pre[64], *text;

	if ((text = object_generate(&p->ev)) == NULL)
		fail("object_generate failed", NULL);
	/* App alarms not mailed: the reminders must come back anyway. */
	if (object_parse(text, strlen(text), FUZZ_TZ, 0, &back, pre, &err) !=
	    EVENT_OK)
		fail(err.msg, text);
	if (back.ev.start != p->ev.start || back.ev.end != p->ev.end ||
	    back.ev.all_day != p->ev.all_day)
		fail("generated object: other times", text);
	if (strcmp(back.ev.title, p->ev.title) != 0)
		fail("generated object: other title", text);
	if (!same_reminders(&back.ev, &p->ev))
		fail("generated object: other reminders", text);
	object_parsed_free(&back);
	free(text);
}

/* REST edits merged into the stored object. */
static void
check_merge(const char *stored, const struct object_parsed *p)
{
	struct object_parsed	 now, back;
	struct event_error	 err;
	char			 pre[64], *m, *t;

	if ((m = ics_object_merge(stored, &p->ev, &p->ev, 0)) == NULL)
		fail("merge of no change failed", stored);
	if (strcmp(m, stored) != 0)
		fail("an edit changing nothing changed the bytes", stored);
	free(m);
	if (object_parse(stored, strlen(stored), FUZZ_TZ, 1, &now, pre,
	    &err) != EVENT_OK)
		fail("the same object read twice differs", stored);
	if ((t = strdup("Edited, on the web")) == NULL)
		abort();
	free(now.ev.title);
	now.ev.title = t;
	now.ev.reminders[0] = 7;
	now.ev.nreminders = 1;
	if ((m = ics_object_merge(stored, &p->ev, &now.ev, 0)) == NULL)
		fail("merge failed", stored);
	if (object_parse(m, strlen(m), FUZZ_TZ, 1, &back, pre, &err) !=
	    EVENT_OK)
		fail(err.msg, m);
	if (strcmp(back.ev.title, "Edited, on the web") != 0 ||
	    back.ev.start != p->ev.start || back.ev.end != p->ev.end)
		fail("merged object: not the edit", m);
	/* 7 minutes is mailed (the alarm written is ours); the app's other
	 * alarms, some mailed before, may come along. */
	if (back.ev.nreminders < 1 || (back.ev.reminders[0] != 7 &&
	    back.ev.nreminders == REMINDER_MAX))
		fail("merged object: the reminder is lost", m);
	object_parsed_free(&back);
	object_parsed_free(&now);
	free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64], *stored;
	size_t			 i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* Refusing the input is as good an answer as reading it. */
	if (object_parse((const char *)data, size, FUZZ_TZ, 1, &p, pre,
	    &err) != EVENT_OK) {
		if (pre[0] == '\0' && err.msg[0] == '\0')
			fail("refused without a reason", NULL);
		return 0;
	}
	if (p.ev.end <= p.ev.start || p.ev.nreminders > REMINDER_MAX)
		fail("accepted an impossible event", NULL);
	for (i = 0; i < p.ev.nreminders; i++)
		if (p.ev.reminders[i] < 0 ||
		    p.ev.reminders[i] > REMINDER_MINUTES_MAX)
			fail("a reminder out of its range", NULL);
	/* Stored as sent: valid UTF-8 without NUL, so a C string. */
	if ((stored = malloc(size + 1)) == NULL)
		abort();
	memcpy(stored, data, size);
	stored[size] = '\0';
	check_generated(&p);
	check_merge(stored, &p);
	free(stored);
	object_parsed_free(&p);
	return 0;
}

#ifndef AURORA_LIBFUZZER
int
main(int argc, char *argv[])
{
	int	 count = 0, rc;

	rc = fuzz_replay_args(argc, argv, FUZZ_CORPUS, FUZZ_MAX_INPUT,
	    &count);
	printf("fuzz_object: %d inputs replayed\n", count);
	zone_cleanup();
	return rc == 0 && count > 0 ? 0 : 1;
}
#endif
