/* clock.c — monotonic durations and UTC timestamps (see clock.h). */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "clock.h"

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A CPU clock in microseconds; the monotonic clock if it cannot be read. */
static int64_t
cpu_clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return clock_mono_us();
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
clock_cpu_us(void)
{
	return cpu_clock_us(CLOCK_THREAD_CPUTIME_ID);
}

int64_t
clock_proc_cpu_us(void)
{
	return cpu_clock_us(CLOCK_PROCESS_CPUTIME_ID);
}

int
clock_rfc3339_utc(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}
