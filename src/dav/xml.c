/* xml.c — XML for CalDAV: a safe reader over libxml2 (no network, no DTD,
 * no entities, capped depth and size) and an escaping writer over buf,
 * with the 207 Multi-Status document built on it. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/utf8.h"
#include "dav/dav.h"

#define XML_REFUSED_DTD	"a DTD or entity declaration is not accepted"

/* What the SAX hooks below saw; the parser context's _private. */
struct parse_state {
	int	 dtd;
};

/* Any DTD, internal or external, or an entity declaration stops the
 * parse: CalDAV bodies never need one, and refusing them outright keeps
 * entity expansion (billion laughs) and external entities (XXE) out
 * whatever libxml2 would otherwise do with them. */
static void
refuse_subset(void *ctx, const xmlChar *name, const xmlChar *ext,
    const xmlChar *sys)
{
	xmlParserCtxtPtr	 pc = ctx;
	struct parse_state	*st = pc->_private;

	(void)name;
	(void)ext;
	(void)sys;
	st->dtd = 1;
	xmlStopParser(pc);
}

static void
refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
    const xmlChar *sys, xmlChar *content)
{
	xmlParserCtxtPtr	 pc = ctx;
	struct parse_state	*st = pc->_private;

	(void)name;
	(void)type;
	(void)pub;
	(void)sys;
	(void)content;
	st->dtd = 1;
	xmlStopParser(pc);
}

static int
has_bytes(const char *data, size_t len, const char *needle)
{
	return memmem(data, len, needle, strlen(needle)) != NULL;
}

/* Walks the tree without recursion: element count and depth. */
static int
tree_within_caps(const xmlNode *root, char *why, size_t whylen)
{
	const xmlNode	*n = root;
	size_t		 count = 0, depth = 1;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			if (++count > DAV_XML_ELEMENTS) {
				snprintf(why, whylen, "more than %d XML "
				    "elements", DAV_XML_ELEMENTS);
				return -1;
			}
			if (depth > DAV_XML_DEPTH) {
				snprintf(why, whylen, "XML nested deeper than "
				    "%d levels", DAV_XML_DEPTH);
				return -1;
			}
		}
		if (n->type == XML_ENTITY_REF_NODE ||
		    n->type == XML_ENTITY_NODE || n->type == XML_DTD_NODE) {
			snprintf(why, whylen, XML_REFUSED_DTD);
			return -1;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			depth++;
			continue;
		}
		while (n != NULL && n->next == NULL && n != root) {
			n = n->parent;
			depth--;
		}
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	return 0;
}

