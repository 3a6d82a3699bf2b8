/* throttle.c — the account-mail budget (see throttle.h). Fixed windows:
 * one counter row per (scope, key, window start), taken with an upsert
 * that adds one only below the cap, so concurrent workers never overshoot. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "auth/throttle.h"

#define THROTTLE_HOUR	3600
#define THROTTLE_DAY	86400

static const struct db_stmt st_budget_take = {
	"throttle_budget_take",
	"INSERT INTO account_mail_budget AS b (scope, key, window_start, n) "
	"VALUES ($1, $2, to_timestamp($3::bigint), 1) "
	"ON CONFLICT (scope, key, window_start) DO UPDATE SET n = b.n + 1 "
	" WHERE b.n < $4::int "
	"RETURNING n",
	4, 0
};

/* Counters of windows that ended are of no use; two days keeps yesterday's
 * for an operator to look at. */
static const struct db_stmt st_budget_prune = {
	"throttle_budget_prune",
	"DELETE FROM account_mail_budget "
	" WHERE window_start < now() - interval '2 days'",
	0, 0
};

void
throttle_network(const char *addr, char out[THROTTLE_NET_MAX])
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	unsigned char	*b;
	char		 text[INET6_ADDRSTRLEN];

	if (addr == NULL || *addr == '\0') {
		snprintf(out, THROTTLE_NET_MAX, "-");
		return;
	}
	if (strlen(addr) < INET6_ADDRSTRLEN && inet_pton(AF_INET, addr, &a4)
	    == 1) {
		b = (unsigned char *)&a4.s_addr;
		snprintf(out, THROTTLE_NET_MAX, "%u.%u.%u.0/24", b[0], b[1],
		    b[2]);
		return;
	}
	if (strlen(addr) >= INET6_ADDRSTRLEN ||
	    inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(out, THROTTLE_NET_MAX, "?");
		return;
	}
	b = a6.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		snprintf(out, THROTTLE_NET_MAX, "%u.%u.%u.0/24", b[12], b[13],
		    b[14]);
		return;
	}
	/* A /64 is what one customer line or host gets; the rest of the
	 * address is the client's to choose. */
	memset(b + 8, 0, 8);
	if (inet_ntop(AF_INET6, &a6, text, sizeof(text)) == NULL) {
		snprintf(out, THROTTLE_NET_MAX, "?");
		return;
	}
	snprintf(out, THROTTLE_NET_MAX, "%s/64", text);
}

/* Takes one from the counter of (scope, key) in the window of length len
 * that holds now, unless it holds cap already (*taken 0). cap 0: no
 * budget of this kind (*taken 1, nothing stored). */
static enum db_rc
take(struct db *db, const char *scope, const char *key, time_t now,
    long len, int cap, int *taken, long *retry_after)
{
	const char	*p[4];
	char		 start[24], capt[16];
	long		 n = 0;
	time_t		 ws;
	enum db_rc	 rc;

	*taken = 1;
	if (cap <= 0)
		return DB_OK;
	ws = now - now % len;
	snprintf(start, sizeof(start), "%lld", (long long)ws);
	snprintf(capt, sizeof(capt), "%d", cap);
	p[0] = scope;
	p[1] = key;
	p[2] = start;
	p[3] = capt;
	if ((rc = db_run(db, &st_budget_take, p, &n)) != DB_OK)
		return rc;
	if (n != 1) {
		*taken = 0;
		*retry_after = (long)(ws + len - now);
		if (*retry_after < 1)
			*retry_after = 1;
	}
	return DB_OK;
}

enum account_rc
throttle_account_mail(struct db *db, const struct conf *c, const char *addr,
    time_t now, enum throttle_scope *scope, long *retry_after)
{
	char		 net[THROTTLE_NET_MAX];
	enum db_rc	 drc;
	int		 taken = 1;

	*scope = THROTTLE_NONE;
	*retry_after = 0;
	if (c->account_mail_network_hourly <= 0 &&
	    c->account_mail_global_hourly <= 0 &&
	    c->account_mail_global_daily <= 0)
		return ACCOUNT_OK;
	throttle_network(addr, net);
	if ((drc = db_begin(db)) != DB_OK ||
	    (drc = db_run(db, &st_budget_prune, NULL, NULL)) != DB_OK)
		goto dberr;
	/* The network first: a network over its budget must not spend the
	 * service's, or one client could starve everyone. */
	if ((drc = take(db, "network", net, now, THROTTLE_HOUR,
	    c->account_mail_network_hourly, &taken, retry_after)) != DB_OK)
		goto dberr;
	if (!taken) {
		*scope = THROTTLE_NETWORK;
		goto limited;
	}
	if ((drc = take(db, "global_hour", "*", now, THROTTLE_HOUR,
	    c->account_mail_global_hourly, &taken, retry_after)) != DB_OK)
		goto dberr;
	if (taken && (drc = take(db, "global_day", "*", now, THROTTLE_DAY,
	    c->account_mail_global_daily, &taken, retry_after)) != DB_OK)
		goto dberr;
	if (!taken) {
		*scope = THROTTLE_GLOBAL;
		goto limited;
	}
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	return ACCOUNT_OK;
limited:
	/* Undoes what the earlier budgets took for this request. */
	db_rollback(db);
	return ACCOUNT_LIMITED;
dberr:
	db_rollback(db);
	return account_from_db(drc);
}
