/* occache.c — the expansion memo (see occache.h): a chained hash table of
 * entries on a doubly linked recency list, each entry one allocation
 * holding its key and its starts. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/occache.h"

struct occ_entry {
	struct occ_entry	*hnext;		/* same bucket */
	struct occ_entry	*prev, *next;	/* recency: head is newest */
	uint64_t		 hash;
	size_t			 keylen, n, size;
	time_t			*starts;	/* inside this allocation */
	unsigned char		 key[];
};

struct occache {
	struct occ_entry	**buckets;
	size_t			  nbuckets;	/* a power of two */
	struct occ_entry	 *head, *tail;
	size_t			  entries, bytes;
	size_t			  max_entries, max_bytes;
	unsigned long		  hits, misses, evictions;
	uint64_t		 *shared_hits, *shared_misses;
};

/* FNV-1a: the full key is compared on every match, so the hash only has
 * to spread. */
static uint64_t
occ_hash(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

struct occache *
occache_new(size_t max_entries, size_t max_bytes)
{
	struct occache	*c;
	size_t		 nb = 16;

	if (max_entries == 0 || max_entries > (1u << 24))
		return NULL;
	while (nb < max_entries)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->buckets = calloc(nb, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NULL;
	}
	c->nbuckets = nb;
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	return c;
}

void
occache_free(struct occache *c)
{
	struct occ_entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(c->buckets);
	free(c);
}

static void
lru_unlink(struct occache *c, struct occ_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct occache *c, struct occ_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static struct occ_entry **
find_slot(struct occache *c, const void *key, size_t keylen, uint64_t h)
{
	struct occ_entry **pp;

	for (pp = &c->buckets[h & (c->nbuckets - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->keylen == keylen &&
		    memcmp((*pp)->key, key, keylen) == 0)
			break;
	return pp;
}

static void
remove_entry(struct occache *c, struct occ_entry *e)
{
	struct occ_entry **pp;

	pp = find_slot(c, e->key, e->keylen, e->hash);
	if (*pp == e)
		*pp = e->hnext;
	lru_unlink(c, e);
	c->entries--;
	c->bytes -= e->size;
	free(e);
}

const time_t *
occache_get(struct occache *c, const void *key, size_t keylen, size_t *n)
{
	struct occ_entry *e;

	*n = 0;
	e = *find_slot(c, key, keylen, occ_hash(key, keylen));
	if (e == NULL) {
		c->misses++;
		if (c->shared_misses != NULL)
			__atomic_fetch_add(c->shared_misses, 1,
			    __ATOMIC_RELAXED);
		return NULL;
	}
	c->hits++;
	if (c->shared_hits != NULL)
		__atomic_fetch_add(c->shared_hits, 1, __ATOMIC_RELAXED);
	lru_unlink(c, e);
	lru_push(c, e);
	*n = e->n;
	return e->starts;
}

int
occache_put(struct occache *c, const void *key, size_t keylen,
    const time_t *starts, size_t n)
{
	struct occ_entry	*e, **pp;
	size_t			 koff, size;
	uint64_t		 h = occ_hash(key, keylen);

	/* The starts follow the key, aligned for time_t. */
	koff = (keylen + sizeof(time_t) - 1) / sizeof(time_t) * sizeof(time_t);
	if (n > (c->max_bytes / sizeof(time_t)) || keylen > c->max_bytes)
		return -1;
	size = sizeof(*e) + koff + n * sizeof(time_t);
	if (size > c->max_bytes)
		return -1;
	if ((e = *find_slot(c, key, keylen, h)) != NULL)
		remove_entry(c, e);
	while (c->tail != NULL && (c->entries >= c->max_entries ||
	    c->bytes + size > c->max_bytes)) {
		remove_entry(c, c->tail);
		c->evictions++;
	}
	if ((e = malloc(size)) == NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->keylen = keylen;
	e->n = n;
	e->size = size;
	memcpy(e->key, key, keylen);
	e->starts = (time_t *)(void *)(e->key + koff);
	if (n > 0)
		memcpy(e->starts, starts, n * sizeof(time_t));
	pp = &c->buckets[h & (c->nbuckets - 1)];
	e->hnext = *pp;
	*pp = e;
	lru_push(c, e);
	c->entries++;
	c->bytes += size;
	return 0;
}

void
occache_count_into(struct occache *c, uint64_t *hits, uint64_t *misses)
{
	c->shared_hits = hits;
	c->shared_misses = misses;
}

void
occache_stats(const struct occache *c, struct occache_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (c == NULL)
		return;
	s->hits = c->hits;
	s->misses = c->misses;
	s->evictions = c->evictions;
	s->entries = c->entries;
	s->bytes = c->bytes;
}
