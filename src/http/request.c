/* request.c — reading a request: parameters, the body with its cap, and JSON
 * bodies checked for type, size, depth and UTF-8 before handlers see them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "http/http.h"
#include "http/internal.h"

const char *
http_getenv(const struct http_req *req, const char *name)
{
	if (req->fcgi == NULL)
		return NULL;
	return FCGX_GetParam(name, req->fcgi->envp);
}

/* Strict decimal: digits only, no sign, no blanks, no overflow. */
long
http_parse_length(const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -2;
		if (v > (0x7fffffffL - (*s - '0')) / 10)
			return -2;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
http_req_init(struct http_req *req, struct FCGX_Request *fcgi)
{
	const char	*uri, *q, *id;
	size_t		 plen;

	memset(req, 0, sizeof(*req));
	req->fcgi = fcgi;
	buf_init(&req->body, 0);
	req->route_idx = -1;
	req->method_name = http_getenv(req, "REQUEST_METHOD");
	req->method = req->method_name ? http_method_parse(req->method_name) : -1;
	if (req->method_name == NULL)
		req->method_name = "-";
	req->content_type = http_getenv(req, "CONTENT_TYPE");
	if (req->content_type != NULL && *req->content_type == '\0')
		req->content_type = NULL;
	req->content_length = http_parse_length(http_getenv(req,
	    "CONTENT_LENGTH"));
	req->authorization = http_getenv(req, "HTTP_AUTHORIZATION");
	req->remote_addr = http_getenv(req, "REMOTE_ADDR");
	if ((id = http_getenv(req, "REQUEST_ID")) != NULL &&
	    strlen(id) < sizeof(req->request_id) &&
	    strspn(id, "0123456789abcdefABCDEF-") == strlen(id))
		memcpy(req->request_id, id, strlen(id) + 1);

	if ((uri = http_getenv(req, "REQUEST_URI")) == NULL)
		uri = "/";
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) : strlen(uri);
	req->query = q ? q + 1 : "";
	if (plen >= sizeof(req->path) || strlen(req->query) > HTTP_QUERY_MAX)
		return -1;
	memcpy(req->path, uri, plen);
	req->path[plen] = '\0';
	return 0;
}

void
http_req_free(struct http_req *req)
{
	buf_free(&req->body);
}

int
http_read_body(struct http_req *req, long cap)
{
	char	 chunk[8192];
	int	 n;
	long	 want;

	if (req->content_length == -2) {
		http_error(req, 400, "bad_request", NULL,
		    "Content-Length is not a number");
		return -1;
	}
	if (req->content_length > cap) {
		http_error(req, 413, "payload_too_large", NULL,
		    "request body is larger than %ld bytes", cap);
		return -1;
	}
	want = req->content_length < 0 ? 0 : req->content_length;
	buf_free(&req->body);
	buf_init(&req->body, (size_t)cap);
	if (buf_add(&req->body, "", 0) != BUF_OK)
		goto nomem;
	while (want > 0) {
		n = FCGX_GetStr(chunk, want < (long)sizeof(chunk) ?
		    (int)want : (int)sizeof(chunk), req->fcgi->in);
		if (n <= 0) {
			http_error(req, 400, "bad_request", NULL,
			    "request body ended early");
			return -1;
		}
		if (buf_add(&req->body, chunk, (size_t)n) != BUF_OK)
			goto nomem;
		want -= n;
	}
	return 0;
nomem:
	http_error(req, 500, "internal", NULL, "internal error");
	return -1;
}

/* application/json, optionally with "; charset=utf-8" (any case). */
int
http_is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	if (*ct == '\0')
		return 1;
	if (*ct++ != ';')
		return 0;
	while (*ct == ' ')
		ct++;
	return strcasecmp(ct, "charset=utf-8") == 0 ||
	    strcasecmp(ct, "charset=\"utf-8\"") == 0;
}

json_object *
http_json_parse(const char *data, size_t len, char *why, size_t whylen)
{
	struct json_tokener	*tok;
	json_object		*o = NULL;
	enum json_tokener_error	 jerr;

	if (memchr(data, '\0', len) != NULL) {
		snprintf(why, whylen, "body contains a NUL byte");
		return NULL;
	}
	if (http_json_check(data, len, HTTP_JSON_DEPTH, why, whylen) == -1)
		return NULL;
	if ((tok = json_tokener_new_ex(HTTP_JSON_DEPTH + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		/* json-c waits for more input; the body has ended. */
		json_object_put(o);
		o = NULL;
		snprintf(why, whylen, "body is not complete JSON");
	} else if (jerr != json_tokener_success) {
		snprintf(why, whylen, "body is not valid JSON: %s at byte %zu",
		    json_tokener_error_desc(jerr),
		    json_tokener_get_parse_end(tok));
	} else if (json_tokener_get_parse_end(tok) < len) {
		size_t i = json_tokener_get_parse_end(tok);

		while (i < len && strchr(" \t\r\n", data[i]) != NULL)
			i++;
		if (i < len) {
			json_object_put(o);
			o = NULL;
			snprintf(why, whylen, "body has data after the JSON "
			    "value at byte %zu", i);
		}
	}
	json_tokener_free(tok);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		snprintf(why, whylen, "body must be a JSON object");
	}
	return o;
}

int
http_json_body(struct http_req *req, json_object **out)
{
	char why[160];

	*out = NULL;
	if (!http_is_json_type(req->content_type)) {
		http_error(req, 415, "unsupported_media_type", NULL,
		    "send the body as application/json");
		return -1;
	}
	if (http_read_body(req, req->max_body) == -1)
		return -1;
	if (req->body.len == 0) {
		http_error(req, 400, "invalid_json", NULL,
		    "request body is empty");
		return -1;
	}
	if ((*out = http_json_parse(req->body.data, req->body.len, why,
	    sizeof(why))) == NULL) {
		http_error(req, 400, "invalid_json", NULL, "%s", why);
		return -1;
	}
	return 0;
}
