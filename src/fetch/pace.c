/* pace.c — the fetcher's duty cycle (pace.h). */
#include "config.h"

#include <time.h>

#include "core/clock.h"
#include "fetch/pace.h"

void
pace_init(struct pace *p, int percent)
{
	p->percent = percent < 1 ? 1 : percent > 100 ? 100 : percent;
	p->mark_us = clock_mono_us();
	p->cpu_us = clock_proc_cpu_us();
	p->wait_us = p->wait_from = p->wait_cpu = 0;
	p->owed_us = p->worked_us = p->idle_us = p->rested_us = 0;
}

void
pace_db_begin(struct pace *p)
{
	p->wait_from = clock_mono_us();
	p->wait_cpu = clock_proc_cpu_us();
}

void
pace_db_end(struct pace *p)
{
	int64_t wall, cpu;

	if (p->wait_from == 0)
		return;
	wall = clock_mono_us() - p->wait_from;
	cpu = clock_proc_cpu_us() - p->wait_cpu;
	if (wall > cpu)
		p->wait_us += wall - cpu;
	p->wait_from = 0;
}

/* Rests up to us microseconds (sleep's, or nanosleep, which a signal
 * cuts short); the time it took. */
static int64_t
rest(int64_t us, pace_sleep_fn sleep, void *arg)
{
	struct timespec	ts;
	int64_t		t0 = clock_mono_us();

	if (sleep != NULL)
		sleep(arg, us);
	else {
		ts.tv_sec = (time_t)(us / 1000000);
		ts.tv_nsec = (long)(us % 1000000) * 1000;
		(void)nanosleep(&ts, NULL);
	}
	return clock_mono_us() - t0;
}

void
pace_rest(struct pace *p, volatile sig_atomic_t *stop, pace_sleep_fn sleep,
    void *arg)
{
	int64_t now = clock_mono_us(), cpu = clock_proc_cpu_us();
	int64_t work, idle, slept;

	if (p->percent >= 100)
		return;
	work = (cpu - p->cpu_us) + p->wait_us;
	idle = (now - p->mark_us) - work;
	p->worked_us += work;
	p->owed_us += work * (100 - p->percent) / p->percent;
	if (idle > 0) {
		p->owed_us -= idle;
		p->idle_us += idle;
	}
	/* Time idle before work is no credit for work after it. */
	if (p->owed_us < 0)
		p->owed_us = 0;
	while (p->owed_us >= 1000 && !*stop) {
		slept = rest(p->owed_us < PACE_REST_MAX_US ? p->owed_us :
		    PACE_REST_MAX_US, sleep, arg);
		p->owed_us -= slept;
		p->rested_us += slept;
	}
	if (p->owed_us < 0)
		p->owed_us = 0;
	p->mark_us = clock_mono_us();
	p->cpu_us = clock_proc_cpu_us();
	p->wait_us = 0;
}
