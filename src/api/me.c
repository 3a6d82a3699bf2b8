/* me.c — GET, PATCH and DELETE /api/v1/me: the signed-in user's profile
 * (a new address through POST /api/v1/me/email/confirm with the code mailed
 * to it); GET /api/v1/me/sessions and DELETE /api/v1/me/sessions/{id}:
 * where they are signed in, and signing one of those out. */
#include "config.h"

#include <string.h>

#include "api/app.h"
#include "api/authform.h"
#include "auth/account.h"
#include "auth/session.h"
#include "auth/verify.h"
#include "core/jsonout.h"

static void
answer(struct http_req *req, enum account_rc rc, json_object *o)
{
	switch (rc) {
	case ACCOUNT_OK:
		http_json(req, 200, o);
		return;
	case ACCOUNT_NOT_FOUND:
		/* Deleted between the token check and now. */
		http_unauthorized(req, 1);
		return;
	case ACCOUNT_UNAVAILABLE:
		http_unavailable(req);
		return;
	default:
		http_error(req, 500, "internal", NULL, "internal error");
	}
}

void
api_me_get(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o = NULL;
	enum account_rc	 rc;

	/* One statement: the profile with its two-step state is read by
	 * the session check's own statement (app_authenticate armed it). */
	rc = account_get_checked(app->db, req->user_id, &o);
	answer(req, rc, o);
}

void
api_me_patch(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"name", "time_zone", "default_reminders", "email", "code", NULL
	};
	struct app	*app = ctx;
	json_object	*body = NULL, *rem = NULL, *norm = NULL, *o = NULL;
	const char	*name = NULL, *tz = NULL;
	char		 field[96], why[128], email[ACCOUNT_EMAIL_MAX + 1];
	enum account_rc	 rc;
	int		 new_email;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_string(req, body, "name", 0, ACCOUNT_NAME_MAX, &name) ==
	    -1 ||
	    authform_string(req, body, "time_zone", 0, ACCOUNT_TZ_MAX, &tz) ==
	    -1)
		goto out;
	if (tz != NULL && !account_time_zone_valid(tz)) {
		http_error(req, 422, "validation_failed", "time_zone",
		    "time_zone must be an IANA time zone name such as "
		    "Europe/Berlin");
		goto out;
	}
	if (json_object_object_get_ex(body, "default_reminders", &rem) &&
	    account_reminders_parse(rem, &norm, field, sizeof(field), why,
	    sizeof(why)) == -1) {
		http_error(req, 422, "validation_failed", field, "%s %s",
		    field, why);
		goto out;
	}
	new_email = json_object_object_get_ex(body, "email", NULL);
	if (new_email && authform_email(req, body, "email", email) == -1)
		goto out;
	if (!new_email && json_object_object_get_ex(body, "code", NULL)) {
		http_error(req, 422, "validation_failed", "code",
		    "code goes with a new email only");
		goto out;
	}
	/* A new address can reset the password: with two-step sign-in on,
	 * a session alone must not be enough to move the account. */
	if (new_email && api_mfa_fresh_code(app, req, body) == -1)
		goto out;
	rc = account_update(app->db, req->user_id, name, tz, norm, &o);
	if (rc == ACCOUNT_OK && new_email) {
		json_object_put(o);
		o = NULL;
		/* The address changes only with the code mailed to the new
		 * one: 202 and the profile with its pending_email, whether or
		 * not the address has an account (account.h). */
		rc = account_email_change(app->db, app->identity, req->user_id,
		    email);
		if (rc == ACCOUNT_DENIED) {
			http_error(req, 422, "validation_failed", "email",
			    "email is already the address of this account, or "
			    "the account's address is managed by another "
			    "identity provider");
			goto out;
		}
		if (rc == ACCOUNT_LIMITED) {
			(void)http_add_header(req, "Retry-After", "86400");
			http_error(req, 429, "rate_limited", NULL, "too many "
			    "codes were mailed for this account today; try "
			    "again tomorrow");
			goto out;
		}
		if (rc == ACCOUNT_OK)
			rc = account_get(app->db, req->user_id, &o);
	}
	if (rc == ACCOUNT_OK && new_email)
		http_json(req, 202, o);
	else
		answer(req, rc, o);
out:
	json_object_put(norm);
	json_object_put(body);
}

void
api_me_email_confirm(void *ctx, struct http_req *req)
{
	static const char *const fields[] = { "code", NULL };
	struct app	*app = ctx;
	json_object	*body = NULL, *o = NULL;
	char		 code[7];
	enum account_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_code(req, body, "code", code) == -1)
		goto out;
	rc = account_email_confirm(app->db, app->identity, req->user_id, code,
	    &o);
	if (rc == ACCOUNT_DENIED)
		http_error(req, 422, "validation_failed", "code",
		    "the code is wrong, used or expired, no change of address "
		    "is pending, or too many wrong codes were tried today: ask "
		    "for a new one, or try again tomorrow");
	else
		answer(req, rc, o);
out:
	json_object_put(body);
}

/* {"password", "new_password", "code"?}: the code of the authenticator
 * app while two-step sign-in is on (api_mfa_fresh_code). 204; a wrong
 * current password is 422 on "password", so that a client does not take
 * it for its own token going bad (401). */
void
api_me_password(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"password", "new_password", "code", NULL
	};
	struct app	*app = ctx;
	json_object	*body = NULL;
	const char	*pw, *npw;
	size_t		 pwlen, npwlen;
	long		 retry = 0;
	enum account_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_password(req, body, "password", &pw, &pwlen) == -1 ||
	    authform_password(req, body, "new_password", &npw, &npwlen) == -1)
		goto out;
	if (api_mfa_fresh_code(app, req, body) == -1)
		goto out;
	rc = account_password_change(app->db, app->identity, req->user_id,
	    req->session_id, req->remote_addr, pw, pwlen, npw, npwlen, &retry);
	switch (rc) {
	case ACCOUNT_OK:
		http_no_content(req);
		break;
	case ACCOUNT_DENIED:
		http_error(req, 422, "validation_failed", "password",
		    "the current password is not right");
		break;
	case ACCOUNT_LIMITED:
		(void)http_add_header(req, "Retry-After", "%ld", retry);
		http_error(req, 429, "rate_limited", NULL, "too many wrong "
		    "passwords; retry in %ld seconds", retry);
		break;
	case ACCOUNT_NOT_FOUND:
		http_error(req, 422, "validation_failed", "password",
		    "this account signs in with another identity provider, "
		    "which keeps its password");
		break;
	default:
		answer(req, rc, NULL);
	}
out:
	json_object_put(body);
}

void
api_me_delete(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	enum account_rc	 rc;

	rc = account_delete(app->db, req->user_id);
	if (rc == ACCOUNT_OK)
		http_no_content(req);
	else
		answer(req, rc, NULL);
}

void
api_me_sessions(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o = NULL;
	enum account_rc	 rc;

	rc = session_list(app->db, req->user_id, req->session_id, &o);
	answer(req, rc, o);
}

void
api_me_session_end(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	enum account_rc	 rc;

	/* Malformed, unknown, ended or someone else's: all one 404. */
	if (!verify_is_uuid(req->params[0])) {
		http_error(req, 404, "not_found", NULL, "no such session");
		return;
	}
	rc = session_end(app->db, req->user_id, req->params[0]);
	if (rc == ACCOUNT_OK)
		http_no_content(req);
	else if (rc == ACCOUNT_NOT_FOUND)
		http_error(req, 404, "not_found", NULL, "no such session");
	else
		answer(req, rc, NULL);
}
