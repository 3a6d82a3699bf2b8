/* main.c — aurora-fetch: keeps the accounts' subscriptions to outside
 * calendars fresh. Run by a timer with --once, or as a service with
 * --watch (LISTEN for new subscriptions and "refresh now", else sleep
 * until the next one is due). A sibling of aurora-remind, not a part of
 * it: its own database role, and a hostile or slow feed can neither stop
 * the mail nor reach the sender's credentials (docs/subscriptions.md).
 * The rules of a fetch live in fetcher.c and hop.c, the database side in
 * events/subsync.c; this file claims due subscriptions, hands them to
 * the fetcher and records what came back. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/prog.h"
#include "db/db.h"
#include "events/subscription.h"
#include "events/subsync.h"
#include "fetch/fetcher.h"
#include "fetch/pace.h"

#define FETCH_EXIT_OK		0
#define FETCH_EXIT_TROUBLE	1
#define FETCH_EXIT_USAGE	2

/* How long a claim lasts: a fetch may wait for its host behind others
 * and follow redirects; a crashed fetcher's claims come back after it. */
#define FETCH_LEASE_S		900
/* While fetches run, due subscriptions are claimed at most this often
 * unless a NOTIFY came or slots are free. */
#define FETCH_CLAIM_EVERY_US	1000000
#define FETCH_STEP_MS		200
/* 304s wait at most this long to be recorded together. */
#define FETCH_BATCH_US		250000

enum fetch_mode { FETCH_ONCE, FETCH_WATCH };

static volatile sig_atomic_t fetch_stop;

struct run {
	const struct conf	*c;
	struct db		*db;
	struct fetcher		*f;
	struct subsync_job	*jobs;	/* subscription_concurrency slots */
	char			*used;
	struct subsync_batch	 batch;		/* 304s not yet recorded */
	int64_t			 batch_since;	/* its first, monotonic */
	struct pace		 pace;
	int			 trouble;
	long			 ok, unchanged, failed, gone;
};

static void
usage(void)
{
	fprintf(stderr, "usage: aurora-fetch [-c aurora.conf] --once | "
	    "--watch | -t\n");
	exit(FETCH_EXIT_USAGE);
}

static void
on_signal(int sig)
{
	(void)sig;
	fetch_stop = 1;
}

/* Records a database failure of an outcome: the lease runs out and the
 * subscription is fetched again then. */
static void
db_trouble(struct run *r, const struct subsync_job *j, enum db_rc rc)
{
	if (rc == DB_OK)
		return;
	r->trouble = 1;
	log_msg(LOG_ERROR, "database", "subscription %s: the outcome could "
	    "not be recorded; fetched again when its claim ends", j->id);
}

static void
applied(struct run *r, const struct subsync_job *j,
    const struct fetch_result *res)
{
	struct subsync_stats	 st;
	enum subsync_rc		 rc;
	char			 why[SUBSCRIPTION_ERROR_MAX];

	rc = subsync_apply(r->db, j, res->body, res->len, res->etag,
	    res->last_modified, r->c->subscription_max_events, time(NULL), &st,
	    why, sizeof(why));
	switch (rc) {
	case SUBSYNC_OK:
		r->ok++;
		log_msg(LOG_INFO, "fetch", "subscription %s: %ld new, %ld "
		    "changed, %ld unchanged, %ld removed, %ld skipped", j->id,
		    st.inserted, st.updated, st.unchanged, st.deleted,
		    st.skipped);
		return;
	case SUBSYNC_BAD_FILE:
		r->failed++;
		log_msg(LOG_INFO, "fetch", "subscription %s: %s", j->id, why);
		db_trouble(r, j, subsync_failed(r->db, j, why,
		    r->c->subscription_retry_seconds));
		return;
	case SUBSYNC_LOST:
		log_msg(LOG_INFO, "fetch", "subscription %s was deleted or "
		    "changed while it was fetched", j->id);
		return;
	case SUBSYNC_NOMEM:
		r->trouble = 1;
		log_msg(LOG_ERROR, "nomem", "subscription %s: out of memory "
		    "applying the feed", j->id);
		return;
	default:
		db_trouble(r, j, DB_ERROR);
		return;
	}
}

/* Records the 304s gathered so far. */
static void
flush_unchanged(struct run *r)
{
	if (r->batch.n == 0)
		return;
	pace_db_begin(&r->pace);
	if (subsync_batch_flush(r->db, &r->batch) != DB_OK) {
		r->trouble = 1;
		log_msg(LOG_ERROR, "database", "304s could not be recorded; "
		    "those feeds are fetched again when their claims end");
	}
	pace_db_end(&r->pace);
}

