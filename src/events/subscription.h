/* subscription.h — the account's side of subscriptions to outside
 * iCalendar feeds (issue 18): each one owns a read-only calendar
 * (calendar.h, read_only) whose name and colour are the subscription's;
 * the fetcher (aurora-fetch, subsync.h) alone writes its events. This
 * module owns the table subscriptions with subsync.c (the fetcher's
 * columns: status, validators, times, lease). Every call is scoped to
 * the signed-in user: another user's subscription is EVENT_NOT_FOUND. */
#ifndef AURORA_SUBSCRIPTION_H
#define AURORA_SUBSCRIPTION_H

#include <stddef.h>

#include <json-c/json.h>

#include "events/calendar.h"
#include "events/event.h"
#include "events/rfc3339.h"

#define SUBSCRIPTION_URL_MAX		2048	/* bytes, as stored */
#define SUBSCRIPTION_REFRESH_MIN	15	/* minutes */
#define SUBSCRIPTION_REFRESH_MAX	10080	/* a week */
#define SUBSCRIPTION_REFRESH_DEFAULT	60
#define SUBSCRIPTION_ERROR_MAX		500	/* characters of last_error */
/* NOTIFY channel; the payload is the subscription's id. Sent in the
 * transaction of a create, a URL change and a refresh; aurora-fetch
 * LISTENs on it. */
#define SUBSCRIPTION_CHANNEL		"aurora_subscriptions"

struct subscription {
	char	 id[37];
	char	 calendar_id[37];
	char	 url[SUBSCRIPTION_URL_MAX + 1];
	char	 name[CALENDAR_NAME_MAX * 4 + 1];	/* the calendar's */
	char	 color[8];				/* the calendar's */
	int	 refresh_minutes;
	int	 reminders;	/* the account's default reminders apply */
	char	 status[8];	/* pending, ok, error, gone */
	char	 last_error[SUBSCRIPTION_ERROR_MAX * 4 + 1];	/* "": none */
	/* RFC 3339; "" when never. */
	char	 last_fetched_at[RFC3339_MAX];
	char	 last_success_at[RFC3339_MAX];
	char	 next_fetch_at[RFC3339_MAX];
	char	 created_at[RFC3339_MAX];
	char	 updated_at[RFC3339_MAX];
};

/* The account's subscription that already has an address a create or an
 * address change asked for (EVENT_CONFLICT): an account follows one
 * address once. */
struct subscription_taken {
	char	 id[37];
	char	 name[CALENDAR_NAME_MAX * 4 + 1];	/* its calendar's */
};

/* What subscription_refresh made of a request. */
enum subscription_asked {
	SUBSCRIPTION_ASKED,	/* due now; the fetcher NOTIFYed */
	SUBSCRIPTION_PENDING,	/* already due, not fetched yet: left alone */
	SUBSCRIPTION_TOO_SOON	/* within min_seconds: nothing changed */
};

struct subscription_wait {
	enum subscription_asked	 asked;
	/* SUBSCRIPTION_TOO_SOON: whole seconds since the last fetch (when
	 * fetched) or the last refresh let through, and the seconds left
	 * until the next one is taken (at least 1). */
	long			 ago;
	long			 wait;
	int			 fetched;
};

/* Members subscription_from_json saw, for subscription_update. */
#define SUBSCRIPTION_SET_URL		0x01
#define SUBSCRIPTION_SET_NAME		0x02
#define SUBSCRIPTION_SET_COLOR		0x04
#define SUBSCRIPTION_SET_REFRESH	0x08
#define SUBSCRIPTION_SET_REMINDERS	0x10

/* Checks a feed address as the user typed it and writes the one to
 * store into out (outlen bytes): http or https, webcal (and webcals)
 * meaning https; a host is required, a user name or password refused;
 * at most SUBSCRIPTION_URL_MAX bytes; the fragment dropped. Syntax only:
 * where the host points is judged at fetch time. EVENT_INVALID with err
 * on the field "url", EVENT_NOMEM. */
enum event_rc subscription_url_check(const char *in, char *out,
    size_t outlen, struct event_error *err)
    __attribute__((warn_unused_result));

/* Applies a JSON object to s: with patch == 0 a new subscription (url
 * required; the name defaults to the URL's host, the colour to
 * CALENDAR_COLOR_DEFAULT, refresh_minutes to 60, reminders to false),
 * else only the members present change. Members: url, name, color,
 * refresh_minutes (SUBSCRIPTION_REFRESH_MIN..MAX), reminders (boolean);
 * *set gets a SUBSCRIPTION_SET_ bit for each. Server-owned and unknown
 * members: EVENT_INVALID with err->field naming the member. */
enum event_rc subscription_from_json(struct subscription *s,
    json_object *body, int patch, unsigned *set, struct event_error *err)
    __attribute__((warn_unused_result));

/* Creates the read-only calendar (s's name and colour), the row and the
 * NOTIFY in one transaction; fills s. EVENT_INVALID (c->err) when the
 * account has max subscriptions already or CALENDAR_MAX calendars;
 * EVENT_CONFLICT with *taken filled when one of its subscriptions has
 * s->url. Both checks hold under concurrent creates and address changes
 * of the account (they take the lock calendar_create_tx takes). */
enum event_rc subscription_create(struct event_ctx *c, struct subscription *s,
    int max, struct subscription_taken *taken)
    __attribute__((warn_unused_result));

/* The user's subscriptions, oldest first: *out malloc'd (free it), *n. */
enum event_rc subscription_list(struct event_ctx *c,
    struct subscription **out, size_t *n) __attribute__((warn_unused_result));

enum event_rc subscription_get(struct event_ctx *c, const char *id,
    struct subscription *out) __attribute__((warn_unused_result));

/* Writes the members named by set (subscription_from_json's) of s->id:
 * name and colour to its calendar; a new URL forgets the validators and
 * failures, makes it pending and NOTIFYs: due now, or, within
 * min_seconds of the last fetch or refresh, when they are over (counted
 * as a refresh when due now). Fills s again. EVENT_CONFLICT with *taken
 * filled when another of the account's subscriptions has the new URL. */
enum event_rc subscription_update(struct event_ctx *c, struct subscription *s,
    unsigned set, int min_seconds, struct subscription_taken *taken)
    __attribute__((warn_unused_result));

/* Deletes the subscription with its calendar and events (calendar_delete:
 * their pending reminder mail cancelled). */
enum event_rc subscription_delete(struct event_ctx *c, const char *id)
    __attribute__((warn_unused_result));

/* "Refresh now", at most once in min_seconds (w->asked): makes it due
 * now and NOTIFYs the fetcher, unless it is due already (a refresh not
 * yet fetched: nothing sent again) or was fetched or refreshed less than
 * min_seconds ago (w->ago, w->wait). The row lock orders concurrent
 * requests: one of them is ASKED. *out is the row as this left it
 * (zeroed when TOO_SOON). */
enum event_rc subscription_refresh(struct event_ctx *c, const char *id,
    int min_seconds, struct subscription *out, struct subscription_wait *w)
    __attribute__((warn_unused_result));

/* {"id", "calendar_id", "url", "name", "color", "refresh_minutes",
 * "reminders", "status", "last_fetched_at", "last_success_at",
 * "last_error", "next_fetch_at", "created_at", "updated_at"} (times and
 * last_error null when none). NULL when out of memory. */
json_object *subscription_to_json(const struct subscription *s);

#endif
