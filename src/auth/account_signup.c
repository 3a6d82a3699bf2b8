/* account_signup.c — signing up with an address and confirming it with
 * the mailed code (see account.h). A re-sign-up of an unconfirmed address
 * never replaces its password; one of a confirmed address tells its owner
 * and answers with a decoy id. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/account_internal.h"

static const struct db_stmt st_user_insert = {
	"account_user_insert",
	"INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) "
	"RETURNING id",
	3, 0
};

/* Sign-up offers (sql/008): a re-sign-up of an unconfirmed address counts
 * one more instead of replacing the password. A missing row means "not
 * known to be one" (2), the safe side of the rule in account_confirm. */
static const struct db_stmt st_offer_first = {
	"account_offer_first",
	"INSERT INTO auth_signup_offers (user_id) VALUES ($1::uuid)",
	1, 0
};

static const struct db_stmt st_offer_more = {
	"account_offer_more",
	"INSERT INTO auth_signup_offers AS o (user_id, offers) "
	"VALUES ($1::uuid, 2) "
	"ON CONFLICT (user_id) DO UPDATE "
	"   SET offers = CASE WHEN o.offers < 1000000 THEN o.offers + 1 "
	"                     ELSE o.offers END, last_at = now()",
	1, 0
};

static const struct db_stmt st_offer_count = {
	"account_offer_count",
	"SELECT offers FROM auth_signup_offers WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_offer_done = {
	"account_offer_done",
	"DELETE FROM auth_signup_offers WHERE user_id = $1::uuid",
	1, 0
};

static const struct db_stmt st_confirm = {
	"account_confirm",
	"UPDATE users SET email_verified = true, updated_at = now() "
	" WHERE id = $1::uuid",
	1, 0
};

/* Confirmation with the code reader's password; the name stays only when
 * it was offered with that very password ($3), else it may be a
 * stranger's. */
static const struct db_stmt st_confirm_password = {
	"account_confirm_password",
	"UPDATE users SET email_verified = true, password_hash = $2, "
	"       name = CASE WHEN $3::boolean THEN name ELSE '' END, "
	"       updated_at = now() "
	" WHERE id = $1::uuid",
	3, 0
};

/* Forgets the sign-up offers of user_id once the mailbox owner has named
 * the password (confirmation, reset). */
enum db_rc
account_offers_done(struct db *db, const char *user_id)
{
	const char *p[1] = { user_id };

	return db_run(db, &st_offer_done, p, NULL);
}

