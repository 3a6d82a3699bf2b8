/* report.c — the REPORTs of a calendar: calendar-multiget and
 * calendar-query (RFC 4791 §7.8, §7.9; VEVENT comp-filters with a
 * time-range and a UID prop-filter) and sync-collection (RFC 6578, sync-level 1, the journal's
 * changes and tombstones, paged by DAV:limit). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dav/dav.h"
#include "events/calendar.h"
#include "events/object.h"
#include "events/rfc3339.h"

#define REPORT_HREFS_MAX	1000	/* hrefs in one calendar-multiget */
#define REPORT_PROPS_MAX	64	/* properties asked for at once */
#define REPORT_NRESULTS_MAX	100000	/* a DAV:limit we take as given */
#define REPORT_TOKEN_MAX	256	/* bytes of a sync-token we read */
#define REPORT_TYPE		"text/calendar; charset=utf-8"

/* The properties a REPORT asks of each object. */
struct report_props {
	int		 etag, ctype, data, rtype;
	const xmlNode	*unknown[REPORT_PROPS_MAX];	/* answered 404 */
	size_t		 nunknown;
};

/* A name asked for (multiget) or changed (sync): whether it was listed,
 * and the href to answer a missing one with. */
struct report_name {
	const char	*name;
	char		*own;		/* malloc'd name, or NULL */
	char		*href;		/* malloc'd; NULL: made from name */
	int		 seen;
};

/* A calendar-query's UID prop-filter: <C:text-match> (RFC 4791 §9.7.5, a
 * substring under the collation; i;ascii-casemap by default). */
struct report_uid {
	char	 text[EVENT_UID_MAX + 1];
	int	 octet;		/* i;octet: case matters */
};

/* What the object_list callback writes with. */
struct report_out {
	struct dav_ctx			*ctx;
	struct dav_ms			*ms;
	const struct report_props	*props;
	struct report_name		*names;	/* sorted by name, or NULL */
	size_t				 nnames;
	size_t				 count, limit;	/* limit 0: none */
	int				 over;	/* stopped at limit */
	const struct report_uid		*uid;	/* a UID text-match, or NULL */
	struct buf			 href;
	enum buf_err			 e;
};

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct report_name *)a)->name,
	    ((const struct report_name *)b)->name);
}

/* Sorts names and drops repeats (keeping one of their hrefs). */
static size_t
names_sort(struct report_name *v, size_t n)
{
	size_t i, k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), name_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].name, v[k].name) == 0) {
			free(v[i].href);
			free(v[i].own);
			continue;
		}
		v[++k] = v[i];
	}
	return k + 1;
}

static struct report_name *
names_find(struct report_name *v, size_t n, const char *name)
{
	struct report_name key;

	if (v == NULL)
		return NULL;
	key.name = name;
	return bsearch(&key, v, n, sizeof(*v), name_cmp);
}

static void
names_free(struct report_name *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].href);
		free(v[i].own);
	}
	free(v);
}

