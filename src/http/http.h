/* http.h — one HTTP request as the handlers see it, and the ways to answer
 * it. It hides FastCGI: nothing here needs fcgiapp.h, so code above this layer
 * never touches the transport. */
#ifndef AURORA_HTTP_H
#define AURORA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/buf.h"

#define HTTP_PATH_MAX		2048	/* longer request paths answer 414 */
#define HTTP_QUERY_MAX		4096	/* longer query strings answer 414 */
#define HTTP_PARAM_MAX		4	/* captured path segments per route */
#define HTTP_SEGMENT_MAX	128	/* longest captured path segment */
#define HTTP_HEADERS_MAX	2048	/* extra response header bytes */
#define HTTP_JSON_DEPTH		16	/* deepest JSON nesting accepted */

/* The WebDAV methods after OPTIONS are known so that the CalDAV front end
 * (src/dav/) can dispatch them, or answer 405 with Allow for the ones it
 * does not implement (MKCOL .. ACL). */
enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE,
	HTTP_OPTIONS, HTTP_PROPFIND, HTTP_PROPPATCH, HTTP_REPORT,
	HTTP_MKCALENDAR, HTTP_MKCOL, HTTP_COPY, HTTP_MOVE, HTTP_LOCK,
	HTTP_UNLOCK, HTTP_ACL, HTTP_METHOD__MAX
};

struct FCGX_Request;

struct http_req {
	struct FCGX_Request	*fcgi;		/* the worker's; not owned */
	int			 method;	/* enum http_method, or -1 */
	const char		*method_name;
	char			 path[HTTP_PATH_MAX];	/* raw, no query */
	const char		*query;		/* raw, "" when none */
	const char		*content_type;	/* NULL when absent */
	long			 content_length;/* -1 when absent */
	const char		*authorization;
	const char		*remote_addr;
	char			 request_id[64];
	long			 max_body;	/* cap for http_json_body() */
	char			 params[HTTP_PARAM_MAX][HTTP_SEGMENT_MAX];
	struct buf		 body;		/* filled by http_read_body() */
	/* answer state */
	int			 status;	/* 0 until an answer was sent */
	char			 headers[HTTP_HEADERS_MAX];
	size_t			 headers_len;
	int64_t			 start_us;
	char			 user_id[64];	/* set once authenticated */
	char			 session_id[40];	/* the token's, or "" */
	const char		*route;		/* matched pattern, for logs */
	int			 route_idx;	/* index in the table, or -1 */
	/* Called once by http_send before the first answer goes out, or
	 * NULL: the front end's last word (a session check that ran late).
	 * Nonzero: the gate answered itself and the handler's answer is
	 * dropped. */
	int			(*gate)(struct http_req *, void *);
	void			*gate_arg;
};

/* A request parameter (FastCGI environment), NULL when absent. */
const char *http_getenv(const struct http_req *req, const char *name);
/* A request header by its CGI name, e.g. "HTTP_IF_MATCH". */
#define http_header_in(req, cgi_name) http_getenv((req), (cgi_name))

/* Reads the body, at most cap bytes. Returns 0, or -1 after answering 413
 * (too large), 400 (short read) or 411. */
int http_read_body(struct http_req *req, long cap)
    __attribute__((warn_unused_result));

/* Checks the content type is application/json, reads at most req->max_body
 * bytes, checks UTF-8 and parses with json-c. Returns 0 with *out (caller
 * puts it), or -1 after answering 415, 413 or 400 invalid_json. An empty body
 * is invalid_json. A top-level value that is not an object is invalid_json. */
int http_json_body(struct http_req *req, json_object **out)
    __attribute__((warn_unused_result));

/* Adds a response header line; values are checked for CR/LF. Returns -1 if
 * the header space is exhausted or the value is unsafe. */
int http_add_header(struct http_req *req, const char *name, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* Sends the whole answer. Only the first call per request has an effect. */
void http_send(struct http_req *req, int status, const char *content_type,
    const void *body, size_t len);
/* Sends o as JSON (takes ownership of o; NULL answers 500). */
void http_json(struct http_req *req, int status, json_object *o);
/* Sends len bytes of JSON text written by the caller (the listing). */
void http_json_text(struct http_req *req, int status, const char *json,
    size_t len);
/* A new {"error":{"code","message"[,"field"]}} for an answer that adds
 * members of its own to the error (*err, owned by the result), then
 * sends it with http_json. NULL when out of memory. */
json_object *http_error_new(const char *code, const char *field,
    const char *msg, json_object **err);
/* Sends {"error":{"code","message"[,"field"]}}. field may be NULL. */
void http_error(struct http_req *req, int status, const char *code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* 503 unavailable with Retry-After, for a database that cannot be reached. */
void http_unavailable(struct http_req *req);
/* 401 with WWW-Authenticate: Bearer error="invalid_token" (or without the
 * error when no token was presented at all). */
void http_unauthorized(struct http_req *req, int token_presented);
void http_no_content(struct http_req *req);

const char *http_reason(int status);
const char *http_method_name(int method);
int http_method_parse(const char *name);

/* Query strings. http_query_get copies the url-decoded value of name into
 * out: 1 found, 0 absent, -1 malformed/too long/undecodable (or holds NUL). */
int http_query_get(const char *query, const char *name, char *out,
    size_t outlen);
/* Checks that every key in query is one of allowed (NULL-terminated) and
 * appears once, or, for a key allowed as "name*", any number of times; on
 * failure copies the offending key into bad. */
int http_query_check(const char *query, const char *const *allowed,
    char *bad, size_t badlen);
/* Every url-decoded value of a repeatable key name, in order, into
 * out[i * width] (width bytes each): their count (0 when absent), -1 when
 * one is malformed, too long or holds NUL, -2 when there are more than
 * max. */
int http_query_values(const char *query, const char *name, char *out,
    size_t width, size_t max);
/* The value of the hex digit c (either case), or -1. */
int http_hexval(int c);
/* Decodes %XX and '+' in place-bounded fashion: -1 on bad escapes or NUL. */
int http_urldecode(const char *in, size_t inlen, char *out, size_t outlen);

#endif
