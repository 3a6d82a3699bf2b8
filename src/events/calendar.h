/* calendar.h — an account's calendars (issue 14): each event lives in one;
 * every account has at least one, its default. The same objects are the
 * REST calendars and the CalDAV collections. This module owns the tables
 * calendars and calendar_changes (the journal that triggers on events
 * keep: a revision per calendar, tombstones of deleted or moved objects). */
#ifndef AURORA_CALENDAR_H
#define AURORA_CALENDAR_H

#include <stddef.h>

#include <json-c/json.h>

#include "db/db.h"
#include "events/event.h"
#include "events/rfc3339.h"
#include "mail/reminder.h"

#define CALENDAR_NAME_MAX	100	/* characters */
#define CALENDAR_DAV_NAME_MAX	200	/* characters */
#define CALENDAR_DESC_MAX	1000	/* characters */
#define CALENDAR_MAX		100	/* per account */
#define CALENDAR_TOMBSTONE_DAYS	30	/* deleted objects kept in the journal */
#define CALENDAR_COLOR_DEFAULT	"#3788d8"

struct calendar {
	char		 id[37];
	char		 dav_name[CALENDAR_DAV_NAME_MAX * 4 + 1];
	char		 name[CALENDAR_NAME_MAX * 4 + 1];
	char		 color[8];	/* "#rrggbb" lower-case */
	char		 description[CALENDAR_DESC_MAX * 4 + 1];
	int		 sort_order;
	int		 email_for_app_alarms;
	int		 is_default;
	/* 0: new events here take the account's default reminders. */
	int		 has_default_reminders;
	int		 default_reminders[REMINDER_MAX];	/* minutes */
	size_t		 ndefault_reminders;
	long long	 revision, min_revision;
	char		 created_at[RFC3339_MAX], updated_at[RFC3339_MAX];
	/* A subscription's calendar (subscription.h): the account cannot
	 * write its events; subscription_id is "" for any other. */
	int		 read_only;
	char		 subscription_id[37];
};

/* The user's calendars ordered by sort_order, created_at: *out is
 * malloc'd (free it), *n entries. */
enum event_rc calendar_list(struct event_ctx *c, struct calendar **out,
    size_t *n) __attribute__((warn_unused_result));

/* One of the user's calendars by id: EVENT_NOT_FOUND for a missing one,
 * another user's or a malformed id. */
enum event_rc calendar_get(struct event_ctx *c, const char *id,
    struct calendar *out) __attribute__((warn_unused_result));

/* One of the user's calendars by its collection name (exact bytes). */
enum event_rc calendar_find(struct event_ctx *c, const char *dav_name,
    struct calendar *out) __attribute__((warn_unused_result));

/* Applies a JSON object to cal: with patch == 0 a new calendar (cal is
 * filled with the defaults first; name required), else only the members
 * present change. Members: name (1-100 characters), color ("#RRGGBB",
 * kept in lower case), description (at most 1000), sort_order (a 32-bit
 * whole number), default_reminders (null, or at most REMINDER_MAX
 * distinct minutes 0..REMINDER_MINUTES_MAX, as numbers or as an event's
 * {"method": "email", "minutes_before": n}), email_for_app_alarms
 * (boolean). Server-owned and unknown members: EVENT_INVALID with
 * err->field naming the member. On a read-only calendar (patch == 1,
 * cal->read_only) default_reminders and email_for_app_alarms are
 * EVENT_READ_ONLY: its events come from the feed, never from apps. */
enum event_rc calendar_from_json(struct calendar *cal, json_object *body,
    int patch, struct event_error *err) __attribute__((warn_unused_result));

/* Creates a calendar from cal's name, color, description, sort_order,
 * default reminders, email_for_app_alarms and dav_name ("" = the new id);
 * fills every field on success. EVENT_CONFLICT when the user has a
 * collection of that dav_name; EVENT_INVALID (c->err) past CALENDAR_MAX
 * calendars or for a dav_name the table refuses. */
enum event_rc calendar_create(struct event_ctx *c, struct calendar *cal)
    __attribute__((warn_unused_result));

/* calendar_create inside the caller's transaction (subscription.c makes
 * a subscription's calendar and its row together), honouring
 * cal->read_only; the same results, nothing rolled back here. */
enum event_rc calendar_create_tx(struct event_ctx *c, struct calendar *cal)
    __attribute__((warn_unused_result));

/* Takes the account's lock, its default calendar's row (FOR NO KEY
 * UPDATE), inside the caller's transaction: the lock calendar_create_tx
 * takes first, so that a count or a look made after it holds under
 * concurrent writers of the account (subscription.c: one address once
 * per account). */
