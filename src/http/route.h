/* route.h — the route table: a static array of {method, pattern, handler},
 * matched segment by segment. "{}" in a pattern captures one segment; a
 * ROUTE_PREFIX row matches a whole subtree. */
#ifndef AURORA_ROUTE_H
#define AURORA_ROUTE_H

#include <stddef.h>

#include "http/http.h"

#define ROUTE_AUTH	0x01	/* needs a verified access token */
#define ROUTE_RAW_BODY	0x02	/* reads a non-JSON body itself */
/* The pattern is a path prefix ending in '/': the row takes every method,
 * known or not (its method field only names it in metrics), for the path
 * without that last slash and every path under it. The handler does its
 * own method dispatch and authentication (the CalDAV front end). */
#define ROUTE_PREFIX	0x04
/* Its reads may go to a streaming replica (db_read_conninfo): a GET whose
 * handler reads through api_read_ctx and writes nothing (src/api/replica.h). */
#define ROUTE_REPLICA	0x08

typedef void (*route_fn)(void *ctx, struct http_req *req);

struct route {
	int			 method;	/* enum http_method */
	const char		*pattern;
	route_fn		 fn;
	unsigned		 flags;
	const char *const	*query;		/* allowed query keys, or NULL */
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Finds the route for req->method and req->path, copying captured segments
 * into req->params. HEAD matches GET routes. On ROUTE_BAD_METHOD, allow
 * receives the methods the path takes ("GET, POST"). */
enum route_result route_match(const struct route *table, size_t n,
    struct http_req *req, const struct route **found, char *allow,
    size_t allowlen);

#endif
