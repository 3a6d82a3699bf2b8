/* metrics.h — request counters and latency histograms shared by all workers
 * of one aurora-api master (an anonymous shared mapping made before fork),
 * rendered in the Prometheus text format. */
#ifndef AURORA_METRICS_H
#define AURORA_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/route.h"

struct metrics;

/* Maps the counters for n routes (plus one row for unmatched requests).
 * Call before forking; the mapping lives until the process exits.
 * Fixed size: 696 bytes a row (22 status counters, and a latency histogram
 * of 11 buckets + count + sum for each of 5 status classes; 280 bytes
 * before the classes), so 21,712 bytes with the 136-byte header (six 4 KiB
 * pages) for the 31 rows of today's route table, whatever the traffic.
 * Returns NULL on failure. */
struct metrics *metrics_create(size_t nroutes);

/* route: index in the route table, or -1 for unmatched. Lock-free. */
void metrics_observe(struct metrics *m, int route, int method, int status,
    int64_t dur_us);
void metrics_worker_restart(struct metrics *m);
/* The database-error counter, for db_options.error_counter. */
uint64_t *metrics_db_error_counter(struct metrics *m);
/* Where workers count hits and misses of their recurrence memo. */
void metrics_recur_counters(struct metrics *m, uint64_t **hits,
    uint64_t **misses);

/* Events counted for abuse limits (issue 13): requests refused by the
 * account-mail budget and sign-ins refused by a failure limit. */
enum metrics_event {
	METRICS_MAIL_LIMITED_NETWORK,
	METRICS_MAIL_LIMITED_GLOBAL,
	METRICS_LOGIN_LIMITED_ACCOUNT,
	METRICS_LOGIN_LIMITED_ADDRESS,
	METRICS_LOGIN_LIMITED_DEVICE,
	/* Reads of "replica allowed" routes (issue 15): sent to the replica,
	 * or kept on the primary and why (replica down or lagging, the user
	 * wrote after its confirmed position, a read failed there). */
	METRICS_REPLICA_READ,
	METRICS_REPLICA_FALLBACK_DOWN,
	METRICS_REPLICA_FALLBACK_LAG,
	METRICS_REPLICA_FALLBACK_RECENT_WRITE,
	METRICS_REPLICA_FALLBACK_FAILED,
	METRICS_EVENT__MAX
};

/* Counts one event. Lock-free; m may be NULL. */
void metrics_count(struct metrics *m, enum metrics_event e);
/* The replica's lag as a worker last measured it, microseconds (-1:
 * unknown or down). m may be NULL. */
void metrics_replica_lag(struct metrics *m, int64_t us);

/* Appends the Prometheus text exposition of m to out. */
int metrics_render(const struct metrics *m, const struct route *table,
    size_t n, struct buf *out) __attribute__((warn_unused_result));

#endif
