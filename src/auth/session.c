/* session.c — sessions, token minting and refresh rotation (see session.h).
 * Tokens are minted before the transaction commits, so a client never
 * loses a rotated refresh token to a failure after the rotation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/apppass.h"
#include "auth/keyset.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "auth/token.h"
#include "auth/useragent.h"
#include "core/b64url.h"
#include "core/jsonout.h"
#include "core/log.h"
#include "core/sha256.h"

#define SESSION_SCOPE	"openid email profile"
#define SESSION_LIVE_MAX	"100"	/* live sessions per user; older end */
#define SESSION_TOUCH_SECS	"60"	/* last_used_at granularity */

static const struct db_stmt st_prune = {
	"session_prune",
	"DELETE FROM auth_sessions WHERE user_id = $1::uuid "
	"   AND expires_at < now()",
	1, 0
};

static const struct db_stmt st_open = {
	"session_open",
	"INSERT INTO auth_sessions (user_id, auth_time, expires_at, amr, "
	"                           device_name, ip_network) "
	"VALUES ($1::uuid, to_timestamp($2::bigint), "
	"        to_timestamp($2::bigint) + make_interval(secs => $3::int), "
	"        $4::text[], $5, $6) "
	"RETURNING id",
	6, 0
};

static const struct db_stmt st_cap = {
	"session_cap",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'limit' "
	" WHERE id IN (SELECT id FROM auth_sessions WHERE user_id = $1::uuid "
	"                 AND revoked_at IS NULL "
	"               ORDER BY last_used_at DESC, id OFFSET $2::int)",
	2, 0
};

static const struct db_stmt st_insert_token = {
	"session_insert_token",
	"INSERT INTO auth_refresh_tokens (token_hash, session_id) "
	"VALUES (decode($1, 'hex'), $2::uuid)",
	2, 0
};

static const struct db_stmt st_lookup = {
	"session_lookup",
	"SELECT t.session_id, t.used_at IS NOT NULL, s.user_id, "
	"       s.revoked_at IS NOT NULL, s.expires_at <= now(), "
	"       extract(epoch FROM s.auth_time)::bigint, u.email, "
	"       u.email_verified, u.name, u.disabled, "
	"       s.amr = '{pwd,otp,mfa}' "
	"  FROM auth_refresh_tokens t "
	"  JOIN auth_sessions s ON s.id = t.session_id "
	"  JOIN users u ON u.id = s.user_id "
	" WHERE t.token_hash = decode($1, 'hex') "
	"   FOR UPDATE OF t, s",
	1, 0
};

static const struct db_stmt st_use_token = {
	"session_use_token",
	"UPDATE auth_refresh_tokens SET used_at = now() "
	" WHERE token_hash = decode($1, 'hex') AND used_at IS NULL",
	1, 0
};

/* Last use moves at most once a minute (SESSION_TOUCH_SECS), or when the
 * client's network changed: a busy client writes no row per refresh. */
static const struct db_stmt st_touch = {
	"session_touch",
	"UPDATE auth_sessions SET last_used_at = now(), "
	"       ip_network = COALESCE(NULLIF($2, ''), ip_network) "
	" WHERE id = $1::uuid "
	"   AND (last_used_at <= now() - make_interval(secs => $3::int) "
	"        OR ($2 <> '' AND ip_network <> $2))",
	3, 0
};

static const struct db_stmt st_revoke = {
	"session_revoke",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 "
	" WHERE id = $1::uuid AND revoked_at IS NULL",
	2, 0
};

static const struct db_stmt st_logout = {
	"session_logout",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout' "
	" WHERE id = (SELECT session_id FROM auth_refresh_tokens "
	"              WHERE token_hash = decode($1, 'hex')) "
	"   AND revoked_at IS NULL",
	1, 0
};

static const struct db_stmt st_signout_user = {
	"session_signout_user",
	"UPDATE users SET signed_out_at = to_timestamp($2::float8), "
	"       updated_at = now() WHERE id = $1::uuid",
	2, 0
};

