/* keyset.h — signing and verification keys: our own RSA keys loaded from a
 * directory of <kid>.pem files, an external issuer's keys from its JWKS, the
 * JWKS we publish, and the base64url coding all of them use. */
#ifndef AURORA_KEYSET_H
#define AURORA_KEYSET_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#define KEYSET_MAX		16	/* keys per issuer */
#define KEYSET_KID_MAX		64	/* longest kid accepted */
#define KEYSET_PEM_MAX		16384	/* largest key file read */
#define KEYSET_JWKS_MAX		(256 * 1024)	/* largest JWKS document */
#define KEYSET_RSA_MIN_BITS	2048	/* weaker RSA keys are refused */

enum keyset_alg { KEYSET_RS256, KEYSET_ES256, KEYSET_ALG__MAX };

struct keyset_key {
	char		 kid[KEYSET_KID_MAX + 1];
	enum keyset_alg	 alg;
	char		*pub_pem;	/* SubjectPublicKeyInfo PEM, NUL-ended */
	size_t		 pub_len;
	char		*priv_pem;	/* our own keys only, else NULL */
	size_t		 priv_len;
	json_object	*jwk;		/* the public JWK we would publish */
};

struct keyset {
	struct keyset_key	keys[KEYSET_MAX];
	size_t			n;
};

/* "RS256"/"ES256", or NULL. */
const char *keyset_alg_name(enum keyset_alg alg);
/* -1 for a name we do not support (exact, case-sensitive match). */
int keyset_alg_parse(const char *name);

void keyset_init(struct keyset *ks);
/* Frees every key and leaves ks empty. */
void keyset_clear(struct keyset *ks);

/* 1 if kid is a name we accept: [A-Za-z0-9_-], 1..KEYSET_KID_MAX. */
int keyset_kid_valid(const char *kid);

/* Loads every <kid>.pem private key in dir (files must not be readable by
 * group or others), replacing ks's contents. Returns the number of keys, or
 * -1 with a reason in err (ks is then empty). */
int keyset_load_dir(struct keyset *ks, const char *dir, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/* Parses a JWKS document (RSA >= 2048 bits with RS256, EC P-256 with ES256;
 * other keys are skipped), replacing ks's contents. Returns the number of
 * keys kept, or -1 with a reason in err (ks is then unchanged). */
int keyset_load_jwks(struct keyset *ks, const char *json, size_t len,
    char *err, size_t errlen) __attribute__((warn_unused_result));

/* 1 if a and b hold the same kids with the same public keys, in order. */
int keyset_same(const struct keyset *a, const struct keyset *b);
/* Number of keys whose algorithm is in algs (bit 1 << enum keyset_alg). */
size_t keyset_usable(const struct keyset *ks, unsigned algs);

/* The key whose kid equals kid exactly, or NULL. */
const struct keyset_key *keyset_find(const struct keyset *ks, const char *kid);
/* The key that signs: the lexically greatest kid with a private key. */
const struct keyset_key *keyset_signer(const struct keyset *ks);

/* {"keys":[...]} of every key; caller json_object_put()s it. NULL on
 * allocation failure. */
json_object *keyset_jwks(const struct keyset *ks);

/* Writes a new RSA key of bits bits as dir/<kid>.pem (mode 0600, created
 * exclusively), kid being the UTC time like 20261125T183000Z. dir is created
 * (0700) if missing. Returns 0 and the kid, or -1 with a reason. */
int keyset_create(const char *dir, int bits, time_t now, char *kid,
    size_t kidlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Number of <kid>.pem files in dir (0 if dir is missing), -1 on error. */
int keyset_count_dir(const char *dir, char *err, size_t errlen);

#endif
