/* auth.c — the identity endpoints under /api/v1/auth/: sign-up, codes,
 * sign-in, token refresh, sign-out, password reset, and the auth_request
 * check for nginx. Input is checked here; the rules live in src/auth/. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/authform.h"
#include "auth/account.h"
#include "auth/device.h"
#include "auth/identity.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "auth/verify.h"
#include "core/jsonout.h"

/* Where browsers send the device cookie back: sign-in only. */
#define AUTH_DEVICE_PATH	"/api/v1/auth/login"

static void
fail(struct http_req *req, enum account_rc rc)
{
	if (rc == ACCOUNT_UNAVAILABLE)
		http_unavailable(req);
	else
		http_error(req, 500, "internal", NULL, "internal error");
}

/* Every 401 of this API says only that the credentials were not good. */
static void
deny(struct http_req *req, const char *message)
{
	(void)http_add_header(req, "WWW-Authenticate",
	    "Bearer error=\"invalid_token\"");
	http_error(req, 401, "unauthorized", NULL, "%s", message);
}

static void
accepted(struct http_req *req)
{
	json_object *o;

	if ((o = json_object_new_object()) != NULL &&
	    jsonout_string(o, "status", "accepted") == -1) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	http_json(req, 202, o);
}

/* device: a fresh device token to hand out with the tokens, or NULL. */
static void
send_tokens(struct http_req *req, const struct session_tokens *t,
    const char *device)
{
	json_object *o;

	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "access_token", t->access_token) == -1 ||
	    jsonout_string(o, "id_token", t->id_token) == -1 ||
	    jsonout_string(o, "refresh_token", t->refresh_token) == -1 ||
	    jsonout_string(o, "token_type", "Bearer") == -1 ||
	    jsonout_int(o, "expires_in", t->expires_in) == -1 ||
	    (device != NULL && *device != '\0' &&
	    jsonout_string(o, "device_token", device) == -1)) {
		json_object_put(o);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	/* RFC 6749 5.1: token answers are never cached. */
	(void)http_add_header(req, "Cache-Control", "no-store");
	(void)http_add_header(req, "Pragma", "no-cache");
	http_json(req, 200, o);
}

/* The account-mail budget of the client's network and of the service,
 * taken before anything looks at the address, so that a 429 says nothing
 * about it. 0 when there was room; -1 after answering 429 (or 503/500). */
static int
mail_budget(struct app *app, struct http_req *req)
{
	enum throttle_scope	scope;
	enum account_rc		rc;
	long			retry;

	rc = throttle_account_mail(app->db, app->conf, req->remote_addr,
	    time(NULL), &scope, &retry);
	if (rc == ACCOUNT_OK)
		return 0;
	if (rc != ACCOUNT_LIMITED) {
		fail(req, rc);
		return -1;
	}
	metrics_count(app->metrics, scope == THROTTLE_GLOBAL ?
	    METRICS_MAIL_LIMITED_GLOBAL : METRICS_MAIL_LIMITED_NETWORK);
	(void)http_add_header(req, "Retry-After", "%ld", retry);
	if (scope == THROTTLE_GLOBAL)
		http_error(req, 429, "rate_limited", NULL, "the service has "
		    "sent all the account mail it may for now; retry in %ld "
		    "seconds", retry);
	else
		http_error(req, 429, "rate_limited", NULL, "too many account "
		    "mails were asked for from this network; retry in %ld "
		    "seconds", retry);
	return -1;
}

void
api_auth_signup(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"email", "password", "name", NULL
	};
	struct app	*app = ctx;
	json_object	*body = NULL, *o;
	const char	*pw, *name = "";
	char		 email[ACCOUNT_EMAIL_MAX + 1], uid[37];
	size_t		 pwlen;
	enum account_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_email(req, body, "email", email) == -1 ||
	    authform_password(req, body, "password", &pw, &pwlen) == -1 ||
	    authform_string(req, body, "name", 0, ACCOUNT_NAME_MAX, &name) ==
	    -1 || mail_budget(app, req) == -1)
		goto out;
	if ((rc = account_signup(app->db, app->identity, email, pw, pwlen,
	    name, uid)) != ACCOUNT_OK) {
		fail(req, rc);
		goto out;
	}
	if ((o = json_object_new_object()) != NULL &&
	    (jsonout_string(o, "user_id", uid) == -1 ||
	    jsonout_string(o, "email", email) == -1 ||
	    jsonout_bool(o, "confirmed", 0) == -1)) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	http_json(req, 201, o);
