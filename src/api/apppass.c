/* apppass.c — /api/v1/me/app-passwords: make (the password shown once),
 * list and revoke the passwords calendar apps sign in with; and
 * /api/v1/me/caldav.mobileconfig, an Apple configuration profile that
 * sets up the CalDAV account (without a password). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/authform.h"
#include "auth/account.h"
#include "auth/apppass.h"
#include "auth/session.h"
#include "core/buf.h"
#include "core/jsonout.h"

#define MOBILECONFIG_MAX	16384	/* bytes of a profile */

static void
answer_rc(struct http_req *req, enum apppass_rc rc)
{
	switch (rc) {
	case APPPASS_NOT_FOUND:
		http_error(req, 404, "not_found", NULL, "no such app password");
		return;
	case APPPASS_INVALID:
		http_error(req, 422, "validation_failed", "name",
		    "name must be 1 to %d characters without control "
		    "characters", APPPASS_NAME_MAX);
		return;
	case APPPASS_LIMITED:
		http_error(req, 409, "conflict", NULL, "an account may hold "
		    "at most %d app passwords; revoke one first", APPPASS_MAX);
		return;
	case APPPASS_UNAVAILABLE:
		http_unavailable(req);
		return;
	default:
		http_error(req, 500, "internal", NULL, "internal error");
	}
}

/* {"id", "name", "created_at", "last_used_at"} (null when never used);
 * NULL when out of memory. */
static json_object *
item_json(const struct apppass *a)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (jsonout_string(o, "id", a->id) == -1 ||
	    jsonout_string(o, "name", a->name) == -1 ||
	    jsonout_string(o, "created_at", a->created_at) == -1)
		goto fail;
	if ((a->last_used_at[0] != '\0' ? jsonout_string(o, "last_used_at",
	    a->last_used_at) : jsonout_null(o, "last_used_at")) == -1)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

void
api_apppass_create(void *ctx, struct http_req *req)
{
	static const char *const fields[] = { "name", "code", NULL };
	struct app	*app = ctx;
	json_object	*body = NULL, *o = NULL;
	const char	*name = NULL;
	struct apppass	 a;
	char		 pw[APPPASS_LEN + 1];
	enum apppass_rc	 rc;

	if (http_json_body(req, &body) == -1)
		return;
	if (authform_only(req, body, fields) == -1 ||
	    authform_string(req, body, "name", 1, APPPASS_NAME_MAX, &name) ==
	    -1)
		goto out;
	if (!apppass_name_valid(name)) {
		answer_rc(req, APPPASS_INVALID);
		goto out;
	}
	/* With two-step sign-in on, a stolen session alone must not mint a
	 * password that skips the second step. */
	if (api_mfa_fresh_code(app, req, body) == -1)
		goto out;
	rc = apppass_create(app->db, req->user_id, name, &a, pw);
	if (rc == APPPASS_NOT_FOUND) {
		/* Deleted between the token check and now. */
		http_unauthorized(req, 1);
		goto out;
	}
	if (rc != APPPASS_OK) {
		answer_rc(req, rc);
		goto out;
	}
	if ((o = json_object_new_object()) == NULL ||
	    jsonout_string(o, "id", a.id) == -1 ||
	    jsonout_string(o, "name", a.name) == -1 ||
	    jsonout_string(o, "password", pw) == -1 ||
	    jsonout_string(o, "created_at", a.created_at) == -1) {
		http_error(req, 500, "internal", NULL, "internal error");
		goto out;
	}
	/* The password is in this answer only (http_send marks every
	 * answer no-store unless told otherwise). */
	http_json(req, 201, o);
	o = NULL;
out:
	json_object_put(o);
	json_object_put(body);
	OPENSSL_cleanse(pw, sizeof(pw));
}

