/* rfc3339.h — strict RFC 3339 timestamps and ISO dates for API input, and
 * their output: proleptic Gregorian arithmetic (days from civil), no libc
 * time parsing, no locale. */
#ifndef AURORA_RFC3339_H
#define AURORA_RFC3339_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RFC3339_MAX	40	/* room for any formatted value and its NUL */

/* Days since 1970-01-01 of a valid civil date (y 0..9999). */
int64_t rfc3339_days_from_civil(int y, int m, int d);
/* The civil date of a day count. */
void rfc3339_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 1 when y-m-d is a real date (2026-02-30 is not). */
int rfc3339_valid_date(int y, int m, int d);

/* Parses YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) exactly: every field in
 * range, an offset required, nothing before or after. A fraction of a second
 * is accepted and dropped. Returns 0 with the instant in *t and the offset
 * (seconds east of UTC) in *offset (may be NULL), or -1. */
int rfc3339_parse(const char *s, time_t *t, int *offset)
    __attribute__((warn_unused_result));
/* Parses YYYY-MM-DD exactly. Returns 0 or -1. */
int rfc3339_parse_date(const char *s, int *y, int *m, int *d)
    __attribute__((warn_unused_result));

/* Formats the instant t as local time at offset (seconds east of UTC):
 * 2026-03-05T09:00:00+07:00, or ...Z when offset is 0. Returns 0 or -1 when
 * out does not have RFC3339_MAX bytes or the year leaves 0..9999. */
int rfc3339_format(time_t t, int offset, char *out, size_t outlen);
/* Formats 2026-03-05. */
int rfc3339_format_date(int y, int m, int d, char *out, size_t outlen);

#endif
