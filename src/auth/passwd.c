/* passwd.c — argon2id through libargon2 (see passwd.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "auth/passwd.h"
#include "core/utf8.h"

#define PASSWD_SALT_LEN	16
#define PASSWD_LEN	32

enum passwd_policy
passwd_check_policy(const char *pw, size_t len)
{
	long n;

	/* Any character but NUL: a pass phrase may hold what it likes. */
	if ((n = utf8_count(pw, len, 0)) < 0)
		return PASSWD_INVALID;
	if (n < PASSWD_MIN_CHARS)
		return PASSWD_TOO_SHORT;
	if (n > PASSWD_MAX_CHARS)
		return PASSWD_TOO_LONG;
	return PASSWD_OK;
}

int
passwd_hash(const struct passwd_params *p, const char *pw, size_t len,
    char *out, size_t outlen)
{
	unsigned char	salt[PASSWD_SALT_LEN];
	size_t		need;

	if (len > UINT32_MAX)
		return -1;
	need = argon2_encodedlen(p->t_cost, p->m_cost, p->parallelism,
	    PASSWD_SALT_LEN, PASSWD_LEN, Argon2_id);
	if (need > outlen)
		return -1;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	if (argon2id_hash_encoded(p->t_cost, p->m_cost, p->parallelism, pw,
	    len, salt, sizeof(salt), PASSWD_LEN, out, outlen) != ARGON2_OK)
		return -1;
	return 0;
}

int
passwd_verify(const char *hash, const char *pw, size_t len)
{
	int rc;

	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0 ||
	    strlen(hash) > PASSWD_HASH_MAX || len > UINT32_MAX)
		return 0;
	rc = argon2id_verify(hash, pw, len);
	if (rc == ARGON2_OK)
		return 1;
	if (rc == ARGON2_VERIFY_MISMATCH || rc == ARGON2_DECODING_FAIL)
		return 0;
	return -1;
}

int
passwd_needs_rehash(const struct passwd_params *p, const char *hash)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "$argon2id$v=%d$m=%u,t=%u,p=%u$",
	    ARGON2_VERSION_NUMBER, p->m_cost, p->t_cost, p->parallelism);
	return hash == NULL || strncmp(hash, prefix, strlen(prefix)) != 0;
}
