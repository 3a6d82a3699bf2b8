/* outbox.c — mail_outbox statements (see outbox.h). Each result is written
 * by one fenced UPDATE, so recording is safe to repeat after a lost
 * connection; only the claim is not (a repeated claim leases other rows). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonout.h"
#include "db/array.h"
#include "mail/outbox.h"

/* The columns every claim or peek returns, in the order outbox_parse reads
 * them; m is the outbox row, e its event, u its owner. */
#define OUTBOX_COLUMNS \
	"m.id, m.attempts, m.kind, floor(extract(epoch FROM m.due_at))::bigint," \
	" m.to_addr, m.subject, m.body_text," \
	" e.id, e.title, e.description, e.location, e.time_zone, e.all_day," \
	" floor(extract(epoch FROM m.occurrence_start))::bigint," \
	" floor(extract(epoch FROM m.occurrence_start +" \
	"   (e.ends_at - e.starts_at)))::bigint," \
	" m.minutes_before," \
	" u.id IS NOT NULL, u.email, u.email_verified, u.disabled, u.time_zone"
#define OUTBOX_JOINS \
	" LEFT JOIN events e ON e.id = m.event_id" \
	" LEFT JOIN users u ON u.id = coalesce(m.user_id, e.user_id)"

/* The inner SELECT is an index scan of mail_outbox_due (status =
 * 'pending', ordered by due_at); SKIP LOCKED lets concurrent senders take
 * disjoint rows instead of queueing behind each other.
 *
 * Every later statement finds its rows by primary key, joined from the ids
 * it is given, and never filters on lease_until in its WHERE clause: a
 * plan that walked an index of all leased rows instead would cost O(batch)
 * per statement (see 004_outbox.sql). */
static const struct db_stmt st_claim = {
	"outbox_claim",
	"WITH c AS ("
	"  SELECT id FROM mail_outbox"
	"   WHERE status = 'pending' AND due_at <= now()"
	"   ORDER BY due_at LIMIT $1"
	"   FOR UPDATE SKIP LOCKED),"
	" m AS ("
	"  UPDATE mail_outbox o SET status = 'sending',"
	"         attempts = o.attempts + 1,"
	"         lease_until = now() + make_interval(secs => $2::int),"
	"         updated_at = now()"
	"    FROM c WHERE o.id = c.id"
	"  RETURNING o.*)"
	" SELECT " OUTBOX_COLUMNS " FROM m" OUTBOX_JOINS
	" ORDER BY m.due_at, m.id",
	2, 0
};

static const struct db_stmt st_peek = {
	"outbox_peek",
	"SELECT " OUTBOX_COLUMNS " FROM mail_outbox m" OUTBOX_JOINS
	" WHERE m.status = 'pending' AND m.due_at <= now()"
	" ORDER BY m.due_at, m.id LIMIT $1",
	1, 1
};

static const struct db_stmt st_reclaim = {
	"outbox_reclaim",
	"UPDATE mail_outbox SET"
	"  status = CASE WHEN attempts >= $1::int THEN 'failed' ELSE 'pending'"
	"           END,"
	"  last_error = left(CASE WHEN attempts >= $1::int"
	"    THEN 'gave up after ' || attempts || ' attempts: ' ELSE '' END ||"
	"    'lease expired: a sender stopped before recording the result',"
	"    1000),"
	"  lease_until = NULL, updated_at = now()"
	" WHERE status = 'sending' AND lease_until < now()"
	" RETURNING status",
	1, 1
};

/* sql/007: a SECURITY DEFINER function, the sender has no DELETE right. */
static const struct db_stmt st_prune = {
	"outbox_prune",
	"SELECT outbox_prune($1::int, $2::int)",
	2, 1
};

