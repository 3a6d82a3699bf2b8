/* verify.c — the strict access-token verifier (see verify.h). libjwt 1.10
 * trusts the token's own header, so everything it would decide is decided
 * here first: size, shape, header members, algorithm, key; libjwt only
 * checks the signature with the one key chosen, and every claim is ours. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/issuers.h"
#include "auth/token.h"
#include "auth/verify.h"
#include "core/b64url.h"

#define VERIFY_PAYLOAD_MAX	6144	/* decoded claims */

#define FAIL(...) do {						\
	snprintf(why, whylen, __VA_ARGS__);			\
	goto out;						\
} while (0)

void
verify_init(struct verifier *v)
{
	memset(v, 0, sizeof(*v));
}

void
verify_free(struct verifier *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		keyset_clear(&v->issuers[i].keys);
	v->n = 0;
	EVP_MD_free(v->sha256);
	v->sha256 = NULL;
	memset(v->cache, 0, sizeof(v->cache));
}

struct verify_issuer *
verify_add_issuer(struct verifier *v, const char *iss)
{
	struct verify_issuer	*is;
	size_t			 i;

	if (v->n == VERIFY_ISSUERS_MAX || strlen(iss) >= VERIFY_ISS_MAX ||
	    iss[0] == '\0')
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->issuers[i].iss, iss) == 0)
			return NULL;
	is = &v->issuers[v->n++];
	memset(is, 0, sizeof(*is));
	keyset_init(&is->keys);
	memcpy(is->iss, iss, strlen(iss) + 1);
	is->require_token_use = 1;
	is->algs = 1u << KEYSET_RS256;
	return is;
}

int
verify_add_client(struct verify_issuer *is, const char *client_id)
{
	if (is->nclients == VERIFY_CLIENTS_MAX || client_id[0] == '\0' ||
	    strlen(client_id) >= VERIFY_CLIENT_MAX)
		return -1;
	memcpy(is->clients[is->nclients++], client_id, strlen(client_id) + 1);
	return 0;
}

int
verify_set_algs(struct verify_issuer *is, const char *list, char *err,
    size_t errlen)
{
	char		 name[16];
	const char	*p = list;
	size_t		 n;
	unsigned	 algs = 0;
	int		 a;

	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		n = strcspn(p, ", \t");
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "unsupported algorithm \"%.*s\"",
			    (int)(n > 32 ? 32 : n), p);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if ((a = keyset_alg_parse(name)) < 0) {
			snprintf(err, errlen, "unsupported algorithm \"%s\" "
			    "(RS256 and ES256 are)", name);
			return -1;
		}
		algs |= 1u << a;
		p += n;
	}
	if (algs == 0) {
		snprintf(err, errlen, "no algorithm allowed");
		return -1;
	}
	is->algs = algs;
	return 0;
}

int
verify_is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[36] == '\0';
}

/* Parses exactly len bytes as one JSON object, strictly. */
static json_object *
parse_object(const char *data, size_t len, int depth)
{
	json_tokener	*tok;
	json_object	*o;

	if (memchr(data, '\0', len) != NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(depth)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, data, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The string member name of o: its value if it is a string of 1..max bytes
 * without NUL or control characters, else NULL. */
static const char *
claim_str(json_object *o, const char *name, size_t max)
{
	json_object	*v;
	const char	*s;
	size_t		 n, i;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > max || strlen(s) != n)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	return s;
}

/* A NumericDate claim: 1 and the value (fractions dropped), 0 if absent,
 * -1 if present but not a finite number in range. */
static int
claim_time(json_object *o, const char *name, long long *out)
{
	json_object	*v;
	double		 d;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = (long long)json_object_get_int64(v);
		if (*out < 0 || *out > 253402300799LL)	/* year 9999 */
			return -1;
		return 1;
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d) || d < 0 || d > 253402300799.0)
			return -1;
		*out = (long long)floor(d);
		return 1;
	}
	return -1;
}

