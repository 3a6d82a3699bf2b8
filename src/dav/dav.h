/* dav.h — the CalDAV front end's internal interface (src/dav/, inside
 * aurora-api, beside src/api/): the per-request context, paths and hrefs,
 * the XML reader and the multistatus writer, the method dispatch.
 *
 * Layering: src/dav speaks HTTP and XML and calls the events and auth
 * domains; it holds no SQL, and the domains never see XML or HTTP.
 *
 * Files: dav.c (entry, dispatch table, OPTIONS, errors), auth.c (HTTP
 * Basic with app passwords), path.c (paths and hrefs), xml.c (the reader
 * and the writer), propfind.c (PROPFIND), collection.c (PROPPATCH,
 * MKCALENDAR, DELETE of a calendar); resource.c (GET/PUT/DELETE of
 * objects) and report.c (REPORTs) add their handlers below and a row
 * each in dav_routes[] of dav.c. */
#ifndef AURORA_DAV_H
#define AURORA_DAV_H

#include <stddef.h>

#include <libxml/tree.h>

#include "api/app.h"
#include "auth/account.h"
#include "core/buf.h"
#include "events/event.h"
#include "http/http.h"

#define DAV_PREFIX		"/dav/"
#define DAV_WELL_KNOWN		"/.well-known/caldav"
/* Untrusted input caps. An object's PUT body is capped by the events
 * domain's OBJECT_MAX_BYTES (max-resource-size), read by resource.c. */
#define DAV_XML_MAX		(256 * 1024)	/* an XML request body */
#define DAV_XML_DEPTH		32	/* deepest element nesting */
#define DAV_XML_ELEMENTS	10000	/* elements in one XML body */
#define DAV_NAME_MAX		1020	/* bytes of a decoded path name */
#define DAV_HREF_MAX		(HTTP_PATH_MAX * 3)	/* an encoded href */
#define DAV_ANSWER_MAX		(64u << 20)	/* a multistatus body */

/* Namespaces, and the prefixes the multistatus root declares for them. */
#define DAV_NS_DAV		"DAV:"				/* D: */
#define DAV_NS_CALDAV		"urn:ietf:params:xml:ns:caldav"	/* C: */
#define DAV_NS_CS		"http://calendarserver.org/ns/"	/* CS: */
#define DAV_NS_ICAL		"http://apple.com/ns/ical/"	/* A: */
#define DAV_NS_AURORA		"https://aurora-time.invalid/ns/" /* AT: */

/* A sync token (= getctag) is this prefix, the calendar's id and its
 * revision: "<prefix><calendar uuid>/<revision>". Naming the calendar
 * keeps a token of one calendar (or of a deleted calendar whose name was
 * taken again) from being read as a revision of another, which would
 * silently skip changes. */
#define DAV_SYNC_TOKEN_PREFIX	"http://aurora-time.invalid/sync/"

/* --- paths (path.c) --------------------------------------------------- */

/* What a /dav/ path names:
 *   /dav/                                  DAV_ROOT
 *   /dav/principals/<user>/                DAV_PRINCIPAL
 *   /dav/calendars/<user>/                 DAV_HOME
 *   /dav/calendars/<user>/<calendar>/      DAV_CALENDAR
 *   /dav/calendars/<user>/<calendar>/<obj> DAV_OBJECT
 * A collection's trailing slash may be left out. */
enum dav_kind {
	DAV_ROOT, DAV_PRINCIPAL, DAV_HOME, DAV_CALENDAR, DAV_OBJECT,
	DAV_KIND__MAX
};
#define DAV_KIND_BIT(k)		(1u << (k))
#define DAV_ANY_KIND		((1u << DAV_KIND__MAX) - 1)

struct dav_path {
	enum dav_kind	 kind;
	char		 user_id[37];	/* lower-case UUID; "" for the root */
	char		 calendar[DAV_NAME_MAX + 1];	/* decoded, or "" */
	char		 object[DAV_NAME_MAX + 1];	/* decoded, or "" */
};

/* Parses a raw request path (percent-encoded, no query). Names are
 * percent-decoded and must be well-formed UTF-8 without NUL, control
 * characters or '/', and not "." or "..". Returns 0, or -1 when the path
 * names nothing here (the caller answers 404). */
int dav_path_parse(const char *raw, struct dav_path *out)
    __attribute__((warn_unused_result));

/* Appends the href of a resource to b, percent-encoded (UTF-8 kept, only
 * bytes that are not allowed in a path segment escaped); the XML escaping
 * is the writer's. kind DAV_ROOT ignores the names, DAV_PRINCIPAL and
 * DAV_HOME take user_id, DAV_CALENDAR also calendar, DAV_OBJECT also
 * object. Collections end in '/'. */
enum buf_err dav_href(struct buf *b, enum dav_kind kind, const char *user_id,
    const char *calendar, const char *object)
    __attribute__((warn_unused_result));

