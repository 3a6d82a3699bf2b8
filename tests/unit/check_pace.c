/* check_pace.c — unit tests for aurora-fetch's duty cycle (fetch/pace):
 * it rests for the remainder of its share after work, counts time spent
 * waiting on the database as work, takes idle time as rest already
 * given, never rests at 100 % and stops resting when told. Figures are
 * checked against the clocks the test reads itself, so a loaded machine
 * changes the numbers but not the verdicts. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "fetch/pace.h"

static volatile sig_atomic_t no_stop, stop_now = 1;

/* Spends us microseconds of the process's CPU. */
static void
burn(int64_t us)
{
	int64_t		end = clock_proc_cpu_us() + us;
	volatile long	x = 0;

	while (clock_proc_cpu_us() < end)
		x++;
}

/* burn(us), its wall and CPU time into *wall and *cpu. */
static void
burn_measured(int64_t us, int64_t *wall, int64_t *cpu)
{
	int64_t w0 = clock_mono_us(), c0 = clock_proc_cpu_us();

	burn(us);
	*wall = clock_mono_us() - w0;
	*cpu = clock_proc_cpu_us() - c0;
}

static void
nap(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) *
	    1000 };

	while (nanosleep(&ts, &ts) == -1)
		;
}

START_TEST(rests_for_the_remainder)
{
	struct pace	p;
	int64_t		wall, cpu, owed;

	pace_init(&p, 20);
	burn_measured(20000, &wall, &cpu);
	pace_rest(&p, &no_stop, NULL, NULL);
	/* 20 %: four times the work, less what the work waited for a CPU
	 * (that was rest too); 2 ms for the calls around it. */
	owed = 4 * cpu - (wall - cpu);
	ck_assert_msg(p.rested_us >= owed - 2000, "rested %lld us, owed %lld",
	    (long long)p.rested_us, (long long)owed);
	ck_assert_msg(p.rested_us <= 4 * cpu + 250000, "rested %lld us for "
	    "%lld us of work", (long long)p.rested_us, (long long)cpu);
}
END_TEST

START_TEST(database_wait_is_work)
{
	struct pace	p;
	int64_t		w0, wait;

	pace_init(&p, 50);
	w0 = clock_mono_us();
	pace_db_begin(&p);
	nap(30000);		/* off the CPU, as a statement's wait */
	pace_db_end(&p);
	wait = clock_mono_us() - w0;
	pace_rest(&p, &no_stop, NULL, NULL);
	/* 50 %: as long again as the wait. */
	ck_assert_msg(p.rested_us >= wait - 3000, "rested %lld us after a "
	    "%lld us wait", (long long)p.rested_us, (long long)wait);
}
END_TEST

START_TEST(idle_time_is_rest)
{
	struct pace p;

	pace_init(&p, 10);
	nap(200000);		/* waiting for feed servers */
	burn(5000);		/* owes 45 ms: paid by the 200 ms idle */
	pace_rest(&p, &no_stop, NULL, NULL);
	ck_assert_int_eq(p.rested_us, 0);
	ck_assert_int_eq(p.owed_us, 0);
}
END_TEST

START_TEST(idle_earns_no_credit)
{
	struct pace	p;
	int64_t		wall, cpu;

	pace_init(&p, 50);
	nap(100000);
	/* Nothing owed; the idle is gone. */
	pace_rest(&p, &no_stop, NULL, NULL);
	burn_measured(20000, &wall, &cpu);
	pace_rest(&p, &no_stop, NULL, NULL);
	/* As long again as the work, less its own wait for a CPU: the
	 * 100 ms before it bought nothing. */
	ck_assert_msg(p.rested_us >= cpu - (wall - cpu) - 2000, "rested %lld "
	    "us after %lld us of work", (long long)p.rested_us,
	    (long long)cpu);
}
END_TEST

START_TEST(full_pace_never_rests)
{
	struct pace p;

	pace_init(&p, 100);
	burn(20000);
	pace_rest(&p, &no_stop, NULL, NULL);
	ck_assert_int_eq(p.rested_us, 0);
	pace_init(&p, 250);	/* clamped to 100 */
	ck_assert_int_eq(p.percent, 100);
	pace_init(&p, 0);	/* clamped to 1 */
	ck_assert_int_eq(p.percent, 1);
}
END_TEST

struct sleeper {
	int	calls;
	int64_t	asked;
};

static void
sleeper(void *arg, int64_t us)
{
	struct sleeper *s = arg;

	s->calls++;
	s->asked += us;
	nap(us);
}

START_TEST(rests_through_the_callers_sleep)
{
	struct pace	p;
	struct sleeper	s = { 0, 0 };

	pace_init(&p, 10);
	burn(40000);		/* owes up to 360 ms: two rests at least */
	pace_rest(&p, &no_stop, sleeper, &s);
	ck_assert_msg(s.calls >= 1, "the caller's sleep was not used");
	ck_assert_msg(p.rested_us >= s.asked - 2000, "rested %lld us, asked "
	    "%lld", (long long)p.rested_us, (long long)s.asked);
	ck_assert_msg(s.asked / s.calls <= PACE_REST_MAX_US, "a rest of %lld "
	    "us", (long long)(s.asked / s.calls));
}
END_TEST

START_TEST(stop_ends_the_rest)
{
	struct pace	p;
	int64_t		t0;

	pace_init(&p, 1);
	burn(20000);		/* owes about 2 s */
	t0 = clock_mono_us();
	pace_rest(&p, &stop_now, NULL, NULL);
	ck_assert_msg(clock_mono_us() - t0 < 100000, "a stopping fetcher "
	    "rested %lld us", (long long)(clock_mono_us() - t0));
	ck_assert_int_eq(p.rested_us, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pace");
	TCase	*tc = tcase_create("duty cycle");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, rests_for_the_remainder);
	tcase_add_test(tc, database_wait_is_work);
	tcase_add_test(tc, idle_time_is_rest);
	tcase_add_test(tc, idle_earns_no_credit);
	tcase_add_test(tc, full_pace_never_rests);
	tcase_add_test(tc, rests_through_the_callers_sleep);
	tcase_add_test(tc, stop_ends_the_rest);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
