/* check_subscription.c — unit tests of the account's side of
 * subscriptions without a database: the feed address check (schemes,
 * webcal, hosts, user names, lengths, characters, fragments) and the JSON
 * reader (defaults, members, refusals, what a patch names). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/subscription.h"

static enum event_rc
check(const char *in, char *out, size_t outlen, struct event_error *err)
{
	return subscription_url_check(in, out, outlen, err);
}

START_TEST(url_accepted)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "https://example.org/cal.ics", "https://example.org/cal.ics" },
		{ "http://example.org/cal.ics", "http://example.org/cal.ics" },
		{ "webcal://example.org/cal.ics",
		    "https://example.org/cal.ics" },
		{ "WEBCAL://example.org/cal.ics",
		    "https://example.org/cal.ics" },
		{ "webcals://example.org/cal.ics",
		    "https://example.org/cal.ics" },
		{ "HTTPS://example.org/a?b=1&c=2",
		    "https://example.org/a?b=1&c=2" },
		{ "  https://example.org/x.ics\t",
		    "https://example.org/x.ics" },
		{ "https://example.org:8443/x.ics#frag",
		    "https://example.org:8443/x.ics" },
		{ "https://[2001:db8::1]/x.ics", "https://[2001:db8::1]/x.ics" },
		{ "https://example.org", "https://example.org/" },
		{ "https://example.org/a%20b.ics",
		    "https://example.org/a%20b.ics" },
		/* One spelling per address: host in lower case (the path
		 * keeps its case), no default port. */
		{ "https://Feeds.EXAMPLE.org:443/Term.ics",
		    "https://feeds.example.org/Term.ics" },
		{ "http://EXAMPLE.org:80/a.ics", "http://example.org/a.ics" },
		{ "webcal://Example.org:443/x.ics",
		    "https://example.org/x.ics" },
		{ "http://example.org:443/x.ics",
		    "http://example.org:443/x.ics" },
		{ "https://[2001:DB8::A]:443/x.ics",
		    "https://[2001:db8::a]/x.ics" },
	};
	struct event_error	 err;
	char			 out[SUBSCRIPTION_URL_MAX + 1];
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(check(ok[i].in, out, sizeof(out), &err) ==
		    EVENT_OK, "%s refused: %s", ok[i].in, err.msg);
		ck_assert_msg(strcmp(out, ok[i].out) == 0, "%s -> %s, not %s",
		    ok[i].in, out, ok[i].out);
	}
}
END_TEST

START_TEST(url_refused)
{
	static const char *const bad[] = {
		"", "example.org/cal.ics", "ftp://example.org/x",
		"file:///etc/passwd", "gopher://example.org/", "https://",
		"https:///x.ics", "https://?x", "https://#x",
		"https://user@example.org/x", "https://user:pw@example.org/x",
		"https://:pw@example.org/x", "https://exa mple.org/x",
		"https://example.org/\x01", "https://example.org/\xc3\xa9",
		"https://example.org:99999/x", "javascript:alert(1)",
		"webcal:example.org", "https:/example.org/x",
	};
	struct event_error	 err;
	char			 out[SUBSCRIPTION_URL_MAX + 1];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(check(bad[i], out, sizeof(out), &err) ==
		    EVENT_INVALID, "%s accepted", bad[i]);
		ck_assert_str_eq(err.field, "url");
		ck_assert_msg(strncmp(err.msg, "url ", 4) == 0 &&
		    strlen(err.msg) > 12, "%s: message %s", bad[i], err.msg);
	}
}
END_TEST

START_TEST(url_lengths)
{
	struct event_error	 err;
	char			 in[SUBSCRIPTION_URL_MAX + 64];
	char			 out[SUBSCRIPTION_URL_MAX + 1];
	size_t			 n;

	/* Exactly SUBSCRIPTION_URL_MAX bytes pass, one more does not. */
	n = snprintf(in, sizeof(in), "https://example.org/");
	memset(in + n, 'a', SUBSCRIPTION_URL_MAX - n);
	in[SUBSCRIPTION_URL_MAX] = '\0';
	ck_assert_int_eq(check(in, out, sizeof(out), &err), EVENT_OK);
	ck_assert_uint_eq(strlen(out), SUBSCRIPTION_URL_MAX);
	in[SUBSCRIPTION_URL_MAX] = 'a';
	in[SUBSCRIPTION_URL_MAX + 1] = '\0';
	ck_assert_int_eq(check(in, out, sizeof(out), &err), EVENT_INVALID);
	/* webcal:// is one byte longer than https://: still fits. */
	n = snprintf(in, sizeof(in), "webcal://example.org/");
	memset(in + n, 'a', SUBSCRIPTION_URL_MAX - n);
	in[SUBSCRIPTION_URL_MAX] = '\0';
	ck_assert_int_eq(check(in, out, sizeof(out), &err), EVENT_OK);
	/* An output buffer too small is a refusal, never a cut address. */
	ck_assert_int_eq(check("https://example.org/long.ics", out, 10, &err),
	    EVENT_INVALID);
}
END_TEST

