/* ics.h — RFC 5545 calendars: export of a user's events (VTIMEZONE from
 * libical's zones, VALARM for reminders, stable UIDs) and import of a
 * text/calendar file in one transaction, upserting by UID. */
#ifndef AURORA_ICS_H
#define AURORA_ICS_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "events/event.h"

#define ICS_MAX_OUTPUT	(64L << 20)	/* largest feed produced */
#define ICS_MAX_OBJECT	(1L << 20)	/* an imported event's stored object,
					 * as CalDAV's max-resource-size */
#define ICS_PRODID	"-//Aurora Time//Aurora Time " PACKAGE_VERSION "//EN"
#define ICS_MAX_ERRORS	100		/* skipped events reported */
#define ICS_MAX_RIDS	20000		/* changed instances per file */
/* Limits against costly files (docs/events.md): events per file, and the
 * time one import may take, checked between events (each event's own work
 * is bounded by recur.c); over either, nothing is imported (413). The
 * budget is the worker's CPU time, so that a file that fits on an idle
 * machine fits on a loaded one too; the wall-clock cap bounds how long a
 * worker is held when the machine (or the database) is slow. */
#define ICS_MAX_EVENTS	5000		/* VEVENTs per file */
#define ICS_IMPORT_BUDGET_MS 4000	/* CPU of one import request */
#define ICS_IMPORT_WALL_MS 8000		/* and its wall-clock time */

/* --- writing (ics.c) --- */

struct ics_writer;
struct ics_reader;

/* Starts a calendar named name. NULL when out of memory. */
struct ics_writer *ics_writer_new(const char *name);
/* Adds one event (its zone's VTIMEZONE is added once). 0 or -1. */
int ics_writer_add(struct ics_writer *w, const struct event *ev);
/* Adds an event that has a stored CalDAV object: the object's VEVENTs
 * as the app wrote them (overrides, TRANSP, STATUS, CATEGORIES, CLASS,
 * ORGANIZER, ATTENDEE, URL, GEO, floating times), with the VTIMEZONEs
 * they use (IANA TZIDs as ics_writer_add writes them, others the
 * object's own); ics_writer_add's VEVENT when ical is NULL or does not
 * parse. 0 or -1. */
int ics_writer_add_object(struct ics_writer *w, const struct event *ev,
    const char *ical);
/* The calendar text with CRLF line ends and folded lines; the caller
 * free()s it. NULL when out of memory. The writer stays usable for free. */
char *ics_writer_finish(struct ics_writer *w);
void ics_writer_free(struct ics_writer *w);

/* The mark on the VALARMs written for reminders (ics_vevent): read back
 * from an app, such an alarm is mailed whatever the calendar says of app
 * alarms, so a reminder survives a round trip through the app. */
#define ICS_REMINDER_MARK	"X-AURORA-REMINDER"

/* The VEVENT of ev (UID, DTSTAMP, CREATED, LAST-MODIFIED, SEQUENCE, texts,
 * times with the IANA TZID, recurrence, a DISPLAY VALARM per reminder):
 * the same event always gives the same component. NULL when out of
 * memory; the caller icalcomponent_free()s it. */
icalcomponent *ics_vevent(const struct event *ev);
/* The VTIMEZONE of IANA zone name from a year before earliest on, its
 * TZID the name itself; NULL for UTC, an unknown zone or out of memory. */
icalcomponent *ics_vtimezone(const char *name, time_t earliest);

/* The time a VALARM fires, as minutes before the occurrence starting at
 * start and ending at end (negative: after the start; rounded so that a
 * mail is never late), from its TRIGGER relative to START or END or
 * absolute (*absolute set). 0, or -1 when it has no readable TRIGGER. */
int ics_alarm_minutes(icalcomponent *valarm, time_t start, time_t end,
    long *minutes, int *absolute);

/* The instant of a DTSTART, DTEND or RECURRENCE-ID libical read from an
 * object: in its TZID's zone (the object's VTIMEZONE, else a known one),
 * a floating time or a date (its midnight) in z. */
time_t ics_instant(struct icaltimetype tt, icaltimezone *z);
/* The latest end of the overrides (RECURRENCE-ID components) of a stored
 * object, floating times in z; 0 when it has none. The window query's
 * series_end must reach it, since an override may be moved past the last
 * occurrence of its series. */
time_t ics_overrides_end(const char *ical, icaltimezone *z);

/* The stored object ical with the modelled properties of its master
 * VEVENT rewritten where ev differs from old (the event before a REST
 * edit): SUMMARY, DESCRIPTION, LOCATION, DTSTART/DTEND (DURATION),
 * RRULE/RDATE/EXDATE, and the VALARMs of reminders removed or added;
 * everything else (UID, X- properties, ATTENDEE, overrides, other alarms)
 * is kept. SEQUENCE, DTSTAMP and LAST-MODIFIED move to now. A malloc'd
 * text (free), NULL when ical does not parse or memory runs out. */
char *ics_object_merge(const char *ical, const struct event *old,
    const struct event *ev, time_t now);

/* The user's whole calendar into out, with a strong ETag (quoted hex of
 * SHA-256 of the text) into etag (at least 48 bytes). */
enum event_rc ics_export(struct event_ctx *c, const char *name,
    struct buf *out, char *etag, size_t etaglen)
    __attribute__((warn_unused_result));

