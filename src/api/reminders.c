/* reminders.c — GET /api/v1/reminders?from=&to=: the signed-in user's
 * reminders whose reminder time falls in the window, with their status
 * (pending, sending, sent, failed with the reason, skipped, cancelled). */
#include "config.h"

#include <string.h>
#include <time.h>

#include "api/app.h"
#include "core/clock.h"
#include "core/jsonout.h"
#include "events/rfc3339.h"
#include "mail/outbox.h"

#define REMINDERS_PAST_DEFAULT	(7L * 86400)	/* from = now - 7 days */
#define REMINDERS_AHEAD_DEFAULT	(30L * 86400)	/* to = now + 30 days */
#define REMINDERS_WINDOW_MAX	(400L * 86400)
#define REMINDERS_PARAM_MAX	64

/* 1 with *t set when the parameter is there and valid, 0 when absent, -1
 * after answering 422. */
static int
instant_param(struct http_req *req, const char *name, time_t *t)
{
	char	 v[REMINDERS_PARAM_MAX];
	int	 rc;

	rc = http_query_get(req->query, name, v, sizeof(v));
	if (rc == 0)
		return 0;
	/* The strict parser of event times, and no year before 1900 (as
	 * written, before the offset: "1899-..." is refused). */
	if (rc == -1 || rfc3339_parse(v, t, NULL) == -1 ||
	    strncmp(v, "1900", 4) < 0) {
		http_error(req, 422, "validation_failed", name, "%s must be an "
		    "RFC 3339 date-time such as 2026-03-05T09:00:00Z", name);
		return -1;
	}
	return 1;
}

void
api_reminders_list(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	time_t		 now = time(NULL), from, to;
	char		 sfrom[32], sto[32];
	json_object	*list = NULL, *o;
	enum db_rc	 rc;
	int		 have_from, have_to;

	if ((have_from = instant_param(req, "from", &from)) == -1 ||
	    (have_to = instant_param(req, "to", &to)) == -1)
		return;
	if (!have_from)
		from = now - REMINDERS_PAST_DEFAULT;
	if (!have_to)
		to = (have_from ? from : now) + REMINDERS_AHEAD_DEFAULT;
	if (to <= from) {
		http_error(req, 422, "validation_failed", "to",
		    "to must be later than from");
		return;
	}
	if (to - from > REMINDERS_WINDOW_MAX) {
		http_error(req, 422, "validation_failed", "to",
		    "the window may span at most 400 days");
		return;
	}
	if (clock_rfc3339_utc(from, sfrom, sizeof(sfrom)) == -1 ||
	    clock_rfc3339_utc(to, sto, sizeof(sto)) == -1) {
		http_error(req, 422, "validation_failed", "from",
		    "the window is out of range");
		return;
	}
	if ((rc = outbox_list_user(app->db, req->user_id, sfrom, sto,
	    &list)) != DB_OK) {
		app_db_error(req, rc);
		return;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "from", sfrom) == -1 ||
	    jsonout_string(o, "to", sto) == -1) {
		json_object_put(list);
		json_object_put(o);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	/* jsonout_add takes list, also when it fails. */
	if (jsonout_add(o, "reminders", list) == -1) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	http_json(req, 200, o);
}
