/* subsync.c — the fetcher's SQL on subscriptions and the application of a
 * fetched file to a subscription's calendar (subsync.h). The file goes
 * through the ICS reader as an import does (ics_sync_tx), each event
 * through the store's lower-level event_upsert_tx; this file decides
 * which events changed and which are gone. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/sha256.h"
#include "db/array.h"
#include "events/ics.h"
#include "events/subsync.h"
#include "mail/outbox.h"

/* Refresh interval of a good answer, in minutes: the subscription's, or
 * the feed's own ($n) when shorter; then up to a tenth earlier at random,
 * so feeds first fetched together (many subscribed at once, a round
 * after an outage) drift apart instead of falling due together every
 * hour; never below SUBSCRIPTION_REFRESH_MIN (15, the literal below). */
#define NEXT_GOOD(ttl) \
	" next_fetch_at = now() + greatest(interval '15 minutes'," \
	"  make_interval(mins => least(refresh_minutes," \
	"  coalesce(" ttl ", refresh_minutes))) * (0.9 + 0.1 * random()))"

static const struct db_stmt st_claim = {
	"subsync_claim",
	"UPDATE subscriptions s"
	" SET lease_until = now() + make_interval(secs => $2::int)"
	" FROM (SELECT id FROM subscriptions"
	"  WHERE next_fetch_at <= now()"
	"   AND (lease_until IS NULL OR lease_until < now())"
	"  ORDER BY next_fetch_at LIMIT $1::int"
	"  FOR UPDATE SKIP LOCKED) d"
	" WHERE s.id = d.id"
	" RETURNING s.id, s.user_id, s.calendar_id, s.url,"
	"  coalesce(s.etag, ''), coalesce(s.last_modified, ''), s.failures",
	2, 0
};

static const struct db_stmt st_next_due = {
	"subsync_next_due",
	"SELECT extract(epoch FROM min(greatest(next_fetch_at,"
	"  coalesce(lease_until, next_fetch_at))))::bigint"
	" FROM subscriptions WHERE next_fetch_at < 'infinity'",
	0, 1
};

/* A batch of 304s ($1 ids, $2 their URLs as claimed); the second part
 * ends the lease of those whose URL changed since the claim (the new one
 * is due at once). The two parts touch different rows. */
static const struct db_stmt st_not_modified = {
	"subsync_not_modified",
	"WITH done AS ("
	" UPDATE subscriptions s SET status = 'ok', last_error = NULL,"
	"  failures = 0, last_fetched_at = now(), last_success_at = now(),"
	"  lease_until = NULL," NEXT_GOOD("s.feed_ttl_minutes")
	" FROM unnest($1::uuid[], $2::text[]) AS d(id, url)"
	" WHERE s.id = d.id AND s.url = d.url"
	" RETURNING s.id)"
	" UPDATE subscriptions SET lease_until = NULL"
	" WHERE id = ANY($1::uuid[]) AND id NOT IN (SELECT id FROM done)",
	2, 0
};

/* failures is the count before this one: retry_s, 2 retry_s, 4 ... */
static const struct db_stmt st_failed = {
	"subsync_failed",
	"UPDATE subscriptions SET status = 'error', last_error = left($3, 500),"
	" failures = failures + 1, last_fetched_at = now(),"
	" lease_until = NULL,"
	" next_fetch_at = now() + make_interval(secs => least(86400,"
	"  $4::float8 * power(2, least(failures, 20))))"
	" WHERE id = $1::uuid AND url = $2",
	4, 0
};

static const struct db_stmt st_gone = {
	"subsync_gone",
	"UPDATE subscriptions SET status = 'gone',"
	" last_error = 'the server answered 410: the feed is gone',"
	" failures = failures + 1, last_fetched_at = now(),"
	" lease_until = NULL, next_fetch_at = 'infinity'"
	" WHERE id = $1::uuid AND url = $2",
	2, 0
};

/* An outcome dropped (URL changed) still ends our lease. */
static const struct db_stmt st_release = {
	"subsync_release",
	"UPDATE subscriptions SET lease_until = NULL WHERE id = $1::uuid",
	1, 0
};

