/* check_netaddr.c — unit tests for the address classifier (core/netaddr)
 * and the fetcher's per-hop check (fetch/hop): every special range, the
 * IPv6 forms that carry an IPv4 address, the spellings of loopback as
 * getaddrinfo resolves them, and redirects judged hop by hop. Nothing
 * here connects anywhere; only literals and localhost are resolved. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/netaddr.h"
#include "fetch/hop.h"

/* The class of a numeric address text (IPv4 or IPv6). */
static enum netaddr_class
cls(const char *text)
{
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return netaddr_classify((struct sockaddr *)&s4);
	}
	ck_assert_msg(inet_pton(AF_INET6, text, &s6.sin6_addr) == 1,
	    "not an address: %s", text);
	s6.sin6_family = AF_INET6;
	return netaddr_classify((struct sockaddr *)&s6);
}

struct want {
	const char		*addr;
	enum netaddr_class	 cls;
};

static const struct want v4_table[] = {
	{ "0.0.0.0", NETADDR_UNSPECIFIED },
	{ "0.1.2.3", NETADDR_RESERVED },
	{ "0.255.255.255", NETADDR_RESERVED },
	{ "1.0.0.1", NETADDR_PUBLIC },
	{ "8.8.8.8", NETADDR_PUBLIC },
	{ "9.255.255.255", NETADDR_PUBLIC },
	{ "10.0.0.0", NETADDR_PRIVATE },
	{ "10.255.255.255", NETADDR_PRIVATE },
	{ "11.0.0.0", NETADDR_PUBLIC },
	{ "100.63.255.255", NETADDR_PUBLIC },
	{ "100.64.0.0", NETADDR_PRIVATE },
	{ "100.127.255.255", NETADDR_PRIVATE },
	{ "100.128.0.0", NETADDR_PUBLIC },
	{ "126.255.255.255", NETADDR_PUBLIC },
	{ "127.0.0.0", NETADDR_LOOPBACK },
	{ "127.0.0.1", NETADDR_LOOPBACK },
	{ "127.255.255.254", NETADDR_LOOPBACK },
	{ "128.0.0.0", NETADDR_PUBLIC },
	{ "169.253.255.255", NETADDR_PUBLIC },
	{ "169.254.0.1", NETADDR_LINKLOCAL },
	{ "169.254.169.254", NETADDR_LINKLOCAL },
	{ "169.255.0.0", NETADDR_PUBLIC },
	{ "172.15.255.255", NETADDR_PUBLIC },
	{ "172.16.0.0", NETADDR_PRIVATE },
	{ "172.31.255.255", NETADDR_PRIVATE },
	{ "172.32.0.0", NETADDR_PUBLIC },
	{ "192.0.0.8", NETADDR_RESERVED },
	{ "192.0.2.1", NETADDR_RESERVED },
	{ "192.88.99.1", NETADDR_RESERVED },
	{ "192.167.255.255", NETADDR_PUBLIC },
	{ "192.168.0.1", NETADDR_PRIVATE },
	{ "192.168.255.255", NETADDR_PRIVATE },
	{ "192.169.0.0", NETADDR_PUBLIC },
	{ "198.17.255.255", NETADDR_PUBLIC },
	{ "198.18.0.1", NETADDR_RESERVED },
	{ "198.19.255.255", NETADDR_RESERVED },
	{ "198.20.0.0", NETADDR_PUBLIC },
	{ "198.51.100.7", NETADDR_RESERVED },
	{ "203.0.113.9", NETADDR_RESERVED },
	{ "223.255.255.255", NETADDR_PUBLIC },
	{ "224.0.0.1", NETADDR_MULTICAST },
	{ "239.255.255.250", NETADDR_MULTICAST },
	{ "240.0.0.1", NETADDR_RESERVED },
	{ "255.255.255.254", NETADDR_RESERVED },
	{ "255.255.255.255", NETADDR_RESERVED },
};

