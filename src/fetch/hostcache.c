/* hostcache.c — the fetcher's cache of judged hosts (hostcache.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fetch/hostcache.h"

static int
same(const struct hostcache_entry *e, const struct hop *h)
{
	return strcasecmp(e->name, h->name) == 0 &&
	    strcmp(e->port, h->port) == 0;
}

int
hostcache_get(const struct hostcache *c, struct hop *h, int64_t now)
{
	size_t i;

	for (i = 0; i < HOSTCACHE_SIZE; i++) {
		const struct hostcache_entry *e = &c->e[i];

		if (e->expires > now && same(e, h)) {
			snprintf(h->resolve, sizeof(h->resolve), "%s",
			    e->resolve);
			return 1;
		}
	}
	return 0;
}

void
hostcache_put(struct hostcache *c, const struct hop *h, int64_t now)
{
	struct hostcache_entry	*e, *slot = &c->e[0];
	size_t			 i;

	for (i = 0; i < HOSTCACHE_SIZE; i++) {
		e = &c->e[i];
		if (e->expires != 0 && same(e, h)) {
			slot = e;
			break;
		}
		if (e->expires < slot->expires)
			slot = e;
	}
	snprintf(slot->name, sizeof(slot->name), "%s", h->name);
	snprintf(slot->port, sizeof(slot->port), "%s", h->port);
	snprintf(slot->resolve, sizeof(slot->resolve), "%s", h->resolve);
	slot->expires = now + (int64_t)HOSTCACHE_TTL_S * 1000000;
}
