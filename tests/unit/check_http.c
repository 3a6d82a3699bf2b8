/* check_http.c — unit tests for the HTTP layer's pure parts: query strings,
 * routing, Content-Length and JSON body checks. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/internal.h"
#include "http/route.h"

START_TEST(query_get_and_decode)
{
	char out[32];

	ck_assert_int_eq(http_query_get("from=2026-03-01T00%3A00%3A00Z&limit=5",
	    "from", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "2026-03-01T00:00:00Z");
	ck_assert_int_eq(http_query_get("a=1&b=x+y", "b", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "x y");
	ck_assert_int_eq(http_query_get("a=1", "b", out, sizeof(out)), 0);
	ck_assert_int_eq(http_query_get("b=%zz", "b", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("b=%00", "b", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("b=%4", "b", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("b=0123456789012345678901234567890123",
	    "b", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get("", "b", out, sizeof(out)), 0);
}
END_TEST

START_TEST(query_allow_list)
{
	static const char *const allowed[] = { "from", "to", NULL };
	char bad[32];

	ck_assert_int_eq(http_query_check("", NULL, bad, sizeof(bad)), 0);
	ck_assert_int_eq(http_query_check("from=1&to=2", allowed, bad,
	    sizeof(bad)), 0);
	ck_assert_int_eq(http_query_check("from=1&evil=2", allowed, bad,
	    sizeof(bad)), -1);
	ck_assert_str_eq(bad, "evil");
	ck_assert_int_eq(http_query_check("from=1&from=2", allowed, bad,
	    sizeof(bad)), -1);
	ck_assert_int_eq(http_query_check("x=1", NULL, bad, sizeof(bad)), -1);
}
END_TEST

static void h_a(void *ctx, struct http_req *req) { (void)ctx; (void)req; }
static void h_b(void *ctx, struct http_req *req) { (void)ctx; (void)req; }

static const struct route table[] = {
	{ HTTP_GET, "/api/v1/events", h_a, 0, NULL },
	{ HTTP_POST, "/api/v1/events", h_b, 0, NULL },
	{ HTTP_GET, "/api/v1/events/{}", h_a, 0, NULL },
	{ HTTP_DELETE, "/api/v1/events/{}", h_b, 0, NULL },
	{ HTTP_GET, "/feeds/{}.ics", h_a, 0, NULL },
};

static enum route_result
match(int method, const char *path, const struct route **rt, char *allow)
{
	static struct http_req req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	strcpy(req.path, path);	/* test-only: path is a short literal */
	*rt = NULL;
	return route_match(table, sizeof(table) / sizeof(table[0]), &req, rt,
	    allow, 64);
}

START_TEST(route_matching)
{
	const struct route	*rt;
	char			 allow[64];
	static struct http_req	 req;

	ck_assert_int_eq(match(HTTP_GET, "/api/v1/events", &rt, allow),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(rt, &table[0]);
	ck_assert_int_eq(match(HTTP_HEAD, "/api/v1/events", &rt, allow),
	    ROUTE_FOUND);
	ck_assert_int_eq(match(HTTP_PUT, "/api/v1/events", &rt, allow),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, POST");
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/events/", &rt, allow),
	    ROUTE_NOT_FOUND);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/events/x/y", &rt, allow),
	    ROUTE_NOT_FOUND);
	ck_assert_int_eq(match(HTTP_GET, "/api/v1/eventsx", &rt, allow),
	    ROUTE_NOT_FOUND);

	memset(&req, 0, sizeof(req));
	req.method = HTTP_DELETE;
	strcpy(req.path, "/api/v1/events/abc-123");
	ck_assert_int_eq(route_match(table, 5, &req, &rt, allow, 64),
	    ROUTE_FOUND);
	ck_assert_str_eq(req.params[0], "abc-123");
	ck_assert_str_eq(req.route, "/api/v1/events/{}");

	memset(&req, 0, sizeof(req));
	req.method = HTTP_GET;
	strcpy(req.path, "/feeds/s3cr3t.ics");
	ck_assert_int_eq(route_match(table, 5, &req, &rt, allow, 64),
	    ROUTE_FOUND);
	ck_assert_str_eq(req.params[0], "s3cr3t");
	strcpy(req.path, "/feeds/.ics");
	ck_assert_int_eq(route_match(table, 5, &req, &rt, allow, 64),
	    ROUTE_NOT_FOUND);
	strcpy(req.path, "/feeds/abc.ic");
	ck_assert_int_eq(route_match(table, 5, &req, &rt, allow, 64),
	    ROUTE_NOT_FOUND);
}
END_TEST

/* A ROUTE_PREFIX row (the CalDAV front end) takes every method, known or
 * not, on its subtree and the path without the last slash. */
