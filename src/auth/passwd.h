/* passwd.h — password rules and argon2id hashing (libargon2). Hashes are
 * stored in the PHC string form, parameters included, so that changing the
 * configured cost only affects new hashes (and rehashing at sign-in). */
#ifndef AURORA_PASSWD_H
#define AURORA_PASSWD_H

#include <stddef.h>

#define PASSWD_MIN_CHARS	8	/* code points */
#define PASSWD_MAX_CHARS	256
#define PASSWD_HASH_MAX		256	/* longest PHC string we write or read */

struct passwd_params {
	unsigned	m_cost;		/* KiB */
	unsigned	t_cost;		/* passes */
	unsigned	parallelism;	/* lanes */
};

enum passwd_policy {
	PASSWD_OK = 0,
	PASSWD_TOO_SHORT,
	PASSWD_TOO_LONG,
	PASSWD_INVALID		/* not UTF-8, or holds a NUL */
};

/* Checks the length rules on pw (len bytes): 8 to 256 code points of valid
 * UTF-8, anything else allowed. */
enum passwd_policy passwd_check_policy(const char *pw, size_t len);

/* Hashes pw with a fresh random salt into out (at least PASSWD_HASH_MAX
 * bytes). Returns 0, or -1 (bad parameters, out of memory). */
int passwd_hash(const struct passwd_params *p, const char *pw, size_t len,
    char *out, size_t outlen) __attribute__((warn_unused_result));

/* 1 if pw matches the argon2id hash, 0 if not (or the hash is not one of
 * ours), -1 on an internal error. Takes as long as hashing. */
int passwd_verify(const char *hash, const char *pw, size_t len)
    __attribute__((warn_unused_result));

/* 1 if hash was made with other parameters than p. */
int passwd_needs_rehash(const struct passwd_params *p, const char *hash);

#endif
