/* authform.h — reading the JSON bodies of the identity endpoints: every
 * member declared, typed and length-capped, each failure answered with 422
 * validation_failed naming the field. */
#ifndef AURORA_AUTHFORM_H
#define AURORA_AUTHFORM_H

#include <stddef.h>

#include <json-c/json.h>

#include "auth/account.h"
#include "http/http.h"

/* Answers 422 for the first member of o not in allowed (NULL-terminated)
 * and returns -1; 0 if every member is allowed. */
int authform_only(struct http_req *req, json_object *o,
    const char *const *allowed) __attribute__((warn_unused_result));

/* A string member of at most maxchars code points without NUL or control
 * characters: 1 and *out (owned by o), 0 if absent and not required, -1
 * after answering 422. */
int authform_string(struct http_req *req, json_object *o, const char *name,
    int required, size_t maxchars, const char **out)
    __attribute__((warn_unused_result));

/* A required address, trimmed and checked, into out. 0, or -1 after 422. */
int authform_email(struct http_req *req, json_object *o, const char *name,
    char out[ACCOUNT_EMAIL_MAX + 1]) __attribute__((warn_unused_result));

/* A required password that meets the length rules: 0 with *pw (owned by o)
 * and *len, or -1 after 422. */
int authform_password(struct http_req *req, json_object *o, const char *name,
    const char **pw, size_t *len) __attribute__((warn_unused_result));

/* A required six-digit code into out. 0, or -1 after 422. */
int authform_code(struct http_req *req, json_object *o, const char *name,
    char out[7]) __attribute__((warn_unused_result));

/* A required refresh token (at most 256 bytes). 0, or -1 after 422. */
int authform_token(struct http_req *req, json_object *o, const char *name,
    const char **out) __attribute__((warn_unused_result));

#endif