xmlDoc *
dav_xml_parse(const char *data, size_t len, char *why, size_t whylen)
{
	xmlParserCtxtPtr	 pc = NULL;
	xmlDoc			*doc = NULL;
	struct parse_state	 st = { 0 };
	const xmlError		*err;

	if (len > DAV_XML_MAX || len > INT_MAX) {
		snprintf(why, whylen, "XML body larger than %d bytes",
		    DAV_XML_MAX);
		goto out;
	}
	/* UTF-8 only (the document's own encoding hint is ignored): no
	 * NUL, so no UTF-16, and the DTD check below sees the real bytes. */
	if (memchr(data, '\0', len) != NULL) {
		snprintf(why, whylen, "XML body is not UTF-8 (holds NUL)");
		goto out;
	}
	if (has_bytes(data, len, "<!DOCTYPE") ||
	    has_bytes(data, len, "<!ENTITY")) {
		snprintf(why, whylen, XML_REFUSED_DTD);
		goto out;
	}
	if (utf8_count(data, len, 0) < 0) {
		snprintf(why, whylen, "XML body is not well-formed UTF-8");
		goto out;
	}
	xmlInitParser();
	if ((pc = xmlNewParserCtxt()) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	pc->_private = &st;
	pc->sax->internalSubset = refuse_subset;
	pc->sax->externalSubset = refuse_subset;
	pc->sax->entityDecl = refuse_entity;
	doc = xmlCtxtReadMemory(pc, data, (int)len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA);
	if (st.dtd) {
		snprintf(why, whylen, XML_REFUSED_DTD);
		goto fail;
	}
	if (doc == NULL || !pc->wellFormed) {
		err = xmlCtxtGetLastError(pc);
		snprintf(why, whylen, "XML body is not well-formed%s%.*s",
		    err != NULL && err->message != NULL ? ": " : "",
		    err != NULL && err->message != NULL ?
		    (int)strcspn(err->message, "\n") : 0,
		    err != NULL && err->message != NULL ? err->message : "");
		goto fail;
	}
	/* An unbound prefix would make "p:name" a name of no namespace,
	 * which no property matches and our answers could not repeat. */
	if (!pc->nsWellFormed) {
		snprintf(why, whylen, "XML body is not namespace-well-formed "
		    "(a prefix without its xmlns declaration?)");
		goto fail;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		snprintf(why, whylen, XML_REFUSED_DTD);
		goto fail;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		snprintf(why, whylen, "XML body has no root element");
		goto fail;
	}
	if (tree_within_caps(xmlDocGetRootElement(doc), why, whylen) == -1)
		goto fail;
	goto out;
fail:
	xmlFreeDoc(doc);
	doc = NULL;
out:
	if (pc != NULL)
		xmlFreeParserCtxt(pc);
	return doc;
}

const char *
dav_xml_ns(const xmlNode *n)
{
	if (n == NULL || n->ns == NULL || n->ns->href == NULL)
		return "";
	return (const char *)n->ns->href;
}

int
dav_xml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0 &&
	    strcmp(dav_xml_ns(n), ns) == 0;
}

static xmlNode *
element_from(xmlNode *n, const char *ns, const char *name)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (name == NULL || dav_xml_is(n, ns, name))
			return n;
	}
	return NULL;
}

xmlNode *
dav_xml_first(const xmlNode *n, const char *ns, const char *name)
{
	return n == NULL ? NULL : element_from(n->children, ns, name);
}

xmlNode *
dav_xml_next(const xmlNode *n, const char *ns, const char *name)
{
	return n == NULL ? NULL : element_from(n->next, ns, name);
}

int
dav_xml_text(const xmlNode *n, char *out, size_t outlen)
{
	xmlChar	*s;
	size_t	 len;
	int	 rc = -1;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if ((s = xmlNodeGetContent(n)) == NULL)
		return n != NULL && n->children == NULL ? 0 : -1;
	len = strlen((const char *)s);
	if (len < outlen) {
		memcpy(out, s, len + 1);
		rc = 0;
	}
	xmlFree(s);
	return rc;
}

/* --- the writer -------------------------------------------------------- */

enum buf_err
dav_xml_esc(struct buf *b, const char *s, size_t len)
{
	static const char	 fffd[] = "\xef\xbf\xbd";
	const unsigned char	*p = (const unsigned char *)s;
	const char		*rep;
	size_t			 i = 0, run = 0, step;
	uint32_t		 cp;
	enum buf_err		 e;
	int			 n;

	while (i < len) {
		rep = NULL;
		step = 1;
		if (p[i] < 0x80) {
			switch (p[i]) {
			case '&':  rep = "&amp;"; break;
			case '<':  rep = "&lt;"; break;
			case '>':  rep = "&gt;"; break;
			case '"':  rep = "&quot;"; break;
			case '\r': rep = "&#13;"; break;	/* kept as is */
			case '\t': case '\n': break;
			default:
				if (p[i] < 0x20)
					rep = fffd;
			}
		} else if ((n = utf8_decode(p + i, len - i, &cp)) < 0)
			rep = fffd;	/* byte by byte */
		else {
			step = (size_t)n;
			/* Well-formed, but not an XML character. */
			if (cp == 0xfffe || cp == 0xffff)
				rep = fffd;
		}
		if (rep == NULL) {
			run += step;
			i += step;
			continue;
		}
		if (run > 0 && (e = buf_add(b, p + i - run, run)) != BUF_OK)
			return e;
		run = 0;
		if ((e = buf_addstr(b, rep)) != BUF_OK)
			return e;
		i += step;
	}
	if (run > 0)
		return buf_add(b, p + i - run, run);
	return BUF_OK;
}

