/* fetcher.h — many feed fetches at once over libcurl's multi interface,
 * each hop checked before it connects (hop.h): resolved here without
 * blocking (getaddrinfo_a, with a timeout), every address judged, then
 * pinned (CURLOPT_RESOLVE) and judged again as the socket opens;
 * redirects followed by hand (at most FETCH_MAX_REDIRECTS, each a hop of
 * its own); conditional GET; the size cap enforced while the body
 * arrives; one connection per host at a time. Knows nothing of the
 * database: results go to the caller's callback. */
#ifndef AURORA_FETCHER_H
#define AURORA_FETCHER_H

#include <stddef.h>

#include "fetch/hop.h"

#define FETCH_MAX_REDIRECTS	5
#define FETCH_VALIDATOR_MAX	512	/* an ETag or Last-Modified kept */

struct fetch_opts {
	struct hop_policy	 policy;
	long			 max_bytes;	/* body, after decoding */
	int			 timeout_s;	/* one request, in all */
	int			 connect_timeout_s;	/* resolve, connect */
	const char		*user_agent;
};

enum fetch_outcome {
	FETCH_OK,		/* 2xx: body, len, validators */
	FETCH_NOT_MODIFIED,	/* 304 */
	FETCH_GONE,		/* 410 */
	FETCH_FAILED		/* why says it in words */
};

struct fetch_result {
	enum fetch_outcome	 outcome;
	long			 status;	/* last HTTP status, 0: none */
	int			 hops;		/* redirects followed */
	const char		*body;		/* valid during the call */
	size_t			 len;
	const char		*etag;		/* NULL: none sent */
	const char		*last_modified;	/* NULL: none sent */
	char			 why[HOP_WHY_MAX];
};

struct fetcher;

/* Called once per fetch, with the job given to fetcher_add. */
typedef void (*fetch_done_fn)(void *job, const struct fetch_result *r,
    void *arg);

/* NULL when out of memory or libcurl fails. o is copied (user_agent
 * borrowed). Free with fetcher_free, which abandons fetches in flight
 * without calling done. */
struct fetcher *fetcher_new(const struct fetch_opts *o, fetch_done_fn done,
    void *arg);
void fetcher_free(struct fetcher *f);

/* Queues a GET of url with the validators of the last good answer ("" or
 * NULL: none). 0, or -1 when out of memory (nothing queued). */
int fetcher_add(struct fetcher *f, const char *url, const char *etag,
    const char *last_modified, void *job) __attribute__((warn_unused_result));

/* Fetches queued or in flight. */
int fetcher_pending(const struct fetcher *f);

/* Advances every fetch for at most wait_ms (less when one finishes),
 * calling done for those that end. 0, or -1 when libcurl fails. */
int fetcher_step(struct fetcher *f, int wait_ms)
    __attribute__((warn_unused_result));
/* Keeps transfers in flight moving for at most wait_ms (less when data
 * comes) without starting new ones or ending any: the fetcher's rest
 * (pace.h), during which no feed's timeout runs out for want of reading
 * it. Those that end are handled by the next fetcher_step. 0, or -1 when
 * libcurl fails. */
int fetcher_idle(struct fetcher *f, int wait_ms)
    __attribute__((warn_unused_result));

#endif