out:
	json_object_put(body);
}

/* password is optional: with it the right code makes it the account's
 * password (account_confirm says why); it follows sign-up's rules. */
void
api_auth_confirm(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"email", "code", "password", NULL
	};
	struct app		*app = ctx;
	struct account_user	 u;
	json_object		*body = NULL, *o;
	const char		*pw = NULL;
	char			 email[ACCOUNT_EMAIL_MAX + 1], code[7];
	size_t			 pwlen = 0;
	enum account_rc		 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_email(req, body, "email", email) == -1 ||
	    authform_code(req, body, "code", code) == -1)
		goto out;
	if (json_object_object_get_ex(body, "password", NULL) &&
	    authform_password(req, body, "password", &pw, &pwlen) == -1)
		goto out;
	rc = account_confirm(app->db, app->identity, email, code, pw, pwlen,
	    &u);
	if (rc == ACCOUNT_DENIED) {
		/* One answer for every bad case, the spent daily guess
		 * budget included: no address is told apart. */
		http_error(req, 422, "validation_failed", "code",
		    "the code is wrong, used or expired, or too many wrong "
		    "codes were tried today: ask for a new one, or try again "
		    "tomorrow");
		goto out;
	}
	if (rc == ACCOUNT_NEED_PASSWORD) {
		/* Only the code's reader gets here; the code stays valid. */
		http_error(req, 422, "validation_failed", "password",
		    "more than one sign-up used this address: send the "
		    "password you chose with the code");
		goto out;
	}
	if (rc != ACCOUNT_OK) {
		fail(req, rc);
		goto out;
	}
	if ((o = json_object_new_object()) != NULL &&
	    (jsonout_string(o, "user_id", u.id) == -1 ||
	    jsonout_string(o, "email", u.email) == -1 ||
	    jsonout_bool(o, "confirmed", 1) == -1)) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	http_json(req, 200, o);
out:
	json_object_put(body);
}

/* resend and forgot: one address in, 202 out whatever became of it. */
static void
address_only(struct app *app, struct http_req *req,
    enum account_rc (*fn)(struct db *, const struct identity *,
    const char *))
{
	static const char *const fields[] = { "email", NULL };
	json_object	*body = NULL;
	char		 email[ACCOUNT_EMAIL_MAX + 1];
	enum account_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_email(req, body, "email", email) == -1 ||
	    mail_budget(app, req) == -1)
		goto out;
	if ((rc = fn(app->db, app->identity, email)) != ACCOUNT_OK) {
		fail(req, rc);
		goto out;
	}
	accepted(req);
out:
	json_object_put(body);
}

void
api_auth_resend(void *ctx, struct http_req *req)
{
	address_only(ctx, req, account_resend);
}

void
api_auth_forgot(void *ctx, struct http_req *req)
{
	address_only(ctx, req, account_forgot);
}

/* Answers a call that mints tokens: them, a 401 saying why, or the
 * failure. */
static void
answer_tokens(struct http_req *req, enum account_rc rc,
    const struct session_tokens *t, const char *why, const char *device)
{
	if (rc == ACCOUNT_DENIED)
		deny(req, why);
	else if (rc != ACCOUNT_OK)
		fail(req, rc);
	else
		send_tokens(req, t, device);
}

/* The values of every aurora_device cookie in the Cookie header (a browser
 * sends one per matching path), at most ACCOUNT_DEVICES_MAX of them into
 * cl; values too long to be ours are skipped. */