static const struct want v6_table[] = {
	{ "::", NETADDR_UNSPECIFIED },
	{ "::1", NETADDR_LOOPBACK },
	{ "::2", NETADDR_RESERVED },		/* v4-compatible 0.0.0.2 */
	/* v4-mapped */
	{ "::ffff:127.0.0.1", NETADDR_LOOPBACK },
	{ "::ffff:7f00:1", NETADDR_LOOPBACK },
	{ "::ffff:10.1.2.3", NETADDR_PRIVATE },
	{ "::ffff:169.254.169.254", NETADDR_LINKLOCAL },
	{ "::ffff:0.0.0.0", NETADDR_UNSPECIFIED },
	{ "::ffff:8.8.8.8", NETADDR_PUBLIC },
	/* v4-compatible (deprecated, still routed by some stacks) */
	{ "::127.0.0.1", NETADDR_LOOPBACK },
	{ "::192.168.1.1", NETADDR_PRIVATE },
	{ "::8.8.8.8", NETADDR_PUBLIC },
	/* v4-translated (RFC 2765) */
	{ "::ffff:0:127.0.0.1", NETADDR_LOOPBACK },
	{ "::ffff:0:172.16.0.1", NETADDR_PRIVATE },
	/* NAT64 well-known prefix and the local-use one */
	{ "64:ff9b::127.0.0.1", NETADDR_LOOPBACK },
	{ "64:ff9b::10.0.0.1", NETADDR_PRIVATE },
	{ "64:ff9b::a9fe:a9fe", NETADDR_LINKLOCAL },
	{ "64:ff9b::8.8.8.8", NETADDR_PUBLIC },
	{ "64:ff9b:1::1", NETADDR_PRIVATE },
	/* 6to4 embedding IPv4 */
	{ "2002:7f00:1::1", NETADDR_LOOPBACK },
	{ "2002:c0a8:101::1", NETADDR_PRIVATE },
	{ "2002:a9fe:a9fe::", NETADDR_LINKLOCAL },
	{ "2002:0a00:0001::5", NETADDR_PRIVATE },
	{ "2002:0808:0808::1", NETADDR_PUBLIC },
	{ "2002:e000:1::", NETADDR_MULTICAST },
	/* ULA, link-local, site-local, multicast */
	{ "fc00::1", NETADDR_PRIVATE },
	{ "fd12:3456:789a::1", NETADDR_PRIVATE },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NETADDR_PRIVATE },
	{ "fe80::1", NETADDR_LINKLOCAL },
	{ "febf::1", NETADDR_LINKLOCAL },
	{ "fec0::1", NETADDR_PRIVATE },
	{ "ff02::1", NETADDR_MULTICAST },
	{ "ff05::1:3", NETADDR_MULTICAST },
	/* reserved and documentation */
	{ "100::1", NETADDR_RESERVED },
	{ "2001::1", NETADDR_RESERVED },	/* Teredo */
	{ "2001:10::1", NETADDR_RESERVED },	/* ORCHID */
	{ "2001:db8::1", NETADDR_RESERVED },
	{ "3fff::1", NETADDR_RESERVED },
	{ "4000::1", NETADDR_RESERVED },
	{ "1::1", NETADDR_RESERVED },
	{ "fb00::1", NETADDR_RESERVED },
	/* global unicast */
	{ "2001:4860:4860::8888", NETADDR_PUBLIC },
	{ "2a00:1450:4001::1", NETADDR_PUBLIC },
	{ "2600::1", NETADDR_PUBLIC },
};

/* Every row of t classifies as it says. */
static void
check_table(const struct want *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_msg(cls(t[i].addr) == t[i].cls, "%s: %s, expected %s",
		    t[i].addr, netaddr_class_name(cls(t[i].addr)),
		    netaddr_class_name(t[i].cls));
}

START_TEST(v4_ranges)
{
	check_table(v4_table, sizeof(v4_table) / sizeof(v4_table[0]));
}
END_TEST

START_TEST(v6_ranges)
{
	check_table(v6_table, sizeof(v6_table) / sizeof(v6_table[0]));
}
END_TEST