static const struct db_stmt st_gate = {
	"outbox_gate",
	"WITH ids AS ("
	"  SELECT * FROM unnest($1::bigint[], $2::int[]) AS t(id, att)),"
	" gone AS ("
	"  UPDATE mail_outbox o SET status = 'cancelled', lease_until = NULL,"
	"         last_error = 'event deleted before the reminder was sent',"
	"         updated_at = now()"
	"    FROM ids"
	"   WHERE o.id = ids.id AND o.attempts = ids.att"
	"     AND o.status = 'sending' AND o.kind = 'reminder'"
	"     AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id)"
	"  RETURNING o.id)"
	" SELECT o.id, CASE WHEN o.lease_until >"
	"   now() + make_interval(secs => $3::int) THEN 1 ELSE 0 END"
	"  FROM mail_outbox o JOIN ids"
	"   ON o.id = ids.id AND o.attempts = ids.att"
	" WHERE o.status = 'sending' AND o.id NOT IN (SELECT id FROM gone)"
	" UNION ALL SELECT id, 2 FROM gone",
	3, 1
};

static const struct db_stmt st_finish = {
	"outbox_finish",
	"UPDATE mail_outbox SET status = $3,"
	"  provider_id = CASE WHEN $3 = 'sent' THEN $4 ELSE provider_id END,"
	"  sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END,"
	"  last_error = CASE WHEN $3 = 'sent' THEN NULL ELSE left($5, 1000) END,"
	"  lease_until = NULL, updated_at = now()"
	" WHERE id = $1 AND attempts = $2 AND status = 'sending'",
	5, 1
};

static const struct db_stmt st_sent_many = {
	"outbox_sent_many",
	"UPDATE mail_outbox m SET status = 'sent', sent_at = now(),"
	"  provider_id = v.pid, last_error = NULL, lease_until = NULL,"
	"  updated_at = now()"
	"  FROM unnest($1::bigint[], $2::int[], $3::text[]) AS v(id, att, pid)"
	" WHERE m.id = v.id AND m.attempts = v.att AND m.status = 'sending'"
	" RETURNING m.id",
	3, 1
};

static const struct db_stmt st_retry = {
	"outbox_retry",
	"UPDATE mail_outbox SET"
	"  status = CASE WHEN attempts >= $4::int THEN 'failed' ELSE 'pending'"
	"           END,"
	"  due_at = CASE WHEN attempts >= $4::int THEN due_at"
	"           ELSE now() + make_interval(secs => $3::bigint / 1000.0) END,"
	"  last_error = left(CASE WHEN attempts >= $4::int"
	"    THEN 'gave up after ' || attempts || ' attempts: ' ELSE '' END ||"
	"    $5, 1000),"
	"  lease_until = NULL, updated_at = now()"
	" WHERE id = $1 AND attempts = $2 AND status = 'sending'"
	" RETURNING status",
	5, 1
};

static const struct db_stmt st_release = {
	"outbox_release",
	"UPDATE mail_outbox SET status = 'pending', attempts = attempts - 1,"
	"  lease_until = NULL, updated_at = now()"
	" WHERE id = $1 AND attempts = $2 AND status = 'sending'",
	2, 1
};

static const struct db_stmt st_next_due = {
	"outbox_next_due",
	"SELECT floor(extract(epoch FROM min(due_at)))::bigint"
	"  FROM mail_outbox WHERE status = 'pending'",
	0, 1
};

#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Reminder time = occurrence_start - minutes_before; due_at only moves
 * later with retries, so due_at >= $2 is a safe index condition. */
static const struct db_stmt st_list = {
	"outbox_list_user",
	"SELECT m.id, m.status, m.event_id, e.title,"
	"  " TS("m.occurrence_start") ", m.minutes_before,"
	"  " TS("m.occurrence_start - make_interval(mins => m.minutes_before)")
	", " TS("m.due_at") ", m.attempts, m.last_error, " TS("m.sent_at")
	"  FROM mail_outbox m LEFT JOIN events e ON e.id = m.event_id"
	" WHERE m.user_id = $1 AND m.kind = 'reminder'"
	"   AND m.due_at >= $2::timestamptz"
	"   AND m.occurrence_start - make_interval(mins => m.minutes_before)"
	"       >= $2::timestamptz"
	"   AND m.occurrence_start - make_interval(mins => m.minutes_before)"
	"       < $3::timestamptz"
	" ORDER BY 7, m.id LIMIT 1000",
	3, 1
};

