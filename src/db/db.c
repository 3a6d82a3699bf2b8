/* db.c — connection, lazy preparation and error classification (see db.h). */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/log.h"
#include "db/db.h"

#define DB_MAX_PREPARED		256
#define DB_BACKOFF_MIN_US	100000		/* first retry after 0.1 s */
#define DB_BACKOFF_MAX_US	2000000		/* then at most every 2 s */

struct db {
	PGconn			*conn;
	char			*conninfo;
	char			 appname[64];
	int			 prepared;
	int			 connect_timeout;
	int			 statement_timeout;
	uint64_t		*error_counter;
	int			 in_tx;
	/* Reconnect back-off while the database is down: no attempt before
	 * retry_at, and one warning per outage rather than one per request. */
	int64_t			 retry_at_us;
	int64_t			 backoff_us;
	long			 failures;
	/* Statements prepared on this connection, cleared on reconnect. */
	const struct db_stmt	*ready[DB_MAX_PREPARED];
	int			 nready;
	char			 sqlstate[6];
	/* The guard (db.h): its statement and copied parameters, where it
	 * stands, and its rows once it passed. */
	const struct db_stmt	*guard;
	char			*guard_params[DB_GUARD_PARAMS_MAX];
	enum {
		GUARD_NONE = 0, GUARD_ARMED, GUARD_PASSED, GUARD_DENIED
	}			 guard_state;
	PGresult		*guard_res;
};

void
db_options_from_conf(struct db_options *o, const struct conf *c,
    const char *conninfo, const char *application_name)
{
	memset(o, 0, sizeof(*o));
	o->conninfo = conninfo;
	o->application_name = application_name;
	o->prepared = c->db_prepared;
	o->connect_timeout = c->db_connect_timeout;
	o->statement_timeout = c->db_statement_timeout;
}

struct db *
db_new(const struct db_options *opt)
{
	struct db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(opt->conninfo)) == NULL) {
		free(db);
		return NULL;
	}
	snprintf(db->appname, sizeof(db->appname), "%s",
	    opt->application_name ? opt->application_name : "aurora");
	db->prepared = opt->prepared;
	db->connect_timeout = opt->connect_timeout;
	db->statement_timeout = opt->statement_timeout;
	db->error_counter = opt->error_counter;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_guard_clear(db);
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

static void
db_disconnect(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->nready = 0;
	db->in_tx = 0;
}

/* Silences libpq's NOTICE output, which would otherwise reach stderr raw. */
static void
db_notice(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_DEBUG, "db_notice", "%s", msg);
}

/* Whether an idle connection still stands, without a round trip: a server
 * that ended the session (pg_terminate_backend, a restart) sent its last
 * word and closed, so the socket reads; then the next statement would meet
 * a dead connection that a write could not be retried on. Input on an idle
 * connection is otherwise a notice or a notification, which libpq keeps. */
static int
db_alive(struct db *db)
{
	struct pollfd	pfd;
	int		i;

	if (db->in_tx || (pfd.fd = PQsocket(db->conn)) < 0)
		return 1;
	/* The server's farewell (57P01) is read first and the end of the
	 * stream only by the next read: a few rounds. */
	for (i = 0; i < 3; i++) {
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0)
			return 1;
		if (PQconsumeInput(db->conn) != 1 ||
		    PQstatus(db->conn) != CONNECTION_OK)
			return 0;
	}
	return 1;
}

enum db_rc
db_connect(struct db *db)
{
	const char	*keys[5], *vals[5];
	char		 timeout[16], opts[64];

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    db_alive(db))
		return DB_OK;
	db_disconnect(db);
	if (db->failures > 0 && clock_mono_us() < db->retry_at_us)
		return DB_UNAVAILABLE;
	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout);
	snprintf(opts, sizeof(opts), "-c statement_timeout=%d",
	    db->statement_timeout);
	/* expand_dbname: the conninfo is expanded first and the keys after
	 * it win, so these settings always come from aurora.conf. */
	keys[0] = "dbname";		vals[0] = db->conninfo;
	keys[1] = "connect_timeout";	vals[1] = timeout;
	keys[2] = "application_name";	vals[2] = db->appname;
	/* PgBouncer refuses an "options" startup parameter: with it, set
	 * db_statement_timeout = 0 and ALTER ROLE ... SET statement_timeout. */
	keys[3] = db->statement_timeout > 0 ? "options" : NULL;
	vals[3] = db->statement_timeout > 0 ? opts : NULL;
	keys[4] = NULL;			vals[4] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		log_msg(db->failures == 0 ? LOG_WARN : LOG_DEBUG, "db_connect",
		    "cannot connect: %s",
		    db->conn ? PQerrorMessage(db->conn) : "out of memory");
		db_disconnect(db);
		db->failures++;
		db->backoff_us = db->backoff_us == 0 ? DB_BACKOFF_MIN_US :
		    db->backoff_us * 2;
		if (db->backoff_us > DB_BACKOFF_MAX_US)
			db->backoff_us = DB_BACKOFF_MAX_US;
		db->retry_at_us = clock_mono_us() + db->backoff_us;
		return DB_UNAVAILABLE;
	}
	if (db->failures > 0)
		log_msg(LOG_INFO, "db_connect", "reconnected after %ld failed "
		    "attempts", db->failures);
	db->failures = 0;
	db->backoff_us = 0;
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	return DB_OK;
}

