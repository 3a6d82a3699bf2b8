/* internal.h — http-layer functions shared by its own files and unit tests;
 * not for handlers. */
#ifndef AURORA_HTTP_INTERNAL_H
#define AURORA_HTTP_INTERNAL_H

#include <stddef.h>

#include <json-c/json.h>

#include "http/http.h"

struct FCGX_Request;

/* Fills req from a freshly accepted FastCGI request; -1 if the URI is too
 * long (the caller answers 414). */
int http_req_init(struct http_req *req, struct FCGX_Request *fcgi);
void http_req_free(struct http_req *req);
/* Content-Length: -1 absent, -2 malformed, else the value. */
long http_parse_length(const char *s);
int http_is_json_type(const char *ct);
/* RFC 8259 grammar check with a depth cap; -1 with a reason in why. */
int http_json_check(const char *data, size_t len, int maxdepth, char *why,
    size_t whylen);
/* Parses one JSON object from data; NULL with a reason in why. */
json_object *http_json_parse(const char *data, size_t len, char *why,
    size_t whylen);

#endif
