/* pace.h — how aurora-fetch leaves the machine to the API: its work takes
 * at most a set share of its time, and it rests for the remainder. Work
 * is the CPU the fetcher itself uses and the time it waits on the
 * database, whose statements run on the cores the API's requests need;
 * time spent waiting for a feed's server or for the next due
 * subscription is rest already. Like PostgreSQL's cost-based vacuum
 * delay, the rests are short and often, so the API never waits behind a
 * long stretch of fetcher work. */
#ifndef AURORA_PACE_H
#define AURORA_PACE_H

#include <signal.h>
#include <stdint.h>

#define PACE_REST_MAX_US	250000	/* one rest, before stop is looked at */

struct pace {
	int	 percent;	/* 100: never rests */
	int64_t	 mark_us;	/* monotonic, at the last pace_rest */
	int64_t	 cpu_us;	/* process CPU, at the last pace_rest */
	int64_t	 wait_us;	/* on the database since then */
	int64_t	 wait_from;	/* monotonic, 0: not waiting */
	int64_t	 wait_cpu;	/* process CPU when the wait began */
	int64_t	 owed_us;	/* rest still owed */
	int64_t	 worked_us;	/* in all, for the log */
	int64_t	 idle_us;	/* in all: neither work nor rest */
	int64_t	 rested_us;	/* in all, for the log */
};

void pace_init(struct pace *p, int percent);
/* Brackets a stretch spent on database statements; only its time off
 * the CPU is added (its CPU is counted as the process's). */
void pace_db_begin(struct pace *p);
void pace_db_end(struct pace *p);
/* Spends up to us microseconds without working, or returns sooner. */
typedef void (*pace_sleep_fn)(void *arg, int64_t us);

/* Adds the work since the last call, takes the time since then that was
 * not work as rest already given, and rests what is still owed, in rests
 * of at most PACE_REST_MAX_US, until it is paid or *stop is set. A rest
 * is sleep(arg, us) (the fetcher keeps its transfers moving meanwhile, so
 * none times out while it rests), or nanosleep when sleep is NULL. */
void pace_rest(struct pace *p, volatile sig_atomic_t *stop,
    pace_sleep_fn sleep, void *arg);

#endif
