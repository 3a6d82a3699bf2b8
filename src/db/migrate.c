/* migrate.c — numbered migrations (see migrate.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/sha256.h"
#include "db/migrate.h"

#define MIGRATE_MAX_FILE	(4 << 20)
#define MIGRATE_LOCK_KEY	"7319418235"	/* advisory lock id */

static int
is_migration(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 7 && d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

static int
read_file(const char *path, struct buf *b)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;
	int	 rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n) != BUF_OK) {
			rc = -1;
			break;
		}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

static int
exec_ok(PGconn *conn, const char *sql, FILE *err, const char *what)
{
	PGresult	*r = PQexec(conn, sql);
	int		 ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK ||
			    PQresultStatus(r) == PGRES_TUPLES_OK);

	if (!ok)
		fprintf(err, "migrate: %s: %s", what, PQerrorMessage(conn));
	PQclear(r);
	return ok ? 0 : -1;
}

/* 1 applied with the same checksum, 0 not applied, -1 error/mismatch. */
static int
applied(PGconn *conn, const char *name, const char *sum, FILE *err)
{
	const char	*p[1] = { name };
	PGresult	*r;
	int		 rc = -1;

	r = PQexecParams(conn, "SELECT checksum FROM schema_migrations "
	    "WHERE name = $1", 1, NULL, p, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "migrate: %s", PQerrorMessage(conn));
		goto out;
	}
	if (PQntuples(r) == 0)
		rc = 0;
	else if (strcmp(PQgetvalue(r, 0, 0), sum) == 0)
		rc = 1;
	else
		fprintf(err, "migrate: %s was changed after it was applied; "
		    "add a new migration instead\n", name);
out:
	PQclear(r);
	return rc;
}

static int
apply_one(PGconn *conn, const char *dir, const char *name, FILE *out,
    FILE *err)
{
	struct buf	 sql;
	char		 path[4096], sum[65];
	const char	*p[2];
	PGresult	*r = NULL;
	int		 rc = -1, st;

	buf_init(&sql, MIGRATE_MAX_FILE);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, &sql) == -1 || sql.data == NULL) {
		fprintf(err, "migrate: cannot read %s\n", path);
		goto out;
	}
	if (sha256_hex(sql.data, sql.len, sum) == -1) {
		fprintf(err, "migrate: cannot checksum %s\n", path);
		goto out;
	}
	if ((st = applied(conn, name, sum, err)) != 0) {
		rc = st == 1 ? 0 : -1;
		goto out;
	}
	if (exec_ok(conn, "BEGIN", err, name) == -1)
		goto out;
	if (exec_ok(conn, sql.data, err, name) == -1)
		goto rollback;
	p[0] = name;
	p[1] = sum;
	r = PQexecParams(conn, "INSERT INTO schema_migrations (name, checksum) "
	    "VALUES ($1, $2)", 2, NULL, p, NULL, NULL, 0);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(err, "migrate: %s: %s", name, PQerrorMessage(conn));
		goto rollback;
	}
	if (exec_ok(conn, "COMMIT", err, name) == -1)
		goto out;
	fprintf(out, "applied %s\n", name);
	rc = 1;
	goto out;
rollback:
	(void)exec_ok(conn, "ROLLBACK", err, "rollback");
out:
	PQclear(r);
	buf_free(&sql);
	return rc;
}

int
migrate_apply(PGconn *conn, const char *dir, FILE *out, FILE *err)
{
	struct dirent	**names = NULL;
	int		  n, i, rc, count = 0;

	if ((n = scandir(dir, &names, is_migration, alphasort)) < 0) {
		fprintf(err, "migrate: cannot read %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    err, "lock") == -1 ||
	    exec_ok(conn, "SET client_min_messages = warning", err, "set") ||
	    exec_ok(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "name text PRIMARY KEY, checksum text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", err, "init")) {
		count = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = apply_one(conn, dir, names[i]->d_name, out, err)) < 0) {
			count = -1;
			break;
		}
		count += rc;
	}
	(void)exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	    err, "unlock");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return count;
}