static void
device_cookies(struct http_req *req, struct account_client *cl,
    char vals[][DEVICE_TOKEN_MAX + 1])
{
	const char	*h, *p, *end, *eq;
	size_t		 nlen = strlen(DEVICE_COOKIE), vlen;

	if ((h = http_header_in(req, "HTTP_COOKIE")) == NULL)
		return;
	for (p = h; *p != '\0' && cl->ndevices < ACCOUNT_DEVICES_MAX;
	    p = *end != '\0' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
		    (size_t)(eq - p) != nlen || strncmp(p, DEVICE_COOKIE, nlen)
		    != 0)
			continue;
		vlen = (size_t)(end - eq - 1);
		while (vlen > 0 && (eq[vlen] == ' ' || eq[vlen] == '\t'))
			vlen--;
		if (vlen == 0 || vlen > DEVICE_TOKEN_MAX)
			continue;
		memcpy(vals[cl->ndevices], eq + 1, vlen);
		vals[cl->ndevices][vlen] = '\0';
		cl->devices[cl->ndevices] = vals[cl->ndevices];
		cl->ndevices++;
	}
}

/* Hands a fresh device token to a browser: HttpOnly (scripts never need
 * it), SameSite=Strict, only ever sent back to sign-in, and Secure when
 * the service is reached over https. */
static void
set_device_cookie(struct app *app, struct http_req *req, const char *token)
{
	const char	*https = http_getenv(req, "HTTPS");
	int		 secure;

	secure = (https != NULL && strcmp(https, "on") == 0) ||
	    strncmp(app->conf->public_url, "https://", 8) == 0;
	(void)http_add_header(req, "Set-Cookie", "%s=%s; Path=%s; Max-Age=%d; "
	    "HttpOnly; SameSite=Strict%s", DEVICE_COOKIE, token,
	    AUTH_DEVICE_PATH, app->conf->login_device_ttl,
	    secure ? "; Secure" : "");
}

/* A right password with two-step sign-in on: 200 {"challenge": "totp",
 * "session"} and no tokens (the device token, asked for in the body, goes
 * with it as with tokens). */
static void
send_challenge(struct app *app, struct http_req *req,
    const struct account_user *u, const char *device)
{
	json_object	*o;
	char		 session[TOTP_CHALLENGE_LEN + 1];
	enum totp_rc	 rc;

	if ((rc = totp_challenge_new(app->db, u->id, session)) != TOTP_OK) {
		fail(req, rc == TOTP_UNAVAILABLE ? ACCOUNT_UNAVAILABLE :
		    ACCOUNT_ERROR);
		return;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "challenge", "totp") == -1 ||
	    jsonout_string(o, "session", session) == -1 ||
	    jsonout_int(o, "expires_in", TOTP_CHALLENGE_TTL) == -1 ||
	    (device != NULL && *device != '\0' &&
	    jsonout_string(o, "device_token", device) == -1)) {
		json_object_put(o);
		o = NULL;	/* http_json answers 500 */
	}
	(void)http_add_header(req, "Cache-Control", "no-store");
	http_json(req, 200, o);
}

/* The second step of a sign-in: {"session", "code"} or {"session",
 * "recovery_code"} → the usual tokens, whose amr says a second factor was
 * used. Every wrong answer is one 401; the limits answer 429. */
