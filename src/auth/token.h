/* token.h — JSON Web Tokens through libjwt 1.10: signing our own tokens, and
 * the one signature check the verifier makes after it has vetted the header
 * itself (libjwt trusts the token's own "alg"; see verify.c). */
#ifndef AURORA_TOKEN_H
#define AURORA_TOKEN_H

#include <json-c/json.h>

#include "auth/keyset.h"

/* Signs claims (a JSON object, not consumed) with k, whose kid goes into the
 * header. Returns the compact token (caller free()s it) or NULL. */
char *token_sign(const struct keyset_key *k, json_object *claims)
    __attribute__((warn_unused_result));

/* Checks token's signature with k alone and that libjwt decoded it with k's
 * algorithm. 0 if it holds, -1 otherwise. Never call it with a key the
 * caller has not matched to the header's kid and alg. */
int token_check_signature(const char *token, const struct keyset_key *k)
    __attribute__((warn_unused_result));

#endif