static long long
to_ll(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return v;
}

static int
to_int(const char *s)
{
	long long v = to_ll(s);

	return v < INT_MIN || v > INT_MAX ? 0 : (int)v;
}

static const char *
col(const PGresult *r, int row, int c)
{
	return PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c);
}

static int
col_bool(const PGresult *r, int row, int c)
{
	return !PQgetisnull(r, row, c) && PQgetvalue(r, row, c)[0] == 't';
}

static enum db_rc
outbox_parse(PGresult *r, struct outbox_batch *b)
{
	struct outbox_item	*it;
	const char		*kind;
	int			 i, n = PQntuples(r);

	b->res = r;
	b->n = 0;
	b->items = NULL;
	if (n == 0)
		return DB_OK;
	if (PQnfields(r) != 21 ||
	    (b->items = calloc((size_t)n, sizeof(*b->items))) == NULL) {
		outbox_batch_free(b);
		return DB_ERROR;
	}
	for (i = 0; i < n; i++) {
		it = &b->items[i];
		it->id = to_ll(col(r, i, 0));
		it->attempts = to_int(col(r, i, 1));
		kind = col(r, i, 2);
		it->kind = !strcmp(kind, "confirm") ? OUTBOX_CONFIRM :
		    !strcmp(kind, "reset") ? OUTBOX_RESET :
		    !strcmp(kind, "security") ? OUTBOX_SECURITY :
		    OUTBOX_REMINDER;
		it->due_at = (time_t)to_ll(col(r, i, 3));
		it->to_addr = col(r, i, 4);
		it->subject = col(r, i, 5);
		it->body_text = col(r, i, 6);
		it->has_event = !PQgetisnull(r, i, 7);
		it->event_id = col(r, i, 7);
		it->title = col(r, i, 8);
		it->description = col(r, i, 9);
		it->location = col(r, i, 10);
		it->event_tz = col(r, i, 11);
		it->all_day = col_bool(r, i, 12);
		it->occ_start = (time_t)to_ll(col(r, i, 13));
		it->occ_end = (time_t)to_ll(col(r, i, 14));
		it->minutes_before = to_int(col(r, i, 15));
		it->has_user = col_bool(r, i, 16);
		it->user_email = col(r, i, 17);
		it->email_verified = col_bool(r, i, 18);
		it->user_disabled = col_bool(r, i, 19);
		it->user_tz = col(r, i, 20);
	}
	b->n = (size_t)n;
	return DB_OK;
}

void
outbox_batch_free(struct outbox_batch *b)
{
	free(b->items);
	PQclear(b->res);
	b->items = NULL;
	b->res = NULL;
	b->n = 0;
}

enum db_rc
outbox_claim(struct db *db, int limit, int lease_s, struct outbox_batch *b)
{
	char		 lim[16], lease[16];
	const char	*p[2] = { lim, lease };
	PGresult	*r;
	enum db_rc	 rc;

	memset(b, 0, sizeof(*b));
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(lease, sizeof(lease), "%d", lease_s);
	if ((rc = db_exec(db, &st_claim, p, &r)) != DB_OK)
		return rc;
	return outbox_parse(r, b);
}

enum db_rc
outbox_peek(struct db *db, int limit, struct outbox_batch *b)
{
	char		 lim[16];
	const char	*p[1] = { lim };
	PGresult	*r;
	enum db_rc	 rc;

	memset(b, 0, sizeof(*b));
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_exec(db, &st_peek, p, &r)) != DB_OK)
		return rc;
	return outbox_parse(r, b);
}

