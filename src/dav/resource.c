/* resource.c — calendar object resources (RFC 4791 §5.3.2, §5.3.4): GET and
 * HEAD, PUT with its preconditions and conditions, and DELETE of .ics
 * objects, mapping the events domain's object results to DAV answers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "dav/dav.h"
#include "events/calendar.h"
#include "events/object.h"

#define RESOURCE_TYPE		"text/calendar; charset=utf-8"
#define RESOURCE_COND_MAX	512	/* If-Match / If-None-Match bytes */
#define RESOURCE_NAME_CHARS	255	/* events.dav_name's CHECK */

/* Copies the condition header cgi_name into out with Evolution's escaped
 * quotes (If-Match: \"12\") turned back into quotes (sabre's
 * Server.php does the same). *val is NULL when the header is absent.
 * Returns -1 when it is too long to be an ETag list we could match. */
static int
read_cond(struct http_req *req, const char *cgi_name, char *out,
    size_t outlen, const char **val)
{
	const char	*h = http_header_in(req, cgi_name);
	size_t		 n = 0;

	*val = NULL;
	if (h == NULL)
		return 0;
	for (; *h != '\0'; h++) {
		if (h[0] == '\\' && h[1] == '"')
			continue;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *h;
	}
	out[n] = '\0';
	*val = out;
	return 0;
}

/* 1 when the header value is "*" (with blanks around it). */
static int
is_star(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v++ != '*')
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0';
}

/* text/calendar, with an optional charset that must be UTF-8 and any
 * other parameters (component=, method=) let through. */
static int
is_calendar_type(const char *ct)
{
	const char	*p, *v;
	size_t		 n = strlen("text/calendar"), vlen;

	if (ct == NULL || strncasecmp(ct, "text/calendar", n) != 0)
		return 0;
	p = ct + n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return 0;
	for (p = ct; (p = strchr(p, ';')) != NULL; ) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "charset=", 8) != 0)
			continue;
		v = p + 8;
		vlen = strcspn(v, "; \t");
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v++;
			vlen -= 2;
		}
		if (!(vlen == 5 && strncasecmp(v, "utf-8", 5) == 0) &&
		    !(vlen == 4 && strncasecmp(v, "utf8", 4) == 0))
			return 0;
	}
	return 1;
}

/* The ETag header of a revision (strong: the bytes are what was stored). */
static void
add_etag(struct http_req *req, long long revision)
{
	(void)http_add_header(req, "ETag", "\"%lld\"", revision);
}

void
dav_object_get(struct dav_ctx *ctx)
{
	struct object_data	 d;
	struct http_req		*req = ctx->req;
	char			 cond[RESOURCE_COND_MAX];
	const char		*inm;
	enum event_rc		 rc;

	memset(&d, 0, sizeof(d));
	if (read_cond(req, "HTTP_IF_NONE_MATCH", cond, sizeof(cond),
	    &inm) == -1) {
		dav_error(req, 400, NULL, "If-None-Match is too long");
		goto out;
	}
	if ((rc = object_get(&ctx->ev, ctx->cal->id, ctx->path.object, &d)) !=
	    EVENT_OK) {
		dav_answer_rc(ctx, rc);
		goto out;
	}
	add_etag(req, d.revision);
	/* A client revalidating its copy (Thunderbird) gets no body. */
	if (inm != NULL && (is_star(inm) ||
	    object_etag_match(inm, d.revision))) {
		http_send(req, 304, NULL, NULL, 0);
		goto out;
	}
	http_send(req, 200, RESOURCE_TYPE, d.ical, d.len);
out:
	free(d.ical);
}

/* 403 with <C:no-uid-conflict><D:href>...</D:href></C:no-uid-conflict>:
 * the element carries the href of the resource holding the UID (RFC 4791
 * §5.3.2.1). */
static void
uid_conflict(struct dav_ctx *ctx, const char *other)
{
	dav_error_href(ctx, "<C:no-uid-conflict><D:href>", DAV_OBJECT, other,
	    "</D:href></C:no-uid-conflict>", "the calendar already holds an "
	    "object with this UID");
}

/* The answer to an object_put refusal: RFC 4791's precondition element
 * (403; 413 for max-resource-size, 415 for supported-calendar-data). */
