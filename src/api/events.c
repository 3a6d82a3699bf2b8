/* events.c — /api/v1/events: create, list a window, read, patch, delete.
 * Input is parsed and checked here or in the events domain; every call
 * carries the signed-in user's id, so another user's event is a 404. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/app.h"
#include "api/events.h"
#include "api/replica.h"
#include "core/jsonout.h"
#include "events/event.h"

void
api_event_answer_rc(struct http_req *req, struct event_ctx *c,
    enum event_rc rc)
{
	switch (rc) {
	case EVENT_OK:
		http_error(req, 500, "internal", NULL, "internal error");
		break;
	case EVENT_INVALID:
		http_error(req, 422, "validation_failed",
		    c->err.field[0] ? c->err.field : NULL, "%s", c->err.msg);
		break;
	case EVENT_NOT_FOUND:
		http_error(req, 404, "not_found", NULL, "no such event");
		break;
	case EVENT_STALE:
		http_error(req, 412, "precondition_failed", NULL, "the event "
		    "has changed since that version; read it again");
		break;
	case EVENT_CONFLICT:
		http_error(req, 409, "conflict", NULL, "an event with this "
		    "identity exists already");
		break;
	case EVENT_DB:
		app_db_error(req, c->dbrc);
		break;
	case EVENT_NOMEM:
		http_error(req, 500, "internal", NULL, "internal error");
		break;
	case EVENT_READ_ONLY:
		http_error(req, 403, "read_only", c->err.field[0] ?
		    c->err.field : NULL, "%s", c->err.msg[0] ? c->err.msg :
		    EVENT_READ_ONLY_MSG);
		break;
	}
}

void
api_event_items(struct http_req *req, const void *items, size_t n,
    size_t size, json_object *(*to_json)(const void *))
{
	json_object	*root, *list;
	size_t		 i;

	if ((root = json_object_new_object()) == NULL)
		goto nomem;
	if ((list = json_object_new_array()) == NULL ||
	    jsonout_add(root, "items", list) == -1)
		goto nomem;
	for (i = 0; i < n; i++)
		if (jsonout_push(list, to_json((const char *)items +
		    i * size)) == -1)
			goto nomem;
	http_json(req, 200, root);
	return;
nomem:
	json_object_put(root);
	http_error(req, 500, "internal", NULL, "internal error");
}

void
api_event_ctx(struct event_ctx *c, struct app *app, struct http_req *req)
{
	memset(c, 0, sizeof(*c));
	c->db = app->db;
	c->occ = app->occ;
	c->user_id = req->user_id;
	c->now = time(NULL);
}

/* If-Match: the version, bare or quoted (W/ accepted); "*" matches any.
 * Returns the version, -1 when absent or "*", -2 when it cannot match. */
static long
if_match(struct http_req *req)
{
	const char	*h = http_header_in(req, "HTTP_IF_MATCH"), *s;
	char		*end;
	long		 v;
	size_t		 n;

	if (h == NULL)
		return -1;
	while (*h == ' ')
		h++;
	if (strcmp(h, "*") == 0)
		return -1;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	s = h;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n == 0 || n > 9 || strspn(s, "0123456789") < n)
		return -2;
	v = strtol(s, &end, 10);
	return end == s + n ? v : -2;
}