/* --- reading (ics_parse.c) and importing (ics_import.c) --- */

struct ics_error {
	long	 line;		/* 1-based physical line, 0 when none */
	char	 msg[200];
	int	 too_costly;	/* over ICS_MAX_EVENTS or the budget (413) */
	int	 too_many;	/* of those: over the file's cap of events */
};

/* One VEVENT read from a file. ev is complete (uid set) unless skip is
 * set, in which case why says what was not supported or could not be
 * read ("line N: ..." when one line is at fault), and ev holds what was
 * read before (uid first). */
struct ics_item {
	struct event	 ev;
	long		 line;		/* of BEGIN:VEVENT */
	int		 skip;
	char		 why[200];
	/* A changed instance (RECURRENCE-ID) of series ev.uid: the instance
	 * it replaces, "YYYYMMDD" or UTC "YYYYMMDDTHHMMSSZ" as in EXDATE. */
	int		 has_rid;
	char		 rid[20];
	int		 cancelled;	/* STATUS:CANCELLED */
	/* Which copy of one UID (and RECURRENCE-ID) is the newest: the
	 * higher SEQUENCE, then the later LAST-MODIFIED, then the later
	 * DTSTAMP (0 when absent), then the later in the file. */
	long		 sequence;
	time_t		 modified;
	time_t		 stamp;
	/* Where the VEVENT is in the file, for ics_item_object. */
	struct ics_reader *reader;
	size_t		 first, last;	/* its BEGIN and END lines */
};

/* The VEVENT of item as the file has it (every property, its VALARMs)
 * in a VCALENDAR with the VTIMEZONEs its TZIDs name (the file's own,
 * else a known zone's): the event's stored object. NULL when out of
 * memory or libical cannot read it; the caller icalcomponent_free()s it.
 * Only while the item is in the callback. */
icalcomponent *ics_item_object(const struct ics_item *item);

/* Called for each VEVENT; returns 0 to go on, -1 to stop (ics_parse then
 * returns -2). The item is freed after the call. */
typedef int (*ics_fn)(struct ics_item *item, void *arg);

/* Parses a calendar: 0 when done, -1 for a broken file (err names the
 * line), -2 when fn stopped, -3 out of memory. Times without a known zone
 * use default_tz. */
int ics_parse(const char *data, size_t len, const char *default_tz,
    ics_fn fn, void *arg, struct ics_error *err)
    __attribute__((warn_unused_result));

/* What a VCALENDAR says of itself (ics_parse_calendar). */
struct ics_calendar {
	/* REFRESH-INTERVAL (RFC 7986), else X-PUBLISHED-TTL, in minutes
	 * rounded up; 0 when the file has neither (or it does not read). */
	long	 refresh_minutes;
	int	 refresh_from_rfc7986;
};

/* ics_parse, also filling *cal (when not NULL) from the VCALENDAR's own
 * properties. */
int ics_parse_calendar(const char *data, size_t len, const char *default_tz,
    ics_fn fn, void *arg, struct ics_calendar *cal, struct ics_error *err)
    __attribute__((warn_unused_result));

/* Imports into the user's calendar calendar_id (one of the user's, as
 * calendar_get found it; NULL: the default calendar) in one transaction,
 * a UID replacing the event of that UID in that calendar. On EVENT_OK
 * *result is {"imported","updated","skipped","errors":[{line,uid,message}]};
 * on EVENT_INVALID err names the line and nothing was stored (with
 * err->too_costly set when the file has more than ICS_MAX_EVENTS events or
 * needs more than ICS_IMPORT_BUDGET_MS). */
enum event_rc ics_import(struct event_ctx *c, const char *calendar_id,
    const char *data, size_t len, json_object **result,
    struct ics_error *err)
    __attribute__((warn_unused_result));

/* How ics_sync_tx stores a file: a subscription's feed (subsync.c). The
 * file is read as an import reads it (the same rules for copies of a UID,
 * changed and cancelled instances, the same CPU and time budgets), but
 * its VALARMs never become reminders: each stored event gets reminders[]
 * instead (nreminders 0: none), and store decides what is written. */
struct ics_sync {
	const char	*calendar_id;
	const char	*time_zone;	/* for floating times */
	long		 max_events;	/* VEVENTs per file */
	const int	*reminders;
	size_t		 nreminders;
	/* Called for each event the file holds, inside the caller's
	 * transaction: EVENT_OK to go on, anything else stops the file
	 * (c->err and the rc say why). ev->uid names it ("uid#rid" for a
	 * changed instance), ical is its stored object (NULL: generated). */
	enum event_rc	(*store)(struct event_ctx *c, struct event *ev,
			    const struct recur *rec, const char *ical,
			    void *arg);
	void		*arg;
	/* Filled in: */
	struct ics_calendar cal;
	long		 stored, skipped;
};

/* Reads the file into sync->store inside the caller's transaction (which
 * it neither begins nor ends). EVENT_INVALID with err naming the line
 * when the file is not a calendar, holds more than sync->max_events
 * events (err->too_costly) or is over the budget; the caller then rolls
 * back, so nothing of it is kept. */
enum event_rc ics_sync_tx(struct event_ctx *c, struct ics_sync *sync,
    const char *data, size_t len, struct ics_error *err)
    __attribute__((warn_unused_result));

#endif