/* The pointers object_list takes. */
static const char **
names_list(const struct report_name *v, size_t n)
{
	const char	**out;
	size_t		  i;

	if ((out = calloc(n > 0 ? n : 1, sizeof(*out))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = v[i].name;
	return out;
}

/* Reads <D:prop> (or <D:allprop/>) of a REPORT. 0, or -1 after answering
 * (too many properties, a calendar-data in another format). */
static int
props_parse(struct dav_ctx *ctx, const xmlNode *root, struct report_props *p)
{
	const xmlNode	*prop, *n;
	xmlChar		*ct, *ver;
	int		 bad;

	memset(p, 0, sizeof(*p));
	prop = dav_xml_first(root, DAV_NS_DAV, "prop");
	if (prop == NULL) {
		/* allprop, propname or nothing: what any object has. */
		p->etag = p->ctype = p->rtype = 1;
		return 0;
	}
	for (n = dav_xml_first(prop, NULL, NULL); n != NULL;
	    n = dav_xml_next(n, NULL, NULL)) {
		if (dav_xml_is(n, DAV_NS_DAV, "getetag"))
			p->etag = 1;
		else if (dav_xml_is(n, DAV_NS_DAV, "getcontenttype"))
			p->ctype = 1;
		else if (dav_xml_is(n, DAV_NS_DAV, "resourcetype"))
			p->rtype = 1;
		else if (dav_xml_is(n, DAV_NS_CALDAV, "calendar-data")) {
			/* Only iCalendar 2.0; <C:comp>, <C:expand> and
			 * <C:limit-recurrence-set> are not applied: the
			 * whole object comes back (expand is a non-goal). */
			ct = xmlGetNoNsProp(n, (const xmlChar *)"content-type");
			ver = xmlGetNoNsProp(n, (const xmlChar *)"version");
			bad = (ct != NULL && strcmp((const char *)ct,
			    "text/calendar") != 0) || (ver != NULL &&
			    strcmp((const char *)ver, "2.0") != 0);
			xmlFree(ct);
			xmlFree(ver);
			if (bad) {
				dav_error(ctx->req, 403,
				    "C:supported-calendar-data", "calendar-data "
				    "is served as text/calendar 2.0 only");
				return -1;
			}
			p->data = 1;
		} else if (p->nunknown == REPORT_PROPS_MAX) {
			dav_error(ctx->req, 400, NULL, "at most %d properties "
			    "at once", REPORT_PROPS_MAX);
			return -1;
		} else
			p->unknown[p->nunknown++] = n;
	}
	return 0;
}

/* Writes one object's <D:response>. Returns non-zero to stop the listing
 * (out->e says why, or out->over). */
static int
write_object(const struct object_data *d, void *arg)
{
	struct report_out		*o = arg;
	const struct report_props	*p = o->props;
	struct report_name		*nm;
	struct buf			*b;
	enum buf_err			 e;
	size_t				 i;

	if (o->names != NULL) {
		if ((nm = names_find(o->names, o->nnames, d->dav_name)) ==
		    NULL)
			return 0;
		nm->seen = 1;
	}
	if (o->limit > 0 && o->count == o->limit) {
		o->over = 1;
		return 1;
	}
	o->count++;
	buf_reset(&o->href);
	if ((e = dav_href(&o->href, DAV_OBJECT, o->ctx->user_id,
	    o->ctx->cal->dav_name, d->dav_name)) != BUF_OK ||
	    (e = dav_ms_response(o->ms, o->href.data)) != BUF_OK)
		goto out;
	if ((b = dav_ms_prop(o->ms, 200)) == NULL) {
		e = BUF_NOMEM;
		goto out;
	}
	if (p->etag && (e = buf_printf(b, "<D:getetag>\"%lld\"</D:getetag>",
	    d->revision)) != BUF_OK)
		goto out;
	if (p->ctype && (e = buf_addstr(b, "<D:getcontenttype>" REPORT_TYPE
	    "</D:getcontenttype>")) != BUF_OK)
		goto out;
	if (p->rtype && (e = buf_addstr(b, "<D:resourcetype/>")) != BUF_OK)
		goto out;
	if (p->data && d->ical != NULL &&
	    ((e = buf_addstr(b, "<C:calendar-data>")) != BUF_OK ||
	    (e = dav_xml_esc(b, d->ical, d->len)) != BUF_OK ||
	    (e = buf_addstr(b, "</C:calendar-data>")) != BUF_OK))
		goto out;
	if (p->nunknown > 0 && (b = dav_ms_prop(o->ms, 404)) == NULL) {
		e = BUF_NOMEM;
		goto out;
	}
	for (i = 0; i < p->nunknown; i++)
		if ((e = dav_xml_elem_like(b, p->unknown[i])) != BUF_OK)
			goto out;
	e = dav_ms_response_end(o->ms);
out:
	o->e = e;
	return e != BUF_OK;
}

/* write_object for the objects whose UID holds the text-match. The UID
 * is read by the events domain's parser (the one that stored it): UID
 * lookups are rare (python3-caldav's event_by_uid, Evolution), so they
 * pay for a parse of each object rather than the listings for a column. */
static int
uid_object(const struct object_data *d, void *arg)
{
	struct report_out	*o = arg;
	struct object_parsed	 op;
	struct event_error	 err;
	char			 pre[64];
	const char		*uid;
	int			 hit;

	if (d->ical == NULL)
		return 0;
	memset(&op, 0, sizeof(op));
	switch (object_parse(d->ical, d->len, "UTC", 0, &op, pre, &err)) {
	case EVENT_OK:
		break;
	case EVENT_NOMEM:
		o->e = BUF_NOMEM;
		return 1;
	default:
		return 0;	/* stored before a rule changed: no UID */
	}
	uid = op.ev.uid;
	hit = o->uid->octet ? strstr(uid, o->uid->text) != NULL :
	    strcasestr(uid, o->uid->text) != NULL;
	object_parsed_free(&op);
	return hit ? write_object(d, arg) : 0;
}

/* The <D:response> with only a 404 status for each name asked for that
 * was not listed. */
static enum buf_err
write_missing(struct report_out *o)
{
	size_t		i;
	enum buf_err	e;

	for (i = 0; i < o->nnames; i++) {
		if (o->names[i].seen)
			continue;
		buf_reset(&o->href);
		if (o->names[i].href != NULL)
			e = buf_addstr(&o->href, o->names[i].href);
		else
			e = dav_href(&o->href, DAV_OBJECT, o->ctx->user_id,
			    o->ctx->cal->dav_name, o->names[i].name);
		if (e != BUF_OK || (e = dav_ms_status(o->ms, o->href.data,
		    404)) != BUF_OK)
			return e;
	}
	return BUF_OK;
}

/* What a REPORT answers: the objects q selects (none when q is NULL);
 * names asked for or changed (sorted) that were not listed, and gone
 * ones, as 404 responses; the sync-token when token >= 0; a 507
 * response for the calendar when truncated (RFC 6578 §3.6). With limit,
 * more objects than that answer 507 number-of-matches-within-limits. */
struct report_answer {
	const struct object_query	*q;
	struct report_name		*names, *gone;
	size_t				 nnames, ngone;
	long long			 token;
	int				 truncated;
	size_t				 limit;
	const struct report_uid		*uid;
};

static void
answer(struct dav_ctx *ctx, const struct report_props *p,
    const struct report_answer *a)
{
	struct dav_ms		ms;
	struct report_out	o;
	enum event_rc		rc;
	enum buf_err		e;

	memset(&o, 0, sizeof(o));
	o.ctx = ctx;
	o.ms = &ms;
	o.props = p;
	o.names = a->names;
	o.nnames = a->nnames;
	o.limit = a->limit;
	o.uid = a->uid;
	buf_init(&o.href, DAV_HREF_MAX);
	if ((e = dav_ms_begin(&ms, ctx->minimal)) != BUF_OK)
		goto send;
	if (a->q != NULL) {
		/* A UID filter reads every object's data to parse it. */
		rc = object_list(&ctx->ev, ctx->cal->id, a->q,
		    p->data || a->uid != NULL, a->uid != NULL ? uid_object :
		    write_object, &o);
		if (rc != EVENT_OK) {
			dav_answer_rc(ctx, rc);
			goto out;
		}
		if (o.over) {
			dav_error(ctx->req, 507,
			    "D:number-of-matches-within-limits", "more than "
			    "%zu objects match; ask without a limit", a->limit);
			goto out;
		}
		if ((e = o.e) != BUF_OK)
			goto send;
	}
	if (a->names != NULL && (e = write_missing(&o)) != BUF_OK)
		goto send;
	o.names = a->gone;
	o.nnames = a->ngone;
	if (a->gone != NULL && (e = write_missing(&o)) != BUF_OK)
		goto send;
	if (a->truncated) {
		buf_reset(&o.href);
		if ((e = dav_href(&o.href, DAV_CALENDAR, ctx->user_id,
		    ctx->cal->dav_name, NULL)) != BUF_OK ||
		    (e = dav_ms_status(&ms, o.href.data, 507)) != BUF_OK)
			goto send;
	}
	if (a->token >= 0 && ((e = buf_addstr(&ms.out, "<D:sync-token>")) !=
	    BUF_OK || (e = dav_sync_token(&ms.out, ctx->cal, a->token)) !=
	    BUF_OK || (e = buf_addstr(&ms.out, "</D:sync-token>")) != BUF_OK))
		goto send;
	e = dav_ms_end(&ms);
send:
	dav_ms_send(ctx, &ms, e);
out:
	dav_ms_free(&ms);
	buf_free(&o.href);
}

/* Trims blanks around s in place; returns the start. */
static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	for (end = s + strlen(s); end > s && isspace((unsigned char)end[-1]);
	    end--)
		;
	*end = '\0';
	return s;
}

/* --- calendar-multiget ------------------------------------------------ */

/* The object name an href names in this calendar, into name; -1 when it
 * names anything else (another calendar, another account, no object). */
static int
href_object(struct dav_ctx *ctx, const char *href, char *name, size_t len)
{
	struct dav_path	 p;
	const char	*s = href, *c;

	/* An absolute URI: keep its path. */
	if ((c = strstr(s, "://")) != NULL && strchr(s, '/') > c &&
	    (s = strchr(c + 3, '/')) == NULL)
		return -1;
	if (dav_path_parse(s, &p) == -1 || p.kind != DAV_OBJECT ||
	    strcmp(p.user_id, ctx->user_id) != 0 ||
	    strcmp(p.calendar, ctx->cal->dav_name) != 0 ||
	    strlen(p.object) >= len)
		return -1;
	memcpy(name, p.object, strlen(p.object) + 1);
	return 0;
}

/* Answers the objects named in a->names (sorted here) and the hrefs of
 * a->gone as 404s: what multiget and sync-collection share. */
static void
answer_named(struct dav_ctx *ctx, const struct report_props *p,
    struct report_answer *a)
{
	struct object_query	 q;
	const char		**list;

	a->nnames = names_sort(a->names, a->nnames);
	if ((list = names_list(a->names, a->nnames)) == NULL) {
		dav_error(ctx->req, 500, NULL, "internal error");
		return;
	}
	memset(&q, 0, sizeof(q));
	q.names = list;
	q.nnames = a->nnames;
	a->q = a->nnames > 0 ? &q : NULL;
	answer(ctx, p, a);
	a->q = NULL;
	free(list);
}

static void
report_multiget(struct dav_ctx *ctx, const xmlNode *root)
{
	struct report_props	 p;
	struct report_answer	 a;
	const xmlNode		*n;
	char			*href = NULL, *s, name[DAV_NAME_MAX + 1];
	size_t			 count = 0;
	struct report_name	*nm;

	memset(&a, 0, sizeof(a));
	a.token = -1;
	if (props_parse(ctx, root, &p) == -1)
		return;
	for (n = dav_xml_first(root, DAV_NS_DAV, "href"); n != NULL;
	    n = dav_xml_next(n, DAV_NS_DAV, "href"))
		count++;
	if (count > REPORT_HREFS_MAX) {
		dav_error(ctx->req, 403, NULL, "at most %d hrefs in one "
		    "calendar-multiget", REPORT_HREFS_MAX);
		return;
	}
	if ((a.names = calloc(count + 1, sizeof(*a.names))) == NULL ||
	    (a.gone = calloc(count + 1, sizeof(*a.gone))) == NULL ||
	    (href = malloc(DAV_HREF_MAX + 1)) == NULL)
		goto nomem;
	for (n = dav_xml_first(root, DAV_NS_DAV, "href"); n != NULL;
	    n = dav_xml_next(n, DAV_NS_DAV, "href")) {
		if (dav_xml_text(n, href, DAV_HREF_MAX + 1) == -1) {
			dav_error(ctx->req, 400, NULL, "an href is longer than "
			    "%d bytes", DAV_HREF_MAX);
			goto out;
		}
		s = trim(href);
		/* Hrefs outside this calendar are answered 404 as sent. */
		if (href_object(ctx, s, name, sizeof(name)) == -1) {
			nm = &a.gone[a.ngone++];
			nm->name = "";
		} else {
			nm = &a.names[a.nnames++];
			if ((nm->own = strdup(name)) == NULL)
				goto nomem;
			nm->name = nm->own;
		}
		if ((nm->href = strdup(s)) == NULL)
			goto nomem;
	}
	answer_named(ctx, &p, &a);
	goto out;
nomem:
	dav_error(ctx->req, 500, NULL, "internal error");
out:
	names_free(a.names, a.nnames);
	names_free(a.gone, a.ngone);
	free(href);
}

/* --- calendar-query --------------------------------------------------- */

/* An iCalendar UTC date-time, 20260301T000000Z, as RFC 4791 §9.9 wants
 * time-range bounds. 0, or -1 when it is anything else. */
static int
parse_utc(const char *s, time_t *t)
{
	int	 v[6], i, k = 0;
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (i = 0; i < 6; i++) {
		int j;

		v[i] = 0;
		for (j = 0; j < width[i]; j++, k++) {
			if (k == 8)
				k++;
			if (!isdigit((unsigned char)s[k]))
				return -1;
			v[i] = v[i] * 10 + (s[k] - '0');
		}
	}
	if (!rfc3339_valid_date(v[0], v[1], v[2]) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return -1;
	*t = (time_t)(rfc3339_days_from_civil(v[0], v[1], v[2]) * 86400 +
	    v[3] * 3600 + v[4] * 60 + v[5]);
	return 0;
}

/* Bounds for an open time-range side: the years events may have. */
#define REPORT_TIME_MIN	((time_t)rfc3339_days_from_civil(EVENT_YEAR_MIN, \
	1, 1) * 86400)
