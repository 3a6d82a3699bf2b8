/* verify.h — the one strict verifier of access tokens, used by every
 * protected route and by GET /api/v1/auth/verify. verify_token() is the pure
 * part (structure, header, key, signature, claims); verify_local_guard()
 * and verify_local_user() check the row behind one of our own tokens
 * (disabled, signed out, revoked session). The verifier never writes: users of external issuers are found
 * or created by auth/external.h, called by the authentication step. */
#ifndef AURORA_VERIFY_H
#define AURORA_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "auth/keyset.h"
#include "db/db.h"

#define VERIFY_TOKEN_MAX	8192	/* longest token accepted, bytes */
#define VERIFY_HEADER_MAX	1024	/* longest decoded JOSE header */
#define VERIFY_LEEWAY		60	/* seconds of clock skew tolerated */
#define VERIFY_ISSUERS_MAX	16
#define VERIFY_CLIENTS_MAX	16
#define VERIFY_ISS_MAX		512
#define VERIFY_CLIENT_MAX	128
#define VERIFY_SUB_MAX		128
#define VERIFY_EMAIL_MAX	254
#define VERIFY_PATH_MAX		1024
#define VERIFY_JWKS_REFETCH	60	/* seconds between JWKS fetches for
					   unknown kids, and before a failed
					   refresh is tried again */
#define VERIFY_CACHE_SETS	2048	/* signature cache: sets of ... */
#define VERIFY_CACHE_WAYS	4	/* ... this many tokens each */
#define VERIFY_CACHE_SLOTS	(VERIFY_CACHE_SETS * VERIFY_CACHE_WAYS)

struct verify_issuer {
	char		 iss[VERIFY_ISS_MAX];
	int		 local;		/* ours: keys from jwt_key_dir */
	struct keyset	 keys;
	char		 clients[VERIFY_CLIENTS_MAX][VERIFY_CLIENT_MAX];
	size_t		 nclients;
	unsigned	 algs;		/* bit (1 << enum keyset_alg) each */
	int		 require_token_use;	/* token_use must be "access" */
	char		 jwks_file[VERIFY_PATH_MAX];
	char		 jwks_uri[VERIFY_PATH_MAX];
	time_t		 jwks_tried;	/* last fetch attempt, 0: never */
	time_t		 jwks_expires;	/* refresh due then (max-age); 0: now */
	long		 jwks_age_min;	/* lower bound of max-age, seconds */
	unsigned long	 jwks_fetches;	/* fetch attempts, for logs and tests */
	int		 jwks_warned;	/* a failed refresh was logged */
	unsigned	 keys_gen;	/* bumped whenever keys change */
};

/* What a verified token says, all bounded copies. */
struct verify_claims {
	const struct verify_issuer	*issuer;
	char		 sub[VERIFY_SUB_MAX + 1];
	char		 origin_jti[40];	/* ours: the session, a UUID */
	char		 email[VERIFY_EMAIL_MAX + 1];	/* "" if absent */
	int		 email_verified;
	char		 username[VERIFY_SUB_MAX + 1];	/* "" if absent */
	long long	 iat, exp;
	long long	 nbf;		/* 0 if absent */
};

/* A token that passed every check: SHA-256 of its exact bytes and what it
 * said. Clients send the same access token for up to an hour; everything
 * but the clock depends only on those bytes and on this process's settings
 * (issuers, clients, algorithms), and keys_gen says whether the issuer's
 * keys changed since. So a hit skips parsing, the key lookup and the
 * signature (libjwt parses the key's PEM on every call, about 0.25 ms with
 * OpenSSL 3), and checks only exp, iat and nbf against the clock again.
 * Set-associative with least-recently-used replacement: a direct-mapped
 * table of 1,024 missed on ~40 % of requests with 1,000 users in turn
 * (bench/events.sh), as tokens sharing a slot evicted each other. */
struct verify_cache_slot {
	unsigned char		 digest[32];
	unsigned		 gen;	/* claims.issuer->keys_gen when filled */
	int			 used;
	unsigned long		 tick;	/* last use, for replacement */
	struct verify_claims	 claims;
};

