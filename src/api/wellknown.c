/* wellknown.c — GET /.well-known/jwks.json and
 * /.well-known/openid-configuration: what a relying party needs to check
 * our tokens without asking us. */
#include "config.h"

#include <stdio.h>

#include "api/app.h"
#include "auth/identity.h"
#include "auth/keyset.h"
#include "core/conf.h"
#include "core/jsonout.h"

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

/* Member key of o: the array of strings v (NULL-terminated). 0 or -1. */
static int
add_strings(json_object *o, const char *key, const char *const *v)
{
	json_object *a;

	if ((a = json_object_new_array()) == NULL)
		return -1;
	for (; *v != NULL; v++)
		if (jsonout_push(a, json_object_new_string(*v)) == -1) {
			json_object_put(a);
			return -1;
		}
	return jsonout_add(o, key, a);
}

/* Member key of o: the URL of path under base. 0 or -1. */
static int
add_url(json_object *o, const char *key, const char *base, const char *path)
{
	char url[CONF_STR_MAX + 64];

	snprintf(url, sizeof(url), "%s%s", base, path);
	return jsonout_string(o, key, url);
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
		"email_verified", "name", "amr", NULL
	};
	struct app	*app = ctx;
	const char	*base = app->conf->public_url;
	const char	*iss = app->identity->issuer;
	json_object	*o;

	if ((o = json_object_new_object()) == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	if (jsonout_string(o, "issuer", iss) == -1 ||
	    add_url(o, "jwks_uri", base, "/.well-known/jwks.json") == -1 ||
	    add_url(o, "authorization_endpoint", base,
	    "/api/v1/auth/login") == -1 ||
	    add_url(o, "token_endpoint", base, "/api/v1/auth/refresh") == -1 ||
	    add_url(o, "userinfo_endpoint", base, "/api/v1/me") == -1 ||
	    add_url(o, "revocation_endpoint", base,
	    "/api/v1/auth/logout") == -1 ||
	    add_strings(o, "response_types_supported", responses) == -1 ||
	    add_strings(o, "subject_types_supported", subjects) == -1 ||
	    add_strings(o, "id_token_signing_alg_values_supported",
	    rs256) == -1 ||
	    add_strings(o, "scopes_supported", scopes) == -1 ||
	    add_strings(o, "grant_types_supported", grants) == -1 ||
	    add_strings(o, "token_endpoint_auth_methods_supported",
	    none) == -1 ||
	    add_strings(o, "claims_supported", claims) == -1) {
		json_object_put(o);
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	(void)http_add_header(req, "Cache-Control", "public, max-age=300");
	http_json(req, 200, o);
}