/* The calendar's events, locked in id order (the order every writer of
 * a calendar's events takes them in), with their stored objects. */
static const struct db_stmt st_events = {
	"subsync_events",
	"SELECT id, uid, ical FROM events"
	" WHERE calendar_id = $1::uuid AND user_id = $2::uuid"
	" ORDER BY id FOR UPDATE",
	2, 0
};

/* The subscription, locked after its events; no row when it was deleted
 * or given another URL since the claim. */
static const struct db_stmt st_lock = {
	"subsync_lock",
	"SELECT reminders FROM subscriptions"
	" WHERE id = $1::uuid AND url = $2 AND calendar_id = $3::uuid"
	" FOR UPDATE",
	3, 0
};

static const struct db_stmt st_delete = {
	"subsync_delete",
	"DELETE FROM events WHERE id = ANY($1::uuid[]) AND user_id = $2::uuid",
	2, 0
};

static const struct db_stmt st_ok = {
	"subsync_ok",
	"UPDATE subscriptions SET status = 'ok', last_error = NULL,"
	" failures = 0, last_fetched_at = now(), last_success_at = now(),"
	" lease_until = NULL, etag = $3, last_modified = $4,"
	" feed_ttl_minutes = $5::int," NEXT_GOOD("$5::int")
	" WHERE id = $1::uuid AND url = $2",
	5, 0
};

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

enum db_rc
subsync_claim(struct db *db, int max, int lease_s, struct subsync_job *jobs,
    int *n)
{
	char		 lim[16], lease[16];
	const char	*p[2] = { lim, lease };
	PGresult	*res;
	enum db_rc	 rc;
	int		 i, rows;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	snprintf(lease, sizeof(lease), "%d", lease_s);
	if ((rc = db_exec(db, &st_claim, p, &res)) != DB_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows && i < max; i++) {
		struct subsync_job *j = &jobs[i];

		memset(j, 0, sizeof(*j));
		copy(j->id, sizeof(j->id), PQgetvalue(res, i, 0));
		copy(j->user_id, sizeof(j->user_id), PQgetvalue(res, i, 1));
		copy(j->calendar_id, sizeof(j->calendar_id),
		    PQgetvalue(res, i, 2));
		copy(j->url, sizeof(j->url), PQgetvalue(res, i, 3));
		copy(j->etag, sizeof(j->etag), PQgetvalue(res, i, 4));
		copy(j->last_modified, sizeof(j->last_modified),
		    PQgetvalue(res, i, 5));
		j->failures = (int)strtol(PQgetvalue(res, i, 6), NULL, 10);
	}
	*n = i;
	PQclear(res);
	return DB_OK;
}

