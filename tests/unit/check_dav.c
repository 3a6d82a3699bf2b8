/* check_dav.c — unit tests of the CalDAV front end's pure parts: paths and
 * hrefs (src/dav/path.c), the XML reader's refusals and caps and the
 * writer's escaping (src/dav/xml.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <libxml/parser.h>

#include "dav/dav.h"

#define UID	"0b6e1c4a-93d2-4a39-8d8e-2f1b9a6c2d10"

START_TEST(paths)
{
	struct dav_path p;

	ck_assert_int_eq(dav_path_parse("/dav/", &p), 0);
	ck_assert_int_eq(p.kind, DAV_ROOT);
	ck_assert_int_eq(dav_path_parse("/dav", &p), 0);
	ck_assert_int_eq(p.kind, DAV_ROOT);
	ck_assert_int_eq(dav_path_parse("/dav/principals/" UID "/", &p), 0);
	ck_assert_int_eq(p.kind, DAV_PRINCIPAL);
	ck_assert_str_eq(p.user_id, UID);
	/* Upper case is the same account. */
	ck_assert_int_eq(dav_path_parse("/dav/calendars/0B6E1C4A-93D2-4A39-"
	    "8D8E-2F1B9A6C2D10", &p), 0);
	ck_assert_int_eq(p.kind, DAV_HOME);
	ck_assert_str_eq(p.user_id, UID);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/Priv%C3%A9%20"
	    "cal+x/", &p), 0);
	ck_assert_int_eq(p.kind, DAV_CALENDAR);
	ck_assert_str_eq(p.calendar, "Priv\xc3\xa9 cal+x");
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/default/"
	    "a%3Fb%23c.ics", &p), 0);
	ck_assert_int_eq(p.kind, DAV_OBJECT);
	ck_assert_str_eq(p.calendar, "default");
	ck_assert_str_eq(p.object, "a?b#c.ics");

	/* What names nothing here. */
	ck_assert_int_eq(dav_path_parse("/davx/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/principals/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/principals/" UID "/x", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/not-a-uuid/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/other/" UID "/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav//calendars/" UID "/", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "//", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/c/o/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/c/o/x", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/../", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/%2E%2E/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/./", &p), -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%2Fb/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%00b/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%0Ab/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%C3/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%G1/", &p),
	    -1);
	ck_assert_int_eq(dav_path_parse("/dav/calendars/" UID "/a%4/", &p),
	    -1);
}
END_TEST

START_TEST(hrefs)
{
	struct buf	b;
	struct dav_path	p;

	buf_init(&b, DAV_HREF_MAX);
	ck_assert_int_eq(dav_href(&b, DAV_OBJECT, UID, "Priv\xc3\xa9 cal",
	    "a?b#c%d/e.ics"), BUF_OK);
	/* UTF-8 kept, reserved bytes escaped. */
	ck_assert_str_eq(b.data, "/dav/calendars/" UID "/Priv\xc3\xa9%20cal/"
	    "a%3Fb%23c%25d%2Fe.ics");
	/* Its href names the same resource (but '/' in a name never parses:
	 * names with one are refused where they come in). */
	buf_reset(&b);
	ck_assert_int_eq(dav_href(&b, DAV_CALENDAR, UID, "x&y:@~", NULL),
	    BUF_OK);
	ck_assert_str_eq(b.data, "/dav/calendars/" UID "/x&y:@~/");
	ck_assert_int_eq(dav_path_parse(b.data, &p), 0);
	ck_assert_str_eq(p.calendar, "x&y:@~");
	buf_reset(&b);
	ck_assert_int_eq(dav_href(&b, DAV_PRINCIPAL, UID, NULL, NULL), BUF_OK);
	ck_assert_str_eq(b.data, "/dav/principals/" UID "/");
	buf_free(&b);
}
END_TEST

static xmlDoc *
parse(const char *s, char *why, size_t whylen)
{
	return dav_xml_parse(s, strlen(s), why, whylen);
}