static enum db_rc
db_classify(struct db *db, const PGresult *r)
{
	const char *state;

	db->sqlstate[0] = '\0';
	if (r == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return DB_UNAVAILABLE;
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return DB_OK;
	default:
		break;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return DB_UNAVAILABLE;
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state);
	if (!strcmp(state, "23505") || !strcmp(state, "23503"))
		return DB_CONFLICT;
	if (!strncmp(state, "22", 2) || !strcmp(state, "23514") ||
	    !strcmp(state, "23502"))
		return DB_INVALID;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
		return DB_RETRY;
	/* Connection exceptions, admin shutdown, cannot connect now. */
	if (!strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
	    !strcmp(state, "57P02") || !strcmp(state, "57P03"))
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

static int
db_is_ready(const struct db *db, const struct db_stmt *st)
{
	int i;

	for (i = 0; i < db->nready; i++)
		if (db->ready[i] == st)
			return 1;
	return 0;
}

static PGresult *
db_exec_once(struct db *db, const struct db_stmt *st,
    const char *const *params)
{
	PGresult *r;

	if (!db->prepared || db->nready >= DB_MAX_PREPARED)
		return PQexecParams(db->conn, st->sql, st->nparams, NULL,
		    params, NULL, NULL, 0);
	if (!db_is_ready(db, st)) {
		r = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
			return r;
		PQclear(r);
		db->ready[db->nready++] = st;
	}
	return PQexecPrepared(db->conn, st->name, st->nparams, params, NULL,
	    NULL, 0);
}

/* ------------------------------------------------------------- guard */

/* Queues st in the pipeline, as a prepared statement (with a Parse first
 * when it is not prepared yet; *parsed says whether one went) unless the
 * handle runs unprepared or the table of prepared statements would be full
 * with the reserve more Parses queued before it. 0, or -1 when libpq could
 * not queue it (the connection is gone). */
static int
db_pipe_send(struct db *db, const struct db_stmt *st,
    const char *const *params, int reserve, int *parsed)
{
	*parsed = 0;
	if (!db->prepared || (!db_is_ready(db, st) &&
	    db->nready + reserve >= DB_MAX_PREPARED))
		return PQsendQueryParams(db->conn, st->sql, st->nparams, NULL,
		    params, NULL, NULL, 0) == 1 ? 0 : -1;
	if (!db_is_ready(db, st)) {
		if (PQsendPrepare(db->conn, st->name, st->sql, st->nparams,
		    NULL) != 1)
			return -1;
		*parsed = 1;
	}
	return PQsendQueryPrepared(db->conn, st->name, st->nparams, params,
	    NULL, NULL, 0) == 1 ? 0 : -1;
}

/* The next query's result in the pipeline, with the NULL that ends it
 * taken too; NULL when the connection failed. */
static PGresult *
db_pipe_result(struct db *db)
{
	PGresult	*r, *extra;
	int		 n;

	if ((r = PQgetResult(db->conn)) == NULL)
		return NULL;
	/* One NULL ends each query; anything else before it is dropped,
	 * boundedly in case the connection broke mid-way. */
	for (n = 0; n < 4 && (extra = PQgetResult(db->conn)) != NULL; n++)
		PQclear(extra);
	return r;
}

/* Takes the results st's db_pipe_send queued: its Parse's (remembering
 * the statement as prepared when it succeeded) and its own. Returns the
 * first failure, else its own result; NULL when the connection failed. */
static PGresult *
db_pipe_take(struct db *db, const struct db_stmt *st, int parsed)
{
	PGresult *pr, *r;

	if (parsed) {
		if ((pr = db_pipe_result(db)) == NULL)
			return NULL;
		if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
			if ((r = db_pipe_result(db)) != NULL)
				PQclear(r);
			return pr;
		}
		PQclear(pr);
		if (db->nready < DB_MAX_PREPARED)
			db->ready[db->nready++] = st;
	}
	return db_pipe_result(db);
}

