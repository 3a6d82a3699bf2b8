/* wellknown.c — GET /.well-known/jwks.json and
 * /.well-known/openid-configuration: what a relying party needs to check
 * our tokens without asking us. */
#include "config.h"

#include <stdio.h>

#include "api/app.h"
#include "auth/identity.h"
#include "auth/keyset.h"
#include "core/conf.h"

void
api_wellknown_jwks(void *ctx, struct http_req *req)
{
	struct app	*app = ctx;
	json_object	*o;

	o = keyset_jwks(app->identity->keys);
	/* Short enough that a new key is seen well before it signs. */
	(void)http_add_header(req, "Cache-Control", "public, max-age=300");
	http_json(req, 200, o);
}

static json_object *
strings(const char *const *v)
{
	json_object *a;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (; *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

void
api_wellknown_openid(void *ctx, struct http_req *req)
{
	static const char *const none[] = { "none", NULL };
	static const char *const rs256[] = { "RS256", NULL };
	static const char *const subjects[] = { "public", NULL };
	static const char *const scopes[] = {
		"openid", "email", "profile", NULL
	};
	static const char *const grants[] = {
		"password", "refresh_token", NULL
	};
	static const char *const responses[] = { "token", NULL };
	static const char *const claims[] = {
		"iss", "sub", "aud", "client_id", "token_use", "exp", "iat",
		"auth_time", "jti", "origin_jti", "scope", "username", "email",
		"email_verified", "name", NULL
	};
	struct app	*app = ctx;
	const char	*base = app->conf->public_url;
	const char	*iss = app->identity->issuer;
	json_object	*o;
	char		 url[CONF_STR_MAX + 64];

	if ((o = json_object_new_object()) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	json_object_object_add(o, "issuer", json_object_new_string(iss));
	snprintf(url, sizeof(url), "%s/.well-known/jwks.json", base);
	json_object_object_add(o, "jwks_uri", json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/api/v1/auth/login", base);
	json_object_object_add(o, "authorization_endpoint",
	    json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/api/v1/auth/refresh", base);
	json_object_object_add(o, "token_endpoint",
	    json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/api/v1/me", base);
	json_object_object_add(o, "userinfo_endpoint",
	    json_object_new_string(url));
	snprintf(url, sizeof(url), "%s/api/v1/auth/logout", base);
	json_object_object_add(o, "revocation_endpoint",
	    json_object_new_string(url));
	json_object_object_add(o, "response_types_supported",
	    strings(responses));
	json_object_object_add(o, "subject_types_supported",
	    strings(subjects));
	json_object_object_add(o, "id_token_signing_alg_values_supported",
	    strings(rs256));
	json_object_object_add(o, "scopes_supported", strings(scopes));
	json_object_object_add(o, "grant_types_supported", strings(grants));
	json_object_object_add(o, "token_endpoint_auth_methods_supported",
	    strings(none));
	json_object_object_add(o, "claims_supported", strings(claims));
	(void)http_add_header(req, "Cache-Control", "public, max-age=300");
	http_json(req, 200, o);
}