enum db_rc
outbox_prune(struct db *db, int days, int limit, long *deleted)
{
	char		 d[16], l[16];
	const char	*p[2] = { d, l };
	PGresult	*r;
	enum db_rc	 rc;

	*deleted = 0;
	if (days <= 0)
		return DB_OK;
	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	if ((rc = db_exec(db, &st_prune, p, &r)) != DB_OK)
		return rc;
	if (PQntuples(r) == 1)
		*deleted = (long)to_ll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return DB_OK;
}

enum db_rc
outbox_reclaim(struct db *db, int max_attempts, long *reclaimed, long *failed)
{
	char		 max[16];
	const char	*p[1] = { max };
	PGresult	*r;
	enum db_rc	 rc;
	int		 i;

	*reclaimed = *failed = 0;
	snprintf(max, sizeof(max), "%d", max_attempts);
	if ((rc = db_exec(db, &st_reclaim, p, &r)) != DB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 0), "failed") == 0)
			(*failed)++;
		else
			(*reclaimed)++;
	}
	PQclear(r);
	return DB_OK;
}

enum db_rc
outbox_gate(struct db *db, const struct outbox_item *const *items, size_t n,
    int margin_s, unsigned char *ok)
{
	struct buf	 ids, att;
	char		 margin[16];
	const char	*p[3];
	PGresult	*r = NULL;
	enum db_rc	 rc = DB_ERROR;
	long long	 id;
	size_t		 i;
	int		 row;

	buf_init(&ids, 32 * n + 16);
	buf_init(&att, 16 * n + 16);
	memset(ok, 0, n);
	if (db_array_open(&ids) == -1 || db_array_open(&att) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (db_array_int(&ids, items[i]->id) == -1 ||
		    db_array_int(&att, items[i]->attempts) == -1)
			goto out;
	if (db_array_close(&ids) == -1 || db_array_close(&att) == -1)
		goto out;
	snprintf(margin, sizeof(margin), "%d", margin_s);
	p[0] = ids.data;
	p[1] = att.data;
	p[2] = margin;
	if ((rc = db_exec(db, &st_gate, p, &r)) != DB_OK)
		goto out;
	for (row = 0; row < PQntuples(r); row++) {
		id = to_ll(PQgetvalue(r, row, 0));
		for (i = 0; i < n; i++)
			if (items[i]->id == id)
				ok[i] = (unsigned char)to_int(PQgetvalue(r, row,
				    1));
	}
out:
	PQclear(r);
	buf_free(&ids);
	buf_free(&att);
	return rc;
}

static const char *const final_names[] = {
	"sent", "failed", "skipped", "cancelled"
};

enum db_rc
outbox_finish(struct db *db, long long id, int attempts,
    enum outbox_final st, const char *provider_id, const char *reason,
    int *lost)
{
	char		 sid[24], satt[16];
	const char	*p[5];
	enum db_rc	 rc;
	long		 n = 0;

	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(satt, sizeof(satt), "%d", attempts);
	p[0] = sid;
	p[1] = satt;
	p[2] = final_names[st];
	p[3] = provider_id;
	p[4] = reason;
	rc = db_run(db, &st_finish, p, &n);
	*lost = rc == DB_OK && n == 0;
	return rc;
}

enum db_rc
outbox_sent_many(struct db *db, const long long *ids, const int *attempts,
    const char *const *provider_ids, size_t n, unsigned char *lost)
{
	struct buf	 a, b, c;
	const char	*p[3];
	PGresult	*r = NULL;
	enum db_rc	 rc = DB_ERROR;
	long long	 id;
	size_t		 i;
	int		 row;

	buf_init(&a, 24 * n + 16);
	buf_init(&b, 16 * n + 16);
	buf_init(&c, (2 * 256 + 3) * n + 16);
	if (db_array_open(&a) == -1 || db_array_open(&b) == -1 ||
	    db_array_open(&c) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (db_array_int(&a, ids[i]) == -1 ||
		    db_array_int(&b, attempts[i]) == -1 ||
		    db_array_text(&c, provider_ids[i]) == -1)
			goto out;
	if (db_array_close(&a) == -1 || db_array_close(&b) == -1 ||
	    db_array_close(&c) == -1)
		goto out;
	p[0] = a.data;
	p[1] = b.data;
	p[2] = c.data;
	if ((rc = db_exec(db, &st_sent_many, p, &r)) != DB_OK)
		goto out;
	memset(lost, 1, n);
	for (row = 0; row < PQntuples(r); row++) {
		id = to_ll(PQgetvalue(r, row, 0));
		for (i = 0; i < n; i++)
			if (ids[i] == id)
				lost[i] = 0;
	}
out:
	PQclear(r);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	return rc;
}

enum db_rc
outbox_retry(struct db *db, long long id, int attempts, long delay_ms,
    int max_attempts, const char *reason, int *failed, int *lost)
{
	char		 sid[24], satt[16], sdelay[24], smax[16];
	const char	*p[5];
	PGresult	*r;
	enum db_rc	 rc;

	*failed = *lost = 0;
	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(satt, sizeof(satt), "%d", attempts);
	snprintf(sdelay, sizeof(sdelay), "%ld", delay_ms);
	snprintf(smax, sizeof(smax), "%d", max_attempts);
	p[0] = sid;
	p[1] = satt;
	p[2] = sdelay;
	p[3] = smax;
	p[4] = reason ? reason : "temporary failure";
	if ((rc = db_exec(db, &st_retry, p, &r)) != DB_OK)
		return rc;
	if (PQntuples(r) == 0)
		*lost = 1;
	else
		*failed = strcmp(PQgetvalue(r, 0, 0), "failed") == 0;
	PQclear(r);
	return DB_OK;
}

enum db_rc
outbox_release(struct db *db, long long id, int attempts)
{
	char		 sid[24], satt[16];
	const char	*p[2] = { sid, satt };

	snprintf(sid, sizeof(sid), "%lld", id);
	snprintf(satt, sizeof(satt), "%d", attempts);
	return db_run(db, &st_release, p, NULL);
}

enum db_rc
outbox_next_due(struct db *db, time_t *next, int *have)
{
	PGresult	*r;
	enum db_rc	 rc;

	*have = 0;
	if ((rc = db_exec(db, &st_next_due, NULL, &r)) != DB_OK)
		return rc;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		*next = (time_t)to_ll(PQgetvalue(r, 0, 0));
		*have = 1;
	}
	PQclear(r);
	return DB_OK;
}

long
outbox_backoff_ms(int attempt, long base_ms, long max_ms, uint32_t rnd)
{
	long	 d = base_ms;
	int	 i;

	if (d < 1)
		d = 1;
	for (i = 1; i < attempt && d < max_ms; i++)
		d = d > LONG_MAX / 2 ? LONG_MAX : d * 2;
	if (d > max_ms)
		d = max_ms;
	/* "equal jitter": never less than half, so retries keep backing off,
	 * spread so that mails failed together do not return together. */
	return d - d / 2 + (long)(rnd % (uint32_t)(d / 2 + 1));
}

/* Member key of o: column c of row as a string, null when SQL NULL (or
 * when null_anyway). 0 or -1 (out of memory). */
static int
add_text(json_object *o, const char *key, const PGresult *r, int row, int c,
    int null_anyway)
{
	if (null_anyway || PQgetisnull(r, row, c))
		return jsonout_null(o, key);
	return jsonout_string(o, key, PQgetvalue(r, row, c));
}

enum db_rc
outbox_list_user(struct db *db, const char *user_id, const char *from,
    const char *to, json_object **out)
{
	const char	*p[3] = { user_id, from, to };
	PGresult	*r;
	json_object	*arr, *o;
	enum db_rc	 rc;
	int		 i;

	*out = NULL;
	if ((rc = db_exec(db, &st_list, p, &r)) != DB_OK)
		return rc;
	rc = DB_ERROR;
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		if ((o = json_object_new_object()) == NULL ||
		    jsonout_int(o, "id", to_ll(PQgetvalue(r, i, 0))) == -1 ||
		    add_text(o, "status", r, i, 1, 0) == -1 ||
		    add_text(o, "event_id", r, i, 2, 0) == -1 ||
		    add_text(o, "event_title", r, i, 3, 0) == -1 ||
		    add_text(o, "occurrence_start", r, i, 4, 0) == -1 ||
		    jsonout_int(o, "minutes_before",
		    to_int(PQgetvalue(r, i, 5))) == -1 ||
		    add_text(o, "remind_at", r, i, 6, 0) == -1 ||
		    add_text(o, "next_attempt_at", r, i, 7,
		    strcmp(PQgetvalue(r, i, 1), "pending") != 0) == -1 ||
		    jsonout_int(o, "attempts", to_int(PQgetvalue(r, i, 8))) ==
		    -1 || add_text(o, "reason", r, i, 9, 0) == -1 ||
		    add_text(o, "sent_at", r, i, 10, 0) == -1) {
			json_object_put(o);
			goto out;
		}
		if (jsonout_push(arr, o) == -1)
			goto out;
	}
	*out = arr;
	arr = NULL;
	rc = DB_OK;
out:
	json_object_put(arr);
	PQclear(r);
	return rc;
}

