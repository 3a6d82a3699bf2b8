/* ics_import.c — POST /api/v1/events/import[?calendar_id=]: a
 * text/calendar body of at most max_import_body bytes, imported in one
 * transaction into that calendar (the default one when absent). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/app.h"
#include "api/events.h"
#include "core/jsonout.h"
#include "events/calendar.h"
#include "events/ics.h"

static int
is_calendar_type(const char *ct)
{
	size_t n = strlen("text/calendar");

	if (ct == NULL || strncasecmp(ct, "text/calendar", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

void
api_events_import(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	struct event_ctx	 c;
	struct ics_error	 err;
	struct calendar		*cal = NULL;
	json_object		*result, *o, *e;
	enum event_rc		 rc;
	char			 cal_id[EVENT_ID_LEN + 1];
	int			 r;

	if (!is_calendar_type(req->content_type)) {
		http_error(req, 415, "unsupported_media_type", NULL,
		    "send the calendar as text/calendar");
		return;
	}
	if (http_read_body(req, app->conf->max_import_body) == -1)
		return;
	if (req->body.len == 0) {
		http_error(req, 422, "validation_failed", "body", "the "
		    "calendar is empty");
		return;
	}
	api_event_ctx(&c, app, req);
	if ((r = http_query_get(req->query, "calendar_id", cal_id,
	    sizeof(cal_id))) != 0) {
		if ((cal = calloc(1, sizeof(*cal))) == NULL) {
			http_error(req, 500, "internal", NULL,
			    "internal error");
			return;
		}
		rc = r < 0 ? EVENT_NOT_FOUND : calendar_get(&c, cal_id, cal);
		free(cal);
		if (rc == EVENT_NOT_FOUND) {
			http_error(req, 422, "validation_failed",
			    "calendar_id", "no such calendar");
			return;
		}
		if (rc != EVENT_OK) {
			api_event_answer_rc(req, &c, rc);
			return;
		}
	}
	rc = ics_import(&c, r > 0 ? cal_id : NULL, req->body.data,
	    req->body.len, &result, &err);
	if (rc == EVENT_OK) {
		http_json(req, 200, result);
		return;
	}
	if (rc != EVENT_INVALID) {
		api_event_answer_rc(req, &c, rc);
		return;
	}
	/* The standard error, plus the line that failed; a file over
	 * ICS_MAX_EVENTS or the import's time budget is too large (413). */
	if ((o = http_error_new(err.too_costly ? "payload_too_large" :
	    "validation_failed", "body", err.msg[0] ? err.msg :
	    "the calendar cannot be read", &e)) == NULL ||
	    jsonout_int(e, "line", err.line) == -1) {
		json_object_put(o);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	http_json(req, err.too_costly ? 413 : 422, o);
}
