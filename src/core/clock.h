/* clock.h — time helpers: a monotonic clock for durations and RFC 3339
 * formatting of wall-clock instants. */
#ifndef AURORA_CLOCK_H
#define AURORA_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Microseconds on the monotonic clock (for durations only). */
int64_t clock_mono_us(void);
/* Microseconds of CPU the calling thread has used: a budget read off it
 * does not shrink when other processes share the machine. */
int64_t clock_cpu_us(void);
/* Microseconds of CPU the whole process has used (every thread). */
int64_t clock_proc_cpu_us(void);
/* Formats t (UTC) as 2026-03-05T02:00:00Z into out (at least 21 bytes). */
int clock_rfc3339_utc(time_t t, char *out, size_t outlen);

#endif
