/* replica.h — a streaming replica beside the primary, and how far behind it
 * is, measured on PostgreSQL's own WAL positions so that reads may go to it
 * while it is close enough. Nothing here routes a request: the caller asks
 * whether the replica may serve now and up to which instant it holds
 * everything committed on the primary. */
#ifndef AURORA_REPLICA_H
#define AURORA_REPLICA_H

#include <stdint.h>

#include "db/db.h"

/* Primary positions remembered, one a second at most: enough to find the
 * one the replica has replayed while it lags by up to a minute. */
#define DB_REPLICA_SAMPLES	64
#define DB_REPLICA_PERIOD_US	1000000		/* a sample a second at most */

struct db_replica;

enum db_replica_state {
	DB_REPLICA_OK,		/* may serve reads */
	DB_REPLICA_DOWN,	/* unreachable, or not a standby in recovery */
	DB_REPLICA_LAG		/* behind by more than the allowed lag */
};

/* Creates the replica's handle from o (nothing is connected until first
 * use); max_lag_us is the lag beyond which it must not serve. NULL when out
 * of memory. Free with db_replica_free. */
struct db_replica *db_replica_new(const struct db_options *o,
    int64_t max_lag_us);
void db_replica_free(struct db_replica *r);

/* The replica's connection, for the statements of the reads sent to it. */
struct db *db_replica_db(struct db_replica *r);

/* Whether reads may go to the replica now. At most once a period it reads
 * the primary's clock and WAL insert position (a sample), then the
 * replica's replay position, and keeps the newest sample the replica has
 * replayed; between samples it answers from that one, its age growing with
 * the clock. An idle primary is no lag (its position does not move), a
 * replica whose WAL receiver stopped while the primary writes is. On
 * DB_REPLICA_OK, *fresh_us is the primary's clock (microseconds since the
 * epoch) at that sample: every transaction the primary had committed then
 * is on the replica. */
enum db_replica_state db_replica_state(struct db_replica *r,
    struct db *primary, int64_t *fresh_us);

/* A read on the replica failed for the replica's sake (connection refused
 * or lost, a conflict with recovery): it is down until the next sample
 * finds it again. */
void db_replica_failed(struct db_replica *r);

/* The replica's lag at its last sample in microseconds, -1 while unknown
 * (never sampled, or down). */
int64_t db_replica_lag_us(const struct db_replica *r);

#endif