static const struct db_stmt st_stats_add = {
	"outbox_stats_add",
	"INSERT INTO mail_send_stats (transport, result, total)"
	" SELECT $1, t.r, t.n FROM unnest("
	"  ARRAY['sent', 'retry', 'failed', 'skipped', 'cancelled'],"
	"  $2::bigint[]) AS t(r, n) WHERE t.n > 0"
	" ON CONFLICT (transport, result)"
	" DO UPDATE SET total = mail_send_stats.total + EXCLUDED.total",
	2, 0
};

enum db_rc
outbox_stats_add(struct db *db, const char *transport, long sent,
    long retried, long failed, long skipped, long cancelled)
{
	char		 counts[128];
	const char	*p[2];

	if (sent + retried + failed + skipped + cancelled == 0)
		return DB_OK;
	snprintf(counts, sizeof(counts), "{%ld,%ld,%ld,%ld,%ld}", sent,
	    retried, failed, skipped, cancelled);
	p[0] = transport;
	p[1] = counts;
	return db_run(db, &st_stats_add, p, NULL);
}

static const struct db_stmt st_account_mail = {
	"outbox_account_mail",
	"INSERT INTO mail_outbox (user_id, kind, to_addr, subject, body_text, "
	"                         due_at) "
	"VALUES ($1::uuid, $2, $3, $4, $5, now())",
	5, 0
};

