/* response.c — writing answers: status line, headers, JSON bodies and the
 * one error shape every endpoint uses. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "core/jsonout.h"

#include "http/http.h"

static const struct {
	int		 code;
	const char	*reason;
} http_reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 207, "Multi-Status" },
	{ 301, "Moved Permanently" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
	{ 412, "Precondition Failed" }, { 413, "Payload Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Entity" }, { 423, "Locked" },
	{ 424, "Failed Dependency" }, { 428, "Precondition Required" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 507, "Insufficient Storage" },
};

static const char *const http_methods[HTTP_METHOD__MAX] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
	"PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL", "COPY",
	"MOVE", "LOCK", "UNLOCK", "ACL"
};

const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
		if (http_reasons[i].code == status)
			return http_reasons[i].reason;
	return "Unknown";
}

const char *
http_method_name(int method)
{
	if (method < 0 || method >= HTTP_METHOD__MAX)
		return "-";
	return http_methods[method];
}

int
http_method_parse(const char *name)
{
	int i;

	for (i = 0; i < HTTP_METHOD__MAX; i++)
		if (strcmp(http_methods[i], name) == 0)
			return i;
	return -1;
}

int
http_add_header(struct http_req *req, const char *name, const char *fmt, ...)
{
	char	 value[1024];
	va_list	 ap;
	int	 n;
	size_t	 room = sizeof(req->headers) - req->headers_len;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) || strpbrk(value, "\r\n"))
		return -1;
	n = snprintf(req->headers + req->headers_len, room, "%s: %s\r\n",
	    name, value);
	if (n < 0 || (size_t)n >= room) {
		req->headers[req->headers_len] = '\0';
		return -1;
	}
	req->headers_len += (size_t)n;
	return 0;
}

void
http_send(struct http_req *req, int status, const char *content_type,
    const void *body, size_t len)
{
	char	 head[HTTP_HEADERS_MAX + 512], clen[48] = "";
	int	 n;
	int	(*gate)(struct http_req *, void *);

	if (req->status != 0)
		return;
	/* Taken off first: the gate may answer through http_send itself. */
	if ((gate = req->gate) != NULL) {
		req->gate = NULL;
		if (gate(req, req->gate_arg) != 0)
			return;
	}
	req->status = status;
	if (req->fcgi == NULL)
		return;
	/* RFC 9110: no Content-Length on 204 and 304. libfcgi's own printf
	 * lacks %zu, so the head is built here. */
	if (status != 204 && status != 304)
		snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", len);
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n%s%s%s"
	    "%s%s%s%s%s%s\r\n",
	    status, http_reason(status),
	    content_type ? "Content-Type: " : "",
	    content_type ? content_type : "", content_type ? "\r\n" : "",
	    clen,
	    req->request_id[0] ? "X-Request-Id: " : "", req->request_id,
	    req->request_id[0] ? "\r\n" : "",
	    strstr(req->headers, "Cache-Control:") ? "" :
	    "Cache-Control: no-store\r\n", req->headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	FCGX_PutStr(head, n, req->fcgi->out);
	if (len > 0 && status != 204 && status != 304 &&
	    req->method != HTTP_HEAD)
		FCGX_PutStr(body, (int)len, req->fcgi->out);
}

void
http_json(struct http_req *req, int status, json_object *o)
{
	const char	*s;
	size_t		 len;

	if (o == NULL) {
		http_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	http_json_text(req, status, s, len);
	json_object_put(o);
}

void
http_json_text(struct http_req *req, int status, const char *json,
    size_t len)
{
	http_send(req, status, "application/json; charset=utf-8", json, len);
}

json_object *
http_error_new(const char *code, const char *field, const char *msg,
    json_object **err_out)
{
	json_object *root, *err;

	root = json_object_new_object();
	err = json_object_new_object();
	if (root == NULL || err == NULL ||
	    jsonout_string(err, "code", code) == -1 ||
	    jsonout_string(err, "message", msg) == -1 ||
	    (field != NULL && jsonout_string(err, "field", field) == -1))
		goto fail;
	if (jsonout_add(root, "error", err) == -1) {
		err = NULL;	/* put by jsonout_add */
		goto fail;
	}
	*err_out = err;
	return root;
fail:
	json_object_put(root);
	json_object_put(err);
	return NULL;
}

void
http_error(struct http_req *req, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	char		 msg[512];
	va_list		 ap;
	json_object	*root, *err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((root = http_error_new(code, field, msg, &err)) == NULL) {
		http_send(req, 500, "application/json; charset=utf-8",
		    "{\"error\":{\"code\":\"internal\"}}", 29);
		return;
	}
	http_json(req, status, root);
}

void
http_unavailable(struct http_req *req)
{
	(void)http_add_header(req, "Retry-After", "5");
	http_error(req, 503, "unavailable", NULL,
	    "the service is temporarily unavailable; try again shortly");
}

void
http_unauthorized(struct http_req *req, int token_presented)
{
	(void)http_add_header(req, "WWW-Authenticate", token_presented ?
	    "Bearer error=\"invalid_token\"" : "Bearer");
	http_error(req, 401, "unauthorized", NULL, token_presented ?
	    "the access token is not valid" : "an access token is required");
}

void
http_no_content(struct http_req *req)
{
	http_send(req, 204, NULL, NULL, 0);
}
