/* event.h — the calendar event: its model, validation of JSON input, JSON
 * output, and the per-user storage operations. Every operation is scoped to
 * one user: another user's event is indistinguishable from a missing one. */
#ifndef AURORA_EVENT_H
#define AURORA_EVENT_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "db/db.h"
#include "events/recur.h"
#include "events/rfc3339.h"
#include "core/zone.h"
#include "mail/reminder.h"

#define EVENT_ID_LEN		36	/* canonical UUID text */
#define EVENT_UID_MAX		255
#define EVENT_TITLE_MAX		200	/* characters */
#define EVENT_DESC_MAX		10000
#define EVENT_LOCATION_MAX	500
#define EVENT_YEAR_MIN		1900
#define EVENT_YEAR_MAX		2199
#define EVENT_WINDOW_MAX	(366L * 86400)	/* longest listing window */
#define EVENT_LIMIT_MAX		500
#define EVENT_LIMIT_DEFAULT	100

struct event {
	char	 id[EVENT_ID_LEN + 1];
	/* Its calendar (calendar.h), lower case; "" in a new event: the
	 * account's default calendar. */
	char	 calendar_id[EVENT_ID_LEN + 1];
	char	 uid[EVENT_UID_MAX + 1];
	char	*title;
	char	*description;
	char	*location;
	time_t	 start;		/* instants; all-day: local midnights */
	time_t	 end;
	int	 all_day;
	char	 time_zone[ZONE_NAME_MAX + 1];
	char	**recurrence;	/* normalised RFC 5545 lines */
	size_t	 nrecurrence;
	int	 reminders[REMINDER_MAX];	/* minutes before */
	size_t	 nreminders;
	int	 version;
	char	 created_at[RFC3339_MAX];
	char	 updated_at[RFC3339_MAX];
};

/* What went wrong, for a 422 (field names the JSON path) or for logs. */
struct event_error {
	char	 field[96];
	char	 msg[256];
};

enum event_rc {
	EVENT_OK = 0,
	EVENT_INVALID,		/* err says which field and why: 422 */
	EVENT_NOT_FOUND,	/* missing or another user's: 404 */
	EVENT_STALE,		/* If-Match named an older version: 412 */
	EVENT_CONFLICT,		/* a unique key is taken: 409 */
	EVENT_DB,		/* database failure: see ctx->dbrc */
	EVENT_NOMEM,
	/* A write by the account to a read-only calendar (a subscription's,
	 * filled only by the fetcher): 403. */
	EVENT_READ_ONLY
};

/* What a refused write says when the domain did not say more. */
#define EVENT_READ_ONLY_MSG	"this calendar is a subscription to an " \
	"outside feed and is read-only: its events change only when the " \
	"feed does"

/* One request's context: its database, the signed-in user and the time. */
struct occache;

struct event_ctx {
	struct db		*db;
	struct occache		*occ;	/* the worker's expansion memo, or NULL */
	const char		*user_id;
	time_t			 now;
	enum db_rc		 dbrc;	/* set with EVENT_DB */
	struct event_error	 err;	/* set with EVENT_INVALID */
};

/* Frees the strings and lines of ev (not ev itself); ev is left zeroed. */
void event_clear(struct event *ev);

struct buf;
/* Moves the text built in b (EXDATE or RDATE values) into ev as one more
 * recurrence line; b is left empty. 0, or -1 when out of memory. */
int event_add_line(struct event *ev, struct buf *b)
    __attribute__((warn_unused_result));

/* 1 when s is a canonical lower- or upper-case UUID. */
int event_id_ok(const char *s);

