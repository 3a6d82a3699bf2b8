/* identity.c — per-process identity state (see identity.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "auth/apppass.h"
#include "auth/identity.h"
#include "auth/issuers.h"
#include "core/log.h"

struct identity *
identity_new(const struct conf *c, char *err, size_t errlen)
{
	struct identity		*id = NULL;
	struct verify_issuer	*own;
	unsigned char		 rnd[24];
	char			 why[512];
	int			 n;

	if ((id = calloc(1, sizeof(*id))) == NULL ||
	    (id->verifier = calloc(1, sizeof(*id->verifier))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	verify_init(id->verifier);
	id->conf = c;
	/* HTTP Basic (app passwords) shares the sign-in failure limits. */
	apppass_configure(c);
	id->issuer = c->jwt_issuer[0] != '\0' ? c->jwt_issuer : c->public_url;
	id->client_id = c->jwt_client_id;
	if ((own = verify_add_issuer(id->verifier, id->issuer)) == NULL) {
		snprintf(err, errlen, "jwt_issuer: unusable issuer \"%s\"",
		    id->issuer);
		goto fail;
	}
	own->local = 1;
	if (verify_add_client(own, c->jwt_client_id) == -1) {
		snprintf(err, errlen, "jwt_client_id: unusable client id");
		goto fail;
	}
	if (verify_set_algs(own, c->jwt_algorithms, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "jwt_algorithms: %s", why);
		goto fail;
	}
	if ((own->algs & (1u << KEYSET_RS256)) == 0) {
		snprintf(err, errlen, "jwt_algorithms must allow RS256: the "
		    "keys in jwt_key_dir are RSA keys");
		goto fail;
	}
	if ((n = keyset_load_dir(&own->keys, c->jwt_key_dir, why,
	    sizeof(why))) == -1) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	if (n == 0) {
		snprintf(err, errlen, "jwt_key_dir %s holds no key: run "
		    "aurora-admin keys create", c->jwt_key_dir);
		goto fail;
	}
	id->keys = &own->keys;
	if (c->external_issuers_file[0] != '\0' &&
	    issuers_load_file(id->verifier, c->external_issuers_file, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "external_issuers_file: %s", why);
		goto fail;
	}
	id->pw.m_cost = (unsigned)c->password_m_cost;
	id->pw.t_cost = (unsigned)c->password_t_cost;
	id->pw.parallelism = (unsigned)c->password_parallelism;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    passwd_hash(&id->pw, (const char *)rnd, sizeof(rnd),
	    id->dummy_hash, sizeof(id->dummy_hash)) == -1) {
		snprintf(err, errlen, "password hashing fails with "
		    "password_m_cost=%d password_t_cost=%d "
		    "password_parallelism=%d", c->password_m_cost,
		    c->password_t_cost, c->password_parallelism);
		goto fail;
	}
	return id;
fail:
	identity_free(id);
	return NULL;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	if (id->verifier != NULL) {
		verify_free(id->verifier);
		free(id->verifier);
	}
	free(id);
}

const struct keyset_key *
identity_signer(const struct identity *id)
{
	return keyset_signer(id->keys);
}
