/* replica.c — a streaming replica's lag, from WAL positions (replica.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/replica.h"

/* The primary's clock and WAL insert position, the clock read first: a
 * transaction whose commit completed before that instant has its commit
 * record at or below the position (the insert position covers records not
 * yet flushed, so asynchronous commits too). OFFSET 0 keeps the subquery,
 * and so the order of the two reads. */
static const struct db_stmt st_primary_pos = {
	"db_replica_primary_pos",
	"SELECT (extract(epoch FROM t) * 1000000)::bigint, "
	"       (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint "
	"  FROM (SELECT clock_timestamp() AS t OFFSET 0) s",
	0, 1
};

/* What the replica has replayed; NULL position when it is not in recovery
 * (promoted, or a primary named by mistake: its data is not the primary's
 * any more, so it must not serve). */
static const struct db_stmt st_replay_pos = {
	"db_replica_replay_pos",
	"SELECT pg_is_in_recovery(), "
	"       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint",
	0, 1
};

struct replica_sample {
	int64_t		 lsn;		/* primary's WAL insert position */
	int64_t		 primary_us;	/* primary's clock, since the epoch */
	int64_t		 mono_us;	/* ours, taken before asking */
};

struct db_replica {
	struct db		*db;
	int64_t			 max_lag_us;
	struct replica_sample	 ring[DB_REPLICA_SAMPLES];
	size_t			 head, count;	/* next slot, slots filled */
	int64_t			 next_us;	/* no sample before then */
	int			 down;
	int			 warned;	/* "not a standby" logged */
	int			 have_fresh;
	struct replica_sample	 fresh;		/* newest one replayed */
	int64_t			 lag_us;	/* at the last sample, or -1 */
};

struct db_replica *
db_replica_new(const struct db_options *o, int64_t max_lag_us)
{
	struct db_replica *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->db = db_new(o)) == NULL) {
		free(r);
		return NULL;
	}
	r->max_lag_us = max_lag_us;
	r->lag_us = -1;
	return r;
}

void
db_replica_free(struct db_replica *r)
{
	if (r == NULL)
		return;
	db_free(r->db);
	free(r);
}

struct db *
db_replica_db(struct db_replica *r)
{
	return r->db;
}

/* A bigint column of row 0 into *v: 0, or -1 when NULL or malformed. */
static int
col_int64(const PGresult *res, int col, int64_t *v)
{
	const char	*s;
	char		*end;
	long long	 n;

	if (PQntuples(res) != 1 || PQnfields(res) <= col ||
	    PQgetisnull(res, 0, col))
		return -1;
	s = PQgetvalue(res, 0, col);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

/* Records the primary's position now; nothing when it cannot be read (the
 * request on the primary will meet the same trouble and answer it). */
static void
sample_primary(struct db_replica *r, struct db *primary, int64_t mono)
{
	struct replica_sample	 s;
	PGresult		*res = NULL;

	if (db_exec(primary, &st_primary_pos, NULL, &res) != DB_OK)
		goto out;
	if (col_int64(res, 0, &s.primary_us) == -1 ||
	    col_int64(res, 1, &s.lsn) == -1)
		goto out;
	s.mono_us = mono;
	r->ring[r->head] = s;
	r->head = (r->head + 1) % DB_REPLICA_SAMPLES;
	if (r->count < DB_REPLICA_SAMPLES)
		r->count++;
out:
	PQclear(res);
}

/* The replica's replay position into *replayed: 0, or -1 when it cannot
 * be read or the server is not a standby in recovery. */
static int
read_replayed(struct db_replica *r, int64_t *replayed)
{
	PGresult	*res = NULL;
	int		 rc = -1;

	if (db_exec(r->db, &st_replay_pos, NULL, &res) != DB_OK)
		goto out;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t") != 0 ||
	    col_int64(res, 1, replayed) == -1) {
		if (!r->warned)
			log_msg(LOG_WARN, "replica", "db_read_conninfo names a "
			    "server that is not a standby in recovery; reads "
			    "stay on the primary");
		r->warned = 1;
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Reads the replica's replay position and moves fresh to the newest sample
 * at or below it. */
static void
sample_replica(struct db_replica *r, int64_t mono)
{
	int64_t		 replayed;
	size_t		 i, k;

	r->down = 1;
	r->lag_us = -1;
	if (read_replayed(r, &replayed) == -1)
		return;
	/* After a quiet spell the sample just taken is the only recent one,
	 * and WAL written between the two reads (autovacuum, another
	 * process) leaves a replica a millisecond behind it: one more look
	 * rather than judging it by the sample of long ago. */
	k = (r->head + DB_REPLICA_SAMPLES - 1) % DB_REPLICA_SAMPLES;
	if (r->count > 0 && r->ring[k].lsn > replayed &&
	    read_replayed(r, &replayed) == -1)
		return;
	r->down = 0;
	for (i = 0; i < r->count; i++) {
		k = (r->head + DB_REPLICA_SAMPLES - 1 - i) % DB_REPLICA_SAMPLES;
		if (r->ring[k].lsn > replayed)
			continue;
		if (!r->have_fresh || r->ring[k].mono_us > r->fresh.mono_us)
			r->fresh = r->ring[k];
		r->have_fresh = 1;
		break;
	}
	if (r->have_fresh)
		r->lag_us = mono - r->fresh.mono_us;
}

enum db_replica_state
db_replica_state(struct db_replica *r, struct db *primary, int64_t *fresh_us)
{
	int64_t	 now = clock_mono_us();

	*fresh_us = 0;
	if (now >= r->next_us) {
		r->next_us = now + DB_REPLICA_PERIOD_US;
		sample_primary(r, primary, now);
		sample_replica(r, now);
	}
	if (r->down)
		return DB_REPLICA_DOWN;
	if (!r->have_fresh || now - r->fresh.mono_us > r->max_lag_us)
		return DB_REPLICA_LAG;
	*fresh_us = r->fresh.primary_us;
	return DB_REPLICA_OK;
}

void
db_replica_failed(struct db_replica *r)
{
	r->down = 1;
	r->lag_us = -1;
}

int64_t
db_replica_lag_us(const struct db_replica *r)
{
	return r->lag_us;
}
