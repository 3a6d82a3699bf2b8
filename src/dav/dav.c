/* dav.c — the CalDAV front end's entry: the well-known redirect, path and
 * header checks, authentication, ownership, the method table, OPTIONS and
 * the DAV error bodies. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dav/dav.h"
#include "events/calendar.h"

/* Every method a /dav/ resource may take, by kind (HEAD is served by
 * the GET row). */
static const struct dav_route dav_routes[] = {
	{ HTTP_OPTIONS, DAV_ANY_KIND, dav_options, DAV_NOAUTH },
	{ HTTP_PROPFIND, DAV_ANY_KIND, dav_propfind, 0 },
	{ HTTP_PROPPATCH, DAV_KIND_BIT(DAV_CALENDAR) | DAV_KIND_BIT(DAV_HOME) |
	    DAV_KIND_BIT(DAV_PRINCIPAL), dav_proppatch, 0 },
	{ HTTP_MKCALENDAR, DAV_KIND_BIT(DAV_CALENDAR), dav_mkcalendar,
	    DAV_CREATES },
	{ HTTP_DELETE, DAV_KIND_BIT(DAV_CALENDAR), dav_calendar_delete, 0 },
	{ HTTP_GET, DAV_KIND_BIT(DAV_OBJECT), dav_object_get, 0 },
	/* DAV_CREATES: resource.c answers 409 for a missing calendar. */
	{ HTTP_PUT, DAV_KIND_BIT(DAV_OBJECT), dav_object_put, DAV_CREATES },
	{ HTTP_DELETE, DAV_KIND_BIT(DAV_OBJECT), dav_object_delete, 0 },
	{ HTTP_REPORT, DAV_KIND_BIT(DAV_CALENDAR) | DAV_KIND_BIT(DAV_HOME),
	    dav_report, 0 },
};
#define DAV_NROUTES	(sizeof(dav_routes) / sizeof(dav_routes[0]))

#define DAV_HEADER	"1, 3, calendar-access"

static const struct dav_route *
route_find(int method, enum dav_kind kind)
{
	size_t i;

	if (method == HTTP_HEAD)
		method = HTTP_GET;
	for (i = 0; i < DAV_NROUTES; i++)
		if (dav_routes[i].method == method &&
		    (dav_routes[i].kinds & DAV_KIND_BIT(kind)))
			return &dav_routes[i];
	return NULL;
}

/* 1 for methods no /dav/ resource takes by design (the WebDAV ones
 * CalDAV clients do without, and any unknown one): those are refused
 * before authentication, since the answer tells nothing about the
 * resource. Every other method goes through authentication and the
 * ownership check first, so another account's resources answer 404 to
 * all of them. */
static int
never_served(int method)
{
	switch (method) {
	case HTTP_MKCOL:
	case HTTP_COPY:
	case HTTP_MOVE:
	case HTTP_LOCK:
	case HTTP_UNLOCK:
	case HTTP_ACL:
		return 1;
	default:
		return method < 0;
	}
}

void
dav_allow(struct http_req *req, enum dav_kind kind)
{
	char	 allow[256];
	size_t	 i, used = 0;

	allow[0] = '\0';
	for (i = 0; i < DAV_NROUTES; i++) {
		if (!(dav_routes[i].kinds & DAV_KIND_BIT(kind)))
			continue;
		used += (size_t)snprintf(allow + used, sizeof(allow) - used,
		    "%s%s", used ? ", " : "",
		    http_method_name(dav_routes[i].method));
		if (dav_routes[i].method == HTTP_GET && used < sizeof(allow))
			used += (size_t)snprintf(allow + used,
			    sizeof(allow) - used, ", HEAD");
		if (used >= sizeof(allow))
			break;
	}
	(void)http_add_header(req, "Allow", "%s", allow);
}

void
dav_error(struct http_req *req, int status, const char *cond,
    const char *fmt, ...)
{
	struct buf	 b;
	char		 msg[512];
	va_list		 ap;
	enum buf_err	 e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&b, 4096);
	e = buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<D:error xmlns:D=\"" DAV_NS_DAV "\" xmlns:C=\"" DAV_NS_CALDAV
	    "\" xmlns:AT=\"" DAV_NS_AURORA "\">");
	if (e == BUF_OK && cond != NULL)
		e = buf_printf(&b, "<%s/>", cond);
	if (e == BUF_OK)
		e = dav_xml_elem(&b, "AT:message", msg);
	if (e == BUF_OK)
		e = buf_addstr(&b, "</D:error>\n");
	if (e != BUF_OK)
		http_send(req, 500, NULL, NULL, 0);
	else
		http_send(req, status, "application/xml; charset=utf-8",
		    b.data, b.len);
	buf_free(&b);
}

