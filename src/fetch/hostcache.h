/* hostcache.h — hosts the fetcher resolved and judged in the last
 * HOSTCACHE_TTL_S seconds, with the addresses it pinned: a round of many
 * feeds on one host (every school's calendar on the same provider) looks
 * it up once a minute, not once a feed, as libcurl's own DNS cache does.
 * Only a host whose every address was allowed is kept, and every socket
 * is judged again as it opens (fetcher.c), so the cache can only save a
 * lookup, never let an address through. */
#ifndef AURORA_HOSTCACHE_H
#define AURORA_HOSTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "fetch/hop.h"

#define HOSTCACHE_SIZE	256
#define HOSTCACHE_TTL_S	60

struct hostcache_entry {
	char	 name[HOP_HOST_MAX];
	char	 port[8];
	char	 resolve[HOP_RESOLVE_MAX];	/* the pin, as hop_judge set it */
	int64_t	 expires;			/* monotonic µs; 0: free */
};

struct hostcache {
	struct hostcache_entry	e[HOSTCACHE_SIZE];
};

/* 1 and the pin in h->resolve when h's name and port were judged allowed
 * less than HOSTCACHE_TTL_S seconds before now (monotonic µs), else 0. */
int hostcache_get(const struct hostcache *c, struct hop *h, int64_t now);
/* Keeps h's pin (h judged HOP_OK at now), over the entry that ends
 * first when the cache is full. */
void hostcache_put(struct hostcache *c, const struct hop *h, int64_t now);

#endif
