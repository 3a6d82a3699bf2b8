/* outbox.h — the durable mail queue (table mail_outbox): claiming due mail
 * with FOR UPDATE SKIP LOCKED and a lease, recording each result, backoff,
 * reclaiming the leases of senders that died, and the user's listing.
 *
 * A row moves pending -> sending (claimed: attempts + 1, lease_until set)
 * -> sent | pending (retry, later due_at) | failed | skipped | cancelled.
 * Every update after the claim is fenced on (id, attempts, status =
 * 'sending'): a sender whose lease ran out and was reclaimed can no longer
 * overwrite what the next sender records. */
#ifndef AURORA_OUTBOX_H
#define AURORA_OUTBOX_H

#include <stdint.h>
#include <time.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/db.h"

/* The NOTIFY channel: outbox_notify wakes every sender LISTENing on it
 * (aurora-remind's watch mode) when the writer's transaction commits. */
#define OUTBOX_CHANNEL		"aurora_outbox"

#define OUTBOX_ERROR_MAX	1000	/* last_error column limit */
#define OUTBOX_LIST_MAX		1000	/* rows in one API answer */

/* OUTBOX_SECURITY: notices of account changes (sql/013), no code. */
enum outbox_kind { OUTBOX_REMINDER, OUTBOX_CONFIRM, OUTBOX_RESET,
    OUTBOX_SECURITY };

/* One claimed (or, for a dry run, peeked) mail. Strings point into the
 * batch's result and live as long as the batch. */
struct outbox_item {
	long long	 id;
	int		 attempts;	/* the fencing token after a claim */
	enum outbox_kind kind;
	time_t		 due_at;
	/* account mail, rendered when queued */
	const char	*to_addr;
	const char	*subject;
	const char	*body_text;
	/* reminders; has_event is 0 once the event is deleted */
	int		 has_event;
	const char	*event_id;
	const char	*title;
	const char	*description;
	const char	*location;
	const char	*event_tz;
	int		 all_day;
	time_t		 occ_start;
	time_t		 occ_end;
	int		 minutes_before;
	/* the owner */
	int		 has_user;
	const char	*user_email;
	const char	*user_tz;
	int		 email_verified;
	int		 user_disabled;
};

struct outbox_batch {
	struct outbox_item	*items;
	size_t			 n;
	PGresult		*res;
};

/* Final states outbox_finish records. */
enum outbox_final {
	OUTBOX_SENT, OUTBOX_FAILED, OUTBOX_SKIPPED, OUTBOX_CANCELLED
};

/* Claims up to limit due pending mails, oldest due first, leasing them for
 * lease_s seconds. On DB_OK b holds them (b->n may be 0); free it with
 * outbox_batch_free. */
enum db_rc outbox_claim(struct db *db, int limit, int lease_s,
    struct outbox_batch *b) __attribute__((warn_unused_result));

/* The due mails a claim would take, without claiming (for --dry-run). */
enum db_rc outbox_peek(struct db *db, int limit, struct outbox_batch *b)
    __attribute__((warn_unused_result));

void outbox_batch_free(struct outbox_batch *b);

/* Puts mails whose lease ran out back to pending (or to failed once they
 * used max_attempts). *reclaimed and *failed count them. */
enum db_rc outbox_reclaim(struct db *db, int max_attempts, long *reclaimed,
    long *failed) __attribute__((warn_unused_result));

/* The check made right before mail is handed to the transport: reminders
 * whose event is gone become cancelled (ok[i] = OUTBOX_GATE_CANCELLED),
 * mails still leased to us for at least margin_s seconds get
 * OUTBOX_GATE_SEND, the rest (no longer safely ours) OUTBOX_GATE_HOLD. */
#define OUTBOX_GATE_HOLD	0
#define OUTBOX_GATE_SEND	1
#define OUTBOX_GATE_CANCELLED	2
enum db_rc outbox_gate(struct db *db, const struct outbox_item *const *items,
    size_t n, int margin_s, unsigned char *ok)
    __attribute__((warn_unused_result));

/* Records a final state; provider_id (sent) or reason (otherwise) may be
 * NULL. *lost is set to 1 when the row was no longer ours to record. */
enum db_rc outbox_finish(struct db *db, long long id, int attempts,
    enum outbox_final st, const char *provider_id, const char *reason,
    int *lost) __attribute__((warn_unused_result));

/* Records n mails as sent in one statement: ids, attempts (fencing) and
 * provider ids (NULL entries allowed). lost[i] is set to 1 for each row no
 * longer ours to record. */
enum db_rc outbox_sent_many(struct db *db, const long long *ids,
    const int *attempts, const char *const *provider_ids, size_t n,
    unsigned char *lost) __attribute__((warn_unused_result));

/* Records a temporary failure: back to pending, due again after delay_ms,
 * or failed if attempts reached max_attempts. *failed says which. */
enum db_rc outbox_retry(struct db *db, long long id, int attempts,
    long delay_ms, int max_attempts, const char *reason, int *failed,
    int *lost) __attribute__((warn_unused_result));

/* Gives back a claimed mail that was never handed to the transport (the
 * sender is stopping): pending again, the attempt not counted. */
enum db_rc outbox_release(struct db *db, long long id, int attempts)
    __attribute__((warn_unused_result));