START_TEST(other_families_reserved)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	ck_assert_int_eq(netaddr_classify(&sa), NETADDR_RESERVED);
	ck_assert_int_eq(netaddr_classify(NULL), NETADDR_RESERVED);
	ck_assert_str_eq(netaddr_class_name(NETADDR_LINKLOCAL), "link-local");
	ck_assert_str_eq(netaddr_class_name(NETADDR__MAX), "reserved");
}
END_TEST

/* Each spelling of loopback, resolved as the fetcher resolves a host:
 * every address getaddrinfo gives must be loopback. */
START_TEST(loopback_spellings_resolve_to_loopback)
{
	static const char *const names[] = { "localhost", "127.1",
	    "2130706433", "0x7f000001", "::ffff:127.0.0.1", "::1",
	    "127.0.0.1", "0177.0.0.1" };
	struct addrinfo	 hints, *res, *ai;
	size_t		 i;
	int		 n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		hop_hints(&hints);
		ck_assert_msg(getaddrinfo(names[i], "80", &hints, &res) == 0,
		    "%s does not resolve", names[i]);
		for (n = 0, ai = res; ai != NULL; ai = ai->ai_next, n++)
			ck_assert_msg(netaddr_classify(ai->ai_addr) ==
			    NETADDR_LOOPBACK, "%s: address %d is %s", names[i],
			    n, netaddr_class_name(netaddr_classify(
			    ai->ai_addr)));
		ck_assert_int_gt(n, 0);
		freeaddrinfo(res);
	}
}
END_TEST

static const struct hop_policy closed = { 0, 0 };
static const struct hop_policy loopback_open = { 1, 0 };
static const struct hop_policy private_open = { 0, 1 };

static enum hop_rc
check(const char *base, const char *url, const struct hop_policy *p,
    struct hop *h)
{
	char why[HOP_WHY_MAX];

	why[0] = '\0';
	return hop_check(base, url, p, h, why, sizeof(why));
}

/* Every loopback spelling in a URL is refused with loopback closed, and
 * allowed with it open. */
START_TEST(hop_refuses_loopback_urls)
{
	static const char *const urls[] = { "http://localhost/a.ics",
	    "http://127.1/a.ics", "http://2130706433/a.ics",
	    "http://0x7f000001/a.ics", "http://[::ffff:127.0.0.1]/a.ics",
	    "http://[::1]:8080/a.ics", "https://127.0.0.1/a.ics",
	    "http://LocalHost/a.ics" };
	struct hop	 h;
	char		 why[HOP_WHY_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		ck_assert_msg(hop_check(NULL, urls[i], &closed, &h, why,
		    sizeof(why)) == HOP_NOT_ALLOWED, "%s not refused",
		    urls[i]);
		ck_assert_str_eq(why, "address not allowed");
		ck_assert_str_eq(h.resolve, "");
		ck_assert_msg(check(NULL, urls[i], &loopback_open, &h) ==
		    HOP_OK, "%s refused with loopback open", urls[i]);
	}
	/* The name pins its addresses; a literal needs no pin. */
	ck_assert_int_eq(check(NULL, "http://localhost:8080/x", &loopback_open,
	    &h), HOP_OK);
	ck_assert_msg(strncmp(h.resolve, "localhost:8080:", 15) == 0,
	    "resolve %s", h.resolve);
	ck_assert_int_eq(check(NULL, "http://127.0.0.1:81/", &loopback_open,
	    &h), HOP_OK);
	ck_assert_str_eq(h.resolve, "");
	ck_assert_str_eq(h.port, "81");
}
END_TEST