/* A 304, gathered with others (recorded by flush_unchanged). */
static void
unchanged(struct run *r, const struct subsync_job *j)
{
	r->unchanged++;
	log_msg(LOG_DEBUG, "fetch", "subscription %s: not modified", j->id);
	if (r->batch.n >= SUBSYNC_BATCH_MAX)
		flush_unchanged(r);
	if (r->batch.n == 0)
		r->batch_since = clock_mono_us();
	if (subsync_batch_add(&r->batch, j) == -1) {
		/* Its lease runs out; fetched again then. */
		r->trouble = 1;
		log_msg(LOG_ERROR, "nomem", "subscription %s: out of memory "
		    "recording a 304", j->id);
	}
}

/* fetch_done_fn: what a fetch found, recorded. */
static void
fetched(void *job, const struct fetch_result *res, void *arg)
{
	struct run		*r = arg;
	struct subsync_job	*j = job;

	if (res->outcome == FETCH_NOT_MODIFIED) {
		unchanged(r, j);
		r->used[j - r->jobs] = 0;
		return;
	}
	pace_db_begin(&r->pace);
	switch (res->outcome) {
	case FETCH_OK:
		applied(r, j, res);
		break;
	case FETCH_GONE:
		r->gone++;
		log_msg(LOG_INFO, "fetch", "subscription %s: the feed is gone "
		    "(410)", j->id);
		db_trouble(r, j, subsync_gone(r->db, j));
		break;
	default:
		r->failed++;
		log_msg(LOG_INFO, "fetch", "subscription %s: %s", j->id,
		    res->why);
		db_trouble(r, j, subsync_failed(r->db, j, res->why,
		    r->c->subscription_retry_seconds));
		break;
	}
	pace_db_end(&r->pace);
	r->used[j - r->jobs] = 0;
}

/* Claims as many due subscriptions as there are free slots and queues
 * their fetches. The number claimed, or -1 when the database failed. */
static int
claim(struct run *r)
{
	struct subsync_job	*batch;
	int			 i, k, n = 0, nfree = 0;

	for (i = 0; i < r->c->subscription_concurrency; i++)
		nfree += !r->used[i];
	if (nfree == 0)
		return 0;
	if ((batch = calloc((size_t)nfree, sizeof(*batch))) == NULL)
		return -1;
	pace_db_begin(&r->pace);
	if (subsync_claim(r->db, nfree, FETCH_LEASE_S, batch, &n) != DB_OK) {
		pace_db_end(&r->pace);
		free(batch);
		return -1;
	}
	pace_db_end(&r->pace);
	for (i = 0, k = 0; i < n; i++) {
		while (r->used[k])
			k++;
		r->jobs[k] = batch[i];
		if (fetcher_add(r->f, r->jobs[k].url, r->jobs[k].etag,
		    r->jobs[k].last_modified, &r->jobs[k]) == -1) {
			/* Its lease runs out; fetched again then. */
			r->trouble = 1;
			continue;
		}
		r->used[k] = 1;
	}
	free(batch);
	return n;
}

/* --watch: LISTEN on the connection in use (again after a reconnection)
 * and sleep until a NOTIFY, the next due subscription or the poll
 * interval. */
static void
watch_wait(struct run *r, int *listening)
{
	time_t	 next = 0, now = time(NULL);
	int	 have = 0, ms = r->c->subscription_poll_seconds * 1000;

	if (*listening == 0 || *listening != db_backend(r->db)) {
		if (db_listen(r->db, SUBSCRIPTION_CHANNEL) != DB_OK) {
			*listening = 0;
			log_msg(LOG_WARN, "database", "cannot LISTEN; trying "
			    "again in %d s", r->c->subscription_poll_seconds);
			struct timespec ts = { r->c->subscription_poll_seconds,
			    0 };
			nanosleep(&ts, NULL);
			return;
		}
		*listening = db_backend(r->db);
	}
	if (subsync_next_due(r->db, &next, &have) == DB_OK && have) {
		if (next <= now)
			return;
		if ((next - now) * 1000 < ms)
			ms = (int)(next - now) * 1000;
	}
	if (db_wait_notify(r->db, ms) == -1)
		*listening = 0;
}

/* pace_sleep_fn: a rest that keeps the transfers in flight moving. */
static void
rest(void *arg, int64_t us)
{
	struct run *r = arg;

	if (fetcher_idle(r->f, (int)((us + 999) / 1000)) == -1) {
		struct timespec ts = { 0, (long)(us % 1000000) * 1000 };

		(void)nanosleep(&ts, NULL);
	}
}

/* The fetch loop. Due subscriptions are claimed when a NOTIFY came,
 * when half the slots are free after a full batch (more may be due), when
 * nothing runs, or at least every FETCH_CLAIM_EVERY_US. 304s are
 * recorded in batches; after each step the fetcher rests as its pace
 * asks. --once ends when nothing due is left and every fetch has
 * finished. */