#define REPORT_TIME_MAX	((time_t)rfc3339_days_from_civil(EVENT_YEAR_MAX + \
	1, 1, 1) * 86400)

/* Reads <C:time-range start end/> into q. 0, or -1 after answering. */
static int
time_range(struct dav_ctx *ctx, const xmlNode *tr, struct object_query *q)
{
	xmlChar	*s = xmlGetNoNsProp(tr, (const xmlChar *)"start");
	xmlChar	*e = xmlGetNoNsProp(tr, (const xmlChar *)"end");
	int	 rc = -1;

	q->from = REPORT_TIME_MIN;
	q->to = REPORT_TIME_MAX;
	if ((s == NULL && e == NULL) ||
	    (s != NULL && parse_utc((const char *)s, &q->from) == -1) ||
	    (e != NULL && parse_utc((const char *)e, &q->to) == -1) ||
	    q->from >= q->to) {
		dav_error(ctx->req, 403, "C:valid-filter", "a time-range "
		    "needs start and/or end as UTC date-times "
		    "(20260301T000000Z), start before end");
		goto out;
	}
	q->has_range = 1;
	rc = 0;
out:
	xmlFree(s);
	xmlFree(e);
	return rc;
}

/* 1 when the comp-filter names comp. */
static int
comp_is(const xmlNode *cf, const char *comp)
{
	xmlChar	*name = xmlGetNoNsProp(cf, (const xmlChar *)"name");
	int	 yes = name != NULL && strcmp((const char *)name, comp) == 0;

	xmlFree(name);
	return yes;
}

