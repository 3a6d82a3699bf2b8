/* check_object.c — unit tests for events as CalDAV objects without a
 * database: the refusals of RFC 4791, reading an object (zones, placeholder
 * title, VALARMs as reminders), generated objects (stable, round trip of
 * reminders) and REST edits merged into a stored object. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/zone.h"
#include "events/event.h"
#include "events/ics.h"
#include "events/object.h"
#include "events/recur.h"
#include "events/rfc3339.h"

static time_t
T(const char *s)
{
	time_t t = 0;

	ck_assert_msg(rfc3339_parse(s, &t, NULL) == 0, "parse %s", s);
	return t;
}

#define CAL(body) "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" \
	body "END:VCALENDAR\r\n"
#define EV(body) "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n" body \
	"END:VEVENT\r\n"

static enum event_rc
parse(const char *s, int app_alarms, struct object_parsed *p, char *pre,
    struct event_error *err)
{
	return object_parse(s, strlen(s), "Europe/Berlin", app_alarms, p, pre,
	    err);
}

static void
refused(const char *s, size_t len, const char *want)
{
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64];

	ck_assert_int_eq(object_parse(s, len, "UTC", 1, &p, pre, &err),
	    EVENT_INVALID);
	ck_assert_msg(strcmp(pre, want) == 0, "%.60s...: %s (%s), want %s",
	    s, pre, err.msg, want);
	ck_assert_msg(err.msg[0] != '\0', "no message for %s", want);
	ck_assert_msg(len > 4096 || strstr(s, "Mars") == NULL ||
	    strstr(err.msg, "Mars") !=
	    NULL, "message %s", err.msg);
}

START_TEST(object_refusals)
{
	static const char nul[] = CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n"
	    "SUMMARY:x\0y\r\n"));
	char	*big;
	size_t	 n;

	refused("hello", 5, "valid-calendar-data");
	refused(nul, sizeof(nul) - 1, "valid-calendar-data");
	refused(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\nSUMMARY:\xc3\x28\r\n")),
	    strlen(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n"
	    "SUMMARY:\xc3\x28\r\n"))), "valid-calendar-data");
	refused(CAL(""), strlen(CAL("")), "valid-calendar-object-resource");
	refused(CAL("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n"),
	    strlen(CAL("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n")),
	    "supported-calendar-component");
	refused(CAL("BEGIN:VJOURNAL\r\nUID:t\r\nEND:VJOURNAL\r\n"),
	    strlen(CAL("BEGIN:VJOURNAL\r\nUID:t\r\nEND:VJOURNAL\r\n")),
	    "supported-calendar-component");
	refused(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    "BEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\n"),
	    strlen(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    "BEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\n")),
	    "valid-calendar-object-resource");
	refused(CAL("METHOD:REQUEST\r\n" EV("UID:a\r\n"
	    "DTSTART:20260101T100000Z\r\n")), strlen(CAL("METHOD:REQUEST\r\n"
	    EV("UID:a\r\nDTSTART:20260101T100000Z\r\n"))),
	    "valid-calendar-object-resource");
	refused(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    EV("UID:b\r\nDTSTART:20260102T100000Z\r\n")),
	    strlen(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    EV("UID:b\r\nDTSTART:20260102T100000Z\r\n"))),
	    "valid-calendar-object-resource");
	refused(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    EV("UID:a\r\nDTSTART:20260102T100000Z\r\n")),
	    strlen(CAL(EV("UID:a\r\nDTSTART:20260101T100000Z\r\n")
	    EV("UID:a\r\nDTSTART:20260102T100000Z\r\n"))),
	    "valid-calendar-object-resource");
	refused(CAL(EV("DTSTART:20260101T100000Z\r\n")),
	    strlen(CAL(EV("DTSTART:20260101T100000Z\r\n"))),
	    "valid-calendar-object-resource");
	refused(CAL(EV("UID:a\r\nSUMMARY:no start\r\n")),
	    strlen(CAL(EV("UID:a\r\nSUMMARY:no start\r\n"))),
	    "valid-calendar-object-resource");
	/* A TZID nothing defines: the reader's reason is the message. */
	refused(CAL(EV("UID:a\r\nDTSTART;TZID=Mars/Olympus:20260101T100000\r\n")),
	    strlen(CAL(EV("UID:a\r\nDTSTART;TZID=Mars/Olympus:"
	    "20260101T100000\r\n"))), "valid-calendar-object-resource");
	n = OBJECT_MAX_BYTES + 1;
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'A', n);
	refused(big, n, "max-resource-size");
	free(big);
}
END_TEST