enum db_rc
subsync_next_due(struct db *db, time_t *next, int *have)
{
	PGresult	*res;
	enum db_rc	 rc;

	*have = 0;
	if ((rc = db_exec(db, &st_next_due, NULL, &res)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		*next = (time_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*have = 1;
	}
	PQclear(res);
	return DB_OK;
}

/* Runs an outcome statement; releases the lease when it matched no row
 * (the URL changed: the new one is due at once). */
static enum db_rc
outcome(struct db *db, const struct subsync_job *j, const struct db_stmt *st,
    const char *const *p)
{
	const char	*rp[1] = { j->id };
	enum db_rc	 rc;
	long		 n = 0;

	if ((rc = db_run(db, st, p, &n)) != DB_OK || n > 0)
		return rc;
	return db_run(db, &st_release, rp, NULL);
}

/* Room for SUBSYNC_BATCH_MAX quoted elements of each kind. */
#define BATCH_IDS_CAP	(SUBSYNC_BATCH_MAX * (EVENT_ID_LEN + 3) + 16)
#define BATCH_URLS_CAP	(SUBSYNC_BATCH_MAX * (2 * SUBSCRIPTION_URL_MAX + 3) + 16)

static int
batch_open(struct subsync_batch *b)
{
	buf_reset(&b->ids);
	buf_reset(&b->urls);
	b->n = 0;
	return db_array_open(&b->ids) == -1 || db_array_open(&b->urls) == -1 ?
	    -1 : 0;
}

void
subsync_batch_init(struct subsync_batch *b)
{
	buf_init(&b->ids, BATCH_IDS_CAP);
	buf_init(&b->urls, BATCH_URLS_CAP);
	b->n = 0;
}

void
subsync_batch_free(struct subsync_batch *b)
{
	buf_free(&b->ids);
	buf_free(&b->urls);
	b->n = 0;
}

int
subsync_batch_add(struct subsync_batch *b, const struct subsync_job *j)
{
	if (b->n >= SUBSYNC_BATCH_MAX)
		return -1;
	if (b->n == 0 && batch_open(b) == -1)
		return -1;
	if (db_array_text(&b->ids, j->id) == -1 ||
	    db_array_text(&b->urls, j->url) == -1)
		return -1;
	b->n++;
	return 0;
}

enum db_rc
subsync_batch_flush(struct db *db, struct subsync_batch *b)
{
	const char	*p[2];
	enum db_rc	 rc;

	if (b->n == 0)
		return DB_OK;
	b->n = 0;
	if (db_array_close(&b->ids) == -1 || db_array_close(&b->urls) == -1)
		return DB_ERROR;
	p[0] = b->ids.data;
	p[1] = b->urls.data;
	rc = db_run(db, &st_not_modified, p, NULL);
	buf_reset(&b->ids);
	buf_reset(&b->urls);
	return rc;
}

enum db_rc
subsync_failed(struct db *db, const struct subsync_job *j, const char *why,
    int retry_s)
{
	char		 base[16];
	const char	*p[4] = { j->id, j->url, why, base };

	snprintf(base, sizeof(base), "%d", retry_s);
	return outcome(db, j, &st_failed, p);
}

enum db_rc
subsync_gone(struct db *db, const struct subsync_job *j)
{
	const char *p[2] = { j->id, j->url };

	return outcome(db, j, &st_gone, p);
}

/* An event the calendar holds, by UID, and the digest of its stored
 * object. */
struct known {
	char	 id[EVENT_ID_LEN + 1];
	char	*uid;
	char	 digest[SHA256_HEX_LEN + 1];	/* "": no stored object */
	int	 seen;
};

struct apply_state {
	struct known		*known;
	size_t			 nknown;
	struct subsync_stats	*stats;
};

static int
known_cmp(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->uid,
	    ((const struct known *)b)->uid);
}

/* SHA-256 of an object without its DTSTAMP lines: many publishers stamp
 * every event with the time of the request, which is no change of the
 * event. libical writes DTSTAMP on a line of its own, never folded (it
 * is short), so the line is the property. -1 out of memory. */
static int
object_digest(const char *ical, char out[SHA256_HEX_LEN + 1])
{
	const char	*p, *e;
	char		*norm;
	size_t		 len = 0, n;
	int		 rc;

	out[0] = '\0';
	if ((norm = malloc(strlen(ical) + 1)) == NULL)
		return -1;
	for (p = ical; *p != '\0'; p = e) {
		e = strchr(p, '\n');
		e = e != NULL ? e + 1 : p + strlen(p);
		n = (size_t)(e - p);
		if (strncmp(p, "DTSTAMP:", 8) == 0 ||
		    strncmp(p, "DTSTAMP;", 8) == 0)
			continue;
		memcpy(norm + len, p, n);
		len += n;
	}
	rc = sha256_hex(norm, len, out);
	free(norm);
	return rc;
}

static void
known_free(struct apply_state *st)
{
	size_t i;

	for (i = 0; i < st->nknown; i++)
		free(st->known[i].uid);
	free(st->known);
	st->known = NULL;
	st->nknown = 0;
}

/* Reads the calendar's events (locked) into st, sorted by UID. */
static enum subsync_rc
load_known(struct db *db, const struct subsync_job *j, struct apply_state *st)
{
	const char	*p[2] = { j->calendar_id, j->user_id };
	PGresult	*res;
	enum subsync_rc	 rc = SUBSYNC_NOMEM;
	int		 i, rows;

	if (db_exec(db, &st_events, p, &res) != DB_OK)
		return SUBSYNC_DB;
	rows = PQntuples(res);
	if (rows > SUBSYNC_EVENTS_MAX)
		rows = SUBSYNC_EVENTS_MAX;
	if (rows > 0 && (st->known = calloc((size_t)rows,
	    sizeof(*st->known))) == NULL)
		goto out;
	for (i = 0; i < rows; i++) {
		struct known *k = &st->known[st->nknown];

		copy(k->id, sizeof(k->id), PQgetvalue(res, i, 0));
		if ((k->uid = strdup(PQgetvalue(res, i, 1))) == NULL)
			goto out;
		st->nknown++;
		if (!PQgetisnull(res, i, 2) &&
		    object_digest(PQgetvalue(res, i, 2), k->digest) == -1)
			goto out;
	}
	if (st->nknown > 1)
		qsort(st->known, st->nknown, sizeof(*st->known), known_cmp);
	rc = SUBSYNC_OK;
out:
	PQclear(res);
	return rc;
}

/* ics_sync's store: an event whose object is unchanged is only marked
 * seen; a changed one is written over its id, which load_known read
 * (locked) with the rest, so it costs no lookup of its own; a new one
 * goes through event_upsert_tx (which also finds a UID the file gave
 * twice). */
static enum event_rc
store_one(struct event_ctx *c, struct event *ev, const struct recur *rec,
    const char *ical, void *arg)
{
	struct apply_state	*st = arg;
	struct known		 key, *k;
	char			 digest[SHA256_HEX_LEN + 1] = "";
	enum event_rc		 rc;
	int			 updated;

	key.uid = ev->uid;
	k = st->nknown > 0 ? bsearch(&key, st->known, st->nknown,
	    sizeof(*st->known), known_cmp) : NULL;
	if (k != NULL) {
		k->seen = 1;
		if (ical != NULL && object_digest(ical, digest) == -1)
			return EVENT_NOMEM;
		if (digest[0] != '\0' && strcmp(digest, k->digest) == 0) {
			st->stats->unchanged++;
			return EVENT_OK;
		}
		memcpy(ev->id, k->id, sizeof(ev->id));
		if ((rc = event_upsert_found_tx(c, ev, rec, ical)) != EVENT_OK)
			return rc;
		st->stats->updated++;
		return EVENT_OK;
	}
	if ((rc = event_upsert_tx(c, ev, rec, ical, &updated)) != EVENT_OK)
		return rc;
	if (updated)
		st->stats->updated++;
	else
		st->stats->inserted++;
	return EVENT_OK;
}

/* Deletes the events the file no longer has, their pending mail first
 * (deleting an event unties its mail). */
static enum subsync_rc
delete_missing(struct event_ctx *c, struct apply_state *st)
{
	struct buf	 ids;
	const char	*p[2];
	enum subsync_rc	 rc = SUBSYNC_NOMEM;
	long		 cancelled = 0, deleted = 0;
	size_t		 i, n = 0;

	buf_init(&ids, (size_t)SUBSYNC_EVENTS_MAX * (EVENT_ID_LEN + 3) + 16);
	if (db_array_open(&ids) == -1)
		goto out;
	for (i = 0; i < st->nknown; i++) {
		if (st->known[i].seen)
			continue;
		if (db_array_text(&ids, st->known[i].id) == -1)
			goto out;
		n++;
	}
	if (db_array_close(&ids) == -1)
		goto out;
	rc = SUBSYNC_OK;
	if (n == 0)
		goto out;
	p[0] = ids.data;
	p[1] = c->user_id;
	rc = SUBSYNC_DB;
	if (outbox_cancel_events(c->db, c->user_id, ids.data, &cancelled) !=
	    DB_OK || db_run(c->db, &st_delete, p, &deleted) != DB_OK ||
	    (cancelled > 0 && outbox_notify(c->db) != DB_OK))
		goto out;
	st->stats->deleted = deleted;
	rc = SUBSYNC_OK;
out:
	buf_free(&ids);
	return rc;
}

/* why for a file the reader refused (err) or an event it could not
 * store (c->err). */
static void
bad_file(enum event_rc erc, const struct ics_error *err,
    const struct event_ctx *c, long max_events, char *why, size_t whylen)
{
	if (err->too_many)
		snprintf(why, whylen, "the feed has more than %ld events",
		    max_events);
	else if (err->too_costly)
		snprintf(why, whylen, "the feed takes too long to read (line "
		    "%ld)", err->line);
	else if (err->msg[0] != '\0')
		snprintf(why, whylen, "the file is not a calendar (line %ld: "
		    "%.200s)", err->line, err->msg);
	else if (erc == EVENT_INVALID)
		snprintf(why, whylen, "an event of the feed cannot be stored "
		    "(%.200s)", c->err.msg);
	else
		snprintf(why, whylen, "the feed cannot be stored");
}

enum subsync_rc
subsync_apply(struct db *db, const struct subsync_job *j, const char *body,
    size_t len, const char *etag, const char *last_modified, long max_events,
    time_t now, struct subsync_stats *stats, char *why, size_t whylen)
{
	struct event_ctx	 c;
	struct event_defaults	 def;
	struct apply_state	 st;
	struct ics_sync		 sync;
	struct ics_error	 err;
	PGresult		*res = NULL;
	const char		*lp[3] = { j->id, j->url, j->calendar_id };
	const char		*op[5];
	char			 ttl[16];
	enum subsync_rc		 rc = SUBSYNC_DB;
	enum event_rc		 erc;
	long			 done = 0;
	int			 reminders;

	memset(stats, 0, sizeof(*stats));
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	memset(&sync, 0, sizeof(sync));
	why[0] = '\0';
	st.stats = stats;
	c.db = db;
	c.user_id = j->user_id;
	c.now = now;
	if (db_begin(db) != DB_OK)
		return SUBSYNC_DB;
	if ((rc = load_known(db, j, &st)) != SUBSYNC_OK)
		goto out;
	rc = SUBSYNC_DB;
	if (db_exec(db, &st_lock, lp, &res) != DB_OK)
		goto out;
	if (PQntuples(res) != 1) {
		rc = SUBSYNC_LOST;
		goto out;
	}
	reminders = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	res = NULL;
	if ((erc = event_user_defaults(&c, &def)) != EVENT_OK) {
		rc = erc == EVENT_NOMEM ? SUBSYNC_NOMEM : SUBSYNC_DB;
		goto out;
	}
	sync.calendar_id = j->calendar_id;
	sync.time_zone = def.time_zone;
	sync.max_events = max_events;
	sync.reminders = def.reminders;
	sync.nreminders = reminders ? def.nreminders : 0;
	sync.store = store_one;
	sync.arg = &st;
	if ((erc = ics_sync_tx(&c, &sync, body, len, &err)) != EVENT_OK) {
		if (erc == EVENT_NOMEM)
			rc = SUBSYNC_NOMEM;
		else if (erc == EVENT_INVALID) {
			rc = SUBSYNC_BAD_FILE;
			bad_file(erc, &err, &c, max_events, why, whylen);
		} else
			rc = SUBSYNC_DB;
		goto out;
	}
	stats->skipped = sync.skipped;
	/* Longer than any refresh interval means "the interval". */
	if (sync.cal.refresh_minutes > SUBSCRIPTION_REFRESH_MAX)
		sync.cal.refresh_minutes = SUBSCRIPTION_REFRESH_MAX;
	stats->refresh_minutes = sync.cal.refresh_minutes;
	if ((rc = delete_missing(&c, &st)) != SUBSYNC_OK)
		goto out;
	rc = SUBSYNC_DB;
	snprintf(ttl, sizeof(ttl), "%ld", sync.cal.refresh_minutes);
	op[0] = j->id;
	op[1] = j->url;
	op[2] = etag;
	op[3] = last_modified;
	op[4] = sync.cal.refresh_minutes > 0 ? ttl : NULL;
	if (db_run(db, &st_ok, op, &done) != DB_OK)
		goto out;
	if (done != 1) {
		rc = SUBSYNC_LOST;
		goto out;
	}
	if (db_commit(db) != DB_OK)
		goto out;
	rc = SUBSYNC_OK;
out:
	PQclear(res);
	if (rc != SUBSYNC_OK)
		db_rollback(db);
	known_free(&st);
	return rc;
}