enum event_rc calendar_lock_account_tx(struct event_ctx *c)
    __attribute__((warn_unused_result));

/* calendar_update inside the caller's transaction. */
enum event_rc calendar_update_tx(struct event_ctx *c, struct calendar *cal)
    __attribute__((warn_unused_result));

/* EVENT_OK when id is one of the user's calendars the account may write
 * events into; EVENT_READ_ONLY (c->err filled) for a subscription's;
 * EVENT_NOT_FOUND when not the user's. */
enum event_rc calendar_writable(struct event_ctx *c, const char *id)
    __attribute__((warn_unused_result));

/* Writes name, color, description, sort_order, default reminders and
 * email_for_app_alarms of calendar cal->id; fills the rest (updated_at,
 * revision, ...) from the row. EVENT_NOT_FOUND when not the user's. A
 * change of email_for_app_alarms re-reads the alarms of the calendar's
 * stored objects in the same transaction (object_remap_alarms_tx; its
 * EVENT_INVALID past OBJECT_REMAP_MAX). */
enum event_rc calendar_update(struct event_ctx *c, struct calendar *cal)
    __attribute__((warn_unused_result));

/* Dead properties (RFC 4918 section 4.1): what a CalDAV client stores
 * on a calendar that Aurora does not model, each as its name
 * "{namespace}local-name" and its element as XML text, kept exactly.
 * The dav layer makes and reads the XML; here it is only text. */
#define CALENDAR_PROPS_MAX	32	/* dead properties per calendar */
#define CALENDAR_PROP_NAME_MAX	512	/* bytes of a "{ns}name" */
#define CALENDAR_PROP_BYTES	4096	/* bytes of one property's XML */
#define CALENDAR_PROPS_BYTES	65536	/* names and values, all of them */

struct calendar_prop {
	const char	*name;		/* "{namespace}local-name" */
	const char	*value;		/* the element as XML; NULL: remove */
};

/* calendar_create and calendar_update that also set or remove the dead
 * properties props[0..n) in the same transaction (later ones win;
 * removing one that is not there is fine). Past a cap: EVENT_INVALID
 * with c->err.field "dav_props", c->err.msg saying which, and nothing
 * written. */
enum event_rc calendar_create_props(struct event_ctx *c,
    struct calendar *cal, const struct calendar_prop *props, size_t n)
    __attribute__((warn_unused_result));
enum event_rc calendar_update_props(struct event_ctx *c,
    struct calendar *cal, const struct calendar_prop *props, size_t n)
    __attribute__((warn_unused_result));

/* The dead properties of one of the user's calendars: *out a JSON object
 * name -> XML text (json_object_put it). EVENT_NOT_FOUND when not the
 * user's. */
enum event_rc calendar_props(struct event_ctx *c, const char *id,
    json_object **out) __attribute__((warn_unused_result));

/* Deletes one of the user's calendars with its events (their pending
 * reminder mail cancelled first; the journal records the deletions); a
 * subscription's row goes with its calendar. A deleted default passes
 * is_default to the oldest remaining writable calendar. EVENT_CONFLICT
 * (c->err.msg says why) when it is the user's last writable one. */
enum event_rc calendar_delete(struct event_ctx *c, const char *id)
    __attribute__((warn_unused_result));

/* The REST form: id, name, color, description, sort_order,
 * default_reminders (null or minutes), email_for_app_alarms, is_default,
 * dav_name, read_only, subscription_id (null when none), created_at,
 * updated_at. NULL when out of memory. */
json_object *calendar_to_json(const struct calendar *cal);

/* One entry of the journal: an object name's last change. */
struct calendar_change {
	char		 dav_name[1021];
	long long	 revision;
	int		 deleted;	/* a tombstone */
};

/* The changes of one of the user's calendars with revision > since,
 * ordered by revision, into *out (malloc'd, free it; *n entries), and the
 * calendar's current revision. EVENT_NOT_FOUND when not the user's;
 * EVENT_STALE when since is older than the oldest kept tombstone
 * (since < min_revision) or newer than the calendar (since > revision). */
enum event_rc calendar_changes(struct event_ctx *c, const char *calendar_id,
    long long since, struct calendar_change **out, size_t *n,
    long long *revision) __attribute__((warn_unused_result));

/* Drops tombstones older than days (CALENDAR_TOMBSTONE_DAYS), raising
 * each calendar's min_revision past them; *pruned counts them. Run by
 * aurora-remind's pass (the SQL function calendar_prune_changes is the
 * one right aurora_remind has on the journal). */
enum db_rc calendar_prune(struct db *db, int days, long long *pruned)
    __attribute__((warn_unused_result));

#endif