static const char app_object[] = CAL(
    "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\n"
    EV("UID:app-1@example.com\r\n"
    "DTSTART;TZID=W. Europe Standard Time:20260610T100000\r\n"
    "DTEND;TZID=W. Europe Standard Time:20260610T110000\r\n"
    "SUMMARY:\r\nX-FOO;X-P=1:keep me\r\nCATEGORIES:Work,Blue\r\n"
    "ATTENDEE;CN=Ann:mailto:ann@example.com\r\n"
    "ORGANIZER:mailto:bob@example.com\r\nTRANSP:TRANSPARENT\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:a\r\n"
    "TRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:EMAIL\r\nDESCRIPTION:b\r\nSUMMARY:b\r\n"
    "ATTENDEE:mailto:me@example.com\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;RELATED=END:-PT90M\r\n"
    "END:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:after\r\n"
    "TRIGGER:PT5M\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:dup\r\n"
    "TRIGGER;RELATED=START:-PT15M\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:NONE\r\n"
    "TRIGGER;VALUE=DATE-TIME:19760401T005545Z\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:abs\r\n"
    "TRIGGER;VALUE=DATE-TIME:20260609T080000Z\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:acked\r\n"
    "TRIGGER:-PT10M\r\nACKNOWLEDGED:20260610T075100Z\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:acked early\r\n"
    "TRIGGER:-PT5M\r\nX-MOZ-LASTACK:20260601T000000Z\r\nEND:VALARM\r\n"));

static int
has(const struct event *ev, int m)
{
	size_t i;

	for (i = 0; i < ev->nreminders; i++)
		if (ev->reminders[i] == m)
			return 1;
	return 0;
}

START_TEST(object_reads_app_object)
{
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64];

	ck_assert_int_eq(parse(app_object, 1, &p, pre, &err), EVENT_OK);
	ck_assert_str_eq(p.ev.uid, "app-1@example.com");
	ck_assert_str_eq(p.ev.time_zone, "Europe/Berlin");
	ck_assert_int_eq(p.ev.start, T("2026-06-10T10:00:00+02:00"));
	ck_assert_int_eq(p.ev.end, T("2026-06-10T11:00:00+02:00"));
	/* An empty SUMMARY stores, with a placeholder in the row only. */
	ck_assert_str_eq(p.ev.title, "(no title)");
	ck_assert_int_eq(p.own_zones, 1);
	ck_assert_int_eq(p.nalarms, 9);
	/* 15 (once), 60 (EMAIL), 30 (90 before the end of an hour), 1560
	 * (the absolute trigger, a day before), 5 (acknowledged before
	 * it fires); not: after the start, NONE, the acknowledged one. */
	ck_assert_int_eq(p.ev.nreminders, 5);
	ck_assert_int_eq(p.ev.reminders[0], 15);
	ck_assert_int_eq(p.ev.reminders[1], 60);
	ck_assert_int_eq(p.ev.reminders[2], 30);
	ck_assert_int_eq(p.ev.reminders[3], 1440);
	ck_assert_int_eq(p.ev.reminders[4], 5);
	ck_assert(!has(&p.ev, 10));
	object_parsed_free(&p);

	/* App alarms not mailed: only the EMAIL one. */
	ck_assert_int_eq(parse(app_object, 0, &p, pre, &err), EVENT_OK);
	ck_assert_int_eq(p.ev.nreminders, 1);
	ck_assert_int_eq(p.ev.reminders[0], 60);
	object_parsed_free(&p);
}
END_TEST

START_TEST(object_x_component_kept)
{
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64];
	static const char obj[] = CAL(EV("UID:x-1\r\n"
	    "DTSTART:20260610T100000Z\r\nSUMMARY:With X\r\n")
	    "BEGIN:X-CALENDARSERVER-PERUSER\r\nUID:x-1\r\n"
	    "X-CALENDARSERVER-PERUSER-UID:me\r\n"
	    "END:X-CALENDARSERVER-PERUSER\r\n");

	ck_assert_int_eq(parse(obj, 1, &p, pre, &err), EVENT_OK);
	ck_assert_str_eq(p.ev.title, "With X");
	object_parsed_free(&p);
}
END_TEST