enum buf_err
dav_xml_elem(struct buf *b, const char *qname, const char *text)
{
	enum buf_err e;

	if ((e = buf_printf(b, "<%s>", qname)) != BUF_OK ||
	    (e = dav_xml_esc(b, text, strlen(text))) != BUF_OK)
		return e;
	return buf_printf(b, "</%s>", qname);
}

enum buf_err
dav_xml_elem_like(struct buf *b, const xmlNode *n)
{
	const char	*ns = dav_xml_ns(n);
	enum buf_err	 e;

	if (*ns == '\0')
		return buf_printf(b, "<%s/>", (const char *)n->name);
	if ((e = buf_printf(b, "<x:%s xmlns:x=\"", (const char *)n->name)) !=
	    BUF_OK || (e = dav_xml_esc(b, ns, strlen(ns))) != BUF_OK)
		return e;
	return buf_addstr(b, "\"/>");
}

int
dav_xml_clark(const xmlNode *n, char *out, size_t outlen)
{
	int len;

	len = snprintf(out, outlen, "{%s}%s", dav_xml_ns(n),
	    (const char *)n->name);
	return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

enum buf_err
dav_xml_elem_clark(struct buf *b, const char *clark)
{
	const char	*end;
	enum buf_err	 e;

	if (clark[0] != '{' || (end = strchr(clark, '}')) == NULL)
		return BUF_OK;	/* not a name we wrote: left out */
	if (end == clark + 1)
		return buf_printf(b, "<%s/>", end + 1);
	if ((e = buf_printf(b, "<x:%s xmlns:x=\"", end + 1)) != BUF_OK ||
	    (e = dav_xml_esc(b, clark + 1, (size_t)(end - clark - 1))) !=
	    BUF_OK)
		return e;
	return buf_addstr(b, "\"/>");
}

char *
dav_xml_dump(const xmlNode *n)
{
	xmlDoc		*doc = NULL;
	xmlNode		*copy;
	xmlBuffer	*xb = NULL;
	char		*out = NULL;
	size_t		 len;

	/* A copy in a document of its own carries the declarations of the
	 * namespaces it uses (libxml2 adds those declared on ancestors to
	 * the copy's root), so the text stands on its own in any answer. */
	if ((doc = xmlNewDoc((const xmlChar *)"1.0")) == NULL ||
	    (copy = xmlDocCopyNode((xmlNode *)n, doc, 1)) == NULL)
		goto out;
	(void)xmlDocSetRootElement(doc, copy);
	if ((xb = xmlBufferCreate()) == NULL ||
	    xmlNodeDump(xb, doc, copy, 0, 0) < 0)
		goto out;
	len = (size_t)xmlBufferLength(xb);
	if ((out = malloc(len + 1)) == NULL)
		goto out;
	memcpy(out, xmlBufferContent(xb), len);
	out[len] = '\0';
out:
	if (xb != NULL)
		xmlBufferFree(xb);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return out;
}

enum buf_err
dav_ms_begin(struct dav_ms *ms, int minimal)
{
	memset(ms, 0, sizeof(*ms));
	buf_init(&ms->out, DAV_ANSWER_MAX);
	ms->minimal = minimal;
	return buf_addstr(&ms->out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<D:multistatus xmlns:D=\"" DAV_NS_DAV "\" xmlns:C=\""
	    DAV_NS_CALDAV "\" xmlns:CS=\"" DAV_NS_CS "\" xmlns:A=\""
	    DAV_NS_ICAL "\" xmlns:AT=\"" DAV_NS_AURORA "\">");
}

enum buf_err
dav_ms_response(struct dav_ms *ms, const char *href)
{
	enum buf_err e;

	ms->in_response = 1;
	ms->ngroups = 0;
	if ((e = buf_addstr(&ms->out, "<D:response><D:href>")) != BUF_OK ||
	    (e = dav_xml_esc(&ms->out, href, strlen(href))) != BUF_OK)
		return e;
	return buf_addstr(&ms->out, "</D:href>");
}

struct buf *
dav_ms_prop(struct dav_ms *ms, int status)
{
	return dav_ms_prop_error(ms, status, NULL);
}

struct buf *
dav_ms_prop_error(struct dav_ms *ms, int status, const char *cond)
{
	int i;

	for (i = 0; i < ms->ngroups; i++)
		if (ms->status[i] == status && (ms->cond[i] == cond ||
		    (ms->cond[i] != NULL && cond != NULL &&
		    strcmp(ms->cond[i], cond) == 0)))
			return &ms->group[i];
	if (ms->ngroups == DAV_MS_GROUPS)
		return NULL;
	i = ms->ngroups++;
	ms->status[i] = status;
	ms->cond[i] = cond;
	/* Reused across responses: only the first use initialises. */
	if (ms->group[i].cap == 0)
		buf_init(&ms->group[i], DAV_ANSWER_MAX);
	buf_reset(&ms->group[i]);
	return &ms->group[i];
}

static enum buf_err
propstat(struct dav_ms *ms, const struct buf *props, int status,
    const char *cond)
{
	enum buf_err e;

	if ((e = buf_addstr(&ms->out, "<D:propstat><D:prop>")) != BUF_OK ||
	    (props != NULL && props->len > 0 &&
	    (e = buf_add(&ms->out, props->data, props->len)) != BUF_OK) ||
	    (e = buf_printf(&ms->out, "</D:prop><D:status>HTTP/1.1 %d %s"
	    "</D:status>", status, http_reason(status))) != BUF_OK)
		return e;
	if (cond != NULL && (e = buf_printf(&ms->out, "<D:error><%s/>"
	    "</D:error>", cond)) != BUF_OK)
		return e;
	return buf_addstr(&ms->out, "</D:propstat>");
}

enum buf_err
dav_ms_response_end(struct dav_ms *ms)
{
	enum buf_err	e;
	int		i, written = 0;

	for (i = 0; i < ms->ngroups; i++) {
		if (ms->group[i].len == 0 ||
		    (ms->minimal && ms->status[i] == 404))
			continue;
		if ((e = propstat(ms, &ms->group[i], ms->status[i],
		    ms->cond[i])) != BUF_OK)
			return e;
		written = 1;
	}
	if (!written && (e = propstat(ms, NULL, 200, NULL)) != BUF_OK)
		return e;
	ms->in_response = 0;
	ms->ngroups = 0;
	return buf_addstr(&ms->out, "</D:response>");
}

enum buf_err
dav_ms_status(struct dav_ms *ms, const char *href, int status)
{
	enum buf_err e;

	if ((e = buf_addstr(&ms->out, "<D:response><D:href>")) != BUF_OK ||
	    (e = dav_xml_esc(&ms->out, href, strlen(href))) != BUF_OK)
		return e;
	return buf_printf(&ms->out, "</D:href><D:status>HTTP/1.1 %d %s"
	    "</D:status></D:response>", status, http_reason(status));
}

enum buf_err
dav_ms_end(struct dav_ms *ms)
{
	return buf_addstr(&ms->out, "</D:multistatus>\n");
}

void
dav_ms_free(struct dav_ms *ms)
{
	int i;

	buf_free(&ms->out);
	for (i = 0; i < DAV_MS_GROUPS; i++)
		buf_free(&ms->group[i]);
}