static enum event_rc
from_text(struct subscription *s, const char *text, int patch, unsigned *set,
    struct event_error *err)
{
	json_object	*o;
	enum event_rc	 rc;

	ck_assert_ptr_nonnull(o = json_tokener_parse(text));
	rc = subscription_from_json(s, o, patch, set, err);
	json_object_put(o);
	return rc;
}

START_TEST(json_defaults_and_members)
{
	struct subscription	*s;
	struct event_error	 err;
	unsigned		 set;

	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	ck_assert_int_eq(from_text(s, "{\"url\": \"webcal://feeds.example.org"
	    "/h.ics\"}", 0, &set, &err), EVENT_OK);
	ck_assert_str_eq(s->url, "https://feeds.example.org/h.ics");
	ck_assert_str_eq(s->name, "feeds.example.org");
	ck_assert_str_eq(s->color, CALENDAR_COLOR_DEFAULT);
	ck_assert_int_eq(s->refresh_minutes, SUBSCRIPTION_REFRESH_DEFAULT);
	ck_assert_int_eq(s->reminders, 0);
	ck_assert_uint_eq(set, SUBSCRIPTION_SET_URL);
	/* A patch changes what it names only. */
	ck_assert_int_eq(from_text(s, "{\"name\": \"Holidays\", \"color\": "
	    "\"#AABBCC\", \"refresh_minutes\": 15, \"reminders\": true}", 1,
	    &set, &err), EVENT_OK);
	ck_assert_str_eq(s->url, "https://feeds.example.org/h.ics");
	ck_assert_str_eq(s->name, "Holidays");
	ck_assert_str_eq(s->color, "#aabbcc");
	ck_assert_int_eq(s->refresh_minutes, 15);
	ck_assert_int_eq(s->reminders, 1);
	ck_assert_uint_eq(set, SUBSCRIPTION_SET_NAME | SUBSCRIPTION_SET_COLOR |
	    SUBSCRIPTION_SET_REFRESH | SUBSCRIPTION_SET_REMINDERS);
	free(s);
}
END_TEST

START_TEST(json_refusals)
{
	static const struct { const char *body, *field; int patch; } bad[] = {
		{ "{}", "url", 0 },
		{ "[]", "", 0 },
		{ "{\"url\": 5}", "url", 0 },
		{ "{\"url\": null}", "url", 0 },
		{ "{\"url\": \"ftp://x/\"}", "url", 0 },
		{ "{\"url\": \"https://a/\", \"refresh_minutes\": 14}",
		    "refresh_minutes", 0 },
		{ "{\"refresh_minutes\": 10081}", "refresh_minutes", 1 },
		{ "{\"refresh_minutes\": 60.0}", "refresh_minutes", 1 },
		{ "{\"reminders\": \"yes\"}", "reminders", 1 },
		{ "{\"name\": \"\"}", "name", 1 },
		{ "{\"color\": \"blue\"}", "color", 1 },
		{ "{\"status\": \"ok\"}", "status", 1 },
		{ "{\"calendar_id\": null}", "calendar_id", 1 },
		{ "{\"etag\": \"x\"}", "etag", 1 },
		{ "{\"nope\": 1}", "nope", 1 },
	};
	struct subscription	*s;
	struct event_error	 err;
	unsigned		 set;
	size_t			 i;

	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(from_text(s, bad[i].body, bad[i].patch, &set,
		    &err) == EVENT_INVALID, "%s accepted", bad[i].body);
		ck_assert_msg(strcmp(err.field, bad[i].field) == 0,
		    "%s: field %s, not %s", bad[i].body, err.field,
		    bad[i].field);
	}
	free(s);
}
END_TEST

START_TEST(json_out)
{
	struct subscription	*s;
	json_object		*o, *v;

	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	snprintf(s->id, sizeof(s->id), "%s",
	    "3f919d67-3ce0-40b7-aab6-d3a837787d8c");
	snprintf(s->status, sizeof(s->status), "%s", "pending");
	snprintf(s->next_fetch_at, sizeof(s->next_fetch_at), "%s",
	    "2026-12-06T14:40:30Z");
	ck_assert_ptr_nonnull(o = subscription_to_json(s));
	ck_assert_int_eq(json_object_object_length(o), 14);
	ck_assert(json_object_object_get_ex(o, "last_error", &v) &&
	    v == NULL);
	ck_assert(json_object_object_get_ex(o, "last_fetched_at", &v) &&
	    v == NULL);
	ck_assert(json_object_object_get_ex(o, "next_fetch_at", &v) &&
	    strcmp(json_object_get_string(v), "2026-12-06T14:40:30Z") == 0);
	json_object_put(o);
	free(s);
}
END_TEST

static Suite *
subscription_suite(void)
{
	Suite	*s = suite_create("subscription");
	TCase	*tc = tcase_create("subscription");

	tcase_add_test(tc, url_accepted);
	tcase_add_test(tc, url_refused);
	tcase_add_test(tc, url_lengths);
	tcase_add_test(tc, json_defaults_and_members);
	tcase_add_test(tc, json_refusals);
	tcase_add_test(tc, json_out);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(subscription_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
