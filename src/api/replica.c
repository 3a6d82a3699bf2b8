/* replica.c — reads on a streaming replica (see replica.h). Which routes may
 * read there is their ROUTE_REPLICA mark in routes.c; how far behind the
 * replica is, db/replica.c; when a user last wrote, events/lastwrite.c. */
#include "config.h"

#include <string.h>

#include "api/replica.h"
#include "core/log.h"
#include "db/replica.h"
#include "events/lastwrite.h"

int
api_read_init(struct app *app)
{
	const struct conf	*c = app->conf;
	struct db_options	 o;

	app->reader = app->db;
	if (c->db_read_conninfo[0] == '\0')
		return 0;
	db_options_from_conf(&o, c, c->db_read_conninfo, "aurora-api-read");
	o.error_counter = metrics_db_error_counter(app->metrics);
	/* A replica that went away must not hold requests up for long: it
	 * is tried again at most once a second, and libpq's least. */
	if (o.connect_timeout > 2)
		o.connect_timeout = 2;
	if ((app->replica = db_replica_new(&o,
	    (int64_t)c->db_read_max_lag * 1000000)) == NULL)
		return -1;
	return 0;
}

void
api_read_free(struct app *app)
{
	db_replica_free(app->replica);
	app->replica = NULL;
	app->reader = app->db;
}

void
api_read_choose(struct app *app, struct http_req *req, unsigned flags)
{
	int64_t			 fresh, wrote;
	enum db_replica_state	 st;

	app->reader = app->db;
	if (app->replica == NULL || !(flags & ROUTE_REPLICA))
		return;
	st = db_replica_state(app->replica, app->db, &fresh);
	metrics_replica_lag(app->metrics, db_replica_lag_us(app->replica));
	if (st != DB_REPLICA_OK) {
		metrics_count(app->metrics, st == DB_REPLICA_DOWN ?
		    METRICS_REPLICA_FALLBACK_DOWN :
		    METRICS_REPLICA_FALLBACK_LAG);
		return;
	}
	/* Read-your-writes, read on the primary, where it carries the
	 * session check armed by authentication (db.h's guard). Feeds have
	 * no user here (their secret names the owner, looked up on the
	 * primary by the handler): calendar apps polling them see a write
	 * within db_read_max_lag. */
	if (req->user_id[0] != '\0') {
		if (lastwrite_get(app->db, req->user_id, &wrote) != DB_OK)
			return;
		if (wrote + API_READ_WRITE_MARGIN_US >= fresh) {
			metrics_count(app->metrics,
			    METRICS_REPLICA_FALLBACK_RECENT_WRITE);
			return;
		}
	}
	/* No statement of this request may reach the replica before the
	 * session check has passed on the primary (it has, with the read
	 * above: then this costs nothing). A refusal or failure leaves the
	 * reads on the primary, where they meet it and answer it. */
	if (db_guard_flush(app->db) != DB_OK)
		return;
	app->reader = db_replica_db(app->replica);
}

void
api_read_ctx(struct app *app, struct event_ctx *c)
{
	c->db = app->reader;
	if (app->replica != NULL && c->db == db_replica_db(app->replica))
		metrics_count(app->metrics, METRICS_REPLICA_READ);
}

int
api_read_retry(struct app *app, struct event_ctx *c, enum event_rc rc)
{
	if (rc != EVENT_DB || app->replica == NULL ||
	    c->db != db_replica_db(app->replica))
		return 0;
	/* Unreachable: down until the next check. A conflict with recovery
	 * (DB_RETRY) or another error is this read's alone. */
	if (c->dbrc == DB_UNAVAILABLE)
		db_replica_failed(app->replica);
	log_msg(LOG_WARN, "replica", "read failed on the replica (%s); "
	    "answering from the primary", c->dbrc == DB_UNAVAILABLE ?
	    "unreachable" : db_last_sqlstate(c->db));
	metrics_count(app->metrics, METRICS_REPLICA_FALLBACK_FAILED);
	app->reader = app->db;
	c->db = app->db;
	c->dbrc = DB_OK;
	memset(&c->err, 0, sizeof(c->err));
	return 1;
}