static const struct db_stmt st_notify = {
	"outbox_notify",
	"SELECT " OUTBOX_SQL_NOTIFY,
	0, 0
};

/* ON CONFLICT: see outbox_queue_reminders in outbox.h. */
static const struct db_stmt st_queue_reminders = {
	"outbox_queue_reminders",
	OUTBOX_SQL_QUEUE_REMINDERS("$1::uuid", "$2::uuid",
	    "unnest($3::bigint[], $4::int[], $5::bigint[]) AS t(o, m, d)")
	" ON CONFLICT (event_id, occurrence_start, minutes_before)"
	"  WHERE kind = 'reminder' AND event_id IS NOT NULL"
	" DO UPDATE SET status = 'pending', due_at = EXCLUDED.due_at,"
	"  attempts = 0, last_error = NULL, updated_at = now()"
	" WHERE mail_outbox.status = 'cancelled'",
	5, 0
};

static const struct db_stmt st_pending_reminders = {
	"outbox_pending_reminders",
	"SELECT id, extract(epoch FROM occurrence_start)::bigint,"
	" minutes_before, extract(epoch FROM due_at)::bigint"
	" FROM mail_outbox WHERE event_id = $1::uuid AND kind = 'reminder'"
	" AND status = 'pending'",
	1, 0
};