struct verifier {
	struct verify_issuer	 issuers[VERIFY_ISSUERS_MAX];
	size_t			 n;
	struct verify_cache_slot cache[VERIFY_CACHE_SLOTS];
	unsigned long		 cache_tick;
	struct evp_md_st	*sha256;	/* fetched once; NULL: not yet */
};

/* The user a token stands for once its row checked out. */
struct verify_user {
	char	user_id[37];
	char	email[VERIFY_EMAIL_MAX + 1];
	char	session_id[37];	/* ours: the token's session; "" otherwise */
};

enum verify_result {
	VERIFY_OK = 0,
	VERIFY_REJECT,		/* 401 invalid_token, nothing more said */
	VERIFY_UNAVAILABLE,	/* 503: the database cannot be reached */
	VERIFY_ERROR		/* 500 */
};

void verify_init(struct verifier *v);
/* Frees every issuer's keys; v is empty afterwards. */
void verify_free(struct verifier *v);

/* Appends an issuer named iss (or NULL if full, iss is too long, or already
 * there). The caller fills in keys, clients and algorithms. */
struct verify_issuer *verify_add_issuer(struct verifier *v, const char *iss);
/* Adds a client id; -1 if full or too long. */
int verify_add_client(struct verify_issuer *is, const char *client_id);
/* Sets the allowed algorithms from a list such as "RS256, ES256"; -1 with
 * the offending name in err for anything unsupported (never none or HS*). */
int verify_set_algs(struct verify_issuer *is, const char *list, char *err,
    size_t errlen);

/* Checks token (len bytes, not necessarily NUL-terminated) at time now.
 * VERIFY_OK fills c; otherwise why says what failed, for debug logs only. */
enum verify_result verify_token(struct verifier *v, const char *token,
    size_t len, time_t now, struct verify_claims *c, char *why,
    size_t whylen);

/* Maps a database failure onto VERIFY_REJECT (DB_DENIED: the session
 * check refused), VERIFY_UNAVAILABLE (the database cannot be reached or the
 * statement should be retried: 503) or VERIFY_ERROR. */
enum verify_result verify_from_db(enum db_rc rc);

/* The session check of verified claims of our own issuer (c->issuer->local):
 * refused when the user is disabled or gone, the token was issued before a
 * sign-out everywhere, or its session ended. verify_local_guard arms it as
 * db's guard (db.h), to run in the same round trip as the request's first
 * statement, and fills u but for the address; VERIFY_OK or VERIFY_ERROR.
 * The caller must see the guard run (db_guard_flush) before answering.
 * verify_local_user runs it now and fills u with the address too. Both
 * read only. */
/* The session check as an SQL expression over the guard's parameters ($1
 * the user, $2 the session, $3 the token's iat): a statement put in its
 * place (db_guard_swap) evaluates it exactly once, whatever else it reads.
 * It raises DB_GUARD_SQLSTATE for a refused token and is the user's
 * address otherwise. */
#define VERIFY_SQL_SESSION_CHECK \
	"auth_session_check($1::uuid, $2::uuid, $3::bigint)"

enum verify_result verify_local_guard(struct db *db,
    const struct verify_claims *c, struct verify_user *u, char *why,
    size_t whylen) __attribute__((warn_unused_result));
enum verify_result verify_local_user(struct db *db,
    const struct verify_claims *c, struct verify_user *u, char *why,
    size_t whylen) __attribute__((warn_unused_result));

/* verify_token on an Authorization header value ("Bearer <token>"; NULL is
 * rejected). VERIFY_OK fills c; otherwise why says what failed. */
enum verify_result verify_bearer(struct verifier *v,
    const char *authorization, time_t now, struct verify_claims *c,
    char *why, size_t whylen) __attribute__((warn_unused_result));

/* 1 if s is a UUID in canonical lower- or upper-case text form. */
int verify_is_uuid(const char *s);

#endif