/* Sorts the guard's result: DB_OK (it passed; its rows are kept), DB_DENIED
 * (its dedicated SQLSTATE) or the failure. Takes r. */
static enum db_rc
db_guard_judge(struct db *db, PGresult *r)
{
	const char	*msg = NULL;
	enum db_rc	 rc;

	if ((rc = db_classify(db, r)) == DB_OK) {
		PQclear(db->guard_res);
		db->guard_res = r;
		db->guard_state = GUARD_PASSED;
		return DB_OK;
	}
	if (r != NULL)
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (strcmp(db->sqlstate, DB_GUARD_SQLSTATE) == 0) {
		db->guard_state = GUARD_DENIED;
		rc = DB_DENIED;
	}
	log_msg(rc == DB_ERROR ? LOG_ERROR : LOG_DEBUG, rc == DB_DENIED ?
	    "db_guard" : "db_error", "%s: %s %s", db->guard->name,
	    db->sqlstate, msg != NULL ? msg : "");
	PQclear(r);
	return rc;
}

/* The armed guard, then st (NULL: the guard alone), in one pipeline
 * ending in one Sync, on a live connection. Returns the guard's outcome;
 * on DB_OK *res holds st's own result for the caller to classify (NULL
 * when st is NULL). When the exchange breaks off the connection is closed
 * and the answer is DB_UNAVAILABLE, the guard still armed. */
static enum db_rc
db_pipe(struct db *db, const struct db_stmt *st, const char *const *params,
    PGresult **res)
{
	PGresult	*gr = NULL, *r = NULL, *sync = NULL;
	int		 gparsed = 0, parsed = 0;
	enum db_rc	 rc;

	*res = NULL;
	if (PQenterPipelineMode(db->conn) != 1 ||
	    db_pipe_send(db, db->guard, (const char *const *)db->guard_params,
	    0, &gparsed) == -1 ||
	    (st != NULL && db_pipe_send(db, st, params, gparsed, &parsed) ==
	    -1) ||
	    PQpipelineSync(db->conn) != 1)
		goto lost;
	gr = db_pipe_take(db, db->guard, gparsed);
	if (st != NULL)
		r = db_pipe_take(db, st, parsed);
	if (gr == NULL || (sync = PQgetResult(db->conn)) == NULL ||
	    PQresultStatus(sync) != PGRES_PIPELINE_SYNC ||
	    PQexitPipelineMode(db->conn) != 1)
		goto lost;
	PQclear(sync);
	rc = db_guard_judge(db, gr);
	if (rc == DB_OK)
		*res = r;
	else
		PQclear(r);
	if (rc == DB_UNAVAILABLE)
		db_disconnect(db);
	return rc;
lost:
	PQclear(sync);
	PQclear(r);
	PQclear(gr);
	db_disconnect(db);
	return DB_UNAVAILABLE;
}

enum db_rc
db_guard_arm(struct db *db, const struct db_stmt *st,
    const char *const *params)
{
	int i;

	db_guard_clear(db);
	if (st->nparams > DB_GUARD_PARAMS_MAX)
		return DB_ERROR;
	for (i = 0; i < st->nparams; i++)
		if (params[i] != NULL &&
		    (db->guard_params[i] = strdup(params[i])) == NULL) {
			db_guard_clear(db);
			return DB_ERROR;
		}
	db->guard = st;
	db->guard_state = GUARD_ARMED;
	return DB_OK;
}

enum db_rc
db_guard_swap(struct db *db, const struct db_stmt *st)
{
	if (db->guard_state != GUARD_ARMED || st->nparams != db->guard->nparams)
		return DB_ERROR;
	db->guard = st;
	return DB_OK;
}

void
db_guard_clear(struct db *db)
{
	int i;

	for (i = 0; i < DB_GUARD_PARAMS_MAX; i++) {
		free(db->guard_params[i]);
		db->guard_params[i] = NULL;
	}
	PQclear(db->guard_res);
	db->guard_res = NULL;
	db->guard = NULL;
	db->guard_state = GUARD_NONE;
}

