/* fuzz_davxml.c — arbitrary bytes down the CalDAV front end's two input
 * parsers: as an XML request body through dav_xml_parse (src/dav/xml.c:
 * no DTD, no entities, capped depth and element count), and as a request
 * path through dav_path_parse (src/dav/path.c). An accepted document must
 * keep the caps, and everything our writer makes of it (each element named
 * as the request named it, each text escaped, in a 207 Multi-Status) must
 * parse again and give back the same texts. An accepted path must give an
 * href that parses back to the same resource. Two builds, like
 * fuzz_json.c: libFuzzer (`make fuzz-davxml`) and a plain program
 * replaying the corpus, which `make check` runs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/zone.h"
#include "dav/dav.h"
#include "replay.h"

#define FUZZ_MAX_INPUT	(DAV_XML_MAX + 1024)	/* past the cap too */

static unsigned long	 accepted_xml, accepted_path;	/* replay */

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_davxml: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

static void
check_caps(const xmlNode *n, int depth, size_t *count)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_DTD_NODE || n->type == XML_ENTITY_REF_NODE ||
		    n->type == XML_ENTITY_DECL)
			fail("a DTD or entity passed", NULL);
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (depth > DAV_XML_DEPTH)
			fail("nesting past DAV_XML_DEPTH passed", NULL);
		if (++*count > DAV_XML_ELEMENTS)
			fail("more than DAV_XML_ELEMENTS passed", NULL);
		check_caps(n->children, depth + 1, count);
	}
}

#define WRITER_ELEMENTS	64	/* elements of a document written back */

/* The first elements of a document, depth first (its depth is capped, so
 * the recursion is bounded). */
static void
collect(xmlNode *n, xmlNode **out, size_t *nout)
{
	for (; n != NULL && *nout < WRITER_ELEMENTS; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		out[(*nout)++] = n;
		collect(n->children, out, nout);
	}
}

/* Each element (the first WRITER_ELEMENTS) as the writer names an unknown
 * property, and its text escaped, in a multistatus that must read back
 * with the same texts. */
static void
check_writer(xmlDoc *doc)
{
	struct dav_ms	 ms;
	struct buf	*b;
	xmlNode		*elems[WRITER_ELEMENTS], *resp, *ps, *prop, *e;
	xmlDoc		*again;
	xmlChar		*text, *back;
	char		 why[200], *texts[WRITER_ELEMENTS];
	size_t		 i, n = 0;
	enum buf_err	 err;

	collect(xmlDocGetRootElement(doc), elems, &n);
	if (dav_ms_begin(&ms, 0) != BUF_OK ||
	    dav_ms_response(&ms, "/dav/x y/%C3%A9?&<>\"") != BUF_OK)
		fail("writer start", NULL);
	for (i = 0; i < n; i++) {
		if ((b = dav_ms_prop(&ms, 404)) == NULL ||
		    dav_xml_elem_like(b, elems[i]) != BUF_OK)
			fail("elem_like", NULL);
		if ((b = dav_ms_prop(&ms, 200)) == NULL)
			fail("group", NULL);
		text = xmlNodeGetContent(elems[i]);
		if ((texts[i] = strdup(text ? (const char *)text : "")) ==
		    NULL)
			fail("out of memory", NULL);
		xmlFree(text);
		err = buf_addstr(b, "<AT:text>");
		if (err == BUF_OK)
			err = dav_xml_esc(b, texts[i], strlen(texts[i]));
		if (err == BUF_OK)
			err = buf_addstr(b, "</AT:text>");
		if (err != BUF_OK)
			fail("escaping", NULL);
	}
	if (dav_ms_response_end(&ms) != BUF_OK || dav_ms_end(&ms) != BUF_OK)
		fail("writer end", NULL);
	if (ms.out.len > DAV_XML_MAX)
		goto out;	/* too big for our own reader: fine */
	if ((again = dav_xml_parse(ms.out.data, ms.out.len, why,
	    sizeof(why))) == NULL)
		fail("the writer's document does not parse", why);
	resp = dav_xml_first(xmlDocGetRootElement(again), DAV_NS_DAV,
	    "response");
	i = 0;
	for (ps = dav_xml_first(resp, DAV_NS_DAV, "propstat"); ps != NULL;
	    ps = dav_xml_next(ps, DAV_NS_DAV, "propstat")) {
		prop = dav_xml_first(ps, DAV_NS_DAV, "prop");
		for (e = dav_xml_first(prop, DAV_NS_AURORA, "text"); e != NULL;
		    e = dav_xml_next(e, DAV_NS_AURORA, "text")) {
			if (i >= n)
				fail("more texts than written", NULL);
			back = xmlNodeGetContent(e);
			if (strcmp(back ? (const char *)back : "", texts[i]) !=
			    0)
				fail("a text changed through the writer",
				    texts[i]);
			xmlFree(back);
			i++;
		}
	}
	if (i != n)
		fail("texts lost through the writer", NULL);
	xmlFreeDoc(again);
out:
	while (n > 0)
		free(texts[--n]);
	dav_ms_free(&ms);
}

static void
fuzz_xml(const uint8_t *data, size_t size)
{
	xmlDoc	*doc;
	char	 why[200];
	size_t	 count = 0;

	if ((doc = dav_xml_parse((const char *)data, size, why,
	    sizeof(why))) == NULL)
		return;
	if (size > DAV_XML_MAX)
		fail("a body past DAV_XML_MAX passed", NULL);
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		fail("a DTD passed", NULL);
	accepted_xml++;
	check_caps(xmlDocGetRootElement(doc), 1, &count);
	check_writer(doc);
	xmlFreeDoc(doc);
}

static void
fuzz_path(const uint8_t *data, size_t size)
{
	struct dav_path	 p, q;
	struct buf	 href;
	char		 raw[HTTP_PATH_MAX];

	if (size >= sizeof(raw) || memchr(data, '\0', size) != NULL)
		return;
	memcpy(raw, data, size);
	raw[size] = '\0';
	if (dav_path_parse(raw, &p) == -1)
		return;
	accepted_path++;
	buf_init(&href, DAV_HREF_MAX);
	if (dav_href(&href, p.kind, p.user_id, p.calendar, p.object) != BUF_OK)
		fail("href", raw);
	if (dav_path_parse(href.data, &q) == -1)
		fail("an href does not parse back", href.data);
	if (p.kind != q.kind || strcmp(p.user_id, q.user_id) != 0 ||
	    strcmp(p.calendar, q.calendar) != 0 ||
	    strcmp(p.object, q.object) != 0)
		fail("an href names another resource", href.data);
	buf_free(&href);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_xml(data, size);
	fuzz_path(data, size);
	return 0;
}

#ifndef AURORA_LIBFUZZER
int
main(int argc, char *argv[])
{
	int	 count = 0, rc;

	rc = fuzz_replay_args(argc, argv, FUZZ_CORPUS, FUZZ_MAX_INPUT,
	    &count);
	printf("fuzz_davxml: %d inputs replayed, %lu accepted as XML, %lu as "
	    "paths\n", count, accepted_xml, accepted_path);
	/* The corpus holds valid bodies and paths: if none passes, the
	 * harness fuzzes nothing behind the first check. */
	if (argc < 2 && (accepted_xml == 0 || accepted_path == 0))
		rc = -1;
	xmlCleanupParser();
	zone_cleanup();
	return rc == 0 && count > 0 ? 0 : 1;
}
#endif