START_TEST(xml_refusals)
{
	struct buf	 b;
	char		 why[200], *big;
	xmlDoc		*doc;
	size_t		 i, n;

	doc = parse("<d:propfind xmlns:d=\"DAV:\"><d:prop><d:displayname/>"
	    "</d:prop></d:propfind>", why, sizeof(why));
	ck_assert_ptr_nonnull(doc);
	ck_assert(dav_xml_is(xmlDocGetRootElement(doc), DAV_NS_DAV,
	    "propfind"));
	ck_assert(dav_xml_is(dav_xml_first(dav_xml_first(
	    xmlDocGetRootElement(doc), DAV_NS_DAV, "prop"), NULL, NULL),
	    DAV_NS_DAV, "displayname"));
	xmlFreeDoc(doc);

	ck_assert_ptr_null(parse("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY"
	    " a \"b\">]><x>&a;</x>", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "DTD"));
	ck_assert_ptr_null(parse("<!DOCTYPE x SYSTEM \"http://example.org/x\">"
	    "<x/>", why, sizeof(why)));
	ck_assert_ptr_null(parse("<x>&undefined;</x>", why, sizeof(why)));
	ck_assert_ptr_null(parse("<d:x/>", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "namespace"));
	ck_assert_ptr_null(parse("<x>", why, sizeof(why)));
	ck_assert_ptr_null(dav_xml_parse("<x>\0</x>", 8, why, sizeof(why)));
	ck_assert_ptr_null(parse("<x>\xc3</x>", why, sizeof(why)));
	/* The declared encoding is not followed: the bytes are UTF-8. */
	doc = parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	    "<x>\xc3\xa9</x>", why, sizeof(why));
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(dav_xml_text(xmlDocGetRootElement(doc), why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "\xc3\xa9");
	xmlFreeDoc(doc);

	/* Depth: DAV_XML_DEPTH levels pass, one more does not. */
	for (n = DAV_XML_DEPTH; n <= DAV_XML_DEPTH + 1; n++) {
		buf_init(&b, 1 << 20);
		for (i = 0; i < n; i++)
			ck_assert_int_eq(buf_addstr(&b, "<a>"), BUF_OK);
		for (i = 0; i < n; i++)
			ck_assert_int_eq(buf_addstr(&b, "</a>"), BUF_OK);
		doc = parse(b.data, why, sizeof(why));
		if (n == DAV_XML_DEPTH)
			ck_assert_ptr_nonnull(doc);
		else {
			ck_assert_ptr_null(doc);
			ck_assert_ptr_nonnull(strstr(why, "deeper"));
		}
		xmlFreeDoc(doc);
		buf_free(&b);
	}

	/* Elements: DAV_XML_ELEMENTS pass (the root among them), one more
	 * does not. */
	for (n = DAV_XML_ELEMENTS; n <= DAV_XML_ELEMENTS + 1; n++) {
		buf_init(&b, 1 << 20);
		ck_assert_int_eq(buf_addstr(&b, "<r>"), BUF_OK);
		for (i = 1; i < n; i++)
			ck_assert_int_eq(buf_addstr(&b, "<a/>"), BUF_OK);
		ck_assert_int_eq(buf_addstr(&b, "</r>"), BUF_OK);
		doc = parse(b.data, why, sizeof(why));
		if (n == DAV_XML_ELEMENTS)
			ck_assert_ptr_nonnull(doc);
		else {
			ck_assert_ptr_null(doc);
			ck_assert_ptr_nonnull(strstr(why, "elements"));
		}
		xmlFreeDoc(doc);
		buf_free(&b);
	}

	/* Size. */
	big = malloc(DAV_XML_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', DAV_XML_MAX + 1);
	memcpy(big, "<x>", 3);
	memcpy(big + DAV_XML_MAX + 1 - 4, "</x>", 4);
	ck_assert_ptr_null(dav_xml_parse(big, DAV_XML_MAX + 1, why,
	    sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "larger"));
	free(big);
}
END_TEST

START_TEST(xml_writer)
{
	struct buf	 b;
	struct dav_ms	 ms;
	struct buf	*g;

	static const char in[] = "a&<>\"\r\n\tb\x01\x7f\xc2\x85\xef\xbf\xbe";

	buf_init(&b, 1024);
	ck_assert_int_eq(dav_xml_esc(&b, in, sizeof(in) - 1), BUF_OK);
	ck_assert_str_eq(b.data, "a&amp;&lt;&gt;&quot;&#13;\n\tb\xef\xbf\xbd"
	    "\x7f\xc2\x85\xef\xbf\xbd");
	buf_reset(&b);
	ck_assert_int_eq(dav_xml_esc(&b, "\xff", 1), BUF_OK);
	ck_assert_str_eq(b.data, "\xef\xbf\xbd");
	buf_free(&b);

	/* Propstats by status, in first-use order; 404s left out when
	 * minimal; an empty response still has one propstat. */
	ck_assert_int_eq(dav_ms_begin(&ms, 1), BUF_OK);
	ck_assert_int_eq(dav_ms_response(&ms, "/dav/a&b/"), BUF_OK);
	g = dav_ms_prop(&ms, 200);
	ck_assert_int_eq(buf_addstr(g, "<D:displayname/>"), BUF_OK);
	g = dav_ms_prop(&ms, 404);
	ck_assert_int_eq(buf_addstr(g, "<D:x/>"), BUF_OK);
	g = dav_ms_prop(&ms, 200);
	ck_assert_int_eq(buf_addstr(g, "<D:y/>"), BUF_OK);
	ck_assert_int_eq(dav_ms_response_end(&ms), BUF_OK);
	ck_assert_int_eq(dav_ms_response(&ms, "/dav/"), BUF_OK);
	ck_assert_int_eq(dav_ms_response_end(&ms), BUF_OK);
	ck_assert_int_eq(dav_ms_status(&ms, "/dav/gone", 404), BUF_OK);
	ck_assert_int_eq(dav_ms_end(&ms), BUF_OK);
	ck_assert_ptr_nonnull(strstr(ms.out.data, "<D:response><D:href>"
	    "/dav/a&amp;b/</D:href><D:propstat><D:prop><D:displayname/>"
	    "<D:y/></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
	    "</D:propstat></D:response>"));
	ck_assert_ptr_null(strstr(ms.out.data, "<D:x/>"));
	ck_assert_ptr_nonnull(strstr(ms.out.data, "<D:href>/dav/</D:href>"
	    "<D:propstat><D:prop></D:prop><D:status>HTTP/1.1 200 OK"));
	ck_assert_ptr_nonnull(strstr(ms.out.data, "<D:href>/dav/gone</D:href>"
	    "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>"
	    "</D:multistatus>"));
	dav_ms_free(&ms);
}
END_TEST

/* Dead properties: an element dumped with the declarations of the
 * namespaces it uses (declared on an ancestor in the request), its
 * attributes and children kept; names in Clark notation and back. */
START_TEST(xml_dead_props)
{
	xmlDoc		*doc, *again;
	xmlNode		*prop, *n;
	struct buf	 b;
	char		 why[200], name[64], *x;

	doc = parse("<d:propertyupdate xmlns:d=\"DAV:\" xmlns:x=\"urn:x\" "
	    "xmlns:y=\"urn:y\"><d:set><d:prop><x:nested k=\"v &amp; w\">"
	    "<x:a>t &lt; u \xc3\xa9</x:a><y:b y:at=\"1\"/></x:nested><plain>p"
	    "</plain></d:prop></d:set></d:propertyupdate>", why, sizeof(why));
	ck_assert_ptr_nonnull(doc);
	prop = dav_xml_first(dav_xml_first(xmlDocGetRootElement(doc),
	    DAV_NS_DAV, "set"), DAV_NS_DAV, "prop");
	n = dav_xml_first(prop, NULL, NULL);
	ck_assert_int_eq(dav_xml_clark(n, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "{urn:x}nested");
	ck_assert_int_eq(dav_xml_clark(n, name, 8), -1);
	x = dav_xml_dump(n);
	ck_assert_ptr_nonnull(x);
	/* It parses on its own, to the same names. */
	again = parse(x, why, sizeof(why));
	ck_assert_msg(again != NULL, "%s: %s", x, why);
	n = xmlDocGetRootElement(again);
	ck_assert(dav_xml_is(n, "urn:x", "nested"));
	ck_assert_ptr_nonnull(dav_xml_first(n, "urn:x", "a"));
	ck_assert_ptr_nonnull(dav_xml_first(n, "urn:y", "b"));
	ck_assert_ptr_nonnull(strstr(x, "k=\"v &amp; w\""));
	xmlFreeDoc(again);
	free(x);
	n = dav_xml_next(dav_xml_first(prop, NULL, NULL), NULL, NULL);
	ck_assert_int_eq(dav_xml_clark(n, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "{}plain");
	x = dav_xml_dump(n);
	ck_assert_str_eq(x, "<plain>p</plain>");
	free(x);
	buf_init(&b, 1024);
	ck_assert_int_eq(dav_xml_elem_clark(&b, "{urn:x&y}n"), BUF_OK);
	ck_assert_str_eq(b.data, "<x:n xmlns:x=\"urn:x&amp;y\"/>");
	buf_reset(&b);
	ck_assert_int_eq(dav_xml_elem_clark(&b, "{}plain"), BUF_OK);
	ck_assert_str_eq(b.data, "<plain/>");
	buf_free(&b);
	xmlFreeDoc(doc);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dav");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, paths);
	tcase_add_test(tc, hrefs);
	tcase_add_test(tc, xml_refusals);
	tcase_add_test(tc, xml_writer);
	tcase_add_test(tc, xml_dead_props);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