int
db_guard_pending(const struct db *db)
{
	return db->guard_state == GUARD_ARMED;
}

const PGresult *
db_guard_result(const struct db *db)
{
	return db->guard_state == GUARD_PASSED ? db->guard_res : NULL;
}

/* ------------------------------------------------------------ statements */

/* One attempt at st on a live connection, behind the guard while it is
 * armed: the failure, or DB_OK with *r (st's result, not classified). */
static enum db_rc
db_send(struct db *db, const struct db_stmt *st, const char *const *params,
    PGresult **r)
{
	if (db->guard_state == GUARD_ARMED)
		return db_pipe(db, st, params, r);
	*r = db_exec_once(db, st, params);
	return DB_OK;
}

enum db_rc
db_guard_flush(struct db *db)
{
	PGresult	*r;
	enum db_rc	 rc = DB_UNAVAILABLE;
	int		 attempt;

	/* The guard is idempotent: one more try on a fresh connection. */
	for (attempt = 0; attempt < 2; attempt++) {
		switch (db->guard_state) {
		case GUARD_NONE:
		case GUARD_PASSED:
			return DB_OK;
		case GUARD_DENIED:
			return DB_DENIED;
		case GUARD_ARMED:
			break;
		}
		if (db_connect(db) != DB_OK)
			break;
		if ((rc = db_pipe(db, NULL, NULL, &r)) != DB_UNAVAILABLE)
			return rc;
	}
	if (db->error_counter != NULL)
		__atomic_fetch_add(db->error_counter, 1, __ATOMIC_RELAXED);
	return DB_UNAVAILABLE;
}

enum db_rc
db_exec(struct db *db, const struct db_stmt *st, const char *const *params,
    PGresult **res)
{
	PGresult	*r;
	enum db_rc	 rc;
	int		 attempt, in_tx;

	*res = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if (db->guard_state == GUARD_DENIED)
			return DB_DENIED;
		if (db_connect(db) != DB_OK) {
			if (db->error_counter != NULL)
				__atomic_fetch_add(db->error_counter, 1,
				    __ATOMIC_RELAXED);
			return DB_UNAVAILABLE;
		}
		in_tx = db->in_tx;
		r = NULL;
		if ((rc = db_send(db, st, params, &r)) == DB_OK)
			rc = db_classify(db, r);
		if (rc == DB_OK) {
			*res = r;
			return DB_OK;
		}
		if (rc == DB_DENIED)
			return rc;
		if ((rc == DB_ERROR || rc == DB_UNAVAILABLE) &&
		    db->error_counter != NULL)
			__atomic_fetch_add(db->error_counter, 1,
			    __ATOMIC_RELAXED);
		if (rc != DB_UNAVAILABLE && r != NULL)
			log_msg(rc == DB_ERROR ? LOG_ERROR : LOG_DEBUG,
			    "db_error", "%s: %s %s", st->name, db->sqlstate,
			    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) ?
			    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
			    "");
		PQclear(r);
		if (rc != DB_UNAVAILABLE)
			return rc;
		/* The connection died. Retry only what is safe to repeat
		 * and not inside a transaction that died with it. */
		log_msg(LOG_WARN, "db_lost", "connection lost during %s",
		    st->name);
		db_disconnect(db);
		/* A guard that never answered still decides between 401 and
		 * 503 for what cannot be sent again. */
		if (!in_tx && !st->idempotent &&
		    db->guard_state == GUARD_ARMED &&
		    db_guard_flush(db) == DB_DENIED)
			return DB_DENIED;
		if (in_tx || !st->idempotent)
			return DB_UNAVAILABLE;
	}
	return DB_UNAVAILABLE;
}

enum db_rc
db_run(struct db *db, const struct db_stmt *st, const char *const *params,
    long *ntuples)
{
	PGresult	*r;
	enum db_rc	 rc;
	const char	*n;

	if ((rc = db_exec(db, st, params, &r)) != DB_OK)
		return rc;
	if (ntuples != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			*ntuples = PQntuples(r);
		else {
			n = PQcmdTuples(r);
			*ntuples = *n ? strtol(n, NULL, 10) : 0;
		}
	}
	PQclear(r);
	return DB_OK;
}