static void
run_loop(struct run *r, enum fetch_mode mode)
{
	int64_t	 last_claim = 0, now;
	int	 listening = 0, n, nfree, more = 1, notified;
	int	 slots = r->c->subscription_concurrency;

	while (!fetch_stop) {
		notified = mode == FETCH_WATCH && listening != 0 &&
		    db_notifies(r->db) == 1;
		now = clock_mono_us();
		nfree = slots - fetcher_pending(r->f);
		if (nfree > 0 && (notified || nfree == slots ||
		    (more && nfree >= (slots + 1) / 2) ||
		    now - last_claim >= FETCH_CLAIM_EVERY_US)) {
			if ((n = claim(r)) == -1) {
				r->trouble = 1;
				if (mode == FETCH_ONCE)
					break;
				n = 0;
			}
			last_claim = now;
			more = n == nfree;
		}
		if (fetcher_pending(r->f) > 0) {
			if (fetcher_step(r->f, FETCH_STEP_MS) == -1) {
				log_msg(LOG_ERROR, "curl", "libcurl failed");
				r->trouble = 1;
				break;
			}
			if (r->batch.n >= SUBSYNC_BATCH_MAX ||
			    (r->batch.n > 0 && clock_mono_us() -
			    r->batch_since >= FETCH_BATCH_US))
				flush_unchanged(r);
			pace_rest(&r->pace, &fetch_stop, rest, r);
			continue;
		}
		flush_unchanged(r);
		if (mode == FETCH_ONCE)
			break;
		watch_wait(r, &listening);
	}
}

static int
fetch_run(const struct conf *c, enum fetch_mode mode)
{
	struct run		 r;
	struct fetch_opts	 o;
	struct db_options	 dbo;
	char			 ua[128];
	int			 status = FETCH_EXIT_TROUBLE;

	memset(&r, 0, sizeof(r));
	r.c = c;
	subsync_batch_init(&r.batch);
	pace_init(&r.pace, c->subscription_pace_percent);
	if (c->db_fetch_conninfo[0] == '\0') {
		log_msg(LOG_ERROR, "config", "db_fetch_conninfo is not set");
		return FETCH_EXIT_TROUBLE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg(LOG_ERROR, "curl", "libcurl cannot start");
		return FETCH_EXIT_TROUBLE;
	}
	snprintf(ua, sizeof(ua), "Aurora-Time/%s (calendar subscriptions)",
	    PACKAGE_VERSION);
	memset(&o, 0, sizeof(o));
	o.policy.allow_loopback = c->subscription_allow_loopback;
	o.policy.allow_private = c->subscription_allow_private;
	o.max_bytes = c->subscription_max_bytes;
	o.timeout_s = c->subscription_timeout;
	o.connect_timeout_s = c->subscription_connect_timeout;
	o.user_agent = ua;
	db_options_from_conf(&dbo, c, c->db_fetch_conninfo, "aurora-fetch");
	if ((r.db = db_new(&dbo)) == NULL ||
	    (r.f = fetcher_new(&o, fetched, &r)) == NULL ||
	    (r.jobs = calloc((size_t)c->subscription_concurrency,
	    sizeof(*r.jobs))) == NULL ||
	    (r.used = calloc((size_t)c->subscription_concurrency, 1)) ==
	    NULL) {
		log_msg(LOG_ERROR, "nomem", "out of memory");
		goto out;
	}
	log_msg(LOG_INFO, "start", "aurora-fetch %s (loopback %s, private "
	    "%s)", mode == FETCH_WATCH ? "watching" : "once",
	    c->subscription_allow_loopback ? "allowed" : "refused",
	    c->subscription_allow_private ? "allowed" : "refused");
	run_loop(&r, mode);
	flush_unchanged(&r);
	log_msg(mode == FETCH_ONCE ? LOG_INFO : LOG_DEBUG, "done", "%ld "
	    "applied, %ld not modified, %ld failed, %ld gone; worked %.2f s, "
	    "idle %.2f s, rested %.2f s (pace %d%%)", r.ok, r.unchanged,
	    r.failed, r.gone, (double)r.pace.worked_us / 1e6,
	    (double)r.pace.idle_us / 1e6, (double)r.pace.rested_us / 1e6,
	    r.pace.percent);
	status = r.trouble ? FETCH_EXIT_TROUBLE : FETCH_EXIT_OK;
out:
	fetcher_free(r.f);
	subsync_batch_free(&r.batch);
	db_free(r.db);
	free(r.jobs);
	free(r.used);
	curl_global_cleanup();
	return status;
}

int
main(int argc, char *argv[])
{
	static struct conf	 conf;
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "watch", no_argument, NULL, 'w' },
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*path = SYSCONFDIR "/aurora-time/aurora.conf";
	int			 ch, mode = -1, test = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:tV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'o':
		case 'w':
			if (mode != -1)
				usage();
			mode = ch == 'o' ? FETCH_ONCE : FETCH_WATCH;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("aurora-fetch %s\n", PACKAGE_VERSION);
			return FETCH_EXIT_OK;
		default:
			usage();
		}
	}
	if (optind != argc || (mode == -1 && !test) || (mode != -1 && test))
		usage();
	if ((rc = prog_start("aurora-fetch", path, test, &conf, on_signal)) !=
	    PROG_RUN)
		return rc;
	return fetch_run(&conf, (enum fetch_mode)mode);
}