void
api_apppass_list(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	struct apppass	*a = NULL;
	json_object	*root = NULL, *items = NULL;
	size_t		 i, n = 0;
	enum apppass_rc	 rc;

	if ((rc = apppass_list(app->db, req->user_id, &a, &n)) != APPPASS_OK) {
		answer_rc(req, rc);
		return;
	}
	if ((root = json_object_new_object()) == NULL ||
	    (items = json_object_new_array()) == NULL)
		goto fail;
	if (jsonout_add(root, "items", items) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (jsonout_push(items, item_json(&a[i])) == -1)
			goto fail;
	free(a);
	http_json(req, 200, root);
	return;
fail:
	free(a);
	json_object_put(root);
	http_error(req, 500, "internal", NULL, "internal error");
}

void
api_apppass_delete(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	enum apppass_rc	 rc;

	/* Malformed, unknown or someone else's: all one 404. */
	rc = apppass_delete(app->db, req->user_id, req->params[0]);
	if (rc == APPPASS_OK)
		http_no_content(req);
	else
		answer_rc(req, rc);
}

/* ------------------------------------------------------------ profile */

/* Appends s with the five XML special characters escaped. */
static enum buf_err
xml_text(struct buf *b, const char *s)
{
	enum buf_err	 e = BUF_OK;
	size_t		 run;

	while (*s != '\0' && e == BUF_OK) {
		run = strcspn(s, "&<>\"'");
		if (run > 0) {
			e = buf_add(b, s, run);
			s += run;
			continue;
		}
		switch (*s++) {
		case '&':
			e = buf_addstr(b, "&amp;");
			break;
		case '<':
			e = buf_addstr(b, "&lt;");
			break;
		case '>':
			e = buf_addstr(b, "&gt;");
			break;
		case '"':
			e = buf_addstr(b, "&quot;");
			break;
		default:
			e = buf_addstr(b, "&apos;");
		}
	}
	return e;
}

/* One <key>k</key><string>v</string> pair, v escaped. */
static enum buf_err
plist_string(struct buf *b, const char *key, const char *value)
{
	enum buf_err e;

	if ((e = buf_printf(b, "\t\t\t<key>%s</key>\n\t\t\t<string>", key)) !=
	    BUF_OK || (e = xml_text(b, value)) != BUF_OK)
		return e;
	return buf_addstr(b, "</string>\n");
}

/* The scheme, host and port of public_url ("https://host[:port][/path]").
 * -1 when it is not of that form. */
static int
split_url(const char *url, int *ssl, char *host, size_t hostlen, int *port)
{
	const char	*h, *end, *colon;
	char		*num_end;
	long		 v;

	if (strncmp(url, "https://", 8) == 0) {
		*ssl = 1;
		*port = 443;
		h = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		*ssl = 0;
		*port = 80;
		h = url + 7;
	} else
		return -1;
	end = h + strcspn(h, "/?#");
	colon = memchr(h, ':', (size_t)(end - h));
	if (colon != NULL) {
		v = strtol(colon + 1, &num_end, 10);
		if (num_end != end || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
	} else
		colon = end;
	if (colon == h || (size_t)(colon - h) >= hostlen)
		return -1;
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	return 0;
}

void
api_apppass_mobileconfig(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*me = NULL, *v;
	const char	*email;
	char		 host[256], principal[1200], uuid1[37], uuid2[37];
	char		 desc[300];
	int		 ssl, port;
	struct buf	 b;
	enum account_rc	 rc;

	buf_init(&b, MOBILECONFIG_MAX);
	if ((rc = account_get(app->db, req->user_id, &me)) != ACCOUNT_OK) {
		if (rc == ACCOUNT_NOT_FOUND)
			http_unauthorized(req, 1);
		else if (rc == ACCOUNT_UNAVAILABLE)
			http_unavailable(req);
		else
			http_error(req, 500, "internal", NULL,
			    "internal error");
		goto out;
	}
	if (!json_object_object_get_ex(me, "email", &v) ||
	    (email = json_object_get_string(v)) == NULL)
		goto fail;
	/* The configured base URL, never the request's Host header: a
	 * profile must point at the real server. */
	if (split_url(app->conf->public_url, &ssl, host, sizeof(host), &port)
	    == -1) {
		http_error(req, 500, "internal", NULL, "public_url is not an "
		    "http(s) URL");
		goto out;
	}
	if (session_uuid(uuid1) == -1 || session_uuid(uuid2) == -1)
		goto fail;
	snprintf(principal, sizeof(principal), "%s/dav/principals/%s/",
	    app->conf->public_url, req->user_id);
	snprintf(desc, sizeof(desc), "Aurora Time (%s)", email);
	if (buf_addstr(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\">\n<dict>\n"
	    "\t<key>PayloadContent</key>\n\t<array>\n\t\t<dict>\n") != BUF_OK ||
	    plist_string(&b, "CalDAVAccountDescription", desc) != BUF_OK ||
	    plist_string(&b, "CalDAVHostName", host) != BUF_OK ||
	    buf_printf(&b, "\t\t\t<key>CalDAVPort</key>\n"
	    "\t\t\t<integer>%d</integer>\n", port) != BUF_OK ||
	    plist_string(&b, "CalDAVPrincipalURL", principal) != BUF_OK ||
	    buf_printf(&b, "\t\t\t<key>CalDAVUseSSL</key>\n\t\t\t<%s/>\n",
	    ssl ? "true" : "false") != BUF_OK ||
	    plist_string(&b, "CalDAVUsername", email) != BUF_OK ||
	    plist_string(&b, "PayloadDescription", "Your Aurora Time "
	    "calendars in the Calendar app. It asks for an app password "
	    "made in Aurora Time's settings.") != BUF_OK ||
	    plist_string(&b, "PayloadDisplayName", desc) != BUF_OK ||
	    buf_printf(&b, "\t\t\t<key>PayloadIdentifier</key>\n"
	    "\t\t\t<string>time.aurora.caldav.%s.account</string>\n",
	    req->user_id) != BUF_OK ||
	    plist_string(&b, "PayloadType", "com.apple.caldav.account") !=
	    BUF_OK ||
	    plist_string(&b, "PayloadUUID", uuid1) != BUF_OK ||
	    buf_addstr(&b, "\t\t\t<key>PayloadVersion</key>\n"
	    "\t\t\t<integer>1</integer>\n\t\t</dict>\n\t</array>\n"
	    "\t<key>PayloadDisplayName</key>\n\t<string>") != BUF_OK ||
	    xml_text(&b, desc) != BUF_OK ||
	    buf_printf(&b, "</string>\n\t<key>PayloadIdentifier</key>\n"
	    "\t<string>time.aurora.caldav.%s</string>\n"
	    "\t<key>PayloadRemovalDisallowed</key>\n\t<false/>\n"
	    "\t<key>PayloadType</key>\n\t<string>Configuration</string>\n"
	    "\t<key>PayloadUUID</key>\n\t<string>%s</string>\n"
	    "\t<key>PayloadVersion</key>\n\t<integer>1</integer>\n"
	    "</dict>\n</plist>\n", req->user_id, uuid2) != BUF_OK)
		goto fail;
	(void)http_add_header(req, "Content-Disposition",
	    "attachment; filename=\"aurora-time.mobileconfig\"");
	(void)http_add_header(req, "Cache-Control", "private, no-store");
	http_send(req, 200, "application/x-apple-aspen-config", b.data, b.len);
	goto out;
fail:
	http_error(req, 500, "internal", NULL, "internal error");
out:
	json_object_put(me);
	buf_free(&b);
}