static void
put_refused(struct dav_ctx *ctx, enum event_rc rc,
    const struct object_result *res)
{
	char		 cond[96];
	const char	*pre = res->precondition;
	int		 status = 403;

	if (rc == EVENT_CONFLICT) {
		uid_conflict(ctx, res->conflict_name);
		return;
	}
	if (*pre == '\0' || strspn(pre, "abcdefghijklmnopqrstuvwxyz-") !=
	    strlen(pre))
		pre = "valid-calendar-data";
	if (strcmp(pre, "max-resource-size") == 0)
		status = 413;
	else if (strcmp(pre, "supported-calendar-data") == 0)
		status = 415;
	snprintf(cond, sizeof(cond), "C:%s", pre);
	dav_error(ctx->req, status, cond, "%s", ctx->ev.err.msg[0] ?
	    ctx->ev.err.msg : "the calendar object is not accepted");
}

void
dav_object_put(struct dav_ctx *ctx)
{
	struct http_req		*req = ctx->req;
	struct object_cond	 oc;
	struct object_result	 res;
	char			 im[RESOURCE_COND_MAX], inm[RESOURCE_COND_MAX];
	const char		*imv, *inmv;
	enum event_rc		 rc;
	long			 chars;

	memset(&oc, 0, sizeof(oc));
	memset(&res, 0, sizeof(res));
	/* The PUT row takes DAV_CREATES: a missing calendar is 409 (RFC
	 * 4918 §9.7.1), not the dispatcher's 404. */
	if ((ctx->cal = calloc(1, sizeof(*ctx->cal))) == NULL) {
		dav_error(req, 500, NULL, "internal error");
		return;
	}
	if (strlen(ctx->path.calendar) > CALENDAR_DAV_NAME_MAX * 4)
		rc = EVENT_NOT_FOUND;
	else
		rc = calendar_find(&ctx->ev, ctx->path.calendar, ctx->cal);
	if (rc == EVENT_NOT_FOUND) {
		dav_error(req, 409, NULL, "the calendar %s does not exist",
		    ctx->path.calendar);
		return;
	}
	if (rc != EVENT_OK) {
		dav_answer_rc(ctx, rc);
		return;
	}
	chars = utf8_count(ctx->path.object, strlen(ctx->path.object),
	    UTF8_NO_CTL);
	if (chars < 0 || chars > RESOURCE_NAME_CHARS) {
		dav_error(req, 400, NULL, "a resource name has at most %d "
		    "characters", RESOURCE_NAME_CHARS);
		return;
	}
	if (!is_calendar_type(req->content_type)) {
		dav_error(req, 415, "C:supported-calendar-data", "the body "
		    "must be text/calendar in UTF-8");
		return;
	}
	if (req->content_length > OBJECT_MAX_BYTES) {
		dav_error(req, 413, "C:max-resource-size", "a calendar object "
		    "has at most %d bytes", OBJECT_MAX_BYTES);
		return;
	}
	if (read_cond(req, "HTTP_IF_MATCH", im, sizeof(im), &imv) == -1 ||
	    read_cond(req, "HTTP_IF_NONE_MATCH", inm, sizeof(inm),
	    &inmv) == -1) {
		dav_error(req, 400, NULL, "If-Match or If-None-Match is too "
		    "long");
		return;
	}
	oc.if_match = imv;
	oc.if_none_match_star = inmv != NULL && is_star(inmv);
	if (http_read_body(req, OBJECT_MAX_BYTES) == -1)
		return;
	rc = object_put(&ctx->ev, ctx->cal, ctx->path.object,
	    req->body.data != NULL ? req->body.data : "", req->body.len, &oc,
	    &res);
	switch (rc) {
	case EVENT_OK:
		/* Stored byte for byte: the ETag may be given (§5.3.4). */
		add_etag(req, res.revision);
		if (res.created)
			http_send(req, 201, NULL, NULL, 0);
		else
			http_no_content(req);
		break;
	case EVENT_INVALID:
	case EVENT_CONFLICT:
		put_refused(ctx, rc, &res);
		break;
	case EVENT_NOT_FOUND:
		/* If-Match on a resource that is not there. */
		dav_answer_rc(ctx, EVENT_STALE);
		break;
	default:
		dav_answer_rc(ctx, rc);
	}
}

void
dav_object_delete(struct dav_ctx *ctx)
{
	char		 im[RESOURCE_COND_MAX];
	const char	*imv;
	enum event_rc	 rc;

	if (read_cond(ctx->req, "HTTP_IF_MATCH", im, sizeof(im), &imv) ==
	    -1) {
		dav_error(ctx->req, 400, NULL, "If-Match is too long");
		return;
	}
	if ((rc = object_delete(&ctx->ev, ctx->cal->id, ctx->path.object,
	    imv)) != EVENT_OK) {
		dav_answer_rc(ctx, rc);
		return;
	}
	http_no_content(ctx->req);
}