START_TEST(object_alarm_rules)
{
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64];
	static const char six[] = CAL(EV("UID:s\r\n"
	    "DTSTART:20260610T100000Z\r\nDURATION:PT1H\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT1M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT2M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT3M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT4M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT6M\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-P5W\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER:-PT90S\r\nEND:VALARM\r\n"));
	static const char series[] = CAL(EV("UID:w\r\n"
	    "DTSTART;TZID=Europe/Berlin:20260610T100000\r\n"
	    "DTEND;TZID=Europe/Berlin:20260610T103000\r\n"
	    "RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Weekly\r\n"
	    "BEGIN:VALARM\r\nACTION:DISPLAY\r\n"
	    "TRIGGER;VALUE=DATE-TIME:20260610T070000Z\r\nEND:VALARM\r\n"
	    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\n"
	    "ACKNOWLEDGED:20260610T075100Z\r\nEND:VALARM\r\n"));

	/* At most five mailed; four weeks at most; 90 s is 2 minutes. */
	ck_assert_int_eq(parse(six, 1, &p, pre, &err), EVENT_OK);
	ck_assert_int_eq(p.ev.nreminders, REMINDER_MAX);
	ck_assert(!has(&p.ev, 6));
	ck_assert_int_eq(p.nalarms, 8);
	object_parsed_free(&p);

	/* A series: its absolute trigger is not mailed, an acknowledgement
	 * does not stop later occurrences. */
	ck_assert_int_eq(parse(series, 1, &p, pre, &err), EVENT_OK);
	ck_assert_int_eq(p.ev.nrecurrence, 1);
	ck_assert_int_eq(p.ev.nreminders, 1);
	ck_assert_int_eq(p.ev.reminders[0], 10);
	ck_assert_int_eq(p.nacks, 1);
	ck_assert_int_eq(p.acks[0].minutes, 10);
	ck_assert_int_eq(p.acks[0].ack, T("2026-06-10T07:51:00Z"));
	object_parsed_free(&p);
}
END_TEST

static void
from_parts(struct event *ev, const char *title, int all_day)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->id, sizeof(ev->id), "00000000-0000-4000-8000-000000000001");
	snprintf(ev->uid, sizeof(ev->uid), "gen-1@aurora");
	ev->title = strdup(title);
	ev->description = strdup("Line one\nLine two; with, punctuation");
	ev->location = strdup("");
	ck_assert_ptr_nonnull(ev->title);
	snprintf(ev->time_zone, sizeof(ev->time_zone), "America/New_York");
	ev->all_day = all_day;
	ev->start = all_day ? zone_midnight(zone_find("America/New_York"),
	    2026, 3, 7) : T("2026-03-07T09:00:00-05:00");
	ev->end = ev->start + (all_day ? 86400 : 3600);
	ev->recurrence = calloc(2, sizeof(char *));
	ev->recurrence[0] = strdup("RRULE:FREQ=WEEKLY;COUNT=5");
	ev->nrecurrence = 1;
	ev->reminders[0] = 30;
	ev->reminders[1] = 0;
	ev->nreminders = 2;
	ev->version = 3;
	snprintf(ev->created_at, sizeof(ev->created_at), "2026-01-02T03:04:05Z");
	snprintf(ev->updated_at, sizeof(ev->updated_at), "2026-01-03T03:04:05Z");
}

