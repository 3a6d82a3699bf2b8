/* authform.c — identity request bodies (see authform.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "api/authform.h"
#include "auth/passwd.h"

int
authform_only(struct http_req *req, json_object *o,
    const char *const *allowed)
{
	size_t i;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			http_error(req, 422, "validation_failed", key,
			    "unknown field \"%.64s\"", key);
			return -1;
		}
	}
	return 0;
}

/* The value of member name if it is a string without NUL; 0 absent, -1
 * wrong type (answered), 1 found. */
static int
get_string(struct http_req *req, json_object *o, const char *name,
    int required, const char **s, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v)) {
		if (!required)
			return 0;
		http_error(req, 422, "validation_failed", name,
		    "%s is required", name);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		http_error(req, 422, "validation_failed", name,
		    "%s must be a string", name);
		return -1;
	}
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *len) {
		http_error(req, 422, "validation_failed", name,
		    "%s must not contain NUL characters", name);
		return -1;
	}
	return 1;
}

int
authform_string(struct http_req *req, json_object *o, const char *name,
    int required, size_t maxchars, const char **out)
{
	const char	*s;
	size_t		 len, i, chars = 0;
	int		 rc;

	if ((rc = get_string(req, o, name, required, &s, &len)) != 1)
		return rc;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			http_error(req, 422, "validation_failed", name,
			    "%s must not contain control characters", name);
			return -1;
		}
		/* The body is valid UTF-8 already: count lead bytes. */
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	if (chars > maxchars) {
		http_error(req, 422, "validation_failed", name,
		    "%s must be at most %zu characters", name, maxchars);
		return -1;
	}
	*out = s;
	return 1;
}

int
authform_email(struct http_req *req, json_object *o, const char *name,
    char out[ACCOUNT_EMAIL_MAX + 1])
{
	const char	*s;
	size_t		 len;

	if (get_string(req, o, name, 1, &s, &len) != 1)
		return -1;
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len > ACCOUNT_EMAIL_MAX) {
		http_error(req, 422, "validation_failed", name,
		    "%s must be an email address of at most %d characters",
		    name, ACCOUNT_EMAIL_MAX);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	if (!account_email_valid(out)) {
		http_error(req, 422, "validation_failed", name,
		    "%s is not a valid email address", name);
		return -1;
	}
	return 0;
}

int
authform_password(struct http_req *req, json_object *o, const char *name,
    const char **pw, size_t *len)
{
	if (get_string(req, o, name, 1, pw, len) != 1)
		return -1;
	switch (passwd_check_policy(*pw, *len)) {
	case PASSWD_OK:
		return 0;
	case PASSWD_TOO_SHORT:
		http_error(req, 422, "validation_failed", name,
		    "%s must be at least %d characters", name,
		    PASSWD_MIN_CHARS);
		return -1;
	case PASSWD_TOO_LONG:
		http_error(req, 422, "validation_failed", name,
		    "%s must be at most %d characters", name,
		    PASSWD_MAX_CHARS);
		return -1;
	case PASSWD_INVALID:
		break;
	}
	http_error(req, 422, "validation_failed", name,
	    "%s must be valid UTF-8 without NUL characters", name);
	return -1;
}

int
authform_code(struct http_req *req, json_object *o, const char *name,
    char out[7])
{
	const char	*s;
	size_t		 len;

	if (get_string(req, o, name, 1, &s, &len) != 1)
		return -1;
	if (len != 6 || strspn(s, "0123456789") != 6) {
		http_error(req, 422, "validation_failed", name,
		    "%s must be the 6 digits from the mail", name);
		return -1;
	}
	memcpy(out, s, 7);
	return 0;
}

int
authform_token(struct http_req *req, json_object *o, const char *name,
    const char **out)
{
	size_t len;

	if (get_string(req, o, name, 1, out, &len) != 1)
		return -1;
	if (len == 0 || len > 256) {
		http_error(req, 422, "validation_failed", name,
		    "%s must be a refresh token", name);
		return -1;
	}
	return 0;
}