enum filter_rc { FILTER_OK, FILTER_NONE, FILTER_ANSWERED };

/* Reads <C:prop-filter name="UID"> holding one <C:text-match> (or
 * is-not-defined, which no object here satisfies) into uid. Other
 * properties, negated matches and other collations are refused. */
static enum filter_rc
uid_filter(struct dav_ctx *ctx, const xmlNode *pf, struct report_uid *uid)
{
	const xmlNode	*tm = dav_xml_first(pf, NULL, NULL);
	xmlChar		*name, *coll = NULL, *neg = NULL;
	char		 text[EVENT_UID_MAX + 2];
	enum filter_rc	 rc = FILTER_ANSWERED;
	int		 is_uid;

	name = xmlGetNoNsProp(pf, (const xmlChar *)"name");
	is_uid = name != NULL && strcasecmp((const char *)name, "UID") == 0;
	xmlFree(name);
	if (!is_uid || tm == NULL || dav_xml_next(tm, NULL, NULL) != NULL ||
	    uid->text[0] != '\0') {
		dav_error(ctx->req, 403, "C:supported-filter", "the only "
		    "property filter supported is one on UID");
		return FILTER_ANSWERED;
	}
	if (dav_xml_is(tm, DAV_NS_CALDAV, "is-not-defined"))
		return FILTER_NONE;
	if (!dav_xml_is(tm, DAV_NS_CALDAV, "text-match")) {
		dav_error(ctx->req, 403, "C:supported-filter", "a UID filter "
		    "holds one text-match");
		return FILTER_ANSWERED;
	}
	coll = xmlGetNoNsProp(tm, (const xmlChar *)"collation");
	neg = xmlGetNoNsProp(tm, (const xmlChar *)"negate-condition");
	if (coll != NULL && strcmp((const char *)coll, "i;octet") != 0 &&
	    strcmp((const char *)coll, "i;ascii-casemap") != 0) {
		dav_error(ctx->req, 403, "C:supported-collation", "collations: "
		    "i;ascii-casemap, i;octet");
		goto out;
	}
	if (neg != NULL && strcmp((const char *)neg, "no") != 0) {
		dav_error(ctx->req, 403, "C:supported-filter", "a negated UID "
		    "match is not supported");
		goto out;
	}
	/* Longer than any UID, or empty: no object can hold it. */
	if (dav_xml_text(tm, text, sizeof(text)) == -1 ||
	    strlen(text) > EVENT_UID_MAX || text[0] == '\0') {
		rc = FILTER_NONE;
		goto out;
	}
	memcpy(uid->text, text, strlen(text) + 1);
	uid->octet = coll != NULL && strcmp((const char *)coll, "i;octet") == 0;
	rc = FILTER_OK;
out:
	xmlFree(coll);
	xmlFree(neg);
	return rc;
}

