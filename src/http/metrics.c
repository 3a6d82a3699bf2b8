/* metrics.c — shared-memory request metrics (see metrics.h). Counters are
 * updated with atomic adds so workers never lock each other. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "http/metrics.h"

/* Status codes counted one by one; any other counts as "other". */
static const int metrics_codes[] = {
	200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 411, 412, 413,
	414, 415, 422, 429, 500, 502, 503
};
#define NCODES		(sizeof(metrics_codes) / sizeof(metrics_codes[0]))
#define NSTATUS		(NCODES + 1)
/* Latency bucket upper bounds in microseconds (Prometheus "le"). */
static const int64_t metrics_le_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000
};
#define NBUCKETS	(sizeof(metrics_le_us) / sizeof(metrics_le_us[0]))
/* The latency histogram is kept per status class (code="1xx".."5xx"), so
 * fast refusals do not hide slow answers: rows × 5 classes × 13 counters. */
#define NCLASSES	5

struct metrics_hist {
	uint64_t	 bucket[NBUCKETS];	/* non-cumulative */
	uint64_t	 count;
	uint64_t	 sum_us;
};

struct metrics_row {
	uint64_t		 status[NSTATUS];
	struct metrics_hist	 hist[NCLASSES];
};

struct metrics {
	size_t			 nrows;
	uint64_t		 worker_restarts;
	uint64_t		 db_errors;
	uint64_t		 recur_hits, recur_misses;
	uint64_t		 events[METRICS_EVENT__MAX];
	int64_t			 replica_lag_us;
	int			 replica_seen;	/* a worker measured it */
	struct metrics_row	 rows[];
};

struct metrics *
metrics_create(size_t nroutes)
{
	struct metrics	*m;
	size_t		 size;

	size = sizeof(*m) + (nroutes + 1) * sizeof(struct metrics_row);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	memset(m, 0, size);
	m->nrows = nroutes + 1;
	return m;
}

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_observe(struct metrics *m, int route, int method, int status,
    int64_t dur_us)
{
	struct metrics_row	*r;
	struct metrics_hist	*h;
	size_t			 i, row, cls;

	(void)method;
	if (m == NULL)
		return;
	row = route < 0 || (size_t)route >= m->nrows - 1 ? m->nrows - 1 :
	    (size_t)route;
	r = &m->rows[row];
	for (i = 0; i < NCODES && metrics_codes[i] != status; i++)
		;
	add(&r->status[i], 1);
	/* Our answers are 100..599; anything else is counted as a server
	 * fault rather than dropped. */
	cls = status >= 100 && status < 600 ? (size_t)(status / 100 - 1) :
	    NCLASSES - 1;
	h = &r->hist[cls];
	if (dur_us < 0)
		dur_us = 0;
	for (i = 0; i < NBUCKETS && dur_us > metrics_le_us[i]; i++)
		;
	if (i < NBUCKETS)
		add(&h->bucket[i], 1);
	add(&h->count, 1);
	add(&h->sum_us, (uint64_t)dur_us);
}

void
metrics_worker_restart(struct metrics *m)
{
	if (m != NULL)
		add(&m->worker_restarts, 1);
}

uint64_t *
metrics_db_error_counter(struct metrics *m)
{
	return m != NULL ? &m->db_errors : NULL;
}

void
metrics_recur_counters(struct metrics *m, uint64_t **hits,
    uint64_t **misses)
{
	*hits = m != NULL ? &m->recur_hits : NULL;
	*misses = m != NULL ? &m->recur_misses : NULL;
}

void
metrics_count(struct metrics *m, enum metrics_event e)
{
	if (m != NULL && (unsigned)e < METRICS_EVENT__MAX)
		add(&m->events[e], 1);
}

void
metrics_replica_lag(struct metrics *m, int64_t us)
{
	if (m == NULL)
		return;
	__atomic_store_n(&m->replica_lag_us, us, __ATOMIC_RELAXED);
	__atomic_store_n(&m->replica_seen, 1, __ATOMIC_RELAXED);
}

