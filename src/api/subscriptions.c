/* subscriptions.c — /api/v1/subscriptions: follow an outside calendar by
 * its address, list, read, change, refresh now and remove the signed-in
 * user's subscriptions (events/subscription.h). Another user's is a 404;
 * the fetching itself is aurora-fetch's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/events.h"
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
		    app->conf->subscription_max_per_user);
	if (rc == EVENT_OK)
		send_subscription(req, 201, s);
	else
		answer_rc(req, &c, rc);
	free(s);
}

/* fn (subscription_get or _refresh) of the path's id, answered with
 * status. */
static void
send_one(void *ctx, struct http_req *req, int status,
    enum event_rc (*fn)(struct event_ctx *, const char *,
    struct subscription *))
{
	struct event_ctx	 c;
	struct subscription	*s;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	if ((s = new_subscription(req)) == NULL)
		return;
	if ((rc = fn(&c, req->params[0], s)) == EVENT_OK)
		send_subscription(req, status, s);
	else
		answer_rc(req, &c, rc);
	free(s);
}

void
api_subscriptions_get(void *ctx, struct http_req *req)
{
	send_one(ctx, req, 200, subscription_get);
}

void
api_subscriptions_patch(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct subscription	*s;
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
		rc = subscription_update(&c, s, set);
	json_object_put(body);
	if (rc == EVENT_OK)
		send_subscription(req, 200, s);
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

/* 202: the fetcher takes it within seconds (NOTIFY); the answer is the
 * subscription as it stands, due now. */
void
api_subscriptions_refresh(void *ctx, struct http_req *req)
{
	send_one(ctx, req, 202, subscription_refresh);
}