/* Reads a VEVENT comp-filter: an optional time-range and an optional
 * UID prop-filter; is-not-defined matches nothing (every object here is
 * a VEVENT). Other property and nested component filters are refused
 * (supported-filter) rather than ignored, which would answer objects
 * that do not match. */
static enum filter_rc
vevent_filter(struct dav_ctx *ctx, const xmlNode *cf, struct object_query *q,
    struct report_uid *uid)
{
	const xmlNode	*n;
	enum filter_rc	 rc;

	for (n = dav_xml_first(cf, NULL, NULL); n != NULL;
	    n = dav_xml_next(n, NULL, NULL)) {
		if (dav_xml_is(n, DAV_NS_CALDAV, "is-not-defined"))
			return FILTER_NONE;
		if (dav_xml_is(n, DAV_NS_CALDAV, "prop-filter")) {
			if ((rc = uid_filter(ctx, n, uid)) != FILTER_OK)
				return rc;
			continue;
		}
		if (dav_xml_is(n, DAV_NS_CALDAV, "time-range")) {
			if (q->has_range) {
				dav_error(ctx->req, 403, "C:valid-filter",
				    "one time-range per comp-filter");
				return FILTER_ANSWERED;
			}
			if (time_range(ctx, n, q) == -1)
				return FILTER_ANSWERED;
			continue;
		}
		dav_error(ctx->req, 403, "C:supported-filter", "only "
		    "comp-filter and time-range filters are supported");
		return FILTER_ANSWERED;
	}
	return FILTER_OK;
}

