/* replica.h — where the reads of a "replica allowed" route go
 * (ROUTE_REPLICA): the streaming replica of db_read_conninfo while it is
 * within db_read_max_lag and holds the user's last write, else the primary;
 * and back to the primary when a read on the replica fails. */
#ifndef AURORA_API_REPLICA_H
#define AURORA_API_REPLICA_H

#include "api/app.h"
#include "events/event.h"

/* A user whose last write is this close to the replica's confirmed
 * position reads from the primary: the write is stamped by a trigger just
 * before its commit record, and the commit completes after it. */
#define API_READ_WRITE_MARGIN_US	1000000

/* Makes the worker's replica handle when db_read_conninfo is set (nothing
 * connects before the first read). 0, or -1 when out of memory. */
int api_read_init(struct app *app) __attribute__((warn_unused_result));
void api_read_free(struct app *app);

/* Chooses the connection of this request's reads (app->reader), after
 * authentication: the primary unless the route is ROUTE_REPLICA and the
 * replica may serve this user. For an authenticated user the last write is
 * read on the primary, where the session check armed by authentication
 * runs with it; a failure there leaves the reads on the primary, whose
 * statements meet it again and answer it. */
void api_read_choose(struct app *app, struct http_req *req, unsigned flags);

/* Points c at this request's read connection (after api_event_ctx). */
void api_read_ctx(struct app *app, struct event_ctx *c);

/* After a read in c answered rc: when it failed on the replica, moves c and
 * the request to the primary (the replica counts as down until its next
 * check when it could not be reached) and returns 1: read again there.
 * Otherwise 0: answer rc. */
int api_read_retry(struct app *app, struct event_ctx *c, enum event_rc rc);

#endif