void
dav_error_href(struct dav_ctx *ctx, const char *before, enum dav_kind kind,
    const char *object, const char *after, const char *msg)
{
	struct buf	 href, b;
	enum buf_err	 e;

	buf_init(&href, DAV_HREF_MAX);
	buf_init(&b, DAV_HREF_MAX * 2 + 4096);
	e = dav_href(&href, kind, ctx->user_id, ctx->cal->dav_name,
	    kind == DAV_OBJECT ? object : NULL);
	if (e == BUF_OK)
		e = buf_addstr(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<D:error xmlns:D=\"" DAV_NS_DAV "\" xmlns:C=\""
		    DAV_NS_CALDAV "\" xmlns:AT=\"" DAV_NS_AURORA "\">");
	if (e == BUF_OK)
		e = buf_addstr(&b, before);
	if (e == BUF_OK)
		e = dav_xml_esc(&b, href.data, href.len);
	if (e == BUF_OK)
		e = buf_addstr(&b, after);
	if (e == BUF_OK)
		e = dav_xml_elem(&b, "AT:message", msg);
	if (e == BUF_OK)
		e = buf_addstr(&b, "</D:error>\n");
	if (e != BUF_OK)
		dav_error(ctx->req, 500, NULL, "internal error");
	else
		http_send(ctx->req, 403, "application/xml; charset=utf-8",
		    b.data, b.len);
	buf_free(&href);
	buf_free(&b);
}

/* 403 for a write to a subscription's calendar, with RFC 3744's
 * <D:need-privileges>: the resource and the privilege it lacked (a PUT
 * writes the object's content, a DELETE unbinds it from the calendar). */
static void
need_privileges(struct dav_ctx *ctx)
{
	int del = ctx->req->method == HTTP_DELETE;

	if (ctx->cal == NULL || ctx->path.kind != DAV_OBJECT)
		dav_error(ctx->req, 403, "D:need-privileges", "%s",
		    EVENT_READ_ONLY_MSG);
	else
		dav_error_href(ctx, "<D:need-privileges><D:resource><D:href>",
		    del ? DAV_CALENDAR : DAV_OBJECT, ctx->path.object, del ?
		    "</D:href><D:privilege><D:unbind/></D:privilege>"
		    "</D:resource></D:need-privileges>" :
		    "</D:href><D:privilege><D:write-content/></D:privilege>"
		    "</D:resource></D:need-privileges>", EVENT_READ_ONLY_MSG);
}

void
dav_answer_rc(struct dav_ctx *ctx, enum event_rc rc)
{
	struct http_req *req = ctx->req;

	switch (rc) {
	case EVENT_NOT_FOUND:
		dav_error(req, 404, NULL, "no such resource");
		break;
	case EVENT_STALE:
		dav_error(req, 412, NULL, "the resource has changed; read it "
		    "again");
		break;
	case EVENT_CONFLICT:
		dav_error(req, 409, NULL, "that conflicts with the current "
		    "state of the resource");
		break;
	case EVENT_INVALID:
		dav_error(req, 403, NULL, "%s", ctx->ev.err.msg);
		break;
	case EVENT_READ_ONLY:
		need_privileges(ctx);
		break;
	case EVENT_DB:
		if (ctx->ev.dbrc == DB_UNAVAILABLE || ctx->ev.dbrc ==
		    DB_RETRY) {
			(void)http_add_header(req, "Retry-After", "5");
			dav_error(req, 503, NULL, "the service is temporarily "
			    "unavailable; try again shortly");
			break;
		}
		/* FALLTHROUGH */
	default:
		dav_error(req, 500, NULL, "internal error");
	}
}

int
dav_read_xml(struct dav_ctx *ctx, xmlDoc **doc)
{
	char why[200];

	*doc = NULL;
	if (http_read_body(ctx->req, DAV_XML_MAX) == -1)
		return -1;
	if (ctx->req->body.len == 0)
		return 0;
	if ((*doc = dav_xml_parse(ctx->req->body.data, ctx->req->body.len,
	    why, sizeof(why))) == NULL) {
		dav_error(ctx->req, 400, NULL, "%s", why);
		return -1;
	}
	return 0;
}

void
dav_ms_send(struct dav_ctx *ctx, struct dav_ms *ms, enum buf_err e)
{
	if (e == BUF_TOO_BIG)
		dav_error(ctx->req, 507, NULL, "the answer is too large; ask "
		    "for less");
	else if (e != BUF_OK)
		dav_error(ctx->req, 500, NULL, "internal error");
	else
		http_send(ctx->req, 207, "application/xml; charset=utf-8",
		    ms->out.data, ms->out.len);
}

