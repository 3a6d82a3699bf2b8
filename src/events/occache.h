/* occache.h — a worker's bounded memo of series expansions: the occurrence
 * starts of one recurring event over one stretch of time, keyed by the
 * exact bytes of every input the expansion depends on, so that a changed
 * event can only miss, never be answered from an old expansion. Least
 * recently used entries go first. Not shared between processes. */
#ifndef AURORA_OCCACHE_H
#define AURORA_OCCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct occache;

/* NULL when out of memory. At most max_entries entries and about
 * max_bytes bytes of keys and starts together. */
struct occache *occache_new(size_t max_entries, size_t max_bytes);
void occache_free(struct occache *c);

/* The starts remembered under key, or NULL (a miss). *n is their number;
 * the array stays valid until the next occache_put. */
const time_t *occache_get(struct occache *c, const void *key, size_t keylen,
    size_t *n);

/* Remembers a copy of starts under key, evicting as needed; replaces an
 * entry with the same key. -1 (nothing stored) when it could never fit or
 * memory is short. */
int occache_put(struct occache *c, const void *key, size_t keylen,
    const time_t *starts, size_t n);

struct occache_stats {
	unsigned long	 hits, misses, evictions;
	size_t		 entries, bytes;
};
void occache_stats(const struct occache *c, struct occache_stats *s);
/* Also adds each hit and miss, atomically, to these (shared) counters;
 * either may be NULL. */
void occache_count_into(struct occache *c, uint64_t *hits, uint64_t *misses);

#endif