#define SESSION_TS(x) "to_char(" x " AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt st_list = {
	"session_list",
	"SELECT id, " SESSION_TS("auth_time") ", " SESSION_TS("last_used_at")
	", " SESSION_TS("expires_at") ", device_name, ip_network"
	"  FROM auth_sessions"
	" WHERE user_id = $1::uuid AND revoked_at IS NULL"
	"   AND expires_at > now()"
	" ORDER BY last_used_at DESC, id LIMIT 1000",
	1, 1
};

static const struct db_stmt st_end = {
	"session_end",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'logout'"
	" WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL"
	"   AND expires_at > now()",
	2, 0
};

static const struct db_stmt st_revoke_others = {
	"session_revoke_others",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3 "
	" WHERE user_id = $1::uuid AND id <> $2::uuid AND revoked_at IS NULL",
	3, 0
};

static const struct db_stmt st_revoke_user = {
	"session_revoke_user",
	"UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 "
	" WHERE user_id = $1::uuid AND revoked_at IS NULL",
	2, 0
};

int
session_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

void
session_tokens_free(struct session_tokens *t)
{
	free(t->access_token);
	free(t->id_token);
	OPENSSL_cleanse(t->refresh_token, sizeof(t->refresh_token));
	memset(t, 0, sizeof(*t));
}

/* The "amr" claim (RFC 8176) for how the session's user signed in; NULL
 * when out of memory. */
