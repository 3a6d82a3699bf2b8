/* feeds.c — the user's calendar as RFC 5545 text: GET /api/v1/calendar.ics
 * (Bearer), GET /feeds/<secret>.ics (the secret URL calendar apps
 * subscribe to), and POST/DELETE /api/v1/me/feed to create, rotate or turn
 * off that URL. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/events.h"
#include "api/replica.h"
#include "core/buf.h"
#include "core/jsonout.h"
#include "events/feed.h"
#include "events/ics.h"

/* 1 when If-None-Match lists etag (or is "*"). */
static int
etag_matches(const char *inm, const char *etag)
{
	const char	*p = inm;
	size_t		 n = strlen(etag);

	if (inm == NULL)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' '))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

static void
send_calendar(struct app *app, struct http_req *req, const char *user_id)
{
	struct event_ctx	 c;
	struct buf		 out;
	char			 etag[64];
	enum event_rc		 rc;

	api_event_ctx(&c, app, req);
	api_read_ctx(app, &c);
	c.user_id = user_id;
	buf_init(&out, ICS_MAX_OUTPUT);
	if ((rc = ics_export(&c, "Aurora Time", &out, etag, sizeof(etag))) !=
	    EVENT_OK && api_read_retry(app, &c, rc)) {
		buf_free(&out);
		buf_init(&out, ICS_MAX_OUTPUT);
		rc = ics_export(&c, "Aurora Time", &out, etag, sizeof(etag));
	}
	if (rc != EVENT_OK) {
		api_event_answer_rc(req, &c, rc);
		goto out;
	}
	(void)http_add_header(req, "ETag", "%s", etag);
	/* Subscribers poll: let them revalidate, never share a copy. */
	(void)http_add_header(req, "Cache-Control", "private, no-cache");
	if (etag_matches(http_header_in(req, "HTTP_IF_NONE_MATCH"), etag)) {
		http_send(req, 304, NULL, NULL, 0);
		goto out;
	}
	(void)http_add_header(req, "Content-Disposition",
	    "inline; filename=\"calendar.ics\"");
	http_send(req, 200, "text/calendar; charset=utf-8", out.data, out.len);
out:
	buf_free(&out);
}

void
api_calendar_ics(void *ctx, struct http_req *req)
{
	send_calendar(ctx, req, req->user_id);
}

void
api_feed_ics(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	char		 user[64];
	int		 found;
	enum db_rc	 rc;

	if ((rc = feed_lookup(app->db, req->params[0], user, sizeof(user),
	    &found)) != DB_OK) {
		app_db_error(req, rc);
		return;
	}
	if (!found) {
		http_error(req, 404, "not_found", NULL, "no such feed");
		return;
	}
	send_calendar(app, req, user);
}

void
api_feed_create(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	char		 secret[FEED_SECRET_LEN + 1];
	json_object	*o;
	enum db_rc	 rc;
	struct buf	 url;

	if ((rc = feed_rotate(app->db, req->user_id, secret,
	    sizeof(secret))) != DB_OK) {
		app_db_error(req, rc);
		return;
	}
	buf_init(&url, 4096);
	if (buf_printf(&url, "%s/feeds/%s.ics", app->conf->public_url,
	    secret) != BUF_OK || (o = json_object_new_object()) == NULL) {
		buf_free(&url);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if (jsonout_string(o, "url", url.data) == -1) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	buf_free(&url);
	http_json(req, 201, o);
}

void
api_feed_delete(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	int		 found;
	enum db_rc	 rc;

	if ((rc = feed_delete(app->db, req->user_id, &found)) != DB_OK) {
		app_db_error(req, rc);
		return;
	}
	if (!found) {
		http_error(req, 404, "not_found", NULL, "no feed to delete");
		return;
	}
	http_no_content(req);
}