/* The replica's lag gauge, once a worker has used one. */
static int
render_replica_lag(const struct metrics *m, struct buf *out)
{
	int64_t lag;

	lag = __atomic_load_n(&m->replica_lag_us, __ATOMIC_RELAXED);
	return buf_printf(out,
	    "# HELP aurora_replica_lag_seconds The replica's lag at a worker's "
	    "last check (-1: unknown or down).\n"
	    "# TYPE aurora_replica_lag_seconds gauge\n"
	    "aurora_replica_lag_seconds %.3f\n",
	    lag < 0 ? -1.0 : (double)lag / 1e6) != BUF_OK ? -1 : 0;
}

/* The counters of metrics_count, one family a row: the events in the
 * order of their label's values (value NULL: a family of one counter
 * without a label), METRICS_EVENT__MAX ending the list. */
#define FAMILY_VALUES	5
struct counter_family {
	const char	*name;
	const char	*help;
	const char	*label;
	int		 replica;	/* shown once a worker used a replica */
	struct {
		enum metrics_event	 e;
		const char		*value;
	}		 v[FAMILY_VALUES];
};

static const struct counter_family counter_families[] = {
	{ "aurora_account_mail_limited_total", "Sign-up, resend and forgot "
	    "requests refused (429) by the account-mail budget of the client "
	    "network or of the whole service.", "scope", 0,
	    { { METRICS_MAIL_LIMITED_NETWORK, "network" },
	      { METRICS_MAIL_LIMITED_GLOBAL, "global" },
	      { METRICS_EVENT__MAX, NULL } } },
	{ "aurora_login_limited_total", "Sign-ins refused (429) by a failure "
	    "limit: of the account, of unknown clients at an address, or of a "
	    "device token.", "scope", 0,
	    { { METRICS_LOGIN_LIMITED_ACCOUNT, "account" },
	      { METRICS_LOGIN_LIMITED_ADDRESS, "address" },
	      { METRICS_LOGIN_LIMITED_DEVICE, "device" },
	      { METRICS_EVENT__MAX, NULL } } },
	{ "aurora_replica_reads_total", "Requests of replica-allowed routes "
	    "whose reads went to the replica.", NULL, 1,
	    { { METRICS_REPLICA_READ, NULL }, { METRICS_EVENT__MAX, NULL } } },
	{ "aurora_replica_fallbacks_total", "Requests of replica-allowed "
	    "routes read on the primary: replica down or lagging, the user's "
	    "own recent write, or a read that failed on the replica.",
	    "reason", 1,
	    { { METRICS_REPLICA_FALLBACK_DOWN, "down" },
	      { METRICS_REPLICA_FALLBACK_LAG, "lag" },
	      { METRICS_REPLICA_FALLBACK_RECENT_WRITE, "recent_write" },
	      { METRICS_REPLICA_FALLBACK_FAILED, "failed" },
	      { METRICS_EVENT__MAX, NULL } } },
};

static int
render_counters(const struct metrics *m, struct buf *out)
{
	const struct counter_family	*f;
	size_t				 i, k;
	uint64_t			 n;
	int				 replica, bad = 0;

	replica = __atomic_load_n(&m->replica_seen, __ATOMIC_RELAXED);
	for (i = 0; i < sizeof(counter_families) /
	    sizeof(counter_families[0]); i++) {
		f = &counter_families[i];
		if (f->replica && !replica)
			continue;
		bad |= buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n",
		    f->name, f->help, f->name) != BUF_OK;
		for (k = 0; k < FAMILY_VALUES &&
		    f->v[k].e != METRICS_EVENT__MAX; k++) {
			n = get(&m->events[f->v[k].e]);
			if (f->v[k].value != NULL)
				bad |= buf_printf(out, "%s{%s=\"%s\"} %llu\n",
				    f->name, f->label, f->v[k].value,
				    (unsigned long long)n) != BUF_OK;
			else
				bad |= buf_printf(out, "%s %llu\n", f->name,
				    (unsigned long long)n) != BUF_OK;
		}
	}
	if (replica)
		bad |= render_replica_lag(m, out) == -1;
	return bad ? -1 : 0;
}

static const char *
row_name(const struct route *table, size_t n, size_t row, char *out,
    size_t outlen)
{
	if (row >= n)
		return "unmatched";
	snprintf(out, outlen, "%s %s", (table[row].flags & ROUTE_PREFIX) ?
	    "ANY" : http_method_name(table[row].method), table[row].pattern);
	return out;
}

