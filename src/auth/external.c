/* external.c — users of external issuers (see external.h): looked up by
 * (issuer, sub), born from the token's claims on first use. Moved out of
 * the verifier (issue 17) so that the verifier only reads. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/account.h"
#include "auth/external.h"
#include "core/log.h"

#define FAIL(...) do {						\
	snprintf(why, whylen, __VA_ARGS__);			\
	goto out;						\
} while (0)

static const struct db_stmt st_external_user = {
	"external_user",
	"SELECT u.id, u.email, u.disabled, "
	"       u.signed_out_at >= to_timestamp($3::bigint) "
	"  FROM users u WHERE u.issuer = $1 AND u.external_sub = $2",
	3, 1
};

static const struct db_stmt st_external_create = {
	"external_create",
	"INSERT INTO users (email, email_verified, issuer, external_sub) "
	"VALUES ($1, $2::boolean, $3, $4) "
	"ON CONFLICT (issuer, external_sub) WHERE external_sub IS NOT NULL "
	"DO UPDATE SET updated_at = users.updated_at "
	"RETURNING id, email, disabled, "
	"          signed_out_at >= to_timestamp($5::bigint)",
	5, 0
};

static const struct db_stmt st_external_email = {
	"external_email",
	"UPDATE users SET email = $2, email_verified = $3::boolean, "
	"       updated_at = now() WHERE id = $1::uuid AND email <> $2",
	3, 0
};

/* The address an external user gets: the token's email, else a username
 * that is an address, else one under .invalid that no mail can reach. */
static void
external_email(const struct verify_claims *c, char *out, size_t outlen,
    int *verified)
{
	size_t n = strlen(c->sub);

	*verified = 0;
	if (c->email[0] != '\0' && account_email_valid(c->email)) {
		snprintf(out, outlen, "%s", c->email);
		*verified = c->email_verified;
	} else if (c->username[0] != '\0' && account_email_valid(c->username))
		snprintf(out, outlen, "%s", c->username);
	else if (n <= 64 && strspn(c->sub, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == n)
		snprintf(out, outlen, "%s@external.invalid", c->sub);
	else
		snprintf(out, outlen, "user@external.invalid");
}

enum verify_result
external_user(struct db *db, const struct verify_claims *c,
    struct verify_user *u, char *why, size_t whylen)
{
	const struct verify_issuer	*is = c->issuer;
	PGresult			*res = NULL;
	const char			*p[5];
	char				 iat[32], email[VERIFY_EMAIL_MAX + 1];
	enum db_rc			 drc;
	enum verify_result		 rc = VERIFY_REJECT;
	int				 verified;

	memset(u, 0, sizeof(*u));
	if (is->local) {
		rc = VERIFY_ERROR;
		FAIL("not an external token");
	}
	snprintf(iat, sizeof(iat), "%lld", c->iat);
	p[0] = is->iss;
	p[1] = c->sub;
	p[2] = iat;
	if ((drc = db_exec(db, &st_external_user, p, &res)) != DB_OK) {
		rc = verify_from_db(drc);
		FAIL("database");
	}
	external_email(c, email, sizeof(email), &verified);
	if (PQntuples(res) == 0) {
		/* First use of this subject: the user is born from the
		 * token's claims. */
		PQclear(res);
		res = NULL;
		p[0] = email;
		p[1] = verified ? "true" : "false";
		p[2] = is->iss;
		p[3] = c->sub;
		p[4] = iat;
		if ((drc = db_exec(db, &st_external_create, p, &res)) !=
		    DB_OK) {
			rc = verify_from_db(drc);
			FAIL("database");
		}
		if (PQntuples(res) != 1) {
			rc = VERIFY_ERROR;
			FAIL("user not created");
		}
		log_msg(LOG_INFO, "user_created", "external user %s of %s",
		    PQgetvalue(res, 0, 0), is->iss);
	}
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
		FAIL("user disabled");
	if (strcmp(PQgetvalue(res, 0, 3), "t") == 0)
		FAIL("issued before a global sign-out");
	snprintf(u->user_id, sizeof(u->user_id), "%s", PQgetvalue(res, 0, 0));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(res, 0, 1));
	/* Keep the address the issuer vouches for current. */
	if (c->email[0] != '\0' && strcmp(u->email, email) != 0 &&
	    strcmp(email, c->email) == 0) {
		p[0] = u->user_id;
		p[1] = email;
		p[2] = verified ? "true" : "false";
		if (db_run(db, &st_external_email, p, NULL) == DB_OK)
			snprintf(u->email, sizeof(u->email), "%s", email);
	}
	rc = VERIFY_OK;
out:
	PQclear(res);
	return rc;
}