/* Reads <C:filter> into q. FILTER_NONE: nothing can match (another
 * component type, is-not-defined). */
static enum filter_rc
query_filter(struct dav_ctx *ctx, const xmlNode *root, struct object_query *q,
    struct report_uid *uid)
{
	const xmlNode	*f, *top, *n;
	int		 vevents = 0;
	enum filter_rc	 rc;

	if ((f = dav_xml_first(root, DAV_NS_CALDAV, "filter")) == NULL ||
	    (top = dav_xml_first(f, DAV_NS_CALDAV, "comp-filter")) == NULL ||
	    dav_xml_next(top, NULL, NULL) != NULL) {
		dav_error(ctx->req, 403, "C:valid-filter", "a calendar-query "
		    "has one filter with one comp-filter (VCALENDAR)");
		return FILTER_ANSWERED;
	}
	if (!comp_is(top, "VCALENDAR"))
		return FILTER_NONE;
	for (n = dav_xml_first(top, NULL, NULL); n != NULL;
	    n = dav_xml_next(n, NULL, NULL)) {
		if (dav_xml_is(n, DAV_NS_CALDAV, "is-not-defined"))
			return FILTER_NONE;
		/* A UID filter right under VCALENDAR means its event's UID
		 * (python3-caldav's object_by_uid asks so; strictly no
		 * VCALENDAR has a UID, and it would find nothing). */
		if (dav_xml_is(n, DAV_NS_CALDAV, "prop-filter")) {
			if ((rc = uid_filter(ctx, n, uid)) != FILTER_OK)
				return rc;
			continue;
		}
		if (!dav_xml_is(n, DAV_NS_CALDAV, "comp-filter")) {
			dav_error(ctx->req, 403, "C:supported-filter", "only "
			    "comp-filters and a UID prop-filter are supported "
			    "inside VCALENDAR");
			return FILTER_ANSWERED;
		}
		if (comp_is(n, "VEVENT")) {
			if (vevents++ > 0) {
				dav_error(ctx->req, 403, "C:supported-filter",
				    "one VEVENT comp-filter per query");
				return FILTER_ANSWERED;
			}
			if ((rc = vevent_filter(ctx, n, q, uid)) != FILTER_OK)
				return rc;
			continue;
		}
		/* VTODO, VJOURNAL, VFREEBUSY...: none stored here, so only
		 * their absence (is-not-defined) can hold. */
		if (dav_xml_first(n, DAV_NS_CALDAV, "is-not-defined") == NULL)
			return FILTER_NONE;
	}
	return FILTER_OK;
}