START_TEST(object_generated)
{
	struct event		 ev;
	struct object_parsed	 p;
	struct event_error	 err;
	char			 pre[64], *a, *b;
	int			 all_day;

	for (all_day = 0; all_day < 2; all_day++) {
		from_parts(&ev, "Standup", all_day);
		a = object_generate(&ev);
		b = object_generate(&ev);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		/* The same row, the same bytes: a stable ETag. */
		ck_assert_str_eq(a, b);
		ck_assert_ptr_nonnull(strstr(a, "PRODID:-//Aurora Time//EN"));
		ck_assert_ptr_null(strstr(a, "METHOD"));
		ck_assert_ptr_nonnull(strstr(a, "SEQUENCE:2"));
		ck_assert_ptr_nonnull(strstr(a, "RRULE:FREQ=WEEKLY;COUNT=5"));
		ck_assert_ptr_nonnull(strstr(a, "TRIGGER:-PT30M"));
		if (all_day) {
			ck_assert_ptr_nonnull(strstr(a,
			    "DTSTART;VALUE=DATE:20260307"));
			ck_assert_ptr_null(strstr(a, "BEGIN:VTIMEZONE"));
		} else {
			ck_assert_ptr_nonnull(strstr(a, "BEGIN:VTIMEZONE"));
			ck_assert_ptr_nonnull(strstr(a,
			    "DTSTART;TZID=America/New_York:20260307T090000"));
		}
		/* Back through an app unchanged: the same reminders, even
		 * where app alarms are not mailed, and the same times (an
		 * all-day date is floating: in the account's zone). */
		ck_assert_int_eq(object_parse(a, strlen(a), "America/New_York",
		    0, &p, pre, &err), EVENT_OK);
		ck_assert_int_eq(p.ev.start, ev.start);
		ck_assert_int_eq(p.ev.end, ev.end);
		ck_assert_int_eq(p.ev.all_day, all_day);
		ck_assert_str_eq(p.ev.title, "Standup");
		ck_assert_str_eq(p.ev.description, ev.description);
		ck_assert_int_eq(p.ev.nreminders, 2);
		ck_assert_int_eq(p.ev.reminders[0], 30);
		ck_assert_int_eq(p.ev.reminders[1], 0);
		ck_assert_int_eq(p.ev.nrecurrence, 1);
		object_parsed_free(&p);
		free(a);
		free(b);
		event_clear(&ev);
	}
}
END_TEST

static const char override_object[] = CAL(
    EV("UID:ser-1@example.com\r\n"
    "DTSTART;TZID=Europe/Berlin:20260601T090000\r\n"
    "DTEND;TZID=Europe/Berlin:20260601T100000\r\n"
    "RRULE:FREQ=DAILY;COUNT=10\r\nSUMMARY:Daily\r\n"
    "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\nCATEGORIES:Work\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\n"
    "X-WR-ALARMUID:A1\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:PT5M\r\n"
    "X-WR-ALARMUID:A2\r\nEND:VALARM\r\n")
    EV("UID:ser-1@example.com\r\n"
    "RECURRENCE-ID;TZID=Europe/Berlin:20260603T090000\r\n"
    "DTSTART;TZID=Europe/Berlin:20260603T140000\r\n"
    "DTEND;TZID=Europe/Berlin:20260603T150000\r\nSUMMARY:Moved\r\n"));

START_TEST(object_merge_keeps_unmodelled)
{
	struct object_parsed	 old, now, back;
	struct event_error	 err;
	char			 pre[64], *m;

	ck_assert_int_eq(parse(override_object, 1, &old, pre, &err), EVENT_OK);
	ck_assert_int_eq(old.noverrides, 1);
	ck_assert_int_eq(old.ev.nreminders, 1);
	ck_assert_int_eq(parse(override_object, 1, &now, pre, &err), EVENT_OK);

	/* Nothing changed: the stored bytes as they were. */
	m = ics_object_merge(override_object, &old.ev, &now.ev,
	    T("2026-05-01T00:00:00Z"));
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m, override_object);
	free(m);

	/* A new title and reminder through REST. */
	free(now.ev.title);
	now.ev.title = strdup("Daily, renamed");
	now.ev.reminders[0] = 30;
	now.ev.start += 3600;
	now.ev.end += 3600;
	m = ics_object_merge(override_object, &old.ev, &now.ev,
	    T("2026-05-01T00:00:00Z"));
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "SUMMARY:Daily\\, renamed"));
	ck_assert_ptr_nonnull(strstr(m, "UID:ser-1@example.com"));
	ck_assert_ptr_nonnull(strstr(m,
	    "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC"));
	ck_assert_ptr_nonnull(strstr(m, "CATEGORIES:Work"));
	ck_assert_ptr_nonnull(strstr(m, "ATTENDEE;PARTSTAT=ACCEPTED"));
	ck_assert_ptr_nonnull(strstr(m, "RECURRENCE-ID;TZID=Europe/Berlin"));
	ck_assert_ptr_nonnull(strstr(m, "SUMMARY:Moved"));
	ck_assert_ptr_nonnull(strstr(m, "X-WR-ALARMUID:A2"));
	ck_assert_ptr_null(strstr(m, "X-WR-ALARMUID:A1"));
	ck_assert_ptr_nonnull(strstr(m, "TRIGGER:-PT30M"));
	ck_assert_ptr_nonnull(strstr(m, "SEQUENCE:1"));
	ck_assert_ptr_nonnull(strstr(m,
	    "DTSTART;TZID=Europe/Berlin:20260601T100000"));
	ck_assert_ptr_null(strstr(m, "X-LIC-ERROR"));

	/* Read back, it models what REST wrote. */
	ck_assert_int_eq(parse(m, 1, &back, pre, &err), EVENT_OK);
	ck_assert_str_eq(back.ev.title, "Daily, renamed");
	ck_assert_int_eq(back.ev.start, now.ev.start);
	ck_assert_int_eq(back.ev.nreminders, 1);
	ck_assert_int_eq(back.ev.reminders[0], 30);
	ck_assert_int_eq(back.noverrides, 1);
	object_parsed_free(&back);
	free(m);
	object_parsed_free(&old);
	object_parsed_free(&now);
}
END_TEST

