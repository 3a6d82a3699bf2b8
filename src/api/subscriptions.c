/* subscriptions.c — /api/v1/subscriptions: follow an outside calendar by
 * its address, list, read, change, refresh now and remove the signed-in
 * user's subscriptions (events/subscription.h). Another user's is a 404;
 * the fetching itself is aurora-fetch's. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/events.h"
#include "core/jsonout.h"
#include "events/subscription.h"

static void
answer_rc(struct http_req *req, struct event_ctx *c, enum event_rc rc)
{
	if (rc == EVENT_NOT_FOUND)
		http_error(req, 404, "not_found", NULL, "no such subscription");
	else
		api_event_answer_rc(req, c, rc);
}

static void
send_subscription(struct http_req *req, int status,
    const struct subscription *s)
{
	json_object *o;

	if ((o = subscription_to_json(s)) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if (status == 201)
		(void)http_add_header(req, "Location",
		    "/api/v1/subscriptions/%s", s->id);
	http_json(req, status, o);
}

/* 409 already_subscribed: the house's error with the subscription that
 * has the address, named in the words and by id beside them. */
static void
send_taken(struct http_req *req, const struct subscription_taken *t)
{
	json_object	*o, *e;
	char		 msg[sizeof(t->name) + 64];

	snprintf(msg, sizeof(msg), "you already subscribe to this address "
	    "as \"%s\"", t->name);
	if ((o = http_error_new("already_subscribed", "url", msg, &e)) ==
	    NULL || jsonout_string(e, "subscription_id", t->id) == -1) {
		json_object_put(o);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	http_json(req, 409, o);
}

/* secs in words: "1 second", "48 seconds", from two minutes on in
 * minutes and from two hours on in hours, rounded up when up. */
static void
span(char *out, size_t len, long secs, int up)
{
	static const struct {
		const char	*name;
		long		 secs;
	} units[] = { { "hour", 3600 }, { "minute", 60 }, { "second", 1 } };
	size_t	 i;
	long	 n;

	for (i = 0; units[i].secs > 1 && secs < 2 * units[i].secs; i++)
		continue;
	n = (secs + (up ? units[i].secs - 1 : 0)) / units[i].secs;
	snprintf(out, len, "%ld %s%s", n, units[i].name, n == 1 ? "" : "s");
}

/* 429 with Retry-After: when the last fetch or refresh was and when the
 * next refresh is taken, in words. */
static void
send_too_soon(struct http_req *req, const struct subscription_wait *w,
    int min_seconds)
{
	char	 ago[48], every[32], wait[32];

	if (w->ago == 0)
		snprintf(ago, sizeof(ago), "just now");
	else {
		span(every, sizeof(every), w->ago, 0);
		snprintf(ago, sizeof(ago), "%s ago", every);
	}
	span(every, sizeof(every), min_seconds, 0);
	span(wait, sizeof(wait), w->wait, 1);
	(void)http_add_header(req, "Retry-After", "%ld", w->wait);
	http_error(req, 429, "rate_limited", NULL, "%s %s, and a subscription "
	    "may be refreshed once every %s: try again in %s", w->fetched ?
	    "this subscription was fetched" : "a refresh of this subscription "
	    "was asked for", ago, every, wait);
}

/* A subscription holds a 2 KiB address and long texts: on the heap. */
static struct subscription *
new_subscription(struct http_req *req)
{
	struct subscription *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		http_error(req, 500, "internal", NULL, "internal error");
	return s;
}

static json_object *
item_json(const void *s)
{
	return subscription_to_json(s);
}

void
api_subscriptions_list(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct subscription	*subs = NULL;
	enum event_rc		 rc;
	size_t			 n;

	api_event_ctx(&c, ctx, req);
	if ((rc = subscription_list(&c, &subs, &n)) != EVENT_OK) {
		answer_rc(req, &c, rc);
		return;
	}
	api_event_items(req, subs, n, sizeof(*subs), item_json);
	free(subs);
}

void
api_subscriptions_create(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	struct event_ctx	 c;
	struct subscription	*s;
	struct subscription_taken taken;
	json_object		*body;
	enum event_rc		 rc;
	unsigned		 set;

	if (http_json_body(req, &body) == -1)
		return;
	api_event_ctx(&c, app, req);
	if ((s = new_subscription(req)) == NULL) {
		json_object_put(body);
		return;
	}
	rc = subscription_from_json(s, body, 0, &set, &c.err);
	json_object_put(body);
	if (rc == EVENT_OK)
		rc = subscription_create(&c, s,
		    app->conf->subscription_max_per_user, &taken);
	if (rc == EVENT_OK)
		send_subscription(req, 201, s);
	else if (rc == EVENT_CONFLICT)
		send_taken(req, &taken);
	else
		answer_rc(req, &c, rc);
	free(s);
}

void
api_subscriptions_get(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct subscription	*s;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	if ((s = new_subscription(req)) == NULL)
		return;
	if ((rc = subscription_get(&c, req->params[0], s)) == EVENT_OK)
		send_subscription(req, 200, s);
	else
		answer_rc(req, &c, rc);
	free(s);
}

void
api_subscriptions_patch(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	struct event_ctx	 c;
	struct subscription	*s;
	struct subscription_taken taken;
	json_object		*body;
	enum event_rc		 rc;
	unsigned		 set;

	api_event_ctx(&c, ctx, req);
	/* A malformed id is a missing subscription, whatever the body. */
	if (!event_id_ok(req->params[0])) {
		answer_rc(req, &c, EVENT_NOT_FOUND);
		return;
	}
	if (http_json_body(req, &body) == -1)
		return;
	if ((s = new_subscription(req)) == NULL) {
		json_object_put(body);
		return;
	}
	if ((rc = subscription_get(&c, req->params[0], s)) == EVENT_OK &&
	    (rc = subscription_from_json(s, body, 1, &set, &c.err)) ==
	    EVENT_OK)
		rc = subscription_update(&c, s, set,
		    app->conf->subscription_refresh_min_seconds, &taken);
	json_object_put(body);
	if (rc == EVENT_OK)
		send_subscription(req, 200, s);
	else if (rc == EVENT_CONFLICT)
		send_taken(req, &taken);
	else
		answer_rc(req, &c, rc);
	free(s);
}

void
api_subscriptions_delete(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	if ((rc = subscription_delete(&c, req->params[0])) != EVENT_OK) {
		answer_rc(req, &c, rc);
		return;
	}
	http_no_content(req);
}

/* 202: the fetcher takes it within seconds (NOTIFY, or the one sent
 * before when it is due already); the answer is the subscription as it
 * stands, due now. 429 within subscription_refresh_min_seconds of its
 * last fetch or refresh. */
void
api_subscriptions_refresh(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	struct event_ctx	 c;
	struct subscription	*s;
	struct subscription_wait w;
	int			 min = app->conf->subscription_refresh_min_seconds;
	enum event_rc		 rc;

	api_event_ctx(&c, app, req);
	if ((s = new_subscription(req)) == NULL)
		return;
	if ((rc = subscription_refresh(&c, req->params[0], min, s, &w)) !=
	    EVENT_OK)
		answer_rc(req, &c, rc);
	else if (w.asked == SUBSCRIPTION_TOO_SOON)
		send_too_soon(req, &w, min);
	else
		send_subscription(req, 202, s);
	free(s);
}
