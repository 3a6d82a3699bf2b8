/* sender.c — the sender's passes over the outbox (see sender.h).
 *
 * Exactly-once as far as it can be had: a mail is marked sent only after
 * the transport accepted it, and each result is recorded the moment it is
 * known, before anything else waits. What remains is the window between
 * the provider accepting a mail and that UPDATE committing (a sender killed
 * inside it leaves a lease that expires), and a request the provider
 * accepted but whose answer never arrived (timeout, reset): both send the
 * mail again. Every copy carries the same X-Aurora-Outbox-Id (SES replaces
 * Message-ID); docs/reminders.md gives the windows. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/render.h"
#include "mail/sender.h"
#include "mail/transport.h"

#define SENDER_DB_WAIT_S	30	/* --once: how long to wait for the DB */
#define SENDER_COALESCE_MS	50	/* --watch: notices gathered per look */
#define SENDER_PRUNE_BATCH	5000	/* old mails deleted per pass at most */

struct sender {
	const struct conf	*conf;
	const volatile sig_atomic_t *stop;
	sender_extend_fn	 extend;
	struct db		*db;
	struct transport	*tr;
	char			 from_addr[MIME_ADDR_MAX + 1];
	const char		*msgid_domain;
	int			 trouble;	/* exit 1 at the end */
	int			 pause;		/* stop this pass */
	int			 watch;
	/* counts of this pass */
	long			 sent, retried, failed, skipped, cancelled;
	long			 lost, held;
};

enum job_state { JOB_DONE, JOB_READY, JOB_HANDED };

struct job {
	struct outbox_item	*it;
	enum job_state		 state;
	struct buf		 data;
	struct transport_msg	 msg;
	char			 provider_id[TRANSPORT_ID_MAX];
};

struct feed {
	struct sender		*r;
	struct job		*jobs;
	size_t			 n;
	size_t			 pos;		/* next job to hand over */
	size_t			 gated;		/* jobs [0, gated) were gated */
	unsigned char		*ok;		/* gate verdict per job */
	time_t			 lease_end;	/* of this batch's claim */
	struct job		**sent;		/* accepted, not yet recorded */
	size_t			 nsent;
};

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/* Waits for the database until deadline (0: forever, in --watch); returns
 * 0 once it answers, -1 at the deadline or when asked to stop. */
static int
wait_for_db(struct sender *r, time_t deadline)
{
	long delay = 200;

	for (;;) {
		if (db_connect(r->db) == DB_OK && db_ping(r->db) == DB_OK)
			return 0;
		if (*r->stop || (deadline != 0 && time(NULL) >= deadline))
			return -1;
		sleep_ms(delay);
		if (delay < 5000)
			delay *= 2;
	}
}

static uint32_t
rnd32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint32_t)clock_mono_us();
	return v;
}

/* Records one result, retrying while the database is away until shortly
 * before the lease ends; after that the row is left to expire and be
 * reclaimed (and the mail may go out twice: the documented window). */
static void
record(struct sender *r, const struct outbox_item *it, time_t lease_end,
    enum transport_status st, const struct transport_result *res,
    enum outbox_final fin, const char *reason)
{
	enum db_rc	 rc;
	int		 lost = 0, failed = 0;
	long		 delay;

