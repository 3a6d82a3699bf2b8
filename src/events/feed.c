/* feed.c — secret feed URLs (see feed.h).
 *
 * A feed lives no longer than the access it was made with: the lookup
 * joins the owner and refuses a disabled account and a feed created before
 * the owner's users.signed_out_at, the instant that a password reset,
 * "sign out everywhere" and `aurora-admin user disable` all move
 * (session_revoke_all_tx). So those flows end the feed with the write they
 * already make, and an enabled-again account needs a new URL. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/b64url.h"
#include "core/sha256.h"
#include "events/feed.h"

/* created_at comes from our clock, like signed_out_at (session.c) and
 * the iat of tokens, so that the two instants the lookup compares are
 * read off the same clock. */
static const struct db_stmt st_rotate = {
	"feed_rotate",
	"INSERT INTO event_feeds (user_id, secret_sha256, created_at)"
	" VALUES ($1::uuid, decode($2, 'hex'), to_timestamp($3::float8))"
	" ON CONFLICT (user_id) DO UPDATE SET"
	"  secret_sha256 = EXCLUDED.secret_sha256,"
	"  created_at = EXCLUDED.created_at",
	3, 0
};

static const struct db_stmt st_delete = {
	"feed_delete",
	"DELETE FROM event_feeds WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_lookup = {
	"feed_lookup",
	"SELECT f.user_id FROM event_feeds f JOIN users u ON u.id = f.user_id"
	" WHERE f.secret_sha256 = decode($1, 'hex')"
	"   AND NOT u.disabled AND f.created_at > u.signed_out_at",
	1, 1
};

enum db_rc
feed_rotate(struct db *db, const char *user_id, char *out, size_t outlen)
{
	unsigned char	 raw[32];
	char		 hex[65], now[48];
	const char	*p[3];
	struct timespec	 ts;

	if (outlen < FEED_SECRET_LEN + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
		return DB_ERROR;
	if (b64url_encode(raw, sizeof(raw), out, outlen) != FEED_SECRET_LEN ||
	    sha256_hex(out, FEED_SECRET_LEN, hex) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return DB_ERROR;
	snprintf(now, sizeof(now), "%lld.%06ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	p[0] = user_id;
	p[1] = hex;
	p[2] = now;
	return db_run(db, &st_rotate, p, NULL);
}

enum db_rc
feed_delete(struct db *db, const char *user_id, int *found)
{
	const char	*p[1] = { user_id };
	long		 n = 0;
	enum db_rc	 rc;

	rc = db_run(db, &st_delete, p, &n);
	*found = n > 0;
	return rc;
}

enum db_rc
feed_lookup(struct db *db, const char *secret, char *user_id, size_t idlen,
    int *found)
{
	const char	*p[1];
	char		 hex[65];
	PGresult	*res;
	enum db_rc	 rc;

	*found = 0;
	if (strlen(secret) != FEED_SECRET_LEN ||
	    strspn(secret, B64URL_ALPHABET) != FEED_SECRET_LEN ||
	    sha256_hex(secret, FEED_SECRET_LEN, hex) == -1)
		return DB_OK;
	p[0] = hex;
	if ((rc = db_exec(db, &st_lookup, p, &res)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1) {
		snprintf(user_id, idlen, "%s", PQgetvalue(res, 0, 0));
		*found = 1;
	}
	PQclear(res);
	return DB_OK;
}