START_TEST(hop_refuses_inside_ranges)
{
	static const char *const inside[] = { "http://10.0.0.1/",
	    "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/",
	    "http://[fd00::1]/", "http://[fec0::1]/" };
	static const char *const never[] = { "http://169.254.169.254/latest/",
	    "http://[fe80::1]/", "http://224.0.0.1/", "http://0.0.0.0/",
	    "http://[::]/", "http://240.0.0.1/", "http://255.255.255.255/",
	    "http://0.1.2.3/", "http://[2001:db8::1]/",
	    "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::1]/",
	    "http://[::ffff:169.254.169.254]/", "http://[fe80::1%25eth0]/" };
	struct hop h;
	size_t i;

	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		ck_assert_msg(check(NULL, inside[i], &closed, &h) ==
		    HOP_NOT_ALLOWED, "%s", inside[i]);
		ck_assert_msg(check(NULL, inside[i], &loopback_open, &h) ==
		    HOP_NOT_ALLOWED, "%s", inside[i]);
		ck_assert_msg(check(NULL, inside[i], &private_open, &h) ==
		    HOP_OK, "%s", inside[i]);
	}
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		ck_assert_msg(check(NULL, never[i], &private_open, &h) ==
		    HOP_NOT_ALLOWED, "%s allowed", never[i]);
		ck_assert_msg(check(NULL, never[i], &loopback_open, &h) ==
		    HOP_NOT_ALLOWED, "%s allowed", never[i]);
	}
	/* A public literal passes under the closed policy. */
	ck_assert_int_eq(check(NULL, "https://8.8.8.8/cal.ics", &closed, &h),
	    HOP_OK);
	ck_assert_int_eq(h.https, 1);
	ck_assert_int_eq(check(NULL, "http://[2001:4860:4860::8888]/x",
	    &closed, &h), HOP_OK);
}
END_TEST

/* A redirect's Location is judged like the first URL, relative forms
 * against the hop it came from. */
START_TEST(hop_judges_each_redirect)
{
	struct hop h;

	ck_assert_int_eq(check("https://8.8.8.8/feeds/a.ics",
	    "http://169.254.169.254/latest/meta-data/", &private_open, &h),
	    HOP_NOT_ALLOWED);
	ck_assert_int_eq(check("https://8.8.8.8/feeds/a.ics",
	    "//10.1.1.1/x.ics", &closed, &h), HOP_NOT_ALLOWED);
	ck_assert_int_eq(check("https://8.8.8.8/feeds/a.ics",
	    "//[::1]/x.ics", &closed, &h), HOP_NOT_ALLOWED);
	ck_assert_int_eq(check("https://8.8.8.8/feeds/a.ics", "b.ics",
	    &closed, &h), HOP_OK);
	ck_assert_str_eq(h.url, "https://8.8.8.8/feeds/b.ics");
	ck_assert_int_eq(check("https://8.8.8.8/feeds/a.ics", "/c.ics",
	    &closed, &h), HOP_OK);
	ck_assert_str_eq(h.url, "https://8.8.8.8/c.ics");
	/* Other schemes, credentials: refused whatever the address. */
	ck_assert_int_eq(check("https://8.8.8.8/a.ics", "file:///etc/passwd",
	    &closed, &h), HOP_BAD_URL);
	ck_assert_int_eq(check("https://8.8.8.8/a.ics", "gopher://8.8.8.8/",
	    &closed, &h), HOP_BAD_URL);
	ck_assert_int_eq(check(NULL, "ftp://8.8.8.8/a.ics", &closed, &h),
	    HOP_BAD_URL);
	ck_assert_int_eq(check(NULL, "http://user:pw@8.8.8.8/a.ics", &closed,
	    &h), HOP_BAD_URL);
	ck_assert_int_eq(check(NULL, "not a url", &closed, &h), HOP_BAD_URL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("netaddr");
	TCase	*tc = tcase_create("classify");
	SRunner	*sr;
	int	 failed;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EXIT_FAILURE;
	tcase_add_test(tc, v4_ranges);
	tcase_add_test(tc, v6_ranges);
	tcase_add_test(tc, other_families_reserved);
	tcase_add_test(tc, loopback_spellings_resolve_to_loopback);
	tcase_add_test(tc, hop_refuses_loopback_urls);
	tcase_add_test(tc, hop_refuses_inside_ranges);
	tcase_add_test(tc, hop_judges_each_redirect);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