/* --- the request ------------------------------------------------------ */

#define DAV_DEPTH_ABSENT	-1
#define DAV_DEPTH_INFINITY	2

struct calendar;		/* events/calendar.h */

struct dav_ctx {
	struct app		*app;
	struct http_req		*req;
	struct dav_path		 path;
	int			 depth;		/* DAV_DEPTH_*, 0 or 1 */
	int			 minimal;	/* Brief: t / Prefer:
						 * return=minimal: no 404
						 * propstats */
	/* Set by dav_authenticate (auth.c). */
	char			 user_id[37];
	char			 email[ACCOUNT_EMAIL_MAX + 1];	/* as sent */
	struct event_ctx	 ev;	/* db, occache, user_id, now for the
					 * events domain */
	/* The path's calendar for DAV_CALENDAR and DAV_OBJECT paths, read
	 * by the dispatcher before the handler runs (404 when it does not
	 * exist), except for rows with DAV_CREATES. NULL otherwise. */
	struct calendar		*cal;
};

/* Authenticates HTTP Basic (account email, app password): fills user_id,
 * email and ev and returns 0, or answers 401/429/503 and returns -1. */
int dav_authenticate(struct dav_ctx *ctx) __attribute__((warn_unused_result));

/* Reads an XML request body (at most DAV_XML_MAX bytes) into *doc:
 * NULL for an empty body. Returns 0, or -1 after answering (413, 400). */
int dav_read_xml(struct dav_ctx *ctx, xmlDoc **doc)
    __attribute__((warn_unused_result));

/* The answer for a domain result other than EVENT_OK (404, 409, 412,
 * 503...), as a DAV error body. */
void dav_answer_rc(struct dav_ctx *ctx, enum event_rc rc);

/* An error answer: <D:error> holding the element cond when not NULL (a
 * qualified name with one of the prefixes above, "D:propfind-finite-depth",
 * "C:valid-calendar-data") and the message in <AT:message>. Never an empty
 * <D:error/> (Thunderbird reads that as rate limiting). */