void
dav_options(struct dav_ctx *ctx)
{
	(void)http_add_header(ctx->req, "DAV", DAV_HEADER);
	dav_allow(ctx->req, ctx->path.kind);
	http_send(ctx->req, 200, NULL, NULL, 0);
}

/* Depth: "0", "1" or "infinity"; absent is DAV_DEPTH_ABSENT. -1 when
 * it is something else. */
static int
parse_depth(const char *h, int *depth)
{
	*depth = DAV_DEPTH_ABSENT;
	if (h == NULL)
		return 0;
	if (strcmp(h, "0") == 0)
		*depth = 0;
	else if (strcmp(h, "1") == 0)
		*depth = 1;
	else if (strcasecmp(h, "infinity") == 0)
		*depth = DAV_DEPTH_INFINITY;
	else
		return -1;
	return 0;
}

/* Brief: t (the older Microsoft/Apple header) or Prefer: return=minimal
 * (RFC 8144, among other preferences): leave 404 propstats out. */
static int
wants_minimal(struct http_req *req)
{
	const char	*b = http_header_in(req, "HTTP_BRIEF");
	const char	*p = http_header_in(req, "HTTP_PREFER");
	const char	*s;
	size_t		 n = strlen("return=minimal");

	if (b != NULL && strcasecmp(b, "t") == 0)
		return 1;
	for (s = p; s != NULL && (s = strcasestr(s, "return=minimal")) !=
	    NULL; s += n)
		if ((s == p || strchr(" ,;", s[-1]) != NULL) &&
		    strchr(" ,;", s[n]) != NULL)
			return 1;
	return 0;
}

/* Reads the path's calendar into ctx->cal: 0, or -1 after answering. */
static int
load_calendar(struct dav_ctx *ctx)
{
	enum event_rc rc;

	if ((ctx->cal = calloc(1, sizeof(*ctx->cal))) == NULL) {
		dav_error(ctx->req, 500, NULL, "internal error");
		return -1;
	}
	if (strlen(ctx->path.calendar) > CALENDAR_DAV_NAME_MAX * 4) {
		dav_error(ctx->req, 404, NULL, "no such calendar");
		return -1;
	}
	if ((rc = calendar_find(&ctx->ev, ctx->path.calendar, ctx->cal)) !=
	    EVENT_OK) {
		if (rc == EVENT_NOT_FOUND)
			dav_error(ctx->req, 404, NULL, "no such calendar");
		else
			dav_answer_rc(ctx, rc);
		return -1;
	}
	return 0;
}

void
dav_handle(void *vapp, struct http_req *req)
{
	struct dav_ctx		 ctx;
	const struct dav_route	*rt;

	memset(&ctx, 0, sizeof(ctx));
	ctx.app = vapp;
	ctx.req = req;
	/* RFC 6764: any method, no credentials needed. */
	if (strncmp(req->path, DAV_WELL_KNOWN, strlen(DAV_WELL_KNOWN)) == 0) {
		(void)http_add_header(req, "Location", DAV_PREFIX);
		http_send(req, 301, NULL, NULL, 0);
		return;
	}
	if (dav_path_parse(req->path, &ctx.path) == -1) {
		dav_error(req, 404, NULL, "no such resource");
		return;
	}
	if (req->method == HTTP_OPTIONS) {
		dav_options(&ctx);
		return;
	}
	if (never_served(req->method)) {
		dav_allow(req, ctx.path.kind);
		dav_error(req, 405, NULL, "method %s is not supported here",
		    req->method_name);
		return;
	}
	if (parse_depth(http_header_in(req, "HTTP_DEPTH"), &ctx.depth) == -1) {
		dav_error(req, 400, NULL, "Depth must be 0, 1 or infinity");
		return;
	}
	ctx.minimal = wants_minimal(req);
	if (dav_authenticate(&ctx) == -1)
		return;
	/* Another account's principal, home, calendars and objects do not
	 * exist for this one, whatever the method. */
	if (ctx.path.kind != DAV_ROOT &&
	    strcmp(ctx.path.user_id, ctx.user_id) != 0) {
		dav_error(req, 404, NULL, "no such resource");
		return;
	}
	if ((rt = route_find(req->method, ctx.path.kind)) == NULL) {
		dav_allow(req, ctx.path.kind);
		dav_error(req, 405, NULL, "method %s is not allowed here",
		    req->method_name);
		return;
	}
	if ((ctx.path.kind == DAV_CALENDAR || ctx.path.kind == DAV_OBJECT) &&
	    !(rt->flags & DAV_CREATES) && load_calendar(&ctx) == -1)
		goto out;
	rt->fn(&ctx);
out:
	free(ctx.cal);
}
