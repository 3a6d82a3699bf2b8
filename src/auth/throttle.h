/* throttle.h — the account-mail budget: how many requests that make the
 * server mail an address (sign-up, resend, forgot) a client network and the
 * whole service may make per hour and per day. Counters live in PostgreSQL
 * (account_mail_budget, sql/010_abuse_limits.sql) so that every worker on
 * every host draws from the same budget. See docs/identity.md, "Account
 * mail budget". */
#ifndef AURORA_THROTTLE_H
#define AURORA_THROTTLE_H

#include <stddef.h>
#include <time.h>

#include "auth/account.h"
#include "core/conf.h"
#include "db/db.h"

#define THROTTLE_NET_MAX	64	/* longest network key, with its NUL */

enum throttle_scope {
	THROTTLE_NONE = 0,
	THROTTLE_NETWORK,	/* the client's /24 or /64 spent its hour */
	THROTTLE_GLOBAL		/* the service spent its hour or day */
};

/* The network a client address counts against: "a.b.c.0/24" for IPv4
 * (IPv4-mapped IPv6 too), the /64 prefix "x:x:x:x::/64" for IPv6, "-" for
 * an absent address and "?" for one that does not parse. out needs
 * THROTTLE_NET_MAX bytes. */
void throttle_network(const char *addr, char out[THROTTLE_NET_MAX]);

/* Takes one account mail from the budgets of addr's network and of the
 * service at now (its own short transaction). ACCOUNT_OK when there was
 * room; ACCOUNT_LIMITED with *scope and *retry_after (seconds until the
 * exhausted window ends) when not, and then nothing is taken from any
 * budget; ACCOUNT_UNAVAILABLE / ACCOUNT_ERROR for the database. The answer
 * never depends on the address being mailed. */
enum account_rc throttle_account_mail(struct db *db, const struct conf *c,
    const char *addr, time_t now, enum throttle_scope *scope,
    long *retry_after) __attribute__((warn_unused_result));

#endif