static void
send_event(struct http_req *req, int status, const struct event *ev)
{
	json_object *o;

	if ((o = event_to_json(ev, 0, 0)) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	(void)http_add_header(req, "ETag", "\"%d\"", ev->version);
	if (status == 201)
		(void)http_add_header(req, "Location", "/api/v1/events/%s",
		    ev->id);
	http_json(req, status, o);
}

/* Answers what an event call returned: the event (then cleared) with
 * status, or the error. */
static void
answer_event(struct http_req *req, struct event_ctx *c, enum event_rc rc,
    int status, struct event *ev)
{
	if (rc != EVENT_OK) {
		api_event_answer_rc(req, c, rc);
		return;
	}
	send_event(req, status, ev);
	event_clear(ev);
}

void
api_events_create(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct event		 ev;
	json_object		*body;
	enum event_rc		 rc;

	if (http_json_body(req, &body) == -1)
		return;
	api_event_ctx(&c, ctx, req);
	rc = event_create(&c, body, &ev);
	json_object_put(body);
	answer_event(req, &c, rc, 201, &ev);
}

static int
query_time(struct http_req *req, const char *name, time_t *t)
{
	char	 v[80];
	int	 r = http_query_get(req->query, name, v, sizeof(v));

	if (r == 0) {
		http_error(req, 422, "validation_failed", name, "%s is "
		    "required (RFC 3339, e.g. 2026-03-01T00:00:00Z)", name);
		return -1;
	}
	if (r < 0 || rfc3339_parse(v, t, NULL) == -1 ||
	    *t < (time_t)rfc3339_days_from_civil(EVENT_YEAR_MIN, 1, 1) * 86400 ||
	    *t > (time_t)rfc3339_days_from_civil(EVENT_YEAR_MAX + 1, 1, 1) *
	    86400) {
		http_error(req, 422, "validation_failed", name, "%s must be an "
		    "RFC 3339 date-time with an offset, years %d to %d", name,
		    EVENT_YEAR_MIN, EVENT_YEAR_MAX);
		return -1;
	}
	return 0;
}

void
api_events_list(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct event_query	 q;
	struct buf		 out;
	enum event_rc		 rc;
	char			 v[160];
	char			 cals[EVENT_QUERY_CALENDARS_MAX][EVENT_ID_LEN + 1];
	const char		*calp[EVENT_QUERY_CALENDARS_MAX];
	int			 r;
	size_t			 i;

	memset(&q, 0, sizeof(q));
	if (query_time(req, "from", &q.from) == -1 ||
	    query_time(req, "to", &q.to) == -1)
		return;
	if (q.to <= q.from) {
		http_error(req, 422, "validation_failed", "to", "to must be "
		    "after from");
		return;
	}
	if (q.to - q.from > EVENT_WINDOW_MAX) {
		http_error(req, 422, "validation_failed", "to", "the window "
		    "may span at most 366 days");
		return;
	}
	q.limit = EVENT_LIMIT_DEFAULT;
	if ((r = http_query_get(req->query, "limit", v, sizeof(v))) != 0) {
		q.limit = 0;
		for (i = 0; r > 0 && v[i] >= '0' && v[i] <= '9' && i < 4; i++)
			q.limit = q.limit * 10 + (v[i] - '0');
		if (r < 0 || i == 0 || v[i] != '\0' || q.limit < 1 ||
		    q.limit > EVENT_LIMIT_MAX) {
			http_error(req, 422, "validation_failed", "limit",
			    "limit must be a whole number from 1 to %d",
			    EVENT_LIMIT_MAX);
			return;
		}
	}
	if ((r = http_query_get(req->query, "cursor", v, sizeof(v))) != 0 &&
	    (r < 0 || event_cursor_decode(v, &q) == -1)) {
		http_error(req, 422, "validation_failed", "cursor", "cursor is "
		    "not one this server gave out");
		return;
	}
	/* calendar_id may repeat: events of any of them. */
	if ((r = http_query_values(req->query, "calendar_id", &cals[0][0],
	    sizeof(cals[0]), EVENT_QUERY_CALENDARS_MAX)) == -2) {
		http_error(req, 422, "validation_failed", "calendar_id", "at "
		    "most %d calendar_id values", EVENT_QUERY_CALENDARS_MAX);
		return;
	}
	for (i = 0; r > 0 && i < (size_t)r && event_id_ok(cals[i]); i++)
		calp[i] = cals[i];
	if (r < 0 || i < (size_t)r) {
		http_error(req, 422, "validation_failed", "calendar_id", "no "
		    "such calendar");
		return;
	}
	q.calendars = calp;
	q.ncalendars = i;
	api_event_ctx(&c, ctx, req);
	api_read_ctx(ctx, &c);
	if ((rc = event_list(&c, &q, &out)) != EVENT_OK &&
	    api_read_retry(ctx, &c, rc)) {
		buf_free(&out);
		rc = event_list(&c, &q, &out);
	}
	if (rc != EVENT_OK)
		api_event_answer_rc(req, &c, rc);
	else
		http_json_text(req, 200, out.data, out.len);
	buf_free(&out);
}

void
api_events_get(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct event		 ev;
	enum event_rc		 rc;

	api_event_ctx(&c, ctx, req);
	api_read_ctx(ctx, &c);
	if ((rc = event_get(&c, req->params[0], &ev)) != EVENT_OK &&
	    api_read_retry(ctx, &c, rc))
		rc = event_get(&c, req->params[0], &ev);
	answer_event(req, &c, rc, 200, &ev);
}

void
api_events_patch(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	struct event		 ev;
	json_object		*body;
	enum event_rc		 rc;
	long			 im;

	api_event_ctx(&c, ctx, req);
	/* A malformed id is a missing event, whatever the body says. */
	if (!event_id_ok(req->params[0])) {
		api_event_answer_rc(req, &c, EVENT_NOT_FOUND);
		return;
	}
	if (http_json_body(req, &body) == -1)
		return;
	if ((im = if_match(req)) == -2) {
		json_object_put(body);
		api_event_answer_rc(req, &c, EVENT_STALE);
		return;
	}
	rc = event_patch(&c, req->params[0], body, im, &ev);
	json_object_put(body);
	answer_event(req, &c, rc, 200, &ev);
}

void
api_events_delete(void *ctx, struct http_req *req)
{
	struct event_ctx	 c;
	enum event_rc		 rc;
	long			 im;

	api_event_ctx(&c, ctx, req);
	if (!event_id_ok(req->params[0])) {
		api_event_answer_rc(req, &c, EVENT_NOT_FOUND);
		return;
	}
	if ((im = if_match(req)) == -2) {
		api_event_answer_rc(req, &c, EVENT_STALE);
		return;
	}
	if ((rc = event_delete(&c, req->params[0], im)) != EVENT_OK) {
		api_event_answer_rc(req, &c, rc);
		return;
	}
	http_no_content(req);
}
