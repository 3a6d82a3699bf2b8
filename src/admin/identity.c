/* identity.c — aurora-admin keys and user commands (see identity.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/identity.h"
#include "auth/account.h"
#include "auth/keyset.h"
#include "auth/totp.h"
#include "db/db.h"

#define ADMIN_KEY_BITS	2048

static int
keys_create(const struct conf *c, int bits)
{
	char	kid[KEYSET_KID_MAX + 1], err[512];

	if (keyset_create(c->jwt_key_dir, bits, time(NULL), kid, sizeof(kid),
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-admin: %s\n", err);
		return 1;
	}
	printf("created key %s (RSA %d bits) in %s\n", kid, bits,
	    c->jwt_key_dir);
	printf("it signs new tokens once aurora-api reloads (SIGHUP); keep "
	    "older keys until their tokens expire\n");
	return 0;
}

static int
keys_list(const struct conf *c)
{
	struct keyset			 ks;
	const struct keyset_key		*signer;
	char				 err[512];
	size_t				 i;
	int				 n;

	keyset_init(&ks);
	if ((n = keyset_load_dir(&ks, c->jwt_key_dir, err, sizeof(err))) ==
	    -1) {
		fprintf(stderr, "aurora-admin: %s\n", err);
		return 1;
	}
	signer = keyset_signer(&ks);
	for (i = 0; i < ks.n; i++)
		printf("%s  %s%s\n", ks.keys[i].kid,
		    keyset_alg_name(ks.keys[i].alg),
		    &ks.keys[i] == signer ? "  signing" : "");
	if (n == 0)
		printf("no keys in %s\n", c->jwt_key_dir);
	keyset_clear(&ks);
	return 0;
}

static int
keys_ensure(const struct conf *c)
{
	char	err[512];
	int	n;

	if ((n = keyset_count_dir(c->jwt_key_dir, err, sizeof(err))) == -1) {
		fprintf(stderr, "aurora-admin: %s\n", err);
		return 1;
	}
	if (n > 0) {
		printf("%s holds %d key%s\n", c->jwt_key_dir, n,
		    n == 1 ? "" : "s");
		return 0;
	}
	return keys_create(c, ADMIN_KEY_BITS);
}

int
admin_keys(const struct conf *c, int argc, char **argv)
{
	char	*end;
	long	 bits = ADMIN_KEY_BITS;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return keys_list(c);
	if (argc == 2 && strcmp(argv[1], "ensure") == 0)
		return keys_ensure(c);
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "create") == 0) {
		if (argc == 3) {
			errno = 0;
			bits = strtol(argv[2], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[2] ||
			    bits < KEYSET_RSA_MIN_BITS || bits > 8192) {
				fprintf(stderr, "aurora-admin: a key has %d to "
				    "8192 bits\n", KEYSET_RSA_MIN_BITS);
				return 2;
			}
		}
		return keys_create(c, (int)bits);
	}
	return 2;
}

/* user mfa-reset EMAIL: support turns two-step sign-in off for an owner
 * who lost both the app and the recovery codes (after checking who they
 * are, out of band); the owner is mailed. */
static int
user_mfa_reset(struct db *db, const struct conf *c, const char *email)
{
	enum totp_rc	rc;
	int		was_on = 0;

	rc = totp_reset_email(db, c, email, &was_on);
	if (rc == TOTP_OK) {
		printf("%s: two-step sign-in %s\n", email, was_on ?
		    "turned off (the owner is mailed)" : "was off already");
		return 0;
	}
	if (rc == TOTP_NOT_FOUND)
		fprintf(stderr, "aurora-admin: no local user with address "
		    "%s\n", email);
	else
		fprintf(stderr, "aurora-admin: database error\n");
	return 1;
}

int
admin_user(const struct conf *c, int argc, char **argv)
{
	struct db_options	 o;
	struct db		*db = NULL;
	enum account_rc		 rc;
	int			 status = 1;

	if (!(argc == 2 && strcmp(argv[1], "list") == 0) &&
	    !(argc == 3 && (strcmp(argv[1], "disable") == 0 ||
	    strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "delete") == 0 ||
	    strcmp(argv[1], "mfa-reset") == 0)))
		return 2;
	db_options_from_conf(&o, c, c->db_conninfo, "aurora-admin");
	/* A one-shot command reuses no statement: each goes with its text,
	 * whatever db_prepared says. */
	o.prepared = 0;
	if ((db = db_new(&o)) == NULL) {
		fprintf(stderr, "aurora-admin: out of memory\n");
		return 1;
	}
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "aurora-admin: cannot connect with "
		    "db_conninfo\n");
		goto out;
	}
	if (strcmp(argv[1], "mfa-reset") == 0) {
		status = user_mfa_reset(db, c, argv[2]);
		goto out;
	}
	if (strcmp(argv[1], "list") == 0)
		rc = account_list(db, stdout);
	else if (strcmp(argv[1], "delete") == 0)
		rc = account_delete_email(db, argv[2]);
	else
		rc = account_set_disabled(db, argv[2],
		    strcmp(argv[1], "disable") == 0);
	switch (rc) {
	case ACCOUNT_OK:
		if (argc == 3)
			printf("%s: %sd\n", argv[2], argv[1]);
		status = 0;
		break;
	case ACCOUNT_NOT_FOUND:
		fprintf(stderr, "aurora-admin: no user with address %s\n",
		    argv[2]);
		break;
	default:
		fprintf(stderr, "aurora-admin: database error\n");
		break;
	}
out:
	db_free(db);
	return status;
}