static const struct db_stmt st_cancel_ids = {
	"outbox_cancel_ids",
	"UPDATE mail_outbox SET status = 'cancelled', updated_at = now()"
	" WHERE id = ANY($1::bigint[]) AND status = 'pending'",
	1, 0
};

static const struct db_stmt st_cancel_event = {
	"outbox_cancel_event",
	"UPDATE mail_outbox SET status = 'cancelled', updated_at = now()"
	" WHERE event_id = $1::uuid AND user_id = $2::uuid"
	" AND kind = 'reminder' AND status = 'pending'",
	2, 0
};

static const struct db_stmt st_cancel_events = {
	"outbox_cancel_events",
	"UPDATE mail_outbox SET status = 'cancelled', updated_at = now()"
	" WHERE event_id = ANY($1::uuid[]) AND user_id = $2::uuid"
	" AND kind = 'reminder' AND status = 'pending'",
	2, 0
};

enum db_rc
outbox_queue_reminders(struct db *db, const char *user_id,
    const char *event_id, const char *occ, const char *min, const char *due,
    long *inserted)
{
	const char	*p[5] = { user_id, event_id, occ, min, due };

	return db_run(db, &st_queue_reminders, p, inserted);
}

enum db_rc
outbox_pending_reminders(struct db *db, const char *event_id,
    PGresult **res)
{
	const char	*p[1] = { event_id };

	return db_exec(db, &st_pending_reminders, p, res);
}

enum db_rc
outbox_cancel_ids(struct db *db, const char *ids, long *cancelled)
{
	const char	*p[1] = { ids };

	return db_run(db, &st_cancel_ids, p, cancelled);
}

enum db_rc
outbox_cancel_event(struct db *db, const char *user_id,
    const char *event_id, long *cancelled)
{
	const char	*p[2] = { event_id, user_id };

	return db_run(db, &st_cancel_event, p, cancelled);
}

enum db_rc
outbox_cancel_events(struct db *db, const char *user_id,
    const char *event_ids, long *cancelled)
{
	const char	*p[2] = { event_ids, user_id };

	return db_run(db, &st_cancel_events, p, cancelled);
}

enum db_rc
outbox_notify(struct db *db)
{
	return db_run(db, &st_notify, NULL, NULL);
}

enum db_rc
outbox_queue_account_mail(struct db *db, const char *user_id,
    const char *kind, const char *to, const char *subject, const char *body)
{
	const char	*p[5];
	enum db_rc	 rc;

	p[0] = user_id;
	p[1] = kind;
	p[2] = to;
	p[3] = subject;
	p[4] = body;
	if ((rc = db_run(db, &st_account_mail, p, NULL)) != DB_OK)
		return rc;
	return outbox_notify(db);
}

static const struct db_stmt st_gauges = {
	"outbox_gauges",
	"SELECT (SELECT count(*) FROM mail_outbox WHERE status = 'pending'),"
	" (SELECT count(*) FROM mail_outbox WHERE status = 'pending'"
	"  AND due_at <= now()),"
	" (SELECT count(*) FROM mail_outbox WHERE status = 'sending'),"
	" COALESCE((SELECT extract(epoch FROM now() - min(due_at))"
	"  FROM mail_outbox WHERE status = 'pending' AND due_at <= now()), 0)",
	0, 1
};

enum db_rc
outbox_gauges(struct db *db, struct outbox_gauges *out)
{
	PGresult	*r;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_exec(db, &st_gauges, NULL, &r)) != DB_OK)
		return rc;
	if (PQntuples(r) == 1) {
		out->pending = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		out->due = strtol(PQgetvalue(r, 0, 1), NULL, 10);
		out->sending = strtol(PQgetvalue(r, 0, 2), NULL, 10);
		out->oldest_due_s = strtod(PQgetvalue(r, 0, 3), NULL);
	}
	PQclear(r);
	return DB_OK;
}
