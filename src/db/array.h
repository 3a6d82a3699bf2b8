/* array.h — PostgreSQL array literals ("{1,2}", "{\"a\",NULL}") built in a
 * capped buffer: the one spelling of the int[], bigint[] and text[]
 * parameters that let one statement take a whole batch. */
#ifndef AURORA_DB_ARRAY_H
#define AURORA_DB_ARRAY_H

#include <stddef.h>

#include "core/buf.h"

/* Each appends to b (the caller's) and returns 0, or -1 when the buffer
 * is full or memory runs out. Elements are separated by commas as they
 * come; open before the first element, close after the last. */
int db_array_open(struct buf *b) __attribute__((warn_unused_result));
int db_array_int(struct buf *b, long long v)
    __attribute__((warn_unused_result));
/* s quoted with '"' and '\' escaped; NULL is the SQL NULL element. */
int db_array_text(struct buf *b, const char *s)
    __attribute__((warn_unused_result));
int db_array_close(struct buf *b) __attribute__((warn_unused_result));

/* The literal of v[0..n) into out (outlen bytes, the caller's). Returns 0,
 * or -1 if it does not fit (out is then ""). */
int db_array_ints(const int *v, size_t n, char *out, size_t outlen)
    __attribute__((warn_unused_result));

#endif