void
api_auth_mfa(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"session", "code", "recovery_code", NULL
	};
	struct app		*app = ctx;
	struct account_user	 u;
	struct session_client	 sc;
	struct session_tokens	 t;
	json_object		*body = NULL;
	const char		*session = NULL, *recovery = NULL;
	char			 code[7] = "";
	long			 retry = 0;
	int			 has_code;
	enum totp_rc		 tr;
	enum account_rc		 rc;

	memset(&t, 0, sizeof(t));
	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_string(req, body, "session", 1, TOTP_CHALLENGE_LEN + 64,
	    &session) == -1)
		goto out;
	has_code = json_object_object_get_ex(body, "code", NULL);
	if (has_code == json_object_object_get_ex(body, "recovery_code",
	    NULL)) {
		http_error(req, 422, "validation_failed", "code", "send "
		    "either code (from the authenticator app) or "
		    "recovery_code");
		goto out;
	}
	if ((has_code && authform_code(req, body, "code", code) == -1) ||
	    (!has_code && authform_string(req, body, "recovery_code", 1,
	    TOTP_RECOVERY_INPUT_MAX, &recovery) == -1))
		goto out;
	tr = totp_challenge_answer(app->db, app->identity, session,
	    has_code ? code : NULL, recovery, time(NULL), &u, &retry);
	switch (tr) {
	case TOTP_OK:
		break;
	case TOTP_LIMITED:
		metrics_count(app->metrics, METRICS_LOGIN_LIMITED_ACCOUNT);
		(void)http_add_header(req, "Retry-After", "%ld", retry);
		http_error(req, 429, "rate_limited", NULL, "too many wrong "
		    "codes; retry in %ld seconds", retry);
		goto out;
	case TOTP_DENIED:
		deny(req, "the code is wrong, or the sign-in expired: sign in "
		    "again");
		goto out;
	default:
		fail(req, tr == TOTP_UNAVAILABLE ? ACCOUNT_UNAVAILABLE :
		    ACCOUNT_ERROR);
		goto out;
	}
	sc.user_agent = http_header_in(req, "HTTP_USER_AGENT");
	sc.addr = req->remote_addr;
	rc = session_open_client(app->db, app->identity, &u, SESSION_AMR_MFA,
	    time(NULL), &sc, &t);
	answer_tokens(req, rc, &t, "the sign-in expired: sign in again",
	    NULL);
out:
	session_tokens_free(&t);
	json_object_put(body);
	OPENSSL_cleanse(code, sizeof(code));
}

/* The device token travels in the aurora_device cookie (browsers: script
 * never sees it) or, for an app that sends a "device_token" member (its
 * stored token, or "" the first time), in the body as well: each sign-in
 * hands out a fresh one. */
void
api_auth_login(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"email", "password", "device_token", NULL
	};
	struct app		*app = ctx;
	struct account_user	 u;
	struct account_client	 cl;
	struct session_client	 sc;
	struct session_tokens	 t;
	json_object		*body = NULL;
	const char		*pw, *dt = NULL;
	char			 email[ACCOUNT_EMAIL_MAX + 1];
	char			 vals[ACCOUNT_DEVICES_MAX][DEVICE_TOKEN_MAX + 1];
	size_t			 pwlen;
	enum account_rc		 rc;
	enum totp_rc		 tr;
	int			 in_body, on = 0;

	memset(&t, 0, sizeof(t));
	memset(&cl, 0, sizeof(cl));
	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_email(req, body, "email", email) == -1 ||
	    authform_password(req, body, "password", &pw, &pwlen) == -1 ||
	    (in_body = authform_string(req, body, "device_token", 0,
	    DEVICE_TOKEN_MAX, &dt)) == -1)
		goto out;
	cl.addr = req->remote_addr;
	if (dt != NULL && *dt != '\0')
		cl.devices[cl.ndevices++] = dt;
	device_cookies(req, &cl, vals);
	rc = account_login(app->db, app->identity, email, pw, pwlen, &cl, &u);
	if (rc == ACCOUNT_LIMITED) {
		metrics_count(app->metrics,
		    cl.limited_by == ACCOUNT_LIMIT_ADDRESS ?
		    METRICS_LOGIN_LIMITED_ADDRESS :
		    cl.limited_by == ACCOUNT_LIMIT_DEVICE ?
		    METRICS_LOGIN_LIMITED_DEVICE : METRICS_LOGIN_LIMITED_ACCOUNT);
		(void)http_add_header(req, "Retry-After", "%ld",
		    cl.retry_after);
		http_error(req, 429, "rate_limited", NULL,
		    "too many failed sign-ins; retry in %ld seconds",
		    cl.retry_after);
		goto out;
	}
	if (rc == ACCOUNT_OK && cl.new_device[0] != '\0')
		set_device_cookie(app, req, cl.new_device);
	/* With two-step sign-in on, the password earns a challenge, not
	 * tokens (POST /api/v1/auth/mfa). */
	if (rc == ACCOUNT_OK && (tr = totp_status(app->db, u.id, &on)) !=
	    TOTP_OK) {
		fail(req, tr == TOTP_UNAVAILABLE ? ACCOUNT_UNAVAILABLE :
		    ACCOUNT_ERROR);
		goto out;
	}
	if (rc == ACCOUNT_OK && on) {
		send_challenge(app, req, &u, in_body == 1 ? cl.new_device :
		    NULL);
		goto out;
	}
	/* session_open never denies: a 401 here is about the password. */
	if (rc == ACCOUNT_OK) {
		sc.user_agent = http_header_in(req, "HTTP_USER_AGENT");
		sc.addr = req->remote_addr;
		rc = session_open_client(app->db, app->identity, &u,
		    SESSION_AMR_PWD, time(NULL), &sc, &t);
	}
	answer_tokens(req, rc, &t, "incorrect email or password",
	    in_body == 1 ? cl.new_device : NULL);