/* Fills err with the field and the formatted message; EVENT_INVALID. */
enum event_rc event_invalid(struct event_error *err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* --- listing (list.c) --- */

/* Calls fn for each occurrence start of the recurring event ev (in zone
 * z) lying in [from, to), in increasing order, until fn returns non-zero;
 * through the expansion memo oc (occache.h) when not NULL. 0; -1 when the
 * expansion was capped (the list may end early); -2 out of memory; -3 when
 * the stored recurrence does not parse (logged). */
int event_series_starts(struct occache *oc, const struct event *ev,
    icaltimezone *z, time_t from, time_t to, recur_fn fn, void *arg);

/* --- validation (validate.c) --- */

/* The defaults applied when a new event omits them: the account's time
 * zone; the calendar's default reminders when it has some, else the
 * account's. */
struct event_defaults {
	char	 time_zone[ZONE_NAME_MAX + 1];
	int	 reminders[REMINDER_MAX];
	size_t	 nreminders;
};

/* Applies a JSON object to ev. With patch == 0, ev must be zeroed and the
 * body is a whole new event (title, start, end required; defaults from def
 * fill time_zone and reminders); with patch == 1 only the members present
 * change. calendar_id is checked for its shape only (the store checks that
 * the calendar is the user's); null on a new event means the default
 * calendar. Unknown members, server-owned members (id, created_at, updated_at,
 * version, user_id, owner, ...) and every limit violation give
 * EVENT_INVALID with err->field naming the member ("reminders[1]
 * .minutes_before", "recurrence[0]"). On success *rec holds the parsed
 * recurrence (recur_free it) and ev is consistent: end after start, years
 * in range, time zone known. */
enum event_rc event_from_json(struct event *ev, json_object *body, int patch,
    const struct event_defaults *def, struct recur *rec,
    struct event_error *err) __attribute__((warn_unused_result));

/* The one rule for event text, from JSON or an ICS file: the characters
 * of len bytes of valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF), or -1 when invalid or holding a control character: C0, DEL
 * and C1 (U+0080-U+009F); with ctl 1 tab, CR and LF are allowed. */
long event_text_chars(const char *s, size_t len, int ctl);
/* What both say of text the rule refuses, after the member's name. */
#define EVENT_TEXT_REFUSED	"contains invalid UTF-8 or control characters"

/* The text of the string member field (v; JSON null or absent is "" when
 * nullable) into *s and *len when it holds min..max characters by the
 * rule above (ctl as there); else EVENT_INVALID with err filled. */
enum event_rc event_text_member(json_object *v, const char *field,
    long min, long max, int ctl, int nullable, const char **s, size_t *len,
    struct event_error *err) __attribute__((warn_unused_result));

/* Sorts the members of the JSON object body: one named members[i] goes
 * to m[i] (NULL for a JSON null) with has[i] set; one named in readonly
 * or in neither list is refused (EVENT_INVALID, err filled). Both lists
 * end with NULL. */
enum event_rc event_json_members(json_object *body,
    const char *const *members, const char *const *readonly,
    json_object **m, int *has, struct event_error *err)
    __attribute__((warn_unused_result));

/* Checks the combination of fields already in ev (used by import) and
 * parses its recurrence into *rec. */
enum event_rc event_check(struct event *ev, struct recur *rec,
    struct event_error *err) __attribute__((warn_unused_result));

/* The JSON form of ev. With occurrence >= 0 (a list item), start and end
 * are those of the occurrence starting then and occurrence_start is added.
 * Returns a new object (json_object_put) or NULL when out of memory. */
json_object *event_to_json(const struct event *ev, time_t occurrence,
    int with_occurrence);
/* The same object appended to b as JSON text, byte for byte what json-c
 * prints for event_to_json's (JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE), without building it: the listing's
 * items. 0, or -1 when b is full or memory short. */
int event_json_write(struct buf *b, const struct event *ev,
    time_t occurrence, int with_occurrence)
    __attribute__((warn_unused_result));

/* The end of the occurrence of ev starting at occ: the same duration, in
 * whole local days for all-day events. */
time_t event_occurrence_end(const struct event *ev, icaltimezone *z,
    time_t occ);

/* Formats an instant as the event shows it: a date for all-day events,
 * else RFC 3339 with the offset of the event's zone at that instant. */
int event_format_time(const struct event *ev, icaltimezone *z, time_t t,
    char *out, size_t outlen);

/* --- storage (store.c) --- */

/* The user's time zone and the default reminders of the default
 * calendar (its own when set, else the account's). */
enum event_rc event_user_defaults(struct event_ctx *c,
    struct event_defaults *def) __attribute__((warn_unused_result));

/* Creates an event from a JSON body: fills *out (event_clear it). A
 * calendar_id that is not one of the user's calendars is EVENT_INVALID on
 * the field calendar_id. */
enum event_rc event_create(struct event_ctx *c, json_object *body,
    struct event *out) __attribute__((warn_unused_result));

/* Reads one of the user's events. */
enum event_rc event_get(struct event_ctx *c, const char *id,
    struct event *out) __attribute__((warn_unused_result));

/* Applies a partial update. if_match < 0: unconditional; otherwise the
 * stored version must equal it (EVENT_STALE). A new calendar_id moves the
 * event (EVENT_INVALID when not the user's, EVENT_CONFLICT when that
 * calendar holds its UID already). */
enum event_rc event_patch(struct event_ctx *c, const char *id,
    json_object *body, long if_match, struct event *out)
    __attribute__((warn_unused_result));

/* Deletes an event and cancels its pending reminders. */
enum event_rc event_delete(struct event_ctx *c, const char *id,
    long if_match) __attribute__((warn_unused_result));

/* Stores a checked event inside the caller's transaction, creating it or,
 * when its calendar already has its UID, replacing it (*updated = 1),
 * with ical (the file's VEVENT as a VCALENDAR; NULL: none) as its stored
 * object. ev->calendar_id must be one of the user's calendars, or "" for
 * the default one. Used by import; the reminders are rescheduled too. */
enum event_rc event_upsert_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *ical, int *updated)
    __attribute__((warn_unused_result));

