/* app.c — the aurora-api worker: context set-up and request dispatch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/replica.h"
#include "auth/identity.h"
#include "core/log.h"
#include "events/occache.h"
#include "core/zone.h"

void *
app_worker_init(const struct conf *c, struct metrics *m)
{
	struct app		*app;
	struct db_options	 o;
	char			 err[1024];

	if ((app = calloc(1, sizeof(*app))) == NULL)
		return NULL;
	app->conf = c;
	app->metrics = m;
	db_options_from_conf(&o, c, c->db_conninfo, "aurora-api");
	o.error_counter = metrics_db_error_counter(m);
	if ((app->db = db_new(&o)) == NULL) {
		free(app);
		return NULL;
	}
	/* Keys and issuers are read once per worker; SIGHUP re-reads them. */
	if ((app->identity = identity_new(c, err, sizeof(err))) == NULL) {
		log_msg(LOG_ERROR, "identity", "%s", err);
		db_free(app->db);
		free(app);
		return NULL;
	}
	/* 2 KiB a series-year on average: a daily series' year of starts,
	 * its key and the entry. */
	if (c->recurrence_cache > 0 && (app->occ = occache_new(
	    (size_t)c->recurrence_cache, (size_t)c->recurrence_cache * 2048)) ==
	    NULL)
		log_msg(LOG_WARN, "worker", "no memory for the recurrence "
		    "cache; expanding every time");
	if (app->occ != NULL) {
		uint64_t *hits, *misses;

		metrics_recur_counters(m, &hits, &misses);
		occache_count_into(app->occ, hits, misses);
	}
	if (api_read_init(app) == -1) {
		log_msg(LOG_ERROR, "worker", "no memory for the replica");
		app_worker_free(app);
		return NULL;
	}
	/* Connect now so the first request is fast; a database that is down
	 * at start is not fatal: requests answer 503 until it is back. */
	if (db_connect(app->db) != DB_OK)
		log_msg(LOG_WARN, "worker", "database unreachable at start");
	return app;
}

void
app_worker_free(void *ctx)
{
	struct app *app = ctx;

	if (app == NULL)
		return;
	identity_free(app->identity);
	occache_free(app->occ);
	api_read_free(app);
	db_free(app->db);
	free(app);
	/* The events module's libical zone data (for leak checkers). */
	zone_cleanup();
}

void
app_db_error(struct http_req *req, enum db_rc rc)
{
	if (rc == DB_DENIED)
		http_unauthorized(req, 1);
	else if (rc == DB_UNAVAILABLE || rc == DB_RETRY)
		http_unavailable(req);
	else
		http_error(req, 500, "internal", NULL, "internal error");
}

/* The last word before an answer goes out (req->gate): a session check
 * armed by authentication that no statement of the handler carried runs
 * now, and a refused one turns the handler's answer, whatever it was, into
 * the 401 authentication would have given (a handler's own error path may
 * have answered 500 for its statement aborted behind the check). */
static int
app_gate(struct http_req *req, void *arg)
{
	struct app	*app = arg;
	enum db_rc	 rc;

	if ((rc = db_guard_flush(app->db)) == DB_OK)
		return 0;
	/* The handler's headers (ETag, Location...) belong to its answer. */
	req->headers_len = 0;
	req->headers[0] = '\0';
	if (rc == DB_DENIED)
		log_msg(LOG_DEBUG, "auth_reject", "session refused");
	app_db_error(req, rc);
	return 1;
}

void
app_handle(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	const struct route	*rt;
	enum route_result	 rr;
	char			 allow[128], bad[80];

	rr = route_match(app_routes, app_nroutes, req, &rt, allow,
	    sizeof(allow));
	/* A prefix route (CalDAV) answers unknown methods itself, with the
	 * Allow of the resource. */
	if (req->method < 0 && !(rr == ROUTE_FOUND &&
	    (rt->flags & ROUTE_PREFIX))) {
		http_error(req, 405, "method_not_allowed", NULL,
		    "method %s is not supported", req->method_name);
		return;
	}
	switch (rr) {
	case ROUTE_NOT_FOUND:
		http_error(req, 404, "not_found", NULL, "no such resource");
		return;
	case ROUTE_BAD_METHOD:
		(void)http_add_header(req, "Allow", "%s", allow);
		http_error(req, 405, "method_not_allowed", NULL,
		    "method %s is not allowed here", req->method_name);
		return;
	case ROUTE_FOUND:
		break;
	}
	if (http_query_check(req->query, rt->query, bad, sizeof(bad)) == -1) {
		http_error(req, 422, "validation_failed", bad,
		    "query parameter \"%s\" is not accepted here (or repeats)",
		    bad);
		return;
	}
	if ((rt->flags & ROUTE_AUTH) && app_authenticate(ctx, req) == -1)
		goto out;
	req->gate = app_gate;
	req->gate_arg = app;
	api_read_choose(ctx, req, rt->flags);
	rt->fn(ctx, req);
out:
	/* Nothing of this request's session check carries over. */
	req->gate = NULL;
	db_guard_clear(app->db);
}