/* Adds one pass's results to the per-transport totals /metrics shows. */
enum db_rc outbox_stats_add(struct db *db, const char *transport, long sent,
    long retried, long failed, long skipped, long cancelled)
    __attribute__((warn_unused_result));

/* Deletes up to limit mails that reached a final state (sent, failed,
 * skipped, cancelled) more than days ago, reminders only once their
 * occurrence is that old too; *deleted says how many. days <= 0: none. */
enum db_rc outbox_prune(struct db *db, int days, int limit, long *deleted)
    __attribute__((warn_unused_result));

/* The earliest due_at of pending mail: *have 0 when there is none. */
enum db_rc outbox_next_due(struct db *db, time_t *next, int *have)
    __attribute__((warn_unused_result));

/* Outbox depth and lateness for /metrics. Cheap: each count uses a
 * partial index. */
struct outbox_gauges {
	long	pending;	/* mail waiting, due or not */
	long	due;		/* pending and already due */
	long	sending;	/* leased by a sender */
	double	oldest_due_s;	/* lateness of the oldest due mail, 0 if none */
};

enum db_rc outbox_gauges(struct db *db, struct outbox_gauges *out)
    __attribute__((warn_unused_result));

/* Queues one account mail of user_id (kind "confirm" or "reset": codes
 * and notices; "security": notices of account changes, which a later one
 * does not supersede; rendered by the caller), due now, inside the caller's
 * transaction, and wakes a watching sender at commit. Strings are the
 * caller's. */
enum db_rc outbox_queue_account_mail(struct db *db, const char *user_id,
    const char *kind, const char *to, const char *subject, const char *body)
    __attribute__((warn_unused_result));

/* Reminder mail, planned by events/schedule.c and events/store.c: one
 * 'pending' row (kind 'reminder') per occurrence x rule of an event. The
 * statements below run inside the caller's transaction; the caller calls
 * outbox_notify once it changed anything. */

/* The INSERT of reminder rows as SQL text, for a statement that must write
 * an event and its first reminder mail in one round trip (events/store.c:
 * the event's id is made inside that statement, so the mail cannot be a
 * second statement without a second round trip). user and event are SQL
 * expressions of the owner and the event, from a FROM list that yields
 * rows t(o, m, d): occurrence start, minutes before, due time (epoch
 * seconds). A macro, not an extern const char[], because the text is
 * pasted into a static const struct db_stmt at compile time. */
#define OUTBOX_SQL_QUEUE_REMINDERS(user, event, from) \
	" INSERT INTO mail_outbox (user_id, kind, event_id, occurrence_start," \
	"  minutes_before, due_at)" \
	" SELECT " user ", 'reminder', " event ", to_timestamp(t.o), t.m," \
	"  to_timestamp(t.d)" \
	" FROM " from
/* outbox_notify's call as an SQL expression, for the same statement. */
#define OUTBOX_SQL_NOTIFY	"pg_notify('" OUTBOX_CHANNEL "', '')"

/* Inserts the reminder mail of one event: occ, min and due are PostgreSQL
 * array literals (db/array.h) of equal length. A mail cancelled earlier
 * comes back (pending, attempts 0) when its rule does; a row past
 * pending stays as it is. *inserted (may be NULL) counts the rows written. */
enum db_rc outbox_queue_reminders(struct db *db, const char *user_id,
    const char *event_id, const char *occ, const char *min, const char *due,
    long *inserted) __attribute__((warn_unused_result));

/* The pending reminder mail of one event: rows (id, occurrence start,
 * minutes before, due time; times in epoch seconds) in *res, which the
 * caller PQclear()s. */
enum db_rc outbox_pending_reminders(struct db *db, const char *event_id,
    PGresult **res) __attribute__((warn_unused_result));

/* Cancels the still pending mails among ids (an array literal of outbox
 * ids); *cancelled (may be NULL) counts them. */
enum db_rc outbox_cancel_ids(struct db *db, const char *ids,
    long *cancelled) __attribute__((warn_unused_result));

/* Cancels every pending reminder of event_id, scoped to its owner: a
 * caller passing another user's event id cancels nothing. One deleting
 * the event calls it first: the delete sets the mail's event_id to NULL. */
enum db_rc outbox_cancel_event(struct db *db, const char *user_id,
    const char *event_id, long *cancelled)
    __attribute__((warn_unused_result));

/* The same for many events at once: event_ids is an array literal of
 * event ids (a deleted calendar's), all the user's. */
enum db_rc outbox_cancel_events(struct db *db, const char *user_id,
    const char *event_ids, long *cancelled)
    __attribute__((warn_unused_result));

/* NOTIFY OUTBOX_CHANNEL: delivered when the caller's transaction commits
 * (at once outside one), so a sender wakes only for committed mail. */
enum db_rc outbox_notify(struct db *db) __attribute__((warn_unused_result));

/* Exponential backoff with jitter: base_ms * 2^(attempt-1), capped at
 * max_ms, then a random point in its upper half (rnd: any random value). */
long outbox_backoff_ms(int attempt, long base_ms, long max_ms, uint32_t rnd);

/* The reminders of user_id whose reminder time lies in [from, to) (RFC 3339
 * texts the caller validated), as a JSON array (caller puts it), at most
 * OUTBOX_LIST_MAX entries, in reminder-time order. */
enum db_rc outbox_list_user(struct db *db, const char *user_id,
    const char *from, const char *to, json_object **out)
    __attribute__((warn_unused_result));

#endif