	for (;;) {
		switch (st) {
		case TRANSPORT_RETRY:
			delay = outbox_backoff_ms(it->attempts,
			    r->conf->send_backoff_base_ms,
			    (long)r->conf->send_backoff_max_seconds * 1000,
			    rnd32());
			if (res != NULL && res->retry_after_ms > delay)
				delay = res->retry_after_ms;
			rc = outbox_retry(r->db, it->id, it->attempts, delay,
			    r->conf->send_max_attempts, reason, &failed, &lost);
			break;
		case TRANSPORT_PAUSE:
			rc = outbox_release(r->db, it->id, it->attempts);
			break;
		default:
			rc = outbox_finish(r->db, it->id, it->attempts, fin,
			    res != NULL && fin == OUTBOX_SENT ?
			    res->provider_id : NULL, reason, &lost);
			break;
		}
		if (rc == DB_OK)
			break;
		log_msg(LOG_WARN, "record_retry", "mail %lld: cannot record "
		    "the result yet (database %s)", it->id,
		    rc == DB_UNAVAILABLE ? "unavailable" : "error");
		if (rc != DB_UNAVAILABLE || wait_for_db(r, lease_end - 1) == -1) {
			log_msg(LOG_ERROR, "record_lost", "mail %lld: result "
			    "not recorded; the lease will expire and the mail "
			    "be tried again", it->id);
			r->trouble = 1;
			return;
		}
	}
	if (lost) {
		r->lost++;
		log_msg(LOG_WARN, "lease_lost", "mail %lld: the lease had "
		    "passed to another sender before this result was recorded",
		    it->id);
		return;
	}
	switch (st) {
	case TRANSPORT_RETRY:
		if (failed) {
			r->failed++;
			r->trouble = 1;
			log_msg(LOG_WARN, "mail_failed", "mail %lld: gave up after "
			    "%d attempts: %s", it->id, it->attempts, reason);
		} else {
			r->retried++;
			log_msg(LOG_INFO, "mail_retry", "mail %lld attempt %d: "
			    "%s", it->id, it->attempts, reason);
		}
		break;
	case TRANSPORT_PAUSE:
		break;
	default:
		if (fin == OUTBOX_SENT)
			r->sent++;
		else if (fin == OUTBOX_FAILED) {
			r->failed++;
			r->trouble = 1;
			log_msg(LOG_WARN, "mail_failed", "mail %lld: %s", it->id,
			    reason);
		} else if (fin == OUTBOX_SKIPPED) {
			r->skipped++;
			log_msg(LOG_INFO, "mail_skipped", "mail %lld: %s",
			    it->id, reason);
		} else {
			r->cancelled++;
			log_msg(LOG_INFO, "mail_cancelled", "mail %lld: %s",
			    it->id, reason);
		}
		break;
	}
}

/* Decides what becomes of a claimed mail and, if it is to be sent, builds
 * its message. Returns 1 when the job is ready to send, 0 when it was
 * settled here (skip/cancel/fail recorded, or for a dry run, described in
 * *why). */
