/* mfa.c — /api/v1/me/mfa/totp: setting up two-step sign-in with an
 * authenticator app (POST), confirming it with a first code (POST
 * .../confirm, which hands out the recovery codes once), new recovery codes
 * for a code (POST .../recovery-codes) and turning it off with the password
 * and a code (DELETE). The rules live in auth/totp.c. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/authform.h"
#include "auth/totp.h"
#include "core/jsonout.h"

/* Answers the failures every /me/mfa call shares. */
static void
answer_rc(struct http_req *req, enum totp_rc rc, long retry_after)
{
	switch (rc) {
	case TOTP_DENIED:
		http_error(req, 422, "validation_failed", "code",
		    "the code is wrong or was used already: enter the code "
		    "the app shows now");
		return;
	case TOTP_LIMITED:
		(void)http_add_header(req, "Retry-After", "%ld", retry_after);
		http_error(req, 429, "rate_limited", NULL, "too many wrong "
		    "codes; retry in %ld seconds", retry_after);
		return;
	case TOTP_CONFLICT:
		http_error(req, 409, "conflict", NULL, "two-step sign-in is "
		    "on already: turn it off first to use another app");
		return;
	case TOTP_UNAVAILABLE:
		http_unavailable(req);
		return;
	default:
		http_error(req, 500, "internal", NULL, "internal error");
	}
}

void
api_mfa_totp_create(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o;
	char		 secret[TOTP_SECRET_B32_LEN + 1], uri[TOTP_URI_MAX];
	enum totp_rc	 rc;

	rc = totp_enroll(app->db, req->user_id, secret, uri);
	if (rc == TOTP_NOT_FOUND) {
		http_error(req, 409, "conflict", NULL, "two-step sign-in is "
		    "for accounts that sign in here with a password");
		return;
	}
	if (rc != TOTP_OK) {
		answer_rc(req, rc, 0);
		return;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "secret", secret) == -1 ||
	    jsonout_string(o, "otpauth_uri", uri) == -1) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	/* The secret is in this answer only (no-store by default). */
	http_json(req, 200, o);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(uri, sizeof(uri));
}

/* 200 {"recovery_codes": [...]}, or 500. */
static void
send_codes(struct http_req *req,
    char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1])
{
	json_object	*o, *list;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL)
		goto fail;
	/* o owns list once added (jsonout_add puts it on failure). */
	list = json_object_new_array();
	if (jsonout_add(o, "recovery_codes", list) == -1)
		goto fail;
	for (i = 0; i < TOTP_RECOVERY_CODES; i++)
		if (jsonout_push(list, json_object_new_string(codes[i])) == -1)
			goto fail;
	/* Shown once: the answer is no-store like every answer. */
	http_json(req, 200, o);
	return;
fail:
	json_object_put(o);
	http_error(req, 500, "internal", NULL, "internal error");
}

/* The two routes that trade a current code for recovery codes: confirming
 * the set-up (totp_confirm) and renewing them (totp_recovery_renew), alike
 * but for the call and what a missing authenticator means to the user. */
typedef enum totp_rc (*codes_fn)(struct db *, const struct identity *,
    const char *, const char *, time_t,
    char [TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1], long *);

static void
codes_for_code(struct app *app, struct http_req *req, codes_fn fn,
    const char *not_found)
{
	static const char *const fields[] = { "code", NULL };
	json_object	*body = NULL;
	char		 code[7] = "";
	char		 codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_LEN + 1];
	long		 retry = 0;
	enum totp_rc	 rc;

	memset(codes, 0, sizeof(codes));
	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_code(req, body, "code", code) == -1)
		goto out;
	rc = fn(app->db, app->identity, req->user_id, code, time(NULL), codes,
	    &retry);
	if (rc == TOTP_NOT_FOUND)
		http_error(req, 409, "conflict", NULL, "%s", not_found);
	else if (rc != TOTP_OK)
		answer_rc(req, rc, retry);
	else
		send_codes(req, codes);
out:
	json_object_put(body);
	OPENSSL_cleanse(codes, sizeof(codes));
	OPENSSL_cleanse(code, sizeof(code));
}

void
api_mfa_totp_confirm(void *ctx, struct http_req *req)
{
	codes_for_code(ctx, req, totp_confirm,
	    "no set-up to confirm: start with POST /api/v1/me/mfa/totp");
}

/* New recovery codes (the old ones stop working) for a current code, as
 * GitHub offers when they run low or may have been seen. */
void
api_mfa_recovery_renew(void *ctx, struct http_req *req)
{
	codes_for_code(ctx, req, totp_recovery_renew,
	    "two-step sign-in is off");
}

void
api_mfa_totp_delete(void *ctx, struct http_req *req)
{
	static const char *const fields[] = { "password", "code", NULL };
	struct app	*app = ctx;
	json_object	*body = NULL;
	const char	*pw;
	char		 code[7] = "";
	size_t		 pwlen;
	long		 retry = 0;
	enum totp_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_password(req, body, "password", &pw, &pwlen) == -1 ||
	    authform_code(req, body, "code", code) == -1)
		goto out;
	rc = totp_disable(app->db, app->identity, req->user_id, pw, pwlen,
	    code, time(NULL), &retry);
	if (rc == TOTP_OK)
		http_no_content(req);
	else if (rc == TOTP_NOT_FOUND)
		http_error(req, 409, "conflict", NULL, "two-step sign-in is "
		    "off");
	else if (rc == TOTP_DENIED)
		http_error(req, 422, "validation_failed", "code", "the "
		    "password or the code is wrong");
	else
		answer_rc(req, rc, retry);
out:
	json_object_put(body);
	OPENSSL_cleanse(code, sizeof(code));
}

int
api_mfa_fresh_code(struct app *app, struct http_req *req, json_object *body)
{
	char		 code[7] = "";
	long		 retry = 0;
	int		 on = 0, rv = -1;
	enum totp_rc	 rc;

	if ((rc = totp_status(app->db, req->user_id, &on)) != TOTP_OK) {
		answer_rc(req, rc, 0);
		return -1;
	}
	if (!on)
		return 0;
	if (!json_object_object_get_ex(body, "code", NULL)) {
		http_error(req, 422, "validation_failed", "code", "two-step "
		    "sign-in is on: send a current code from the "
		    "authenticator app");
		return -1;
	}
	if (authform_code(req, body, "code", code) == -1)
		return -1;
	rc = totp_verify(app->db, app->identity, req->user_id, code,
	    time(NULL), &retry);
	if (rc == TOTP_OK || rc == TOTP_NOT_FOUND)	/* turned off since */
		rv = 0;
	else
		answer_rc(req, rc, retry);
	OPENSSL_cleanse(code, sizeof(code));
	return rv;
}
