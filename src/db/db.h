/* db.h — one PostgreSQL connection per process, with lazily prepared
 * statements, transparent reconnection and errors sorted into what callers
 * act on. SQL text lives in the domain modules as db_stmt tables; nothing
 * here builds SQL from values. */
#ifndef AURORA_DB_H
#define AURORA_DB_H

#include <stdint.h>

#include <libpq-fe.h>

struct db;

/* A statement a domain module owns. name must be unique in the program. */
struct db_stmt {
	const char	*name;
	const char	*sql;		/* $1..$n placeholders only */
	int		 nparams;
	int		 idempotent;	/* safe to retry after a lost connection */
};

enum db_rc {
	DB_OK = 0,
	DB_UNAVAILABLE,	/* cannot reach the database: answer 503 */
	DB_CONFLICT,	/* unique or foreign-key violation (23505, 23503) */
	DB_INVALID,	/* data the database refused (22xxx, 23514) */
	DB_RETRY,	/* serialization failure or deadlock (40001, 40P01) */
	DB_ERROR,	/* anything else: a bug or an outage, answer 500 */
	DB_DENIED	/* the request's guard refused it: answer 401 */
};

struct db_options {
	const char	*conninfo;
	const char	*application_name;
	int		 prepared;		/* 0: PQexecParams, for PgBouncer */
	int		 connect_timeout;	/* seconds */
	int		 statement_timeout;	/* milliseconds, 0 = none */
	uint64_t	*error_counter;		/* bumped atomically, or NULL */
};

struct conf;

/* The one reading of the database keys of aurora.conf (db_prepared,
 * db_connect_timeout, db_statement_timeout) for every binary: fills *o
 * for conninfo (which of the db_*conninfo keys is the caller's choice: each
 * binary has its own role) and application_name. Both strings are borrowed
 * and must outlive the handle; error_counter is left NULL. */
void db_options_from_conf(struct db_options *o, const struct conf *c,
    const char *conninfo, const char *application_name);

/* Creates a handle; nothing is connected until first use. Free with db_free. */
struct db *db_new(const struct db_options *opt);
void db_free(struct db *db);

/* Connects if needed. DB_OK or DB_UNAVAILABLE. */
enum db_rc db_connect(struct db *db) __attribute__((warn_unused_result));

/* Runs st with text parameters (NULL entries are SQL NULL). On DB_OK *res
 * holds the result (caller PQclear()s it); otherwise *res is NULL. An
 * idempotent statement outside a transaction is retried once on a fresh
 * connection when the old one turns out dead. */
enum db_rc db_exec(struct db *db, const struct db_stmt *st,
    const char *const *params, PGresult **res)
    __attribute__((warn_unused_result));

/* Like db_exec for statements whose rows are not needed. If ntuples is not
 * NULL it receives the number of rows affected or returned. */
enum db_rc db_run(struct db *db, const struct db_stmt *st,
    const char *const *params, long *ntuples)
    __attribute__((warn_unused_result));

enum db_rc db_begin(struct db *db) __attribute__((warn_unused_result));
enum db_rc db_commit(struct db *db) __attribute__((warn_unused_result));
/* Safe to call when no transaction is open. */
void db_rollback(struct db *db);

/* SELECT 1 through the pool: DB_OK or DB_UNAVAILABLE/DB_ERROR. */
enum db_rc db_ping(struct db *db);

/* LISTEN/NOTIFY, for a process that sleeps until the database tells it
 * something changed. A LISTEN holds only on the connection that ran it:
 * db_backend tells connections apart so the caller sees a reconnection. */

/* The server process id of the live connection, 0 if none. */
int db_backend(struct db *db);

/* Connects if needed and LISTENs on channel (an identifier, quoted here).
 * DB_OK, DB_UNAVAILABLE (no connection) or DB_ERROR. */
enum db_rc db_listen(struct db *db, const char *channel)
    __attribute__((warn_unused_result));

/* Takes what has arrived on the connection without waiting: 1 if one or
 * more notices came (all are consumed and freed), 0 if none, -1 if there is
 * no connection or it was lost (logged). */
int db_notifies(struct db *db);

/* Waits up to timeout_ms for the connection to have input, then takes it
 * as db_notifies does. 1: notices came; 0: the time ran out, a signal cut
 * the wait short, or the input held no notice; -1: no connection or lost. */
int db_wait_notify(struct db *db, int timeout_ms);

/* The guard: a check armed for the coming request (authentication's session
 * check: signed out, session ended, account disabled) that costs no round
 * trip of its own. The first statement the handler sends (db_exec, db_run,
 * db_begin) goes in one libpq pipeline behind the guard's statement, with
 * one Sync: both run in one implicit transaction, so a refusal aborts the
 * handler's statement and no write of a refused request lands. A guard
 * statement refuses by raising SQLSTATE DB_GUARD_SQLSTATE; from then on
 * every call on the handle answers DB_DENIED without sending anything,
 * until db_guard_clear. After a lost connection the guard is sent again on
 * the new one (it must be idempotent), until it has passed once. */
#define DB_GUARD_SQLSTATE	"AUR01"
#define DB_GUARD_PARAMS_MAX	8

/* Arms st with params (copied; NULL entries are SQL NULL), replacing a
 * guard armed before. DB_OK, or DB_ERROR when out of memory or st has more
 * than DB_GUARD_PARAMS_MAX parameters (nothing is armed then). */
enum db_rc db_guard_arm(struct db *db, const struct db_stmt *st,
    const char *const *params) __attribute__((warn_unused_result));

/* Puts st in place of the statement of a guard armed and not run yet: st
 * takes the same parameters and makes the same check (raising
 * DB_GUARD_SQLSTATE) while returning more, so that a handler answers from
 * the check's own statement (db_guard_flush, then db_guard_result). DB_OK,
 * or DB_ERROR when no guard is pending or st's parameters differ (nothing
 * changes). */
enum db_rc db_guard_swap(struct db *db, const struct db_stmt *st)
    __attribute__((warn_unused_result));

/* Runs an armed guard now, on its own: before answering without having
 * touched the database, or before a handler's statements go to another
 * connection (a replica). DB_OK when it passed (now or earlier) or none is
 * armed, DB_DENIED when it refused (now or earlier), else the failure
 * (DB_UNAVAILABLE, DB_ERROR; the guard stays armed). */
enum db_rc db_guard_flush(struct db *db) __attribute__((warn_unused_result));

/* The guard's result once it passed (rows of its statement), else NULL.
 * Borrowed: valid until db_guard_clear. */
const PGresult *db_guard_result(const struct db *db);

/* 1 while an armed guard has not run yet. */
int db_guard_pending(const struct db *db);

/* Forgets the guard, its outcome and its result: at the end of every
 * request, so that nothing carries over to the next. */
void db_guard_clear(struct db *db);

/* SQLSTATE of the last failure, "" if none. */
const char *db_last_sqlstate(const struct db *db);

#endif
