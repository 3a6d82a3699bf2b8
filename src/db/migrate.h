/* migrate.h — applying the numbered SQL files of sql/ in order, each once,
 * recording them (with a checksum) in schema_migrations. */
#ifndef AURORA_MIGRATE_H
#define AURORA_MIGRATE_H

#include <stdio.h>

#include <libpq-fe.h>

/* Applies pending migrations from dir on conn (the schema owner), each in its
 * own transaction, under an advisory lock so two runs cannot interleave.
 * Reports progress on out. Returns the number applied, or -1 (the failing
 * file and the server's message are printed on err). A file that changed
 * after it was applied is an error. */
int migrate_apply(PGconn *conn, const char *dir, FILE *out, FILE *err);

#endif