static int
prepare(struct sender *r, struct job *j, time_t now, time_t lease_end,
    int dry, const char **why)
{
	const struct outbox_item	*it = j->it;
	struct render_event		 ev;
	struct render_out		 out;
	struct mime_msg			 mm;
	char				 msgid[MIME_ADDR_MAX + 64];
	enum outbox_final		 fin = OUTBOX_SKIPPED;
	const char			*reason = NULL, *to;
	int				 rc;

	memset(&out, 0, sizeof(out));
	*why = NULL;
	if (it->kind == OUTBOX_REMINDER) {
		to = it->user_email;
		if (!it->has_event) {
			fin = OUTBOX_CANCELLED;
			reason = "event deleted before the reminder was sent";
		} else if (!it->has_user) {
			fin = OUTBOX_CANCELLED;
			reason = "the event has no owner any more";
		} else if (it->occ_end <= now) {
			reason = "the event had ended when the sender reached "
			    "the reminder";
		} else if (it->user_disabled) {
			reason = "the account is disabled";
		} else if (!it->email_verified) {
			reason = "the owner's address is not confirmed";
		}
	} else
		to = it->to_addr;
	if (reason == NULL && !mime_addr_valid(to)) {
		fin = OUTBOX_FAILED;
		reason = "invalid recipient address";
	}
	if (reason == NULL) {
		if (it->kind == OUTBOX_REMINDER) {
			memset(&ev, 0, sizeof(ev));
			ev.event_id = it->event_id;
			ev.title = it->title;
			ev.description = it->description;
			ev.location = it->location;
			ev.start = it->occ_start;
			ev.end = it->occ_end;
			ev.all_day = it->all_day;
			ev.event_tz = it->event_tz;
			ev.user_tz = it->user_tz;
			ev.minutes_before = it->minutes_before;
			ev.public_url = r->conf->public_url;
			rc = render_reminder(&ev, &out);
		} else
			rc = render_account(it->subject, it->body_text, &out);
		snprintf(msgid, sizeof(msgid), "aurora-%lld@%s", it->id,
		    r->msgid_domain);
		memset(&mm, 0, sizeof(mm));
		mm.from = r->conf->mail_from;
		mm.to = to;
		mm.subject = rc == 0 ? out.subject : "";
		mm.text = rc == 0 ? out.text : "";
		mm.html = rc == 0 ? out.html : NULL;
		mm.message_id = msgid;
		mm.outbox_id = it->id;
		mm.date = now;
		buf_init(&j->data, MIME_MESSAGE_MAX);
		if (rc == -1 || mime_build(&mm, &j->data) == -1) {
			fin = OUTBOX_FAILED;
			reason = "the message could not be built";
			buf_free(&j->data);
		}
		render_out_free(&out);
	}
	if (reason != NULL) {
		*why = reason;
		if (!dry)
			record(r, it, lease_end, TRANSPORT_SENT, NULL, fin,
			    reason);
		j->state = JOB_DONE;
		return 0;
	}
	j->msg.id = it->id;
	j->msg.attempt = it->attempts;
	j->msg.from = r->conf->mail_from;
	j->msg.from_addr = r->from_addr;
	j->msg.to_addr = to;
	j->msg.data = j->data.data;
	j->msg.len = j->data.len;
	j->msg.cookie = j;
	j->state = JOB_READY;
	return 1;
}

/* Gates the next chunk of ready jobs (one statement for up to
 * send_concurrency mails); returns -1 when the database cannot answer. */
static int
gate_chunk(struct feed *f)
{
	const struct outbox_item	*items[64];
	size_t				 idx[64], k = 0, i, want;
	struct sender			*r = f->r;
	unsigned char			 ok[64];
	enum db_rc			 rc;
	int				 margin;

	want = (size_t)r->conf->send_concurrency;
	if (want > 64)
		want = 64;
	for (i = f->gated; i < f->n && k < want; i++)
		if (f->jobs[i].state == JOB_READY) {
			idx[k] = i;
			items[k++] = f->jobs[i].it;
		}
	f->gated = i;
	if (k == 0)
		return 0;
	/* Hand over only mail whose lease outlives the request timeout. */
	margin = r->conf->send_lease_seconds / 2;
	if (margin > 30)
		margin = 30;
	while ((rc = outbox_gate(r->db, items, k, margin, ok)) != DB_OK) {
		if (rc != DB_UNAVAILABLE || wait_for_db(r, f->lease_end - 1) ==
		    -1)
			return -1;
	}
	for (i = 0; i < k; i++) {
		f->ok[idx[i]] = ok[i] == OUTBOX_GATE_SEND;
		if (ok[i] == OUTBOX_GATE_CANCELLED) {
			r->cancelled++;
			log_msg(LOG_INFO, "mail_cancelled", "mail %lld: event "
			    "deleted before the reminder was sent",
			    items[i]->id);
		} else if (ok[i] == OUTBOX_GATE_HOLD) {
			r->held++;
			log_msg(LOG_WARN, "mail_held", "mail %lld: not sent: "
			    "its lease is too close to its end (or was taken "
			    "over); it goes back to pending", items[i]->id);
		}
	}
	return 0;
}