void dav_error(struct http_req *req, int status, const char *cond,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A 403 whose precondition names a resource, which dav_error's empty
 * elements cannot: <D:error> holding the XML text before, the escaped
 * href of kind (ctx->cal's calendar, object when DAV_OBJECT), the XML
 * text after, and msg in <AT:message>. */
void dav_error_href(struct dav_ctx *ctx, const char *before,
    enum dav_kind kind, const char *object, const char *after,
    const char *msg);

/* --- the XML reader (xml.c) ------------------------------------------- */

/* Parses len bytes of XML with network access and entity expansion off.
 * Refuses a DTD (any <!DOCTYPE>), more than DAV_XML_DEPTH levels or
 * DAV_XML_ELEMENTS elements. Returns the document (xmlFreeDoc), or NULL
 * with the reason in why. */
xmlDoc *dav_xml_parse(const char *data, size_t len, char *why, size_t whylen);
/* 1 when n is an element named name in namespace ns. */
int dav_xml_is(const xmlNode *n, const char *ns, const char *name);
/* The first element child of n (NULL for none), or the next element
 * sibling; with ns and name, the first/next one of that name. */
xmlNode *dav_xml_first(const xmlNode *n, const char *ns, const char *name);
xmlNode *dav_xml_next(const xmlNode *n, const char *ns, const char *name);
/* The element's namespace URI, "" when it has none. */
const char *dav_xml_ns(const xmlNode *n);
/* The text content of n, copied into out (outlen bytes); -1 when it
 * does not fit. */
int dav_xml_text(const xmlNode *n, char *out, size_t outlen);

/* --- the XML writer (xml.c) ------------------------------------------- */

/* Appends s (len bytes, UTF-8) escaped for XML text and attribute values;
 * CR as &#13; so that it survives, and what XML 1.0 cannot carry (C0
 * controls other than tab, CR and LF, U+FFFE, U+FFFF, bytes that are not
 * UTF-8) as U+FFFD. */
enum buf_err dav_xml_esc(struct buf *b, const char *s, size_t len)
    __attribute__((warn_unused_result));
/* <qname>text</qname>, text escaped. */
enum buf_err dav_xml_elem(struct buf *b, const char *qname, const char *text)
    __attribute__((warn_unused_result));
/* An element named as the request named it (any namespace), empty:
 * <x:name xmlns:x="ns"/>; for unknown properties in answers. */
enum buf_err dav_xml_elem_like(struct buf *b, const xmlNode *n)
    __attribute__((warn_unused_result));

/* Dead properties (kept by the events domain as text): the element's
 * name as "{namespace}local-name" into out (-1 when it does not fit);
 * an empty element named by such a name (for propname; "" for a name
 * that is not one); the element as self-contained XML text (its
 * namespace declarations on it, so it can be written into any answer
 * as it is), malloc'd, NULL when out of memory. */
int dav_xml_clark(const xmlNode *n, char *out, size_t outlen);
enum buf_err dav_xml_elem_clark(struct buf *b, const char *clark)
    __attribute__((warn_unused_result));
char *dav_xml_dump(const xmlNode *n);

/* A 207 Multi-Status answer. Each response's properties are written into
 * the buffer of their status (dav_ms_prop), and written out as one
 * propstat per status when the response ends. */
#define DAV_MS_GROUPS	8
struct dav_ms {
	struct buf	 out;
	int		 minimal;	/* leave out 404 propstats */
	int		 in_response;
	int		 status[DAV_MS_GROUPS];
	const char	*cond[DAV_MS_GROUPS];	/* the propstat's error */
	struct buf	 group[DAV_MS_GROUPS];
	int		 ngroups;
};

/* Starts the document (XML declaration, <D:multistatus> with the
 * prefixes above). */
enum buf_err dav_ms_begin(struct dav_ms *ms, int minimal)
    __attribute__((warn_unused_result));
/* Starts a <D:response> with href (already percent-encoded; escaped
 * here for XML). */
enum buf_err dav_ms_response(struct dav_ms *ms, const char *href)
    __attribute__((warn_unused_result));
/* The buffer to write one property element into, for status; NULL when
 * out of memory or past DAV_MS_GROUPS statuses. */
struct buf *dav_ms_prop(struct dav_ms *ms, int status);
/* The same for properties refused with a precondition: their propstat
 * carries <D:error><cond/></D:error> (cond a qualified name, a static
 * string: "D:cannot-modify-protected-property"). */
struct buf *dav_ms_prop_error(struct dav_ms *ms, int status,
    const char *cond);
/* Ends the response: a propstat per status that holds properties, in the
 * order first used; one left with none gets an empty 200 propstat (the
 * schema wants one). */
enum buf_err dav_ms_response_end(struct dav_ms *ms)
    __attribute__((warn_unused_result));
/* A whole response with only a status (sync-collection tombstones,
 * multiget hrefs that do not exist). */
enum buf_err dav_ms_status(struct dav_ms *ms, const char *href, int status)
    __attribute__((warn_unused_result));
/* Ends the document. */
enum buf_err dav_ms_end(struct dav_ms *ms) __attribute__((warn_unused_result));
/* Sends 207 with the document, or 500 (507 when over DAV_ANSWER_MAX) if
 * e is not BUF_OK. */
void dav_ms_send(struct dav_ctx *ctx, struct dav_ms *ms, enum buf_err e);
void dav_ms_free(struct dav_ms *ms);

/* --- dispatch (dav.c) ------------------------------------------------- */

typedef void (*dav_fn)(struct dav_ctx *ctx);

#define DAV_NOAUTH	0x01	/* answered without credentials */
#define DAV_CREATES	0x02	/* the calendar in the path need not exist */

struct dav_route {
	int		 method;	/* enum http_method */
	unsigned	 kinds;		/* DAV_KIND_BIT()s it serves */
	dav_fn		 fn;
	unsigned	 flags;
};

/* Adds the Allow header of a kind of resource (its rows above). */
void dav_allow(struct http_req *req, enum dav_kind kind);

/* The aurora-api route handler for /dav/ and /.well-known/caldav. */
void dav_handle(void *ctx, struct http_req *req);

/* 1 when n names a live property a client may not write (PROPPATCH
 * answers 403 for it); the others a calendar keeps as dead properties
 * (propfind.c). */
int dav_prop_protected(const xmlNode *n);

/* Handlers (dav.c, propfind.c, collection.c). */
void dav_options(struct dav_ctx *ctx);
void dav_propfind(struct dav_ctx *ctx);
void dav_proppatch(struct dav_ctx *ctx);
void dav_mkcalendar(struct dav_ctx *ctx);
void dav_calendar_delete(struct dav_ctx *ctx);

/* Handlers of resource.c (GET and HEAD, PUT, DELETE on DAV_OBJECT) and
 * report.c (REPORT on DAV_CALENDAR and DAV_HOME), each a row of
 * dav_routes[] in dav.c. */
void dav_object_get(struct dav_ctx *ctx);
void dav_object_put(struct dav_ctx *ctx);
void dav_object_delete(struct dav_ctx *ctx);
void dav_report(struct dav_ctx *ctx);

/* Sync tokens (report.c): appends cal's token at revision to b (text
 * that needs no XML escaping); reads token s back, 0 with *revision
 * when it is one of cal's, -1 for anything else (another calendar's, a
 * deleted one's, not ours). */
enum buf_err dav_sync_token(struct buf *b, const struct calendar *cal,
    long long revision) __attribute__((warn_unused_result));
int dav_sync_token_parse(const char *s, const struct calendar *cal,
    long long *revision) __attribute__((warn_unused_result));

#endif
