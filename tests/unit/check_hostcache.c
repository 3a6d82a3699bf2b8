/* check_hostcache.c — unit tests for the fetcher's cache of judged hosts
 * (fetch/hostcache): a host's pin comes back for its name (in any case)
 * and port until HOSTCACHE_TTL_S seconds have passed, a second judgement
 * replaces the first, and a full cache gives up the entry that ends
 * first. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/hostcache.h"

#define SEC	INT64_C(1000000)

static struct hop
hop_of(const char *name, const char *port, const char *pin)
{
	struct hop h;

	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%s", name);
	snprintf(h.port, sizeof(h.port), "%s", port);
	snprintf(h.resolve, sizeof(h.resolve), "%s", pin);
	return h;
}

START_TEST(kept_for_its_name_and_port)
{
	static struct hostcache	c;
	struct hop		h = hop_of("feeds.example", "443",
				    "feeds.example:443:93.184.216.34");
	struct hop		q;

	memset(&c, 0, sizeof(c));
	q = hop_of("feeds.example", "443", "");
	ck_assert_int_eq(hostcache_get(&c, &q, 10 * SEC), 0);
	hostcache_put(&c, &h, 10 * SEC);
	q = hop_of("FEEDS.Example", "443", "");
	ck_assert_int_eq(hostcache_get(&c, &q, 11 * SEC), 1);
	ck_assert_str_eq(q.resolve, "feeds.example:443:93.184.216.34");
	q = hop_of("feeds.example", "80", "");
	ck_assert_int_eq(hostcache_get(&c, &q, 11 * SEC), 0);
	ck_assert_str_eq(q.resolve, "");
	q = hop_of("other.example", "443", "");
	ck_assert_int_eq(hostcache_get(&c, &q, 11 * SEC), 0);
}
END_TEST

START_TEST(forgotten_after_its_time)
{
	static struct hostcache	c;
	struct hop		h = hop_of("a.example", "443", "a.example:443:1.1.1.1");
	struct hop		q = hop_of("a.example", "443", "");

	memset(&c, 0, sizeof(c));
	hostcache_put(&c, &h, 100 * SEC);
	ck_assert_int_eq(hostcache_get(&c, &q, (100 + HOSTCACHE_TTL_S) * SEC -
	    1), 1);
	ck_assert_int_eq(hostcache_get(&c, &q, (100 + HOSTCACHE_TTL_S) * SEC),
	    0);
}
END_TEST

START_TEST(judged_again_replaces)
{
	static struct hostcache	c;
	struct hop		h1 = hop_of("a.example", "443", "a.example:443:1.1.1.1");
	struct hop		h2 = hop_of("A.EXAMPLE", "443", "a.example:443:2.2.2.2");
	struct hop		q = hop_of("a.example", "443", "");
	size_t			i, n = 0;

	memset(&c, 0, sizeof(c));
	hostcache_put(&c, &h1, 1 * SEC);
	hostcache_put(&c, &h2, 2 * SEC);
	ck_assert_int_eq(hostcache_get(&c, &q, 3 * SEC), 1);
	ck_assert_str_eq(q.resolve, "a.example:443:2.2.2.2");
	for (i = 0; i < HOSTCACHE_SIZE; i++)
		n += c.e[i].expires != 0;
	ck_assert_int_eq(n, 1);
	/* It lasts from the second judgement. */
	ck_assert_int_eq(hostcache_get(&c, &q, (1 + HOSTCACHE_TTL_S) * SEC),
	    1);
}
END_TEST

START_TEST(full_gives_up_the_oldest)
{
	static struct hostcache	c;
	struct hop		h, q;
	char			name[32];
	int			i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < HOSTCACHE_SIZE; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		h = hop_of(name, "443", name);
		hostcache_put(&c, &h, (int64_t)(i + 1) * 1000);
	}
	h = hop_of("new.example", "443", "new");
	hostcache_put(&c, &h, (int64_t)(HOSTCACHE_SIZE + 1) * 1000);
	q = hop_of("new.example", "443", "");
	ck_assert_int_eq(hostcache_get(&c, &q, SEC), 1);
	q = hop_of("h0.example", "443", "");
	ck_assert_int_eq(hostcache_get(&c, &q, SEC), 0);
	for (i = 1; i < HOSTCACHE_SIZE; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		q = hop_of(name, "443", "");
		ck_assert_msg(hostcache_get(&c, &q, SEC) == 1, "%s lost", name);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hostcache");
	TCase	*tc = tcase_create("hosts");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, kept_for_its_name_and_port);
	tcase_add_test(tc, forgotten_after_its_time);
	tcase_add_test(tc, judged_again_replaces);
	tcase_add_test(tc, full_gives_up_the_oldest);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