static struct transport_msg *
feed_next(void *arg)
{
	struct feed	*f = arg;
	struct job	*j;

	for (;;) {
		if (*f->r->stop || f->r->pause)
			return NULL;
		while (f->pos < f->gated) {
			j = &f->jobs[f->pos++];
			if (j->state == JOB_READY && f->ok[f->pos - 1]) {
				j->state = JOB_HANDED;
				return &j->msg;
			}
		}
		if (f->gated >= f->n)
			return NULL;
		if (gate_chunk(f) == -1) {
			log_msg(LOG_ERROR, "gate", "database unavailable "
			    "before sending; stopping this pass");
			f->r->pause = 1;
			f->r->trouble = 1;
			return NULL;
		}
	}
}

/* Records every accepted mail held since the last flush in one statement.
 * The transport calls this after each burst of results and before it waits
 * again, so no result waits for another request to finish. */
static void
feed_flush(void *arg)
{
	struct feed	*f = arg;
	struct sender	*r = f->r;
	long long	*ids = NULL;
	int		*att = NULL;
	const char	**pid = NULL;
	unsigned char	*lost = NULL;
	enum db_rc	 rc;
	size_t		 i, n = f->nsent;

	if (n == 0)
		return;
	if ((ids = calloc(n, sizeof(*ids))) == NULL ||
	    (att = calloc(n, sizeof(*att))) == NULL ||
	    (pid = calloc(n, sizeof(*pid))) == NULL ||
	    (lost = calloc(n, 1)) == NULL) {
		/* one at a time, then */
		for (i = 0; i < n; i++)
			record(r, f->sent[i]->it, f->lease_end, TRANSPORT_SENT,
			    NULL, OUTBOX_SENT, NULL);
		goto out;
	}
	for (i = 0; i < n; i++) {
		ids[i] = f->sent[i]->it->id;
		att[i] = f->sent[i]->it->attempts;
		pid[i] = f->sent[i]->provider_id;
	}
	while ((rc = outbox_sent_many(r->db, ids, att, pid, n, lost)) !=
	    DB_OK) {
		log_msg(LOG_WARN, "record_retry", "%zu sent mails: cannot "
		    "record them yet (database %s)", n,
		    rc == DB_UNAVAILABLE ? "unavailable" : "error");
		if (rc != DB_UNAVAILABLE ||
		    wait_for_db(r, f->lease_end - 1) == -1) {
			log_msg(LOG_ERROR, "record_lost", "%zu sent mails not "
			    "recorded; their leases will expire and they will "
			    "be sent again", n);
			r->trouble = 1;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (!lost[i]) {
			r->sent++;
			continue;
		}
		r->lost++;
		log_msg(LOG_WARN, "lease_lost", "mail %lld: the lease had "
		    "passed to another sender before this result was recorded",
		    ids[i]);
	}
out:
	f->nsent = 0;
	free(ids);
	free(att);
	free(pid);
	free(lost);
}

static void
feed_done(void *arg, struct transport_msg *m, const struct transport_result *res)
{
	struct feed	*f = arg;
	struct job	*j = m->cookie;
	struct sender	*r = f->r;

	j->state = JOB_DONE;
	switch (res->status) {
	case TRANSPORT_SENT:
		snprintf(j->provider_id, sizeof(j->provider_id), "%s",
		    res->provider_id);
		f->sent[f->nsent++] = j;
		break;
	case TRANSPORT_FAILED:
		record(r, j->it, f->lease_end, TRANSPORT_FAILED, res,
		    OUTBOX_FAILED, res->error);
		break;
	case TRANSPORT_RETRY:
		record(r, j->it, f->lease_end, TRANSPORT_RETRY, res,
		    OUTBOX_FAILED, res->error);
		break;
	case TRANSPORT_PAUSE:
		if (!r->pause)
			log_msg(LOG_ERROR, "sending_paused", "%s; the rest "
			    "waits for the next run", res->error);
		r->pause = 1;
		r->trouble = 1;
		record(r, j->it, f->lease_end, TRANSPORT_PAUSE, res,
		    OUTBOX_FAILED, res->error);
		break;
	}
}

/* Prepares, sends and records one claimed batch. */
static void
send_batch(struct sender *r, struct outbox_batch *b, time_t lease_end)
{
	struct transport_source	 src;
	struct feed		 f;
	const char		*why;
	time_t			 now = time(NULL);
	size_t			 i;

	memset(&f, 0, sizeof(f));
	f.r = r;
	f.n = b->n;
	f.lease_end = lease_end;
	if ((f.jobs = calloc(b->n, sizeof(*f.jobs))) == NULL ||
	    (f.ok = calloc(b->n, 1)) == NULL ||
	    (f.sent = calloc(b->n, sizeof(*f.sent))) == NULL) {
		log_msg(LOG_ERROR, "nomem", "out of memory for a batch of %zu",
		    b->n);
		r->trouble = 1;
		r->pause = 1;
		goto release;
	}
	for (i = 0; i < b->n; i++) {
		f.jobs[i].it = &b->items[i];
		(void)prepare(r, &f.jobs[i], now, lease_end, 0, &why);
	}
	src.next = feed_next;
	src.done = feed_done;
	src.flush = feed_flush;
	src.arg = &f;
	if (transport_run(r->tr, &src) == -1) {
		log_msg(LOG_ERROR, "transport", "the %s transport failed",
		    transport_name(r->tr));
		r->trouble = 1;
		r->pause = 1;
	}
	feed_flush(&f);
release:
	/* Mail claimed but never handed over (stopping, paused) goes back
	 * untouched; a row the gate cancelled is no longer 'sending' and the
	 * fenced release leaves it alone. Mail handed over without a result
	 * (the transport broke) may have gone out: its lease expires. */
	for (i = 0; i < b->n; i++) {
		if (f.jobs != NULL && f.jobs[i].state != JOB_READY)
			continue;
		if (outbox_release(r->db, b->items[i].id,
		    b->items[i].attempts) != DB_OK)
			r->trouble = 1;
	}
	for (i = 0; f.jobs != NULL && i < b->n; i++)
		buf_free(&f.jobs[i].data);
	free(f.jobs);
	free(f.ok);
	free(f.sent);
}

static int
claim_limit(const struct conf *c)
{
	long lim = (long)c->max_send_rate * c->send_lease_seconds / 4;

	/* A batch must be sent well within its lease at the paced rate. */
	if (lim < 1)
		lim = 1;
	return lim < c->send_batch ? (int)lim : c->send_batch;
}

/* One pass. Returns 0, or -1 when the database was unavailable (the
 * caller waits and tries again). */
static int
pass(struct sender *r)
{
	struct outbox_batch	 b;
	long			 reclaimed = 0, gaveup = 0, inserted = 0;
	long			 pruned = 0;
	time_t			 lease_end;
	enum db_rc		 rc;
	int64_t			 t0 = clock_mono_us();

	r->sent = r->retried = r->failed = r->skipped = r->cancelled = 0;
	r->lost = r->held = 0;
	r->pause = 0;
	if ((rc = outbox_reclaim(r->db, r->conf->send_max_attempts,
	    &reclaimed, &gaveup)) != DB_OK) {
		if (rc == DB_UNAVAILABLE)
			return -1;
		log_msg(LOG_ERROR, "reclaim", "reclaiming expired leases failed");
		r->trouble = 1;
	}
	if (reclaimed || gaveup)
		log_msg(LOG_WARN, "reclaimed", "%ld mails had expired leases "
		    "(%ld given up)", reclaimed, gaveup);
	if (gaveup)
		r->trouble = 1;
	if (r->extend != NULL &&
	    (rc = r->extend(r->db, time(NULL), &inserted)) != DB_OK) {
		if (rc == DB_UNAVAILABLE)
			return -1;
		log_msg(LOG_ERROR, "schedule", "extending the reminder schedule "
		    "failed");
		r->trouble = 1;
	}
	while (!*r->stop && !r->pause) {
		lease_end = time(NULL) + r->conf->send_lease_seconds;
		rc = outbox_claim(r->db, claim_limit(r->conf),
		    r->conf->send_lease_seconds, &b);
		if (rc == DB_UNAVAILABLE)
			return -1;
		if (rc != DB_OK) {
			log_msg(LOG_ERROR, "claim", "claiming mail failed");
			r->trouble = 1;
			break;
		}
		if (b.n == 0) {
			outbox_batch_free(&b);
			break;
		}
		send_batch(r, &b, lease_end);
		outbox_batch_free(&b);
	}
	if (outbox_stats_add(r->db, transport_name(r->tr), r->sent, r->retried,
	    r->failed, r->skipped, r->cancelled) != DB_OK)
		log_msg(LOG_WARN, "stats", "could not add to the send totals");
	/* A batch per pass keeps each delete short; a backlog (the first
	 * run after an upgrade) goes over the next passes. */
	if (outbox_prune(r->db, r->conf->outbox_retention_days,
	    SENDER_PRUNE_BATCH, &pruned) != DB_OK)
		log_msg(LOG_WARN, "prune", "could not delete old mail");
	else if (pruned > 0)
		log_msg(LOG_INFO, "prune", "deleted %ld mails older than %d "
		    "days", pruned, r->conf->outbox_retention_days);
	if (r->sent || r->retried || r->failed || r->skipped || r->cancelled ||
	    r->lost || r->held || inserted || log_enabled(LOG_DEBUG))
		log_msg(LOG_INFO, "pass", "sent %ld, retry %ld, failed %ld, "
		    "skipped %ld, cancelled %ld, lost lease %ld, held %ld, "
		    "scheduled %ld in %lld ms", r->sent, r->retried, r->failed,
		    r->skipped, r->cancelled, r->lost, r->held, inserted,
		    (long long)((clock_mono_us() - t0) / 1000));
	return 0;
}

void
sender_run_once(struct sender *r)
{
	time_t deadline = time(NULL) + SENDER_DB_WAIT_S;

	for (;;) {
		if (pass(r) == 0)
			return;
		log_msg(LOG_WARN, "db_unavailable", "database unavailable; "
		    "waiting");
		if (wait_for_db(r, deadline) == -1) {
			log_msg(LOG_ERROR, "db_unavailable", "database still "
			    "unavailable; giving up for this run");
			r->trouble = 1;
			return;
		}
	}
}

/* LISTENs on the current connection unless this backend already does. */
static int
ensure_listen(struct sender *r, int *listen_pid)
{
	if (db_connect(r->db) != DB_OK || db_backend(r->db) == 0)
		return -1;
	if (db_backend(r->db) == *listen_pid)
		return 0;
	if (db_listen(r->db, OUTBOX_CHANNEL) != DB_OK)
		return -1;
	*listen_pid = db_backend(r->db);
	return 0;
}

/* Sleeps until a pass is worth running: mail is due, the poll timer ran
 * out, or a signal came. A NOTIFY means the outbox changed, usually with
 * mail due later (a reminder for next week): then only the next due time
 * is read again. Notices are gathered for SENDER_COALESCE_MS first, so a
 * burst of writes costs a few of those reads, not a pass per write (one
 * pass per created event was 1,700 passes a second under bench/events.sh
 * and slowed event creation by taking a share of PostgreSQL's CPU). */
static void
watch_wait(struct sender *r)
{
	time_t		 next, now, deadline;
	int		 have, timeout_ms, after_pass = 1, got, pid;

	deadline = time(NULL) + r->conf->remind_poll_seconds;
	if ((got = db_notifies(r->db)) == -1)
		return;
	pid = db_backend(r->db);
	if (got)
		sleep_ms(SENDER_COALESCE_MS);
	while (!*r->stop && (now = time(NULL)) < deadline) {
		timeout_ms = (int)(deadline - now) * 1000;
		have = 0;
		if (outbox_next_due(r->db, &next, &have) == DB_OK && have) {
			/* Just after a pass, due mail it could not claim is
			 * locked by someone else's transaction for a moment:
			 * look again shortly rather than spin. */
			if (next <= now && !after_pass)
				return;
			if (next <= now)
				timeout_ms = 250;
			else if (next - now < deadline - now)
				timeout_ms = (int)(next - now) * 1000;
		}
		after_pass = 0;
		/* A new connection (the database came back) LISTENs only
		 * after the next pass. */
		if (db_backend(r->db) != pid ||
		    db_wait_notify(r->db, timeout_ms) != 1)
			return;	/* time for a pass, a signal, or a lost link */
		sleep_ms(SENDER_COALESCE_MS);
		if (db_notifies(r->db) == -1)
			return;
	}
}

void
sender_run_watch(struct sender *r)
{
	int listen_pid = 0;

	log_msg(LOG_INFO, "watch", "watching the outbox (%s transport)",
	    transport_name(r->tr));
	while (!*r->stop) {
		if (ensure_listen(r, &listen_pid) == -1) {
			log_msg(LOG_WARN, "db_unavailable", "database "
			    "unavailable; waiting");
			listen_pid = 0;
			(void)wait_for_db(r, 0);
			continue;
		}
		if (pass(r) == -1) {
			listen_pid = 0;
			(void)wait_for_db(r, 0);
			continue;
		}
		if (!*r->stop)
			watch_wait(r);
	}
	log_msg(LOG_INFO, "watch", "stopping");
}

int
sender_dry_run(struct sender *r, int verbose, FILE *out)
{
	struct outbox_batch	 b;
	struct job		 j;
	const char		*why;
	time_t			 now = time(NULL);
	char			 due[32];
	size_t			 i;

	if (outbox_peek(r->db, r->conf->send_batch, &b) != DB_OK)
		return -1;
	for (i = 0; i < b.n; i++) {
		memset(&j, 0, sizeof(j));
		j.it = &b.items[i];
		if (clock_rfc3339_utc(j.it->due_at, due, sizeof(due)) == -1)
			snprintf(due, sizeof(due), "?");
		if (prepare(r, &j, now, 0, 1, &why) == 0) {
			fprintf(out, "%lld\t%s\twould not send: %s\n",
			    j.it->id, due, why);
			continue;
		}
		fprintf(out, "%lld\t%s\twould send to %s (%zu bytes)\n",
		    j.it->id, due, j.msg.to_addr, j.msg.len);
		if (verbose)
			fprintf(out, "%s\n", j.data.data);
		buf_free(&j.data);
	}
	fprintf(out, "%zu due mail%s (at most %d shown; nothing was "
	    "changed)\n", b.n, b.n == 1 ? "" : "s", r->conf->send_batch);
	outbox_batch_free(&b);
	return 0;
}

/* Owns nothing it is given: conf and stop stay the caller's. */
struct sender *
sender_new(const struct conf *c, const volatile sig_atomic_t *stop)
{
	struct sender	*s;
	char		 name[MIME_NAME_MAX];
	const char	*at;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_msg(LOG_ERROR, "nomem", "out of memory");
		return NULL;
	}
	s->conf = c;
	s->stop = stop;
	if (mime_addr_split(c->mail_from, name, sizeof(name), s->from_addr,
	    sizeof(s->from_addr)) == -1) {
		log_msg(LOG_ERROR, "config", "mail_from is not an address: "
		    "\"%s\"", c->mail_from);
		free(s);
		return NULL;
	}
	at = strchr(s->from_addr, '@');
	s->msgid_domain = at + 1;
	return s;
}

/* db and tr stay the caller's: sender_free does not free them. */
void
sender_attach(struct sender *s, struct db *db, struct transport *tr,
    sender_extend_fn extend)
{
	s->db = db;
	s->tr = tr;
	s->extend = extend;
}

void
sender_free(struct sender *s)
{
	free(s);
}

int
sender_trouble(const struct sender *s)
{
	return s->trouble;
}