static int
count_item(struct ics_item *it, void *arg)
{
	(void)it;
	(*(int *)arg)++;
	return 0;
}

START_TEST(object_in_feed)
{
	struct ics_writer	*w;
	struct object_parsed	 a, b;
	struct ics_error	 ierr;
	struct event_error	 err;
	struct event		 gen;
	char			 pre[64], *text;
	int			 n = 0;

	ck_assert_int_eq(parse(app_object, 1, &a, pre, &err), EVENT_OK);
	ck_assert_int_eq(parse(override_object, 1, &b, pre, &err), EVENT_OK);
	from_parts(&gen, "Generated", 0);
	w = ics_writer_new("Feed");
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(ics_writer_add_object(w, &a.ev, app_object), 0);
	ck_assert_int_eq(ics_writer_add_object(w, &b.ev, override_object), 0);
	ck_assert_int_eq(ics_writer_add_object(w, &gen, NULL), 0);
	text = ics_writer_finish(w);
	ck_assert_ptr_nonnull(text);
	/* What the apps wrote, in the feed. */
	ck_assert_ptr_nonnull(strstr(text, "TRANSP:TRANSPARENT"));
	ck_assert_ptr_nonnull(strstr(text, "X-FOO;X-P=1:keep me"));
	ck_assert_ptr_nonnull(strstr(text, "ORGANIZER:mailto:bob@example.com"));
	ck_assert_ptr_nonnull(strstr(text,
	    "TZID:W. Europe Standard Time"));
	ck_assert_ptr_nonnull(strstr(text, "RECURRENCE-ID;TZID=Europe/Berlin"));
	ck_assert_ptr_nonnull(strstr(text, "TZID:America/New_York"));
	ck_assert_ptr_nonnull(strstr(text, "SUMMARY:Generated"));
	/* One VTIMEZONE per TZID, and the feed reads back. */
	ck_assert_ptr_null(strstr(strstr(text, "TZID:Europe/Berlin\r\n") + 1,
	    "TZID:Europe/Berlin\r\n"));
	ck_assert_int_eq(ics_parse(text, strlen(text), "UTC", count_item, &n,
	    &ierr), 0);
	if (n != 4)
		fprintf(stderr, "%s", text);
	ck_assert_int_eq(n, 4);
	free(text);
	ics_writer_free(w);
	event_clear(&gen);
	object_parsed_free(&a);
	object_parsed_free(&b);
}
END_TEST

static int
add_start(time_t t, void *arg)
{
	time_t *v = arg;
	int i;

	for (i = 0; i < 16 && v[i] != 0; i++)
		;
	if (i < 16)
		v[i] = t;
	return 0;
}