static void
report_query(struct dav_ctx *ctx, const xmlNode *root)
{
	struct report_props	p;
	struct report_answer	a;
	struct object_query	q;
	struct report_uid	uid;
	enum filter_rc		rc;

	memset(&a, 0, sizeof(a));
	memset(&q, 0, sizeof(q));
	memset(&uid, 0, sizeof(uid));
	a.token = -1;
	if (props_parse(ctx, root, &p) == -1)
		return;
	if ((rc = query_filter(ctx, root, &q, &uid)) == FILTER_ANSWERED)
		return;
	if (uid.text[0] != '\0')
		a.uid = &uid;
	/* Any Depth is taken as 1: on a calendar a query means its objects
	 * (Radicale does the same; sabre does it for Microsoft's clients,
	 * which send Depth: 0), and an empty answer would lose them. */
	if (rc == FILTER_OK)
		a.q = &q;
	answer(ctx, &p, &a);
}

/* --- sync-collection -------------------------------------------------- */

enum buf_err
dav_sync_token(struct buf *b, const struct calendar *cal, long long revision)
{
	return buf_printf(b, DAV_SYNC_TOKEN_PREFIX "%s/%lld", cal->id,
	    revision);
}

int
dav_sync_token_parse(const char *s, const struct calendar *cal,
    long long *revision)
{
	size_t		n = strlen(DAV_SYNC_TOKEN_PREFIX), idlen, digits;
	long long	v = 0;

	if (strncmp(s, DAV_SYNC_TOKEN_PREFIX, n) != 0)
		return -1;
	s += n;
	/* The id as we wrote it (lower-case), so a plain compare. */
	idlen = strlen(cal->id);
	if (idlen == 0 || strncmp(s, cal->id, idlen) != 0 || s[idlen] != '/')
		return -1;
	s += idlen + 1;
	digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 18 || s[digits] != '\0')
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	*revision = v;
	return 0;
}

/* <D:limit><D:nresults>n</D:nresults></D:limit>: *limit 0 when absent.
 * 0, or -1 after answering. */
static int
sync_limit(struct dav_ctx *ctx, const xmlNode *root, size_t *limit)
{
	const xmlNode	*l, *nr;
	char		 text[32], *s;
	size_t		 v = 0;

	*limit = 0;
	if ((l = dav_xml_first(root, DAV_NS_DAV, "limit")) == NULL)
		return 0;
	if ((nr = dav_xml_first(l, DAV_NS_DAV, "nresults")) == NULL ||
	    dav_xml_text(nr, text, sizeof(text)) == -1)
		goto bad;
	s = trim(text);
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 9)
		goto bad;
	for (; *s != '\0'; s++)
		v = v * 10 + (size_t)(*s - '0');
	if (v == 0)
		goto bad;
	*limit = v > REPORT_NRESULTS_MAX ? REPORT_NRESULTS_MAX : v;
	return 0;
bad:
	dav_error(ctx->req, 400, NULL, "DAV:limit holds one DAV:nresults, a "
	    "positive whole number");
	return -1;
}

/* The changes since a token: changed objects with their properties,
 * deleted (or vanished since) ones as 404 responses. With a limit the
 * oldest changes come first and the token is the last one's revision. */