out:
	session_tokens_free(&t);
	json_object_put(body);
}

/* A body that is exactly {"refresh_token": "..."}: -1 when it is not
 * (answered); *body is the caller's to put either way. */
static int
refresh_body(struct http_req *req, json_object **body, const char **refresh)
{
	static const char *const fields[] = { "refresh_token", NULL };

	*body = NULL;
	if (http_json_body(req, body) == -1)
		return -1;
	if (authform_only(req, *body, fields) == -1 ||
	    authform_token(req, *body, "refresh_token", refresh) == -1)
		return -1;
	return 0;
}

void
api_auth_refresh(void *ctx, struct http_req *req)
{
	struct app		*app = ctx;
	struct session_client	 sc;
	struct session_tokens	 t;
	json_object		*body = NULL;
	const char		*refresh;
	enum account_rc		 rc;

	memset(&t, 0, sizeof(t));
	if (refresh_body(req, &body, &refresh) == -1)
		goto out;
	sc.user_agent = http_header_in(req, "HTTP_USER_AGENT");
	sc.addr = req->remote_addr;
	rc = session_refresh_client(app->db, app->identity, refresh, time(NULL),
	    &sc, &t);
	answer_tokens(req, rc, &t, "the refresh token is not valid", NULL);
out:
	session_tokens_free(&t);
	json_object_put(body);
}

void
api_auth_logout(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*body = NULL;
	const char	*refresh;
	enum account_rc	 rc;

	if (refresh_body(req, &body, &refresh) == -1)
		goto out;
	if ((rc = session_logout(app->db, refresh)) != ACCOUNT_OK) {
		fail(req, rc);
		goto out;
	}
	http_no_content(req);
out:
	json_object_put(body);
}

void
api_auth_logout_all(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	enum account_rc	 rc;

	if ((rc = session_logout_all(app->db, req->user_id)) != ACCOUNT_OK) {
		fail(req, rc);
		return;
	}
	http_no_content(req);
}

void
api_auth_reset(void *ctx, struct http_req *req)
{
	static const char *const fields[] = {
		"email", "code", "new_password", NULL
	};
	struct app	*app = ctx;
	json_object	*body = NULL;
	const char	*pw;
	char		 email[ACCOUNT_EMAIL_MAX + 1], code[7];
	size_t		 pwlen;
	enum account_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_email(req, body, "email", email) == -1 ||
	    authform_code(req, body, "code", code) == -1 ||
	    authform_password(req, body, "new_password", &pw, &pwlen) == -1)
		goto out;
	rc = account_reset(app->db, app->identity, email, code, pw, pwlen);
	if (rc == ACCOUNT_DENIED) {
		http_error(req, 422, "validation_failed", "code",
		    "the code is wrong, used or expired, or too many wrong "
		    "codes were tried today: ask for a new one, or try again "
		    "tomorrow");
		goto out;
	}
	if (rc != ACCOUNT_OK) {
		fail(req, rc);
		goto out;
	}
	http_no_content(req);
out:
	json_object_put(body);
}

void
api_auth_verify(void *ctx, struct http_req *req)
{
	struct verify_user u;

	if (app_authenticate_user(ctx, req, &u) == -1)
		return;
	(void)http_add_header(req, "X-Aurora-User", "%s", u.user_id);
	(void)http_add_header(req, "X-Aurora-Email", "%s", u.email);
	(void)http_add_header(req, "Cache-Control", "no-store");
	http_no_content(req);
}
