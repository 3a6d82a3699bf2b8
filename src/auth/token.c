/* token.c — the libjwt wrapper (see token.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "auth/token.h"

static jwt_alg_t
token_jwt_alg(enum keyset_alg alg)
{
	switch (alg) {
	case KEYSET_RS256:
		return JWT_ALG_RS256;
	case KEYSET_ES256:
		return JWT_ALG_ES256;
	case KEYSET_ALG__MAX:
		break;
	}
	return JWT_ALG_INVAL;
}

char *
token_sign(const struct keyset_key *k, json_object *claims)
{
	jwt_t		*jwt = NULL;
	const char	*json;
	char		*out = NULL;

	if (k == NULL || k->priv_pem == NULL || k->priv_len == 0 ||
	    k->priv_len > 0x7fffffff)
		return NULL;
	if ((json = json_object_to_json_string_ext(claims,
	    JSON_C_TO_STRING_PLAIN)) == NULL)
		return NULL;
	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_add_grants_json(jwt, json) != 0 ||
	    jwt_add_header(jwt, "kid", k->kid) != 0 ||
	    jwt_set_alg(jwt, token_jwt_alg(k->alg),
	    (const unsigned char *)k->priv_pem, (int)k->priv_len) != 0)
		goto out;
	out = jwt_encode_str(jwt);
out:
	jwt_free(jwt);
	return out;
}

int
token_check_signature(const char *token, const struct keyset_key *k)
{
	jwt_t		*jwt = NULL;
	jwt_alg_t	 want;
	int		 rc = -1;

	/* libjwt treats a missing key as "no signature needed". */
	if (k == NULL || k->pub_pem == NULL || k->pub_len == 0 ||
	    k->pub_len > 0x7fffffff)
		return -1;
	if ((want = token_jwt_alg(k->alg)) == JWT_ALG_INVAL)
		return -1;
	if (jwt_decode(&jwt, token, (const unsigned char *)k->pub_pem,
	    (int)k->pub_len) != 0 || jwt == NULL)
		goto out;
	/* The caller matched the header's alg to the key already; this
	 * catches any disagreement about what libjwt actually checked. */
	if (jwt_get_alg(jwt) != want)
		goto out;
	rc = 0;
out:
	if (jwt != NULL)
		jwt_free(jwt);
	return rc;
}
