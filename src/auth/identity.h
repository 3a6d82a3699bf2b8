/* identity.h — a process's identity state, built once per worker from the
 * configuration: our issuer and signing keys, the verifier with every
 * accepted issuer, and the password hashing parameters. */
#ifndef AURORA_IDENTITY_H
#define AURORA_IDENTITY_H

#include <stddef.h>

#include "auth/keyset.h"
#include "auth/passwd.h"
#include "auth/verify.h"
#include "core/conf.h"

struct identity {
	const struct conf	*conf;
	const char		*issuer;	/* jwt_issuer, else public_url */
	const char		*client_id;
	struct verifier		*verifier;	/* issuers[0] is ours */
	const struct keyset	*keys;		/* our keys, in the verifier */
	struct passwd_params	 pw;
	/* A hash of a random password: unknown addresses are checked
	 * against it so that they take as long as known ones. */
	char			 dummy_hash[PASSWD_HASH_MAX + 1];
};

/* Loads keys (jwt_key_dir must hold at least one) and external issuers.
 * Returns the state (free with identity_free) or NULL with a reason. */
struct identity *identity_new(const struct conf *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void identity_free(struct identity *id);

/* The key new tokens are signed with. */
const struct keyset_key *identity_signer(const struct identity *id);

#endif