static enum db_rc
db_simple(struct db *db, const char *sql)
{
	PGresult	*r;
	enum db_rc	 rc;

	if (db->guard_state == GUARD_DENIED)
		return DB_DENIED;
	if (db_connect(db) != DB_OK)
		return DB_UNAVAILABLE;
	r = PQexec(db->conn, sql);
	rc = db_classify(db, r);
	PQclear(r);
	if (rc == DB_UNAVAILABLE)
		db_disconnect(db);
	return rc;
}

static const struct db_stmt db_begin_stmt = {
	"db_begin", "BEGIN", 0, 1
};

/* Behind an armed guard BEGIN goes in its pipeline: the guard's implicit
 * transaction becomes the handler's (PostgreSQL turns an implicit block
 * into an explicit one at BEGIN), so a refusal leaves none open. */
enum db_rc
db_begin(struct db *db)
{
	PGresult	*r;
	enum db_rc	 rc = DB_UNAVAILABLE;
	int		 attempt;

	if (db->guard_state != GUARD_ARMED)
		rc = db_simple(db, "BEGIN");
	/* No transaction is open yet: one more try on a fresh connection
	 * when the old one turns out dead. */
	for (attempt = 0; attempt < 2 && db->guard_state == GUARD_ARMED;
	    attempt++) {
		if ((rc = db_connect(db)) != DB_OK)
			break;
		if ((rc = db_pipe(db, &db_begin_stmt, NULL, &r)) == DB_OK) {
			rc = db_classify(db, r);
			PQclear(r);
			if (rc == DB_UNAVAILABLE)
				db_disconnect(db);
		}
		if (rc != DB_UNAVAILABLE)
			break;
	}
	if (rc == DB_OK)
		db->in_tx = 1;
	return rc;
}

enum db_rc
db_commit(struct db *db)
{
	enum db_rc rc;

	rc = db_simple(db, "COMMIT");
	db->in_tx = 0;
	return rc;
}

void
db_rollback(struct db *db)
{
	PGresult *r;

	if (db->conn != NULL && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		r = PQexec(db->conn, "ROLLBACK");
		if (db_classify(db, r) == DB_UNAVAILABLE)
			db_disconnect(db);
		PQclear(r);
	}
	db->in_tx = 0;
}

static const struct db_stmt db_ping_stmt = {
	"db_ping", "SELECT 1", 0, 1
};

enum db_rc
db_ping(struct db *db)
{
	return db_run(db, &db_ping_stmt, NULL, NULL);
}

int
db_backend(struct db *db)
{
	return db->conn != NULL ? PQbackendPID(db->conn) : 0;
}

/* The channel is quoted as an identifier, so the statement is built from
 * no value the database could read as SQL. */
enum db_rc
db_listen(struct db *db, const char *channel)
{
	PGresult	*res = NULL;
	char		*ident = NULL, sql[128];
	enum db_rc	 rc = DB_ERROR;

	if (db_connect(db) != DB_OK)
		return DB_UNAVAILABLE;
	if ((ident = PQescapeIdentifier(db->conn, channel,
	    strlen(channel))) == NULL)
		goto out;
	if ((size_t)snprintf(sql, sizeof(sql), "LISTEN %s", ident) >=
	    sizeof(sql))
		goto out;
	res = PQexec(db->conn, sql);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		rc = DB_OK;
out:
	PQclear(res);
	PQfreemem(ident);
	return rc;
}

int
db_notifies(struct db *db)
{
	PGnotify	*n;
	int		 got = 0;

	if (db->conn == NULL)
		return -1;
	if (PQconsumeInput(db->conn) == 0) {
		log_msg(LOG_WARN, "listen", "connection lost while waiting: %s",
		    PQerrorMessage(db->conn));
		return -1;
	}
	/* PQnotifies hands over each notice: it must be freed. */
	while ((n = PQnotifies(db->conn)) != NULL) {
		PQfreemem(n);
		got = 1;
	}
	return got;
}

int
db_wait_notify(struct db *db, int timeout_ms)
{
	struct pollfd	pfd;
	int		fd, got;

	if (db->conn == NULL || (fd = PQsocket(db->conn)) < 0)
		return -1;
	/* db_connect's liveness check may have read a notice into libpq
	 * already: the socket would not wake for it. */
	if ((got = db_notifies(db)) != 0)
		return got;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return db_notifies(db);
}

const char *
db_last_sqlstate(const struct db *db)
{
	return db->sqlstate;
}
