/* subsync.h — the fetcher's side of subscriptions (issue 18): which feeds
 * are due (claimed with a lease, so several fetchers never take the same
 * one), what a fetch found (not modified, failed, gone), and a fetched
 * file applied to the subscription's read-only calendar in one
 * transaction, matched by UID. The account's side is subscription.h;
 * both are the events module's, which owns the table subscriptions. */
#ifndef AURORA_SUBSYNC_H
#define AURORA_SUBSYNC_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "db/db.h"
#include "events/event.h"
#include "events/subscription.h"

#define SUBSYNC_ETAG_MAX	512	/* as subscriptions.etag */
#define SUBSYNC_LASTMOD_MAX	100	/* as subscriptions.last_modified */
#define SUBSYNC_BACKOFF_MAX	86400	/* seconds between failed tries */
#define SUBSYNC_EVENTS_MAX	50000	/* events of one calendar read */

/* One claimed subscription. */
struct subsync_job {
	char	id[EVENT_ID_LEN + 1];
	char	user_id[EVENT_ID_LEN + 1];
	char	calendar_id[EVENT_ID_LEN + 1];
	char	url[SUBSCRIPTION_URL_MAX + 1];
	char	etag[SUBSYNC_ETAG_MAX + 1];		/* "": none */
	char	last_modified[SUBSYNC_LASTMOD_MAX + 1];	/* "": none */
	int	failures;
};

/* What subsync_apply did. */
struct subsync_stats {
	long	inserted, updated, unchanged, deleted, skipped;
	long	refresh_minutes;	/* the feed's own, 0: none */
};

enum subsync_rc {
	SUBSYNC_OK = 0,
	SUBSYNC_BAD_FILE,	/* why says what; nothing changed */
	SUBSYNC_LOST,		/* deleted, or its URL changed meanwhile */
	SUBSYNC_DB,
	SUBSYNC_NOMEM
};

/* Claims up to max due subscriptions (next_fetch_at passed, no live
 * lease) for lease_s seconds, oldest due first, skipping rows another
 * fetcher holds; jobs (max entries, the caller's) receive them, *n how
 * many. */
enum db_rc subsync_claim(struct db *db, int max, int lease_s,
    struct subsync_job *jobs, int *n) __attribute__((warn_unused_result));

/* The time the next subscription falls due (or its lease ends), into
 * *next; *have 0 when none is ever due. */
enum db_rc subsync_next_due(struct db *db, time_t *next, int *have)
    __attribute__((warn_unused_result));

/* Outcomes of a fetch of j; each ends the lease and schedules the next
 * fetch. An outcome for a subscription deleted or given another URL
 * meanwhile is dropped. */

/* 304s, gathered and recorded together: most of a round is feeds that
 * did not change, and one statement for a batch of them costs the
 * database a fraction of one each. Everything is kept; the next fetch
 * comes after the refresh interval (the subscription's, or the feed's
 * own when shorter, at least SUBSCRIPTION_REFRESH_MIN minutes). A batch
 * not yet recorded when the fetcher dies is fetched again when its
 * leases end: nothing is lost. */
#define SUBSYNC_BATCH_MAX	128

struct subsync_batch {
	struct buf	ids, urls;	/* array literals, open */
	int		n;
};

void subsync_batch_init(struct subsync_batch *b);
void subsync_batch_free(struct subsync_batch *b);
/* Adds j's 304. 0, or -1 out of memory (j's lease then runs out). */
int subsync_batch_add(struct subsync_batch *b, const struct subsync_job *j)
    __attribute__((warn_unused_result));
/* Records every 304 of b and empties it, also when the database failed
 * (their leases then run out). A subscription deleted or given another
 * URL meanwhile only loses its lease. */
enum db_rc subsync_batch_flush(struct db *db, struct subsync_batch *b)
    __attribute__((warn_unused_result));

/* A failed fetch: status error, last_error why (words for the account),
 * events kept; tried again retry_s seconds later, doubling with each
 * failure in a row, at most SUBSYNC_BACKOFF_MAX. */
enum db_rc subsync_failed(struct db *db, const struct subsync_job *j,
    const char *why, int retry_s) __attribute__((warn_unused_result));

/* 410: status gone, events kept, never fetched again on its own (a
 * refresh or a new URL from the account tries again). */
enum db_rc subsync_gone(struct db *db, const struct subsync_job *j)
    __attribute__((warn_unused_result));

/* Applies a fetched file (len bytes) in one transaction: the calendar's
 * events become the file's, matched by UID: new ones inserted, changed
 * ones updated, unchanged ones left alone (the journal sees only real
 * changes), missing ones deleted with their pending mail. The file's
 * VALARMs are dropped; the account's default reminders apply when the
 * subscription asks for them. At most max_events events (read with the
 * same rules and budgets as an ICS import). On SUBSYNC_OK the outcome is
 * recorded (status ok, validators etag and last_modified, NULL: none) in
 * the same transaction; on SUBSYNC_BAD_FILE nothing changed and why says
 * what is wrong ("the file is not a calendar (line 12: ...)"), for
 * subsync_failed. */
enum subsync_rc subsync_apply(struct db *db, const struct subsync_job *j,
    const char *body, size_t len, const char *etag,
    const char *last_modified, long max_events, time_t now,
    struct subsync_stats *stats, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