int
metrics_render(const struct metrics *m, const struct route *table, size_t n,
    struct buf *out)
{
	const struct metrics_row	*r;
	const struct metrics_hist	*h;
	char				 name[HTTP_PATH_MAX + 16];
	const char			*rn;
	size_t				 row, i, c;
	uint64_t			 cum, v, total;
	int				 bad = 0;

	bad |= buf_addstr(out,
	    "# HELP aurora_http_requests_total Requests answered, by route and status.\n"
	    "# TYPE aurora_http_requests_total counter\n") != BUF_OK;
	for (row = 0; row < m->nrows; row++) {
		r = &m->rows[row];
		rn = row_name(table, n, row, name, sizeof(name));
		for (i = 0; i < NSTATUS; i++) {
			if ((v = get(&r->status[i])) == 0)
				continue;
			if (i < NCODES)
				bad |= buf_printf(out, "aurora_http_requests_total"
				    "{route=\"%s\",status=\"%d\"} %llu\n", rn,
				    metrics_codes[i], (unsigned long long)v) != BUF_OK;
			else
				bad |= buf_printf(out, "aurora_http_requests_total"
				    "{route=\"%s\",status=\"other\"} %llu\n", rn,
				    (unsigned long long)v) != BUF_OK;
		}
	}
	bad |= buf_addstr(out,
	    "# HELP aurora_http_request_duration_seconds Time to answer, by "
	    "route and status class.\n"
	    "# TYPE aurora_http_request_duration_seconds histogram\n") != BUF_OK;
	for (row = 0; row < m->nrows; row++) {
		rn = NULL;
		for (c = 0; c < NCLASSES; c++) {
			h = &m->rows[row].hist[c];
			if ((total = get(&h->count)) == 0)
				continue;
			if (rn == NULL)
				rn = row_name(table, n, row, name, sizeof(name));
			for (cum = 0, i = 0; i < NBUCKETS; i++) {
				cum += get(&h->bucket[i]);
				bad |= buf_printf(out,
				    "aurora_http_request_duration_seconds_bucket"
				    "{route=\"%s\",code=\"%zuxx\",le=\"%g\"} %llu\n",
				    rn, c + 1, (double)metrics_le_us[i] / 1e6,
				    (unsigned long long)cum) != BUF_OK;
			}
			/* count is read once: +Inf and _count must agree
			 * even while workers keep adding. */
			if (cum > total)
				total = cum;
			bad |= buf_printf(out,
			    "aurora_http_request_duration_seconds_bucket"
			    "{route=\"%s\",code=\"%zuxx\",le=\"+Inf\"} %llu\n"
			    "aurora_http_request_duration_seconds_sum"
			    "{route=\"%s\",code=\"%zuxx\"} %.6f\n"
			    "aurora_http_request_duration_seconds_count"
			    "{route=\"%s\",code=\"%zuxx\"} %llu\n",
			    rn, c + 1, (unsigned long long)total, rn, c + 1,
			    (double)get(&h->sum_us) / 1e6, rn, c + 1,
			    (unsigned long long)total) != BUF_OK;
		}
	}
	bad |= buf_printf(out,
	    "# HELP aurora_worker_restarts_total Workers replaced after dying.\n"
	    "# TYPE aurora_worker_restarts_total counter\n"
	    "aurora_worker_restarts_total %llu\n"
	    "# HELP aurora_db_errors_total Database failures seen by handlers.\n"
	    "# TYPE aurora_db_errors_total counter\n"
	    "aurora_db_errors_total %llu\n"
	    "# HELP aurora_recurrence_cache_total Series-years a listing found "
	    "in its worker's expansion memo (hit) or expanded (miss).\n"
	    "# TYPE aurora_recurrence_cache_total counter\n"
	    "aurora_recurrence_cache_total{result=\"hit\"} %llu\n"
	    "aurora_recurrence_cache_total{result=\"miss\"} %llu\n",
	    (unsigned long long)get(&m->worker_restarts),
	    (unsigned long long)get(&m->db_errors),
	    (unsigned long long)get(&m->recur_hits),
	    (unsigned long long)get(&m->recur_misses)) != BUF_OK;
	bad |= render_counters(m, out) == -1;
	return bad ? -1 : 0;
}
