/* collection.c — calendars as collections: PROPPATCH of their names,
 * descriptions, colors and order and of dead properties (RFC 4918
 * section 9.2), MKCALENDAR
 * (RFC 4791 section 5.3.1) and DELETE. The calendars themselves are the
 * events domain's (events/calendar.h), the same ones REST lists. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonout.h"
#include "core/utf8.h"
#include "dav/dav.h"
#include "events/calendar.h"

#define CHANGES_MAX	64	/* properties in one PROPPATCH/MKCALENDAR */
#define VALUE_MAX	(CALENDAR_DESC_MAX * 4 + 1)	/* a text value */

/* One property a request sets or removes. */
struct change {
	const xmlNode	*n;
	int		 remove;
	int		 status;	/* 0 while fine; else its propstat */
	const char	*member;	/* calendar_from_json's, or NULL:
					 * accepted but not stored */
	int		 protected;	/* 403 cannot-modify-protected-... */
	int		 dead;		/* kept as a dead property */
	char		*xml;		/* dead and set: the element (free) */
	char		 name[CALENDAR_PROP_NAME_MAX + 1];	/* dead */
};

static void
changes_free(struct change *ch, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ch[i].xml);
		ch[i].xml = NULL;
	}
}

/* The dead properties among the changes, for the events domain; *np of
 * them. */
static void
dead_list(const struct change *ch, size_t n, struct calendar_prop *out,
    size_t *np)
{
	size_t i;

	*np = 0;
	for (i = 0; i < n; i++)
		if (ch[i].dead) {
			out[*np].name = ch[i].name;
			out[*np].value = ch[i].remove ? NULL : ch[i].xml;
			(*np)++;
		}
}

/* After the domain refused the dead properties past its caps: those set
 * get 507 (RFC 4918 section 9.2.1), the others 424. */
static void
refuse_dead(struct change *ch, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ch[i].status = ch[i].dead && !ch[i].remove ? 507 : 424;
}