START_TEST(route_prefix_and_dav_methods)
{
	static const struct route ptable[] = {
		{ HTTP_GET, "/api/v1/x", h_a, 0, NULL },
		{ HTTP_PROPFIND, "/dav/", h_b, ROUTE_PREFIX, NULL },
	};
	static const char *const found[] = {
		"/dav", "/dav/", "/dav/calendars/u/c/o.ics", "/dav//x"
	};
	static const int methods[] = { -1, HTTP_GET, HTTP_MKCOL, HTTP_REPORT };
	static struct http_req	 req;
	const struct route	*rt;
	char			 allow[64];
	size_t			 i, j;

	for (i = 0; i < sizeof(found) / sizeof(found[0]); i++)
		for (j = 0; j < sizeof(methods) / sizeof(methods[0]); j++) {
			memset(&req, 0, sizeof(req));
			req.method = methods[j];
			strcpy(req.path, found[i]);	/* test-only literal */
			ck_assert_int_eq(route_match(ptable, 2, &req, &rt,
			    allow, 64), ROUTE_FOUND);
			ck_assert_ptr_eq(rt, &ptable[1]);
			ck_assert_int_eq(req.route_idx, 1);
		}
	memset(&req, 0, sizeof(req));
	req.method = HTTP_GET;
	strcpy(req.path, "/davx");
	ck_assert_int_eq(route_match(ptable, 2, &req, &rt, allow, 64),
	    ROUTE_NOT_FOUND);
	strcpy(req.path, "/da");
	ck_assert_int_eq(route_match(ptable, 2, &req, &rt, allow, 64),
	    ROUTE_NOT_FOUND);
	/* Other rows keep their methods; an unknown one gets their Allow. */
	strcpy(req.path, "/api/v1/x");
	req.method = HTTP_PROPFIND;
	ck_assert_int_eq(route_match(ptable, 2, &req, &rt, allow, 64),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET");
	req.method = -1;
	ck_assert_int_eq(route_match(ptable, 2, &req, &rt, allow, 64),
	    ROUTE_BAD_METHOD);

	ck_assert_int_eq(http_method_parse("PROPFIND"), HTTP_PROPFIND);
	ck_assert_int_eq(http_method_parse("MKCALENDAR"), HTTP_MKCALENDAR);
	ck_assert_int_eq(http_method_parse("ACL"), HTTP_ACL);
	ck_assert_int_eq(http_method_parse("propfind"), -1);
	ck_assert_int_eq(http_method_parse("FROB"), -1);
	for (i = 0; i < HTTP_METHOD__MAX; i++)
		ck_assert_int_eq(http_method_parse(http_method_name((int)i)),
		    (int)i);
	ck_assert_str_eq(http_reason(207), "Multi-Status");
	ck_assert_str_eq(http_reason(301), "Moved Permanently");
	ck_assert_str_eq(http_reason(424), "Failed Dependency");
	ck_assert_str_eq(http_reason(507), "Insufficient Storage");
}
END_TEST

START_TEST(content_length_strict)
{
	ck_assert_int_eq(http_parse_length(NULL), -1);
	ck_assert_int_eq(http_parse_length(""), -1);
	ck_assert_int_eq(http_parse_length("0"), 0);
	ck_assert_int_eq(http_parse_length("1048576"), 1048576);
	ck_assert_int_eq(http_parse_length("-1"), -2);
	ck_assert_int_eq(http_parse_length(" 12"), -2);
	ck_assert_int_eq(http_parse_length("99999999999999999999"), -2);
}
END_TEST

START_TEST(json_type_and_parse)
{
	char		 why[160];
	json_object	*o;

	ck_assert(http_is_json_type("application/json"));
	ck_assert(http_is_json_type("application/json; charset=utf-8"));
	ck_assert(http_is_json_type("Application/JSON;charset=UTF-8"));
	ck_assert(!http_is_json_type("application/json; charset=latin1"));
	ck_assert(!http_is_json_type("text/plain"));
	ck_assert(!http_is_json_type("application/jsonx"));
	ck_assert(!http_is_json_type(NULL));

	o = http_json_parse("{\"a\":1}", 7, why, sizeof(why));
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	o = http_json_parse("{\"a\":1} \n", 9, why, sizeof(why));
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	ck_assert_ptr_null(http_json_parse("{\"a\":1}x", 8, why, sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":", 5, why, sizeof(why)));
	ck_assert_ptr_null(http_json_parse("[1]", 3, why, sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{'a':1}", 7, why, sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":NaN}", 9, why, sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":Infinity}", 14, why,
	    sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":\"x\ty\"}", 11, why,
	    sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":\"\\ud800\"}", 14, why,
	    sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":\"\\u0000\"}", 14, why,
	    sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":01}", 8, why, sizeof(why)));
	{
		const char *ok = "{\"a\":[1,-2.5e3,true,null,\"\\ud83d\\ude00\"]}";

		o = http_json_parse(ok, strlen(ok), why, sizeof(why));
	}
	ck_assert_msg(o != NULL, "%s", why);
	json_object_put(o);
	ck_assert_ptr_null(http_json_parse("{\"a\":\"\xff\"}", 9, why,
	    sizeof(why)));
	ck_assert_ptr_null(http_json_parse("{\"a\":1}\0", 8, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "NUL"));
	{
		char deep[200];
		int i;

		for (i = 0; i < 40; i++)
			deep[i] = '[';
		deep[0] = '{';
		memcpy(deep + 1, "\"a\":", 4);
		for (i = 5; i < 45; i++)
			deep[i] = '[';
		ck_assert_ptr_null(http_json_parse(deep, 45, why,
		    sizeof(why)));
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("http");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, query_get_and_decode);
	tcase_add_test(tc, query_allow_list);
	tcase_add_test(tc, route_matching);
	tcase_add_test(tc, route_prefix_and_dav_methods);
	tcase_add_test(tc, content_length_strict);
	tcase_add_test(tc, json_type_and_parse);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