static int
copy_bounded(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Only these header members may appear; jku, x5u, jwk, x5c, crit and the
 * JWE members would each ask the verifier to trust something the token
 * itself names. */
static int
header_member_allowed(const char *key)
{
	static const char *const ok[] = {
		"alg", "kid", "typ", "x5t", "x5t#S256", NULL
	};
	size_t i;

	for (i = 0; ok[i] != NULL; i++)
		if (strcmp(key, ok[i]) == 0)
			return 1;
	return 0;
}

/* The set a digest belongs to. */
static struct verify_cache_slot *
cache_set(struct verifier *v, const unsigned char digest[32])
{
	return &v->cache[((digest[0] | (unsigned)digest[1] << 8 |
	    (unsigned)digest[2] << 16) % VERIFY_CACHE_SETS) *
	    VERIFY_CACHE_WAYS];
}

/* The remembered token with this digest whose issuer's keys are unchanged,
 * or NULL. */
static const struct verify_cache_slot *
cache_find(struct verifier *v, const unsigned char digest[32])
{
	struct verify_cache_slot	*set = cache_set(v, digest);
	size_t				 i;

	for (i = 0; i < VERIFY_CACHE_WAYS; i++)
		if (set[i].used && set[i].gen == set[i].claims.issuer->keys_gen &&
		    CRYPTO_memcmp(set[i].digest, digest, 32) == 0) {
			set[i].tick = ++v->cache_tick;
			return &set[i];
		}
	return NULL;
}

/* Remembers a token that passed every check: in the way that held it
 * before (its keys changed), a free way, or the least recently used. */
static void
cache_store(struct verifier *v, const unsigned char digest[32],
    const struct verify_claims *c)
{
	struct verify_cache_slot	*set = cache_set(v, digest), *victim;
	size_t				 i;

	victim = set;
	for (i = 0; i < VERIFY_CACHE_WAYS; i++) {
		if (set[i].used &&
		    CRYPTO_memcmp(set[i].digest, digest, 32) == 0) {
			victim = &set[i];
			break;
		}
		if (victim->used && (!set[i].used ||
		    set[i].tick < victim->tick))
			victim = &set[i];
	}
	memcpy(victim->digest, digest, 32);
	victim->claims = *c;
	victim->gen = c->issuer->keys_gen;
	victim->tick = ++v->cache_tick;
	victim->used = 1;
}

/* The checks that depend on the clock, made on every use. */
static enum verify_result
check_times(const struct verify_claims *c, time_t now, char *why,
    size_t whylen)
{
	if ((long long)now >= c->exp + VERIFY_LEEWAY)
		FAIL("expired");
	if (c->iat > (long long)now + VERIFY_LEEWAY)
		FAIL("issued in the future");
	if (c->nbf > (long long)now + VERIFY_LEEWAY)
		FAIL("not yet valid");
	return VERIFY_OK;
out:
	return VERIFY_REJECT;
}

static struct verify_issuer *
find_issuer(struct verifier *v, const char *iss)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->issuers[i].iss, iss) == 0)
			return &v->issuers[i];
	return NULL;
}

