/* object.h — an event as a CalDAV resource (RFC 4791): one iCalendar
 * object per event, stored as the app sent it beside the modelled row,
 * or generated for events made through REST or import. No HTTP or XML
 * here: the dav layer maps these results to status codes and elements. */
#ifndef AURORA_OBJECT_H
#define AURORA_OBJECT_H

#include <stddef.h>
#include <time.h>

#include "events/event.h"

#define OBJECT_MAX_BYTES	1048576		/* max-resource-size */
#define OBJECT_NAME_MAX		1020		/* bytes of a dav_name */

struct calendar;

/* A PUT's conditions: If-None-Match: * and If-Match (the header value as
 * sent, a quoted ETag, "*" or a list; NULL when absent). */
struct object_cond {
	int		 if_none_match_star;
	const char	*if_match;
};

struct object_result {
	int		 created;
	long long	 revision;		/* the new ETag's number */
	char		 event_id[37];
	/* On refusal: "valid-calendar-data", "valid-calendar-object-resource",
	 * "supported-calendar-component", "supported-calendar-data",
	 * "no-uid-conflict", "max-resource-size". */
	char		 precondition[64];
	/* no-uid-conflict: dav_name of the resource holding the UID. */
	char		 conflict_name[OBJECT_NAME_MAX + 1];
};

/* Stores one iCalendar object (len bytes of data, not NUL-terminated) as
 * dav_name in calendar cal, creating the event or updating the one of that
 * name (which keeps its id). The bytes are stored exactly as sent.
 * EVENT_OK (res->created, revision, event_id); EVENT_INVALID with
 * c->err.msg saying why and res->precondition naming the element, nothing
 * stored; EVENT_CONFLICT (no-uid-conflict, res->conflict_name); EVENT_STALE
 * when If-Match or If-None-Match: * fails (412). */
enum event_rc object_put(struct event_ctx *c, const struct calendar *cal,
    const char *dav_name, const char *data, size_t len,
    const struct object_cond *cond, struct object_result *res)
    __attribute__((warn_unused_result));

struct object_data {
	char		 dav_name[OBJECT_NAME_MAX + 1];
	char		 event_id[37];
	long long	 revision;
	char		*ical;		/* malloc'd, NUL-terminated; NULL */
	size_t		 len;
};

/* One object of the user's calendar calendar_id: the stored bytes, or
 * generated for events made through REST or import (with a VALARM per
 * reminder; the same row always gives the same bytes). out->ical is the
 * caller's to free(). EVENT_NOT_FOUND when missing or not the user's. */
enum event_rc object_get(struct event_ctx *c, const char *calendar_id,
    const char *dav_name, struct object_data *out)
    __attribute__((warn_unused_result));

/* Deletes the object (its event and pending reminders). if_match: the
 * If-Match header as sent or NULL; EVENT_STALE when it names another
 * revision. */
enum event_rc object_delete(struct event_ctx *c, const char *calendar_id,
    const char *dav_name, const char *if_match)
    __attribute__((warn_unused_result));

struct object_query {
	const char *const *names;	/* multiget; NULL = all */
	size_t		 nnames;
	int		 has_range;	/* calendar-query time-range on VEVENT */
	time_t		 from, to;
};

/* Calls fn for each object of the calendar that q selects (ordered by
 * name, except in a time range; with_data: ical filled, else NULL; both
 * only valid during the call), until fn returns non-zero.
 * A time range matches any occurrence (overrides, EXDATE, the object's
 * own VTIMEZONE respected); an expansion that hits its cap keeps the
 * object rather than failing the answer. Names of a multiget that do not
 * exist are simply not reported. */
enum event_rc object_list(struct event_ctx *c, const char *calendar_id,
    const struct object_query *q, int with_data,
    int (*fn)(const struct object_data *d, void *arg), void *arg)
    __attribute__((warn_unused_result));

/* The most stored objects with alarms object_remap_alarms_tx re-reads in
 * one call (each is parsed and, when its reminders change, rewritten with
 * its mail rescheduled, all in the caller's transaction). */
#define OBJECT_REMAP_MAX	5000

/* Inside the caller's transaction, before it writes the calendar's row:
 * re-reads the VALARMs of every stored object of calendar cal as
 * cal->email_for_app_alarms now says (DISPLAY and AUDIO alarms mailed or
 * not) and writes the reminders that change, rescheduling their mail
 * through the store. EVENT_INVALID (c->err on email_for_app_alarms) when
 * the calendar holds more than OBJECT_REMAP_MAX objects with alarms:
 * nothing is changed then. Used by calendar_update. */
enum event_rc object_remap_alarms_tx(struct event_ctx *c,
    const struct calendar *cal) __attribute__((warn_unused_result));

/* --- the pure parts, without a database (unit tests, the store) --- */

/* 1 when an If-Match header value (a list of quoted ETags, W/ ones never
 * match, or "*") names revision. */
int object_etag_match(const char *if_match, long long revision);

/* A parsed object: the modelled event of its master VEVENT (title,
 * texts, times, zone, recurrence, the mailed reminders) and its checked
 * recurrence. */
struct object_parsed {
	struct event	 ev;
	struct recur	 rec;
	int		 noverrides;	/* RECURRENCE-ID components */
	int		 own_zones;	/* VTIMEZONEs in the object */
	int		 nalarms;	/* VALARMs of the master */
	/* Mailed alarms of a series acknowledged on a device: the mail of
	 * every occurrence whose alarm fired at or before ack is not sent. */
	struct {
		int	 minutes;
		time_t	 ack;
	}		 acks[REMINDER_MAX];
	size_t		 nacks;
};

/* Checks and reads len bytes of data as one calendar object resource.
 * Floating times are in default_tz; DISPLAY and AUDIO alarms are mailed
 * when app_alarms. EVENT_OK: out filled (object_parsed_free it);
 * EVENT_INVALID: err->msg says why, precondition (64 bytes) names the
 * element; EVENT_NOMEM. */
enum event_rc object_parse(const char *data, size_t len,
    const char *default_tz, int app_alarms, struct object_parsed *out,
    char *precondition, struct event_error *err)
    __attribute__((warn_unused_result));
void object_parsed_free(struct object_parsed *p);

/* The object generated for an event that has none stored: a VCALENDAR
 * (PRODID, VERSION) with the VTIMEZONE of its zone and its VEVENT with a
 * VALARM per reminder. malloc'd text (free), NULL when out of memory. */
char *object_generate(const struct event *ev);

#endif