static json_object *
amr_json(enum session_amr amr)
{
	json_object *a;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	if (jsonout_push(a, json_object_new_string("pwd")) == -1 ||
	    (amr == SESSION_AMR_MFA &&
	    (jsonout_push(a, json_object_new_string("otp")) == -1 ||
	    jsonout_push(a, json_object_new_string("mfa")) == -1))) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

/* Signs the access and id tokens of session sid for u into out. */
static int
mint(const struct identity *id, const struct account_user *u,
    const char *sid, enum session_amr amr, time_t auth_time, time_t now,
    struct session_tokens *out)
{
	const struct keyset_key	*k;
	json_object		*at = NULL, *it = NULL;
	char			 jti[37], jti2[37];
	long			 ttl = id->conf->access_token_ttl;
	int			 rc = -1;

	if ((k = identity_signer(id)) == NULL)
		goto out;
	if (session_uuid(jti) == -1 || session_uuid(jti2) == -1)
		goto out;
	if ((at = json_object_new_object()) == NULL ||
	    (it = json_object_new_object()) == NULL)
		goto out;
	if (jsonout_string(at, "iss", id->issuer) ||
	    jsonout_string(at, "sub", u->id) ||
	    jsonout_string(at, "client_id", id->client_id) ||
	    jsonout_string(at, "origin_jti", sid) ||
	    jsonout_string(at, "token_use", "access") ||
	    jsonout_string(at, "scope", SESSION_SCOPE) ||
	    jsonout_int(at, "auth_time", auth_time) ||
	    jsonout_int(at, "iat", now) ||
	    jsonout_int(at, "exp", now + ttl) ||
	    jsonout_string(at, "jti", jti) ||
	    jsonout_string(at, "username", u->id) ||
	    jsonout_add(at, "amr", amr_json(amr)))
		goto out;
	if (jsonout_string(it, "iss", id->issuer) ||
	    jsonout_string(it, "sub", u->id) ||
	    jsonout_string(it, "aud", id->client_id) ||
	    jsonout_string(it, "origin_jti", sid) ||
	    jsonout_string(it, "token_use", "id") ||
	    jsonout_int(it, "auth_time", auth_time) ||
	    jsonout_int(it, "iat", now) ||
	    jsonout_int(it, "exp", now + ttl) ||
	    jsonout_string(it, "jti", jti2) ||
	    jsonout_string(it, "email", u->email) ||
	    jsonout_bool(it, "email_verified", u->email_verified) ||
	    jsonout_string(it, "name", u->name) ||
	    jsonout_add(it, "amr", amr_json(amr)))
		goto out;
	if ((out->access_token = token_sign(k, at)) == NULL ||
	    (out->id_token = token_sign(k, it)) == NULL)
		goto out;
	out->expires_in = ttl;
	rc = 0;
out:
	json_object_put(at);
	json_object_put(it);
	return rc;
}

/* Signs the tokens of a session and commits the transaction that made or
 * rotated it; the caller rolls back and frees *out on failure. */
static enum account_rc
mint_commit(struct db *db, const struct identity *id,
    const struct account_user *u, const char *sid, enum session_amr amr,
    time_t auth_time, time_t now, struct session_tokens *out)
{
	enum db_rc drc;

	if (mint(id, u, sid, amr, auth_time, now, out) == -1) {
		log_msg(LOG_ERROR, "token_sign", "cannot sign tokens");
		return ACCOUNT_ERROR;
	}
	if ((drc = db_commit(db)) != DB_OK)
		return account_from_db(drc);
	return ACCOUNT_OK;
}

/* A fresh refresh token into out->refresh_token, its hash into hash. */
static int
new_refresh(struct session_tokens *out, char hash[65])
{
	unsigned char b[32];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	if (b64url_encode(b, sizeof(b), out->refresh_token,
	    sizeof(out->refresh_token)) != SESSION_REFRESH_LEN)
		return -1;
	OPENSSL_cleanse(b, sizeof(b));
	return sha256_hex(out->refresh_token, SESSION_REFRESH_LEN,
	    hash);
}

/* The device name and masked network of cl (NULL: none known). */
static void
client_describe(const struct session_client *cl,
    char device[USERAGENT_NAME_MAX], char net[THROTTLE_NET_MAX])
{
	useragent_name(cl != NULL ? cl->user_agent : NULL, device);
	if (cl == NULL || cl->addr == NULL || *cl->addr == '\0')
		net[0] = '\0';
	else
		throttle_network(cl->addr, net);
}

enum account_rc
session_open(struct db *db, const struct identity *id,
    const struct account_user *u, enum session_amr amr, time_t now,
    struct session_tokens *out)
{
	return session_open_client(db, id, u, amr, now, NULL, out);
}

enum account_rc
session_open_client(struct db *db, const struct identity *id,
    const struct account_user *u, enum session_amr amr, time_t now,
    const struct session_client *cl, struct session_tokens *out)
{
	PGresult	*res = NULL;
	const char	*p[6];
	char		 ts[32], ttl[16], hash[65], sid[37];
	char		 device[USERAGENT_NAME_MAX], net[THROTTLE_NET_MAX];
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;

	memset(out, 0, sizeof(*out));
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	snprintf(ttl, sizeof(ttl), "%d", id->conf->refresh_token_ttl);
	client_describe(cl, device, net);
	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	p[0] = u->id;
	if ((drc = db_run(db, &st_prune, p, NULL)) != DB_OK)
		goto dberr;
	p[1] = ts;
	p[2] = ttl;
	p[3] = amr == SESSION_AMR_MFA ? "{pwd,otp,mfa}" : "{pwd}";
	p[4] = device;
	p[5] = net;
	if ((drc = db_exec(db, &st_open, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1)
		goto out;
	snprintf(sid, sizeof(sid), "%s", PQgetvalue(res, 0, 0));
	if (new_refresh(out, hash) == -1)
		goto out;
	p[0] = hash;
	p[1] = sid;
	if ((drc = db_run(db, &st_insert_token, p, NULL)) != DB_OK)
		goto dberr;
	/* Signing in again and again must not grow the table without end. */
	p[0] = u->id;
	p[1] = SESSION_LIVE_MAX;
	if ((drc = db_run(db, &st_cap, p, NULL)) != DB_OK)
		goto dberr;
	rc = mint_commit(db, id, u, sid, amr, now, now, out);
	goto out;
dberr:
	rc = account_from_db(drc);
out:
	PQclear(res);
	if (rc != ACCOUNT_OK) {
		db_rollback(db);
		session_tokens_free(out);
	}
	return rc;
}

/* 1 if s looks like one of our refresh tokens (43 base64url characters
 * that decode to 32 bytes). */
static int
refresh_wellformed(const char *s)
{
	unsigned char b[33];

	return strlen(s) == SESSION_REFRESH_LEN &&
	    b64url_decode(s, SESSION_REFRESH_LEN, b, sizeof(b)) == 32;
}

enum account_rc
session_refresh(struct db *db, const struct identity *id,
    const char *refresh, time_t now, struct session_tokens *out)
{
	return session_refresh_client(db, id, refresh, now, NULL, out);
}

enum account_rc
session_refresh_client(struct db *db, const struct identity *id,
    const char *refresh, time_t now, const struct session_client *cl,
    struct session_tokens *out)
{
	PGresult		*res = NULL;
	struct account_user	 u;
	const char		*p[3];
	char			 hash[65], newhash[65], sid[37], *end;
	char			 device[USERAGENT_NAME_MAX], net[THROTTLE_NET_MAX];
	long long		 auth_time;
	long			 n;
	enum db_rc		 drc;
	enum account_rc		 rc = ACCOUNT_ERROR;

	memset(out, 0, sizeof(*out));
	if (!refresh_wellformed(refresh))
		return ACCOUNT_DENIED;
	if (sha256_hex(refresh, strlen(refresh), hash) == -1)
		return ACCOUNT_ERROR;
	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	p[0] = hash;
	if ((drc = db_exec(db, &st_lookup, p, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1) {
		rc = ACCOUNT_DENIED;
		goto out;
	}
	snprintf(sid, sizeof(sid), "%s", PQgetvalue(res, 0, 0));
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		/* A rotated token came back: someone holds a copy. End the
		 * session for both of them. */
		p[0] = sid;
		p[1] = "reuse";
		if ((drc = db_run(db, &st_revoke, p, NULL)) != DB_OK ||
		    (drc = db_commit(db)) != DB_OK)
			goto dberr;
		log_msg(LOG_WARN, "refresh_reuse", "session %s revoked: a "
		    "rotated refresh token was presented again", sid);
		rc = ACCOUNT_DENIED;
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "t") == 0 ||
	    strcmp(PQgetvalue(res, 0, 4), "t") == 0 ||
	    strcmp(PQgetvalue(res, 0, 9), "t") == 0) {
		rc = ACCOUNT_DENIED;
		goto out;
	}
	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", PQgetvalue(res, 0, 2));
	snprintf(u.email, sizeof(u.email), "%s", PQgetvalue(res, 0, 6));
	u.email_verified = strcmp(PQgetvalue(res, 0, 7), "t") == 0;
	snprintf(u.name, sizeof(u.name), "%s", PQgetvalue(res, 0, 8));
	auth_time = strtoll(PQgetvalue(res, 0, 5), &end, 10);
	if (*end != '\0')
		goto out;
	p[0] = hash;
	if ((drc = db_run(db, &st_use_token, p, &n)) != DB_OK)
		goto dberr;
	if (n != 1)
		goto out;
	if (new_refresh(out, newhash) == -1)
		goto out;
	p[0] = newhash;
	p[1] = sid;
	if ((drc = db_run(db, &st_insert_token, p, NULL)) != DB_OK)
		goto dberr;
	client_describe(cl, device, net);
	p[0] = sid;
	p[1] = net;
	p[2] = SESSION_TOUCH_SECS;
	if ((drc = db_run(db, &st_touch, p, NULL)) != DB_OK)
		goto dberr;
	rc = mint_commit(db, id, &u, sid, strcmp(PQgetvalue(res, 0, 10), "t") ==
	    0 ? SESSION_AMR_MFA : SESSION_AMR_PWD, (time_t)auth_time, now, out);
	goto out;
dberr:
	rc = account_from_db(drc);
out:
	PQclear(res);
	if (rc != ACCOUNT_OK) {
		db_rollback(db);
		session_tokens_free(out);
	}
	return rc;
}

enum account_rc
session_logout(struct db *db, const char *refresh)
{
	const char	*p[1];
	char		 hash[65];
	enum db_rc	 drc;

	if (!refresh_wellformed(refresh))
		return ACCOUNT_OK;
	if (sha256_hex(refresh, strlen(refresh), hash) == -1)
		return ACCOUNT_ERROR;
	p[0] = hash;
	if ((drc = db_run(db, &st_logout, p, NULL)) != DB_OK)
		return account_from_db(drc);
	return ACCOUNT_OK;
}

enum db_rc
session_revoke_all_tx(struct db *db, const char *user_id, const char *reason)
{
	struct timespec	 ts;
	const char	*p[2];
	char		 now[48];
	enum db_rc	 rc;

	/* Our clock, not the database's: it is the one that stamps iat. */
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return DB_ERROR;
	snprintf(now, sizeof(now), "%lld.%06ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	p[0] = user_id;
	p[1] = now;
	if ((rc = db_run(db, &st_signout_user, p, NULL)) != DB_OK)
		return rc;
	p[1] = reason;
	if ((rc = db_run(db, &st_revoke_user, p, NULL)) != DB_OK)
		return rc;
	/* App passwords go with the sessions, as Apple's do. */
	return apppass_revoke_all_tx(db, user_id);
}

enum db_rc
session_revoke_others_tx(struct db *db, const char *user_id,
    const char *keep_id, const char *reason)
{
	const char *p[3] = { user_id, keep_id, reason };

	/* "" keeps none; an id that is no uuid never matches a row. */
	if (keep_id == NULL || *keep_id == '\0')
		p[1] = "00000000-0000-0000-0000-000000000000";
	return db_run(db, &st_revoke_others, p, NULL);
}

static int
add_session(json_object *items, PGresult *res, int i, const char *current)
{
	json_object *o;

	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "id", PQgetvalue(res, i, 0)) == -1 ||
	    jsonout_string(o, "signed_in_at", PQgetvalue(res, i, 1)) == -1 ||
	    jsonout_string(o, "last_used_at", PQgetvalue(res, i, 2)) == -1 ||
	    jsonout_string(o, "expires_at", PQgetvalue(res, i, 3)) == -1 ||
	    jsonout_string(o, "device_name", PQgetvalue(res, i, 4)) == -1 ||
	    jsonout_string(o, "network", PQgetvalue(res, i, 5)) == -1 ||
	    jsonout_bool(o, "current",
	    strcmp(PQgetvalue(res, i, 0), current) == 0) == -1) {
		json_object_put(o);
		return -1;
	}
	return jsonout_push(items, o);
}

enum account_rc
session_list(struct db *db, const char *user_id, const char *current_id,
    json_object **out)
{
	const char	*p[1] = { user_id };
	PGresult	*res = NULL;
	json_object	*root = NULL, *items;
	enum db_rc	 drc;
	enum account_rc	 rc = ACCOUNT_ERROR;
	int		 i;

	*out = NULL;
	if ((drc = db_exec(db, &st_list, p, &res)) != DB_OK)
		return account_from_db(drc);
	if ((root = json_object_new_object()) == NULL)
		goto out;
	/* root owns items once added (jsonout_add puts it on failure). */
	items = json_object_new_array();
	if (jsonout_add(root, "items", items) == -1)
		goto out;
	for (i = 0; i < PQntuples(res); i++)
		if (add_session(items, res, i, current_id) == -1)
			goto out;
	*out = root;
	root = NULL;
	rc = ACCOUNT_OK;
out:
	json_object_put(root);
	PQclear(res);
	return rc;
}

enum account_rc
session_end(struct db *db, const char *user_id, const char *session_id)
{
	const char	*p[2] = { session_id, user_id };
	enum db_rc	 drc;
	long		 n = 0;

	if ((drc = db_run(db, &st_end, p, &n)) != DB_OK)
		return account_from_db(drc);
	return n == 1 ? ACCOUNT_OK : ACCOUNT_NOT_FOUND;
}

enum account_rc
session_logout_all(struct db *db, const char *user_id)
{
	enum db_rc drc;

	if ((drc = db_begin(db)) != DB_OK)
		return account_from_db(drc);
	if ((drc = session_revoke_all_tx(db, user_id, "logout_all")) != DB_OK ||
	    (drc = db_commit(db)) != DB_OK) {
		db_rollback(db);
		return account_from_db(drc);
	}
	return ACCOUNT_OK;
}