START_TEST(object_overrides_in_model)
{
	struct object_parsed	 p, now;
	struct event_error	 err;
	char			 pre[64], *m, *nr;
	time_t			 got[16];
	size_t			 i;
	int			 ex = 0, rd = 0;

	ck_assert_int_eq(parse(override_object, 1, &p, pre, &err), EVENT_OK);
	for (i = 0; i < p.ev.nrecurrence; i++) {
		ex |= strcmp(p.ev.recurrence[i], "EXDATE:20260603T070000Z") == 0;
		rd |= strcmp(p.ev.recurrence[i], "RDATE:20260603T120000Z") == 0;
	}
	ck_assert_msg(ex && rd, "override not in the model's rule");
	/* The listing and the mail see the moved instance at its time. */
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(recur_expand(&p.rec, p.ev.start, 0,
	    zone_find("Europe/Berlin"), T("2026-06-03T00:00:00Z"),
	    T("2026-06-04T00:00:00Z"), add_start, got), 0);
	ck_assert_int_eq(got[0], T("2026-06-03T12:00:00Z"));
	ck_assert_int_eq(got[1], 0);

	/* A REST edit of the rule writes neither date into the object. */
	ck_assert_int_eq(parse(override_object, 1, &now, pre, &err),
	    EVENT_OK);
	nr = strdup("RRULE:FREQ=DAILY;COUNT=12");
	ck_assert_ptr_nonnull(nr);
	free(now.ev.recurrence[0]);
	now.ev.recurrence[0] = nr;
	m = ics_object_merge(override_object, &p.ev, &now.ev,
	    T("2026-05-01T00:00:00Z"));
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "RRULE:FREQ=DAILY;COUNT=12"));
	ck_assert_ptr_null(strstr(m, "RDATE"));
	ck_assert_ptr_null(strstr(m, "EXDATE"));
	ck_assert_ptr_nonnull(strstr(m, "RECURRENCE-ID"));
	free(m);
	object_parsed_free(&now);
	object_parsed_free(&p);
}
END_TEST

START_TEST(object_merge_marks_app_alarm)
{
	struct object_parsed	 old, now, back;
	struct event_error	 err;
	char			 pre[64], *m;
	static const char obj[] = CAL(EV("UID:mark-1\r\n"
	    "DTSTART:20260610T100000Z\r\nDTEND:20260610T110000Z\r\n"
	    "SUMMARY:Phone\r\n"
	    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
	    "TRIGGER:-PT20M\r\nX-WR-ALARMUID:APP-20\r\nEND:VALARM\r\n"));

	/* App alarms not mailed here: no reminder; REST adds 20 minutes. */
	ck_assert_int_eq(parse(obj, 0, &old, pre, &err), EVENT_OK);
	ck_assert_int_eq(old.ev.nreminders, 0);
	ck_assert_int_eq(parse(obj, 0, &now, pre, &err), EVENT_OK);
	now.ev.reminders[0] = 20;
	now.ev.nreminders = 1;
	m = ics_object_merge(obj, &old.ev, &now.ev, T("2026-05-01T00:00:00Z"));
	ck_assert_ptr_nonnull(m);
	/* The app's alarm is the reminder now: one alarm, marked. */
	ck_assert_ptr_nonnull(strstr(m, "X-WR-ALARMUID:APP-20"));
	ck_assert_ptr_nonnull(strstr(m, ICS_REMINDER_MARK ":TRUE"));
	ck_assert_ptr_null(strstr(strstr(m, "BEGIN:VALARM") + 1,
	    "BEGIN:VALARM"));
	ck_assert_int_eq(parse(m, 0, &back, pre, &err), EVENT_OK);
	ck_assert_int_eq(back.ev.nreminders, 1);
	ck_assert_int_eq(back.ev.reminders[0], 20);
	object_parsed_free(&back);
	free(m);
	object_parsed_free(&old);
	object_parsed_free(&now);
}
END_TEST

START_TEST(object_etags)
{
	ck_assert(object_etag_match("\"12\"", 12));
	ck_assert(object_etag_match("\"3\", \"12\"", 12));
	ck_assert(object_etag_match("*", 12));
	ck_assert(object_etag_match("\\\"12\\\"", 12));
	ck_assert(!object_etag_match("\"13\"", 12));
	ck_assert(!object_etag_match("W/\"12\"", 12));
	ck_assert(!object_etag_match("12", 12));
	ck_assert(!object_etag_match("", 12));
	ck_assert(!object_etag_match(NULL, 12));
}
END_TEST

static Suite *
object_suite(void)
{
	Suite	*s = suite_create("object");
	TCase	*tc = tcase_create("object");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, object_refusals);
	tcase_add_test(tc, object_reads_app_object);
	tcase_add_test(tc, object_alarm_rules);
	tcase_add_test(tc, object_x_component_kept);
	tcase_add_test(tc, object_generated);
	tcase_add_test(tc, object_merge_keeps_unmodelled);
	tcase_add_test(tc, object_in_feed);
	tcase_add_test(tc, object_overrides_in_model);
	tcase_add_test(tc, object_merge_marks_app_alarm);
	tcase_add_test(tc, object_etags);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(object_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	zone_cleanup();
	return failed == 0 ? 0 : 1;
}