enum verify_result
verify_token(struct verifier *v, const char *token, size_t len, time_t now,
    struct verify_claims *c, char *why, size_t whylen)
{
	const char		*dot1, *dot2, *s, *alg, *kid, *typ;
	const struct keyset_key	*key;
	struct verify_issuer	*is;
	json_object		*hdr = NULL, *pl = NULL, *val;
	unsigned char		*buf = NULL;
	char			*copy = NULL;
	size_t			 hlen, plen, slen, i, bufsz;
	long			 n;
	long long		 exp, iat, nbf;
	const struct verify_cache_slot *slot;
	unsigned char		 digest[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0;
	int			 a, r, found;
	enum verify_result	 rc = VERIFY_REJECT;

	memset(c, 0, sizeof(*c));
	snprintf(why, whylen, "rejected");
	if (len == 0 || len > VERIFY_TOKEN_MAX)
		FAIL("token length %zu", len);
	if (v->sha256 == NULL)
		v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (EVP_Digest(token, len, digest, &dlen, v->sha256 != NULL ?
	    v->sha256 : EVP_sha256(), NULL) != 1 || dlen != 32) {
		rc = VERIFY_ERROR;
		FAIL("digest failed");
	}
	/* A remembered token's issuer may be due for fresh keys; if they
	 * change, the token is checked in full against them. */
	if ((slot = cache_find(v, digest)) != NULL) {
		is = &v->issuers[slot->claims.issuer - v->issuers];
		if (issuers_due(is, now, ISSUERS_SCHEDULED)) {
			(void)issuers_refresh(is, now, ISSUERS_SCHEDULED);
			slot = cache_find(v, digest);
		}
	}
	if (slot != NULL) {
		if ((rc = check_times(&slot->claims, now, why, whylen)) ==
		    VERIFY_OK) {
			*c = slot->claims;
			snprintf(why, whylen, "ok");
		}
		return rc;
	}
	/* Exactly three non-empty base64url parts. */
	for (i = 0; i < len; i++)
		if (!b64url_char((unsigned char)token[i]) && token[i] != '.')
			FAIL("character outside base64url");
	if ((dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)))
	    == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		FAIL("not three parts");
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - dot1 - 1);
	slen = len - (size_t)(dot2 + 1 - token);
	if (hlen == 0 || plen == 0 || slen == 0)
		FAIL("empty part");

	bufsz = B64URL_DECODED_MAX(len) + 1;
	if ((buf = malloc(bufsz)) == NULL) {
		rc = VERIFY_ERROR;
		FAIL("out of memory");
	}
	if ((n = b64url_decode(token, hlen, buf,
	    bufsz < VERIFY_HEADER_MAX ? bufsz : VERIFY_HEADER_MAX)) < 0)
		FAIL("header is not base64url or too long");
	if ((hdr = parse_object((const char *)buf, (size_t)n, 3)) == NULL)
		FAIL("header is not a JSON object");
	{
		json_object_object_foreach(hdr, key_name, unused) {
			(void)unused;
			if (!header_member_allowed(key_name))
				FAIL("header member not allowed");
		}
	}
	if ((alg = claim_str(hdr, "alg", 16)) == NULL)
		FAIL("no alg");
	if ((a = keyset_alg_parse(alg)) < 0)
		FAIL("alg not supported");
	if ((kid = claim_str(hdr, "kid", KEYSET_KID_MAX)) == NULL ||
	    !keyset_kid_valid(kid))
		FAIL("kid missing or malformed");
	if (json_object_object_get_ex(hdr, "typ", &val) &&
	    ((typ = claim_str(hdr, "typ", 16)) == NULL ||
	    strcasecmp(typ, "JWT") != 0))
		FAIL("typ is not JWT");

	if ((n = b64url_decode(dot1 + 1, plen, buf,
	    bufsz < VERIFY_PAYLOAD_MAX ? bufsz : VERIFY_PAYLOAD_MAX)) < 0)
		FAIL("payload is not base64url or too long");
	if ((pl = parse_object((const char *)buf, (size_t)n, 6)) == NULL)
		FAIL("payload is not a JSON object");
	if ((s = claim_str(pl, "iss", VERIFY_ISS_MAX - 1)) == NULL ||
	    (is = find_issuer(v, s)) == NULL)
		FAIL("unknown issuer");
	if ((is->algs & (1u << a)) == 0)
		FAIL("alg not allowed for this issuer");
	/* Fetched keys are used until their max-age; a kid they lack may be
	 * a new key, fetched at most once a minute (issuers_due). */
	(void)issuers_refresh(is, now, ISSUERS_SCHEDULED);
	if ((key = keyset_find(&is->keys, kid)) == NULL &&
	    issuers_refresh(is, now, ISSUERS_UNKNOWN_KID) == 1)
		key = keyset_find(&is->keys, kid);
	if (key == NULL)
		FAIL("unknown kid");
	if ((int)key->alg != a)
		FAIL("alg does not match the key");

	/* Only now, with the one key the header earned, the signature. */
	if ((copy = malloc(len + 1)) == NULL) {
		rc = VERIFY_ERROR;
		FAIL("out of memory");
	}
	memcpy(copy, token, len);
	copy[len] = '\0';
	if (token_check_signature(copy, key) == -1)
		FAIL("bad signature");

	if (is->require_token_use &&
	    ((s = claim_str(pl, "token_use", 16)) == NULL ||
	    strcmp(s, "access") != 0))
		FAIL("token_use is not access");
	if ((s = claim_str(pl, "client_id", VERIFY_CLIENT_MAX - 1)) == NULL)
		FAIL("no client_id");
	for (i = 0, found = 0; i < is->nclients; i++)
		if (strcmp(is->clients[i], s) == 0)
			found = 1;
	if (!found)
		FAIL("client_id not accepted");
	if (claim_time(pl, "exp", &exp) != 1)
		FAIL("exp missing or malformed");
	if (claim_time(pl, "iat", &iat) != 1)
		FAIL("iat missing or malformed");
	if ((r = claim_time(pl, "nbf", &nbf)) == -1)
		FAIL("nbf malformed");
	c->iat = iat;
	c->exp = exp;
	c->nbf = r == 1 ? nbf : 0;
	if ((rc = check_times(c, now, why, whylen)) != VERIFY_OK)
		goto out;
	rc = VERIFY_REJECT;
	if (exp <= iat)
		FAIL("exp before iat");

	if ((s = claim_str(pl, "sub", VERIFY_SUB_MAX)) == NULL)
		FAIL("sub missing or malformed");
	if (copy_bounded(c->sub, sizeof(c->sub), s) == -1)
		FAIL("sub too long");
	if (is->local) {
		/* Our own tokens always name their session. */
		if (!verify_is_uuid(c->sub))
			FAIL("sub is not a UUID");
		if ((s = claim_str(pl, "origin_jti", 36)) == NULL ||
		    !verify_is_uuid(s))
			FAIL("origin_jti missing");
		memcpy(c->origin_jti, s, 37);
	}
	if ((s = claim_str(pl, "email", VERIFY_EMAIL_MAX)) != NULL)
		(void)copy_bounded(c->email, sizeof(c->email), s);
	if ((s = claim_str(pl, "username", VERIFY_SUB_MAX)) != NULL)
		(void)copy_bounded(c->username, sizeof(c->username), s);
	if (json_object_object_get_ex(pl, "email_verified", &val))
		c->email_verified = json_object_is_type(val,
		    json_type_boolean) ? json_object_get_boolean(val) :
		    (json_object_is_type(val, json_type_string) &&
		    strcmp(json_object_get_string(val), "true") == 0);
	c->issuer = is;
	cache_store(v, digest, c);
	rc = VERIFY_OK;
	snprintf(why, whylen, "ok");