/* "#RRGGBB" or "#RRGGBBAA" (Apple's form) into "#rrggbb"; -1 otherwise. */
static int
color_parse(const char *s, char out[8])
{
	size_t i, n = strlen(s);

	if (s[0] != '#' || (n != 7 && n != 9))
		return -1;
	for (i = 1; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (i = 0; i < 7; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[7] = '\0';
	return 0;
}

/* A whole number in 32 bits, blanks around it forgiven. */
static int
order_parse(const char *s, int *out)
{
	char	*end;
	long	 v;

	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno != 0 || v < INT_MIN || v > INT_MAX)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = (int)v;
	return 0;
}

/* 1 when a supported-calendar-component-set names VEVENT. */
static int
components_have_vevent(const xmlNode *set)
{
	const xmlNode	*c;
	xmlChar		*name;
	int		 found = 0;

	for (c = dav_xml_first(set, DAV_NS_CALDAV, "comp"); c != NULL &&
	    !found; c = dav_xml_next(c, DAV_NS_CALDAV, "comp")) {
		if ((name = xmlGetProp(c, (const xmlChar *)"name")) == NULL)
			continue;
		found = strcmp((const char *)name, "VEVENT") == 0;
		xmlFree(name);
	}
	return found;
}

/* Collects the properties of the <D:set>/<D:remove> children of root,
 * in order. -1 when there are more than CHANGES_MAX. */
static int
collect(const xmlNode *root, struct change *ch, size_t *n)
{
	const xmlNode	*op, *prop, *p;
	int		 remove;

	*n = 0;
	for (op = dav_xml_first(root, NULL, NULL); op != NULL;
	    op = dav_xml_next(op, NULL, NULL)) {
		if (dav_xml_is(op, DAV_NS_DAV, "set"))
			remove = 0;
		else if (dav_xml_is(op, DAV_NS_DAV, "remove"))
			remove = 1;
		else
			continue;
		for (prop = dav_xml_first(op, DAV_NS_DAV, "prop"); prop != NULL;
		    prop = dav_xml_next(prop, DAV_NS_DAV, "prop"))
			for (p = dav_xml_first(prop, NULL, NULL); p != NULL;
			    p = dav_xml_next(p, NULL, NULL)) {
				if (*n == CHANGES_MAX)
					return -1;
				memset(&ch[*n], 0, sizeof(ch[*n]));
				ch[*n].n = p;
				ch[*n].remove = remove;
				(*n)++;
			}
	}
	return 0;
}

/* Checks each change and turns the writable ones into a calendar_from_json
 * patch in *patch (later ones win). A change that cannot be made gets its
 * status (403: protected; 409: a value we refuse; 507: a dead property
 * larger than the events domain keeps) and the others 424. Properties
 * Aurora does not model (calendar-timezone among them) are kept as dead
 * properties, as sabre/dav and Radicale keep them. mkcalendar: protected
 * ones a client sends along (resource type, say) are left out rather
 * than failing the creation. Returns 0 (all fine), 1 (some refused), -1
 * out of memory. */
static int
plan(struct change *ch, size_t n, int mkcalendar, json_object **patch)
{
	char	 value[VALUE_MAX], color[8];
	size_t	 i;
	int	 order, failed = 0, rc;

	if ((*patch = json_object_new_object()) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const xmlNode *p = ch[i].n;

		if (dav_xml_is(p, DAV_NS_DAV, "displayname")) {
			ch[i].member = "name";
			if (ch[i].remove)
				ch[i].status = 403;
			else if (dav_xml_text(p, value, sizeof(value)) == -1)
				ch[i].status = 409;
			else if (jsonout_add(*patch, "name",
			    json_object_new_string(value)) == -1)
				return -1;
		} else if (dav_xml_is(p, DAV_NS_CALDAV,
		    "calendar-description")) {
			ch[i].member = "description";
			if (ch[i].remove)
				value[0] = '\0';
			else if (dav_xml_text(p, value, sizeof(value)) == -1) {
				ch[i].status = 409;
				continue;
			}
			if (jsonout_add(*patch, "description",
			    json_object_new_string(value)) == -1)
				return -1;
		} else if (dav_xml_is(p, DAV_NS_ICAL, "calendar-color")) {
			ch[i].member = "color";
			if (ch[i].remove)
				memcpy(color, CALENDAR_COLOR_DEFAULT,
				    sizeof(color));
			else if (dav_xml_text(p, value, sizeof(value)) == -1 ||
			    color_parse(value, color) == -1) {
				ch[i].status = 409;
				continue;
			}
			if (jsonout_add(*patch, "color",
			    json_object_new_string(color)) == -1)
				return -1;
		} else if (dav_xml_is(p, DAV_NS_ICAL, "calendar-order")) {
			ch[i].member = "sort_order";
			order = 0;
			if (!ch[i].remove && (dav_xml_text(p, value,
			    sizeof(value)) == -1 || order_parse(value,
			    &order) == -1)) {
				ch[i].status = 409;
				continue;
			}
			if (jsonout_add(*patch, "sort_order",
			    json_object_new_int(order)) == -1)
				return -1;
		} else if (mkcalendar && dav_xml_is(p, DAV_NS_CALDAV,
		    "supported-calendar-component-set")) {
			if (!components_have_vevent(p))
				ch[i].status = 403;
		} else if (dav_prop_protected(p)) {
			if (!mkcalendar) {
				ch[i].status = 403;
				ch[i].protected = 1;
			}
		} else if (dav_xml_clark(p, ch[i].name,
		    sizeof(ch[i].name)) == -1)
			ch[i].status = 403;
		else {
			ch[i].dead = 1;
			if (ch[i].remove)
				continue;
			if ((ch[i].xml = dav_xml_dump(p)) == NULL)
				return -1;
			if (strlen(ch[i].xml) > CALENDAR_PROP_BYTES)
				ch[i].status = 507;
		}
	}
	for (i = 0; i < n; i++)
		failed |= ch[i].status != 0;
	rc = failed;
	if (failed)
		for (i = 0; i < n; i++)
			if (ch[i].status == 0)
				ch[i].status = 424;
	return rc;
}

/* After calendar_from_json refused the patch: the change of the member
 * it named gets 409, the others 424. */
static void
refuse_member(struct change *ch, size_t n, const char *field)
{
	size_t	i;
	int	hit = 0;

	for (i = 0; i < n; i++)
		if (ch[i].member != NULL && strcmp(ch[i].member, field) == 0) {
			ch[i].status = 409;
			hit = 1;
		}
	for (i = 0; i < n; i++)
		if (ch[i].status == 0)
			ch[i].status = hit ? 424 : 409;
}

/* The 207 of a PROPPATCH on the path's resource: each property with its
 * status (200 when all were made). */
static void
proppatch_answer(struct dav_ctx *ctx, struct change *ch, size_t n)
{
	struct dav_ms	 ms;
	struct buf	 href, *b;
	enum buf_err	 e;
	size_t		 i;

	buf_init(&href, DAV_HREF_MAX);
	e = dav_ms_begin(&ms, 0);
	if (e == BUF_OK)
		e = dav_href(&href, ctx->path.kind, ctx->user_id,
		    ctx->path.calendar, NULL);
	if (e == BUF_OK)
		e = dav_ms_response(&ms, href.data);
	for (i = 0; i < n && e == BUF_OK; i++) {
		if ((b = dav_ms_prop_error(&ms, ch[i].status ? ch[i].status :
		    200, ch[i].protected ? "D:cannot-modify-protected-property" :
		    NULL)) == NULL)
			e = BUF_NOMEM;
		else
			e = dav_xml_elem_like(b, ch[i].n);
	}
	if (e == BUF_OK)
		e = dav_ms_response_end(&ms);
	if (e == BUF_OK)
		e = dav_ms_end(&ms);
	dav_ms_send(ctx, &ms, e);
	dav_ms_free(&ms);
	buf_free(&href);
}

void
dav_proppatch(struct dav_ctx *ctx)
{
	struct change	 ch[CHANGES_MAX];
	size_t		 n = 0, i;
	xmlDoc		*doc = NULL;
	xmlNode		*root;
	json_object	*patch = NULL;
	struct calendar	 cal;
	struct calendar_prop dead[CHANGES_MAX];
	size_t		 ndead;
	enum event_rc	 rc;
	int		 p;

	if (dav_read_xml(ctx, &doc) == -1)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (doc == NULL || !dav_xml_is(root, DAV_NS_DAV, "propertyupdate")) {
		dav_error(ctx->req, 400, NULL, "the body must be a "
		    "DAV:propertyupdate");
		goto out;
	}
	if (collect(root, ch, &n) == -1) {
		dav_error(ctx->req, 400, NULL, "more than %d properties",
		    CHANGES_MAX);
		goto out;
	}
	if (ctx->path.kind != DAV_CALENDAR) {
		/* The home and the principal keep nothing a client may write
		 * (Apple's default alarms, say): each property 403. */
		for (i = 0; i < n; i++)
			ch[i].status = 403;
		proppatch_answer(ctx, ch, n);
		goto out;
	}
	if ((p = plan(ch, n, 0, &patch)) == -1) {
		dav_error(ctx->req, 500, NULL, "internal error");
		goto out;
	}
	if (p == 0 && n > 0) {
		/* All or nothing (RFC 4918): one update of the calendar. */
		cal = *ctx->cal;
		dead_list(ch, n, dead, &ndead);
		rc = calendar_from_json(&cal, patch, 1, &ctx->ev.err);
		if (rc == EVENT_OK)
			rc = calendar_update_props(&ctx->ev, &cal, dead, ndead);
		if (rc == EVENT_INVALID &&
		    strcmp(ctx->ev.err.field, "dav_props") == 0)
			refuse_dead(ch, n);
		else if (rc == EVENT_INVALID || rc == EVENT_READ_ONLY)
			refuse_member(ch, n, ctx->ev.err.field);
		else if (rc != EVENT_OK) {
			dav_answer_rc(ctx, rc);
			goto out;
		}
	}
	proppatch_answer(ctx, ch, n);
out:
	changes_free(ch, n);
	json_object_put(patch);
	xmlFreeDoc(doc);
}

/* The name a calendar made without a displayname gets: its collection
 * name when that is a valid calendar name, else "Calendar". */
static const char *
default_name(const char *dav_name)
{
	long n = utf8_count(dav_name, strlen(dav_name), UTF8_NO_CTL);

	return n > 0 && n <= CALENDAR_NAME_MAX ? dav_name : "Calendar";
}

void
dav_mkcalendar(struct dav_ctx *ctx)
{
	struct change	 ch[CHANGES_MAX];
	size_t		 n = 0, i;
	xmlDoc		*doc = NULL;
	xmlNode		*root;
	json_object	*patch = NULL, *v;
	struct calendar	*cal = NULL;
	struct calendar_prop dead[CHANGES_MAX];
	size_t		 ndead;
	enum event_rc	 rc;
	long		 chars;
	int		 p;

	chars = utf8_count(ctx->path.calendar, strlen(ctx->path.calendar),
	    UTF8_NO_CTL);
	if (chars < 1 || chars > CALENDAR_DAV_NAME_MAX) {
		dav_error(ctx->req, 403, NULL, "a calendar's name in its URL "
		    "is 1 to %d characters", CALENDAR_DAV_NAME_MAX);
		goto out;
	}
	if (dav_read_xml(ctx, &doc) == -1)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (doc != NULL && !dav_xml_is(root, DAV_NS_CALDAV, "mkcalendar")) {
		dav_error(ctx->req, 400, NULL, "the body must be a "
		    "CALDAV:mkcalendar");
		goto out;
	}
	if (doc != NULL && collect(root, ch, &n) == -1) {
		dav_error(ctx->req, 400, NULL, "more than %d properties",
		    CHANGES_MAX);
		goto out;
	}
	if ((p = plan(ch, n, 1, &patch)) == -1) {
		dav_error(ctx->req, 500, NULL, "internal error");
		goto out;
	}
	if (p == 1) {
		/* The first refused property says why. */
		for (i = 0; i < n && ch[i].status == 424; i++)
			;
		if (i == n)
			dav_error(ctx->req, 403, NULL, "a property was refused");
		else if (ch[i].status == 507)
			dav_error(ctx->req, 507, NULL, "property %s is larger "
			    "than %d bytes", (const char *)ch[i].n->name,
			    CALENDAR_PROP_BYTES);
		else if (dav_xml_is(ch[i].n, DAV_NS_CALDAV,
		    "supported-calendar-component-set"))
			dav_error(ctx->req, 403, "C:supported-calendar-component",
			    "only calendars of events (VEVENT) are supported");
		else
			dav_error(ctx->req, 403, NULL, "property %s: %s",
			    (const char *)ch[i].n->name, ch[i].status == 409 ?
			    "the value is refused" : "it cannot be removed");
		goto out;
	}
	if (!json_object_object_get_ex(patch, "name", &v) &&
	    jsonout_add(patch, "name", json_object_new_string(default_name(
	    ctx->path.calendar))) == -1) {
		dav_error(ctx->req, 500, NULL, "internal error");
		goto out;
	}
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		dav_error(ctx->req, 500, NULL, "internal error");
		goto out;
	}
	if ((rc = calendar_from_json(cal, patch, 0, &ctx->ev.err)) !=
	    EVENT_OK) {
		if (rc == EVENT_INVALID)
			dav_error(ctx->req, 403, NULL, "%s: %s",
			    ctx->ev.err.field, ctx->ev.err.msg);
		else
			dav_answer_rc(ctx, rc);
		goto out;
	}
	/* Kept exactly as the client wrote it in the URL. */
	memcpy(cal->dav_name, ctx->path.calendar,
	    strlen(ctx->path.calendar) + 1);
	dead_list(ch, n, dead, &ndead);
	switch ((rc = calendar_create_props(&ctx->ev, cal, dead, ndead))) {
	case EVENT_OK:
		http_send(ctx->req, 201, NULL, NULL, 0);
		break;
	case EVENT_CONFLICT:
		dav_allow(ctx->req, DAV_CALENDAR);
		dav_error(ctx->req, 405, "D:resource-must-be-null", "a "
		    "calendar of that name exists already");
		break;
	case EVENT_INVALID:
		dav_error(ctx->req, strcmp(ctx->ev.err.field, "dav_props") ==
		    0 ? 507 : 403, NULL, "%s", ctx->ev.err.msg);
		break;
	default:
		dav_answer_rc(ctx, rc);
	}
out:
	changes_free(ch, n);
	free(cal);
	json_object_put(patch);
	xmlFreeDoc(doc);
}

void
dav_calendar_delete(struct dav_ctx *ctx)
{
	enum event_rc rc;

	switch ((rc = calendar_delete(&ctx->ev, ctx->cal->id))) {
	case EVENT_OK:
		http_no_content(ctx->req);
		break;
	case EVENT_CONFLICT:
		dav_error(ctx->req, 403, NULL, "%s", ctx->ev.err.msg[0] ?
		    ctx->ev.err.msg : "the last calendar cannot be deleted");
		break;
	default:
		dav_answer_rc(ctx, rc);
	}
}