/* event_upsert_tx for a caller that found the UIDs itself: replaces event
 * ev->id, or creates one when ev->id is "". */
enum event_rc event_upsert_found_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *ical)
    __attribute__((warn_unused_result));

/* The events of calendar calendar_id (NULL: the default one) whose UIDs
 * are in uids (a text[] literal), locked for the caller's transaction:
 * fn(uid, id, arg) for each. An import's lookups in one round trip. */
enum event_rc event_find_uids_tx(struct event_ctx *c,
    const char *calendar_id, const char *uids,
    void (*fn)(const char *, const char *, void *), void *arg)
    __attribute__((warn_unused_result));

/* Stores a checked event as the CalDAV object dav_name of calendar
 * ev->calendar_id (one of the user's), holding ical as the app sent it,
 * inside the caller's transaction: a new event when ev->id is "", else
 * over event ev->id (its UID and name too). Reminders are rescheduled.
 * EVENT_CONFLICT when the calendar holds the UID or name already. Used by
 * object.c. */
enum event_rc event_put_object_tx(struct event_ctx *c, struct event *ev,
    const struct recur *rec, const char *dav_name, const char *ical)
    __attribute__((warn_unused_result));

/* The series end stored for the window query (infinity when endless), as
 * SQL text into out; -1 when the series cannot be bounded. */
int event_series_end(const struct event *ev, const struct recur *rec,
    icaltimezone *z, char *out, size_t outlen);

/* --- listing (list.c) --- */

#define EVENT_QUERY_CALENDARS_MAX 100	/* calendar_id filters per listing */

struct event_query {
	time_t		 from, to;
	int		 limit;
	/* Only these calendars (canonical UUIDs; event_list answers
	 * EVENT_INVALID on calendar_id when one is not the user's);
	 * ncalendars 0: all of the user's. */
	const char	*const *calendars;
	size_t		 ncalendars;
	int		 has_cursor;
	time_t		 cursor_start;
	char		 cursor_id[EVENT_ID_LEN + 1];
};

/* Parses an opaque cursor; 0 or -1. */
int event_cursor_decode(const char *s, struct event_query *q);

/* {"items": [...], "next_cursor": "..."|null}: occurrences overlapping
 * [from, to) ordered by (start, id), after the cursor, at most limit; as
 * JSON text in out, which this initialises and the caller frees with
 * buf_free whatever the result (empty unless EVENT_OK). */
enum event_rc event_list(struct event_ctx *c, const struct event_query *q,
    struct buf *out) __attribute__((warn_unused_result));

/* Every event of the user, for export; calls fn for each with its stored
 * CalDAV object (NULL when it has none; both only valid during the
 * call). */
enum event_rc event_each(struct event_ctx *c,
    int (*fn)(const struct event *ev, const char *ical, void *arg),
    void *arg) __attribute__((warn_unused_result));

/* "{1,2}", an integer array as PostgreSQL writes it, into out: at most
 * max values, *n of them (what does not read as a number ends it). */
void event_row_ints(const char *s, int *out, size_t max, size_t *n);

/* Loads the row at (res, row) of a query selecting EVENT_COLUMNS. */
enum event_rc event_from_row(struct event *ev, const PGresult *res, int row);

/* The rows st gives for the user (c->user_id is its one parameter), each
 * read by fn into the next of *n elements of size bytes: *out is calloc'd
 * (free it; NULL on failure). EVENT_DB (c->dbrc set) or EVENT_NOMEM. The
 * one listing loop of the calendars and the subscriptions. */
enum event_rc event_user_rows(struct event_ctx *c, const struct db_stmt *st,
    size_t size, void (*fn)(void *dst, const PGresult *res, int row),
    void **out, size_t *n) __attribute__((warn_unused_result));

#endif