out:
	json_object_put(hdr);
	json_object_put(pl);
	free(buf);
	free(copy);
	return rc;
}

/* ------------------------------------------------ our own tokens' users */

/* The session check (sql/017_session_guard.sql): raises DB_GUARD_SQLSTATE
 * for a user disabled, a token issued before a sign-out everywhere or a
 * session that ended; else returns the user's address. */
static const struct db_stmt st_session_check = {
	"verify_session_check",
	"SELECT " VERIFY_SQL_SESSION_CHECK,
	3, 1
};

enum verify_result
verify_from_db(enum db_rc rc)
{
	if (rc == DB_DENIED)
		return VERIFY_REJECT;
	return rc == DB_UNAVAILABLE || rc == DB_RETRY ? VERIFY_UNAVAILABLE :
	    VERIFY_ERROR;
}

enum verify_result
verify_local_guard(struct db *db, const struct verify_claims *c,
    struct verify_user *u, char *why, size_t whylen)
{
	const char		*p[3];
	char			 iat[32];
	enum verify_result	 rc = VERIFY_ERROR;

	memset(u, 0, sizeof(*u));
	if (!c->issuer->local)
		FAIL("not our token");
	snprintf(iat, sizeof(iat), "%lld", c->iat);
	p[0] = c->sub;
	p[1] = c->origin_jti;
	p[2] = iat;
	if (db_guard_arm(db, &st_session_check, p) != DB_OK)
		FAIL("cannot arm the session check");
	memcpy(u->user_id, c->sub, 37);
	memcpy(u->session_id, c->origin_jti, 37);
	rc = VERIFY_OK;
	snprintf(why, whylen, "ok");
out:
	return rc;
}

enum verify_result
verify_local_user(struct db *db, const struct verify_claims *c,
    struct verify_user *u, char *why, size_t whylen)
{
	const PGresult		*res;
	enum db_rc		 drc;
	enum verify_result	 rc;

	if ((rc = verify_local_guard(db, c, u, why, whylen)) != VERIFY_OK)
		return rc;
	if ((drc = db_guard_flush(db)) != DB_OK) {
		rc = verify_from_db(drc);
		FAIL("%s", drc == DB_DENIED ? "session refused" : "database");
	}
	if ((res = db_guard_result(db)) == NULL || PQntuples(res) != 1) {
		rc = VERIFY_ERROR;
		FAIL("no result from the session check");
	}
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 0));
	return VERIFY_OK;
out:
	memset(u, 0, sizeof(*u));
	return rc;
}

enum verify_result
verify_bearer(struct verifier *v, const char *authorization, time_t now,
    struct verify_claims *c, char *why, size_t whylen)
{
	const char	*t;

	memset(c, 0, sizeof(*c));
	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7)
	    != 0) {
		snprintf(why, whylen, "no bearer token");
		return VERIFY_REJECT;
	}
	t = authorization + 7;
	while (*t == ' ')
		t++;
	return verify_token(v, t, strnlen(t, VERIFY_TOKEN_MAX + 1), now, c,
	    why, whylen);
}
