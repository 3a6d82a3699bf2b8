/* passwd.c — argon2id through libargon2 (see passwd.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "auth/passwd.h"

#define PASSWD_SALT_LEN	16
#define PASSWD_LEN	32

/* Counts the code points of valid UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF); -1 if invalid or holding a NUL. */
static long
utf8_count(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	long		 count = 0;
	uint32_t	 cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c == 0)
			return -1;
		if (c < 0x80) {
			i++;
			count++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return -1;
		if (len - i <= n)
			return -1;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += n + 1;
		count++;
	}
	return count;
}

enum passwd_policy
passwd_check_policy(const char *pw, size_t len)
{
	long n;

	if ((n = utf8_count((const unsigned char *)pw, len)) < 0)
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