enum account_rc
account_signup(struct db *db, const struct identity *id, const char *email,
    const char *password, size_t pwlen, const char *name, char user_id[37])
{
	PGresult	*res = NULL;
	const char	*p[3];
	char		 hash[PASSWD_HASH_MAX + 1];
	enum db_rc	 drc = DB_OK;
	enum account_rc	 rc = ACCOUNT_ERROR;
	int		 attempt;

	user_id[0] = '\0';
	/* Hashed whatever the address, so every path takes as long. */
	if (passwd_hash(&id->pw, password, pwlen, hash, sizeof(hash)) == -1)
		return ACCOUNT_ERROR;
	/* Twice: a concurrent sign-up with the same address may win the
	 * insert, and the second pass then sees its row. */
	for (attempt = 0; attempt < 2; attempt++) {
		PQclear(res);
		res = NULL;
		if ((drc = account_begin_locked(db, email, &res)) != DB_OK)
			goto dberr;
		if (PQntuples(res) == 0) {
			PQclear(res);
			res = NULL;
			p[0] = email;
			p[1] = name;
			p[2] = hash;
			drc = db_exec(db, &st_user_insert, p, &res);
			if (drc == DB_CONFLICT) {
				db_rollback(db);
				continue;
			}
			if (drc != DB_OK)
				goto dberr;
			snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
			p[0] = user_id;
			if ((drc = db_run(db, &st_offer_first, p, NULL)) !=
			    DB_OK || (drc = account_mail_code(db, id, user_id,
			    email, "confirm")) != DB_OK)
				goto dberr;
		} else if (strcmp(PQgetvalue(res, 0, 2), "t") != 0) {
			/* Unconfirmed: anyone may sign up with any address,
			 * so a later sign-up must not replace the password
			 * (it would be a stranger's after the owner's code).
			 * It counts an offer; the mailbox owner names the
			 * password when confirming (account_confirm). */
			snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
			p[0] = user_id;
			if ((drc = db_run(db, &st_offer_more, p, NULL)) !=
			    DB_OK)
				goto dberr;
			if ((drc = account_mail_code(db, id, user_id,
			    PQgetvalue(res, 0, 1), "confirm")) != DB_OK)
				goto dberr;
		} else {
			char real[37];

			snprintf(real, sizeof(real), "%s", PQgetvalue(res, 0, 0));
			if ((drc = account_decoy_id(db, email, user_id)) !=
			    DB_OK || (drc = account_mail_notice(db, id, real,
			    PQgetvalue(res, 0, 1))) != DB_OK)
				goto dberr;
		}
		if ((drc = db_commit(db)) != DB_OK)
			goto dberr;
		rc = ACCOUNT_OK;
		goto out;
	}
	rc = ACCOUNT_ERROR;
	goto out;
dberr:
	rc = account_from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

enum account_rc
account_resend(struct db *db, const struct identity *id, const char *email)
{
	return account_code_offer(db, id, email, "confirm", 1);
}

/* The number of sign-ups that offered a password for the unconfirmed
 * user_id into *n; 2 ("more than one") when no row says. */
static enum db_rc
offer_count(struct db *db, const char *user_id, long *n)
{
	PGresult	*res = NULL;
	const char	*p[1] = { user_id };
	enum db_rc	 drc;

	*n = 2;
	if ((drc = db_exec(db, &st_offer_count, p, &res)) != DB_OK)
		return drc;
	if (PQntuples(res) == 1)
		*n = account_db_long(PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

/* With the code found right (and used) on the locked row res: makes the
 * account confirmed with password, or, without one, with the stored
 * password if it is the only one ever offered (else ACCOUNT_NEED_PASSWORD
 * and nothing written). */
static enum account_rc
confirm_apply(struct db *db, const struct identity *id, PGresult *res,
    const char *user_id, const char *password, size_t pwlen)
{
	const char	*p[3], *stored = PQgetvalue(res, 0, 4);
	char		 hash[PASSWD_HASH_MAX + 1];
	long		 offers;
	enum db_rc	 drc;
	int		 same = 0;

	p[0] = user_id;
	if (password == NULL) {
		if ((drc = offer_count(db, user_id, &offers)) != DB_OK)
			return account_from_db(drc);
		if (offers != 1)
			return ACCOUNT_NEED_PASSWORD;
		if ((drc = db_run(db, &st_confirm, p, NULL)) != DB_OK)
			return account_from_db(drc);
	} else {
		/* The password the reader sends is the one in force; its
		 * hash is kept when it is the stored one (and the name that
		 * came with it is theirs too). */
		if (*stored != '\0' &&
		    (same = passwd_verify(stored, password, pwlen)) == -1)
			return ACCOUNT_ERROR;
		if (same)
			snprintf(hash, sizeof(hash), "%s", stored);
		else if (passwd_hash(&id->pw, password, pwlen, hash,
		    sizeof(hash)) == -1)
			return ACCOUNT_ERROR;
		p[1] = hash;
		p[2] = same ? "true" : "false";
		drc = db_run(db, &st_confirm_password, p, NULL);
		OPENSSL_cleanse(hash, sizeof(hash));
		if (drc != DB_OK)
			return account_from_db(drc);
	}
	if ((drc = db_run(db, &st_offer_done, p, NULL)) != DB_OK)
		return account_from_db(drc);
	return ACCOUNT_OK;
}

enum account_rc
account_confirm(struct db *db, const struct identity *id, const char *email,
    const char *code, const char *password, size_t pwlen,
    struct account_user *u)
{
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum account_rc	 rc;

	memset(u, 0, sizeof(*u));
	if ((drc = account_begin_locked(db, email, &res)) != DB_OK)
		goto dberr;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		rc = ACCOUNT_DENIED;
		db_rollback(db);
		goto out;
	}
	account_user_from_row(res, u);
	/* The code first, whatever else is wrong: only its reader may learn
	 * that the address has competing sign-ups. */
	rc = account_code_check(db, u->id, "confirm", code);
	if (rc == ACCOUNT_OK) {
		rc = confirm_apply(db, id, res, u->id, password, pwlen);
		if (rc != ACCOUNT_OK) {
			/* Rolled back, so a right code stays usable for the
			 * confirmation that names the password. */
			db_rollback(db);
			goto out;
		}
		u->email_verified = 1;
	} else if (rc != ACCOUNT_DENIED) {
		db_rollback(db);
		goto out;
	}
	/* Committed on failure too: the wrong try must count. */
	if ((drc = db_commit(db)) != DB_OK)
		goto dberr;
	goto out;
dberr:
	rc = account_from_db(drc);
	db_rollback(db);
out:
	PQclear(res);
	return rc;
}
