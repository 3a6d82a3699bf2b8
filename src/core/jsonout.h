/* jsonout.h — adding members and elements to json-c objects with every
 * failure checked and nothing leaked: json-c 0.16's json_object_object_add
 * and json_object_array_add return -1 without taking the value when memory
 * runs out, and json_object_new_* return NULL then. */
#ifndef AURORA_JSONOUT_H
#define AURORA_JSONOUT_H

#include <stdint.h>

#include <json-c/json.h>

#include "core/buf.h"

/* Adds v as member key of object o. v is always taken: on failure (v NULL,
 * as a failed json_object_new_* gives, or json-c's own) it is put and -1
 * returned, o unchanged; 0 when added. A JSON null member: jsonout_null. */
int jsonout_add(json_object *o, const char *key, json_object *v)
    __attribute__((warn_unused_result));
/* Member key of o as a string (s copied), integer, boolean or null; 0 or
 * -1 (out of memory, o unchanged). */
int jsonout_string(json_object *o, const char *key, const char *s)
    __attribute__((warn_unused_result));
int jsonout_int(json_object *o, const char *key, int64_t n)
    __attribute__((warn_unused_result));
int jsonout_bool(json_object *o, const char *key, int b)
    __attribute__((warn_unused_result));
int jsonout_null(json_object *o, const char *key)
    __attribute__((warn_unused_result));
/* Appends v to array a, taking v as jsonout_add does. 0 or -1. */
int jsonout_push(json_object *a, json_object *v)
    __attribute__((warn_unused_result));

/* Appends s as a JSON string, quotes included, spelled as json-c 0.16
 * writes it with JSON_C_TO_STRING_NOSLASHESCAPE ('"' '\\' \b \f \n \r
 * \t escaped, other bytes below 0x20 as \u00xx, every other byte as is),
 * for answers written as text rather than built from json-c objects
 * (the listing's items). 0, or -1 when b is full or memory short (b may
 * then hold part of the string). */
int jsonout_quote(struct buf *b, const char *s)
    __attribute__((warn_unused_result));

#endif