static void
sync_changes(struct dav_ctx *ctx, const struct report_props *p,
    long long since, size_t limit)
{
	struct calendar_change	*ch = NULL;
	struct report_answer	 a;
	size_t			 n = 0, i;
	enum event_rc		 rc;

	memset(&a, 0, sizeof(a));
	rc = calendar_changes(&ctx->ev, ctx->cal->id, since, &ch, &n,
	    &a.token);
	if (rc == EVENT_STALE) {
		dav_error(ctx->req, 403, "D:valid-sync-token", "this sync "
		    "token is too old or unknown; sync again from an empty "
		    "token");
		goto out;
	}
	if (rc != EVENT_OK) {
		dav_answer_rc(ctx, rc);
		goto out;
	}
	if (limit > 0 && n > limit) {
		n = limit;
		a.token = ch[n - 1].revision;
		a.truncated = 1;
	}
	if ((a.names = calloc(n + 1, sizeof(*a.names))) == NULL ||
	    (a.gone = calloc(n + 1, sizeof(*a.gone))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (ch[i].deleted)
			a.gone[a.ngone++].name = ch[i].dav_name;
		else
			a.names[a.nnames++].name = ch[i].dav_name;
	}
	answer_named(ctx, p, &a);
	goto out;
nomem:
	dav_error(ctx->req, 500, NULL, "internal error");
out:
	names_free(a.names, a.nnames);
	names_free(a.gone, a.ngone);
	free(ch);
}

static void
report_sync(struct dav_ctx *ctx, const xmlNode *root)
{
	struct report_props	 p;
	struct report_answer	 a;
	struct object_query	 q;
	const xmlNode		*t, *lv;
	char			 token[REPORT_TOKEN_MAX], level[32], *s;
	long long		 since;
	size_t			 limit;

	if (props_parse(ctx, root, &p) == -1 ||
	    sync_limit(ctx, root, &limit) == -1)
		return;
	/* A calendar holds no collections: level infinite is level 1. */
	if ((lv = dav_xml_first(root, DAV_NS_DAV, "sync-level")) != NULL) {
		if (dav_xml_text(lv, level, sizeof(level)) == -1 ||
		    (strcmp(s = trim(level), "1") != 0 &&
		    strcmp(s, "infinite") != 0)) {
			dav_error(ctx->req, 400, NULL, "sync-level is 1");
			return;
		}
	}
	token[0] = '\0';
	t = dav_xml_first(root, DAV_NS_DAV, "sync-token");
	if (t != NULL && dav_xml_text(t, token, sizeof(token)) == -1) {
		dav_error(ctx->req, 403, "D:valid-sync-token", "this sync "
		    "token is not one of ours");
		return;
	}
	s = trim(token);
	if (*s == '\0') {
		/* A first sync: every object, and the token the calendar
		 * had when the dispatcher read it, before the listing, so
		 * that no change is lost. Not paged: objects made before
		 * the journal share revision 0. */
		memset(&a, 0, sizeof(a));
		memset(&q, 0, sizeof(q));
		a.q = &q;
		a.token = ctx->cal->revision;
		a.limit = limit;
		answer(ctx, &p, &a);
		return;
	}
	if (dav_sync_token_parse(s, ctx->cal, &since) == -1) {
		dav_error(ctx->req, 403, "D:valid-sync-token", "this sync "
		    "token is not one of this calendar's");
		return;
	}
	sync_changes(ctx, &p, since, limit);
}

/* --- dispatch --------------------------------------------------------- */

void
dav_report(struct dav_ctx *ctx)
{
	xmlDoc	*doc = NULL;
	xmlNode	*root;

	if (dav_read_xml(ctx, &doc) == -1)
		return;
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
		dav_error(ctx->req, 400, NULL, "a REPORT needs an XML body");
		goto out;
	}
	/* The calendar home lists calendars, not objects: these REPORTs
	 * are answered on each calendar (sync-collection too). */
	if (ctx->path.kind != DAV_CALENDAR) {
		dav_error(ctx->req, 403, "D:supported-report", "REPORT %s is "
		    "answered on each calendar, not here", root->name);
		goto out;
	}
	if (dav_xml_is(root, DAV_NS_CALDAV, "calendar-multiget"))
		report_multiget(ctx, root);
	else if (dav_xml_is(root, DAV_NS_CALDAV, "calendar-query"))
		report_query(ctx, root);
	else if (dav_xml_is(root, DAV_NS_DAV, "sync-collection"))
		report_sync(ctx, root);
	else
		dav_error(ctx->req, 403, "D:supported-report", "REPORT %s is "
		    "not supported", root->name);
out:
	xmlFreeDoc(doc);
}
