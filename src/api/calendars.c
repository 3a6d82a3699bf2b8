/* calendars.c — /api/v1/calendars: list, create, read, patch and delete
 * the signed-in user's calendars (events/calendar.h). Another user's
 * calendar is a 404; the last calendar of an account cannot go (409). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/events.h"
#include "events/calendar.h"

static void
answer_rc(struct http_req *req, struct event_ctx *c, enum event_rc rc)
{
	switch (rc) {
	case EVENT_NOT_FOUND:
		http_error(req, 404, "not_found", NULL, "no such calendar");
		break;
	case EVENT_CONFLICT:
		http_error(req, 409, "conflict", NULL, "%s", c->err.msg[0] ?
		    c->err.msg : "a calendar of this name exists already");
		break;
	default:
		api_event_answer_rc(req, c, rc);
		break;
	}
}

static void
send_calendar(struct http_req *req, int status, const struct calendar *cal)
{
	json_object *o;

	if ((o = calendar_to_json(cal)) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if (status == 201)
		(void)http_add_header(req, "Location", "/api/v1/calendars/%s",
		    cal->id);
	http_json(req, status, o);
}

static json_object *
item_json(const void *cal)
{
	return calendar_to_json(cal);
}

void
api_calendars_list(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct calendar		*cals = NULL;
	enum event_rc		 rc;
	size_t			 n;

	api_event_ctx(&c, ctx, req);
	if ((rc = calendar_list(&c, &cals, &n)) != EVENT_OK) {
		answer_rc(req, &c, rc);
		return;
	}
	api_event_items(req, cals, n, sizeof(*cals), item_json);
	free(cals);
}

void
api_calendars_create(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct calendar		*cal;
	json_object		*body;
	enum event_rc		 rc;

	if (http_json_body(req, &body) == -1)
		return;
	api_event_ctx(&c, ctx, req);
	/* Big (names of up to 4-byte characters): not on the stack. */
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		json_object_put(body);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	rc = calendar_from_json(cal, body, 0, &c.err);
	json_object_put(body);
	if (rc == EVENT_OK)
		rc = calendar_create(&c, cal);
	if (rc == EVENT_OK)
		send_calendar(req, 201, cal);
	else
		answer_rc(req, &c, rc);
	free(cal);
}

void
api_calendars_get(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct calendar		*cal;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if ((rc = calendar_get(&c, req->params[0], cal)) == EVENT_OK)
		send_calendar(req, 200, cal);
	else
		answer_rc(req, &c, rc);
	free(cal);
}

void
api_calendars_patch(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct calendar		*cal;
	json_object		*body;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	/* A malformed id is a missing calendar, whatever the body says. */
	if (!event_id_ok(req->params[0])) {
		answer_rc(req, &c, EVENT_NOT_FOUND);
		return;
	}
	if (http_json_body(req, &body) == -1)
		return;
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		json_object_put(body);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if ((rc = calendar_get(&c, req->params[0], cal)) == EVENT_OK &&
	    (rc = calendar_from_json(cal, body, 1, &c.err)) == EVENT_OK)
		rc = calendar_update(&c, cal);
	json_object_put(body);
	if (rc == EVENT_OK)
		send_calendar(req, 200, cal);
	else
		answer_rc(req, &c, rc);
	free(cal);
}

void
api_calendars_delete(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	if ((rc = calendar_delete(&c, req->params[0])) != EVENT_OK) {
		answer_rc(req, &c, rc);
		return;
	}
	http_no_content(req);
}
