/* propfind.c — PROPFIND (RFC 4918 section 9.1) on the root, a principal,
 * the calendar home, a calendar and an object: the properties clients
 * read to discover and sync (RFC 4791, 5397, 6578, the CalendarServer and
 * Apple extensions), each unknown one answered 404 inside the 207. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "dav/dav.h"
#include "events/calendar.h"
#include "events/ics.h"
#include "events/object.h"
#include "events/subscription.h"

#define PROP_ABSENT	1	/* a prop_fn's "not here": a 404 propstat */

enum pf_mode { PF_PROP, PF_ALLPROP, PF_PROPNAME };

/* One PROPFIND's state. */
struct pf {
	struct dav_ctx	*ctx;
	struct dav_ms	 ms;
	enum buf_err	 e;		/* the first writer failure */
	int		 failed;	/* answered already (database) */
	enum pf_mode	 mode;
	xmlNode		*props;		/* <D:prop>, or allprop's include */
	json_object	*profile;	/* account_get's, read when needed */
	char		*timezone;	/* calendar-timezone text, when read */
	json_object	*dead;		/* dead properties of dead_of */
	char		 dead_of[37];	/* a calendar id, "" */
};

/* The resource a response describes. */
struct res {
	enum dav_kind			 kind;
	const struct calendar		*cal;	/* DAV_CALENDAR, DAV_OBJECT */
	const struct object_data	*obj;	/* DAV_OBJECT */
};

/* Writes the whole property element into b: 0, PROP_ABSENT, or -1 (a
 * write failure in pf->e, or an answer sent and pf->failed). */
typedef int (*prop_fn)(struct pf *pf, const struct res *r, struct buf *b);

struct prop {
	const char	*ns;
	const char	*name;
	const char	*qname;		/* with the multistatus prefix */
	unsigned	 kinds;
	int		 allprop;	/* returned for DAV:allprop */
	prop_fn		 fn;
};

static int
wrote(struct pf *pf, enum buf_err e)
{
	if (e != BUF_OK) {
		if (pf->e == BUF_OK)
			pf->e = e;
		return -1;
	}
	return 0;
}

/* The account's profile (email, name, time_zone): 0, or -1 after
 * answering. */
static int
profile(struct pf *pf)
{
	enum account_rc rc;

	if (pf->profile != NULL)
		return 0;
	rc = account_get(pf->ctx->app->db, pf->ctx->user_id, &pf->profile);
	if (rc == ACCOUNT_OK)
		return 0;
	pf->failed = 1;
	if (rc == ACCOUNT_UNAVAILABLE) {
		(void)http_add_header(pf->ctx->req, "Retry-After", "5");
		dav_error(pf->ctx->req, 503, NULL, "the service is "
		    "temporarily unavailable; try again shortly");
	} else
		dav_error(pf->ctx->req, 500, NULL, "internal error");
	return -1;
}

static const char *
profile_str(struct pf *pf, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(pf->profile, key, &v))
		return "";
	return json_object_get_string(v) != NULL ?
	    json_object_get_string(v) : "";
}

static int
href_elem(struct pf *pf, struct buf *b, const char *qname,
    enum dav_kind kind, const char *cal)
{
	struct buf	href;
	enum buf_err	e;

	buf_init(&href, DAV_HREF_MAX);
	if ((e = dav_href(&href, kind, pf->ctx->user_id, cal, NULL)) ==
	    BUF_OK && (e = buf_printf(b, "<%s>", qname)) == BUF_OK)
		if ((e = dav_xml_elem(b, "D:href", href.data)) == BUF_OK)
			e = buf_printf(b, "</%s>", qname);
	buf_free(&href);
	return wrote(pf, e);
}

static int
p_resourcetype(struct pf *pf, const struct res *r, struct buf *b)
{
	static const char *const types[DAV_KIND__MAX] = {
		[DAV_ROOT] = "<D:collection/>",
		[DAV_PRINCIPAL] = "<D:collection/><D:principal/>",
		[DAV_HOME] = "<D:collection/>",
		[DAV_CALENDAR] = "<D:collection/><C:calendar/>",
		[DAV_OBJECT] = "",
	};

	return wrote(pf, buf_printf(b, "<D:resourcetype>%s</D:resourcetype>",
	    types[r->kind]));
}

static int
p_current_user_principal(struct pf *pf, const struct res *r, struct buf *b)
{
	return href_elem(pf, b, "D:current-user-principal", DAV_PRINCIPAL,
	    NULL);
}

static int
p_principal_url(struct pf *pf, const struct res *r, struct buf *b)
{
	return href_elem(pf, b, "D:principal-URL", DAV_PRINCIPAL, NULL);
}

static int
p_owner(struct pf *pf, const struct res *r, struct buf *b)
{
	return href_elem(pf, b, "D:owner", DAV_PRINCIPAL, NULL);
}

static int
p_calendar_home_set(struct pf *pf, const struct res *r, struct buf *b)
{
	return href_elem(pf, b, "C:calendar-home-set", DAV_HOME, NULL);
}

static int
p_address_set(struct pf *pf, const struct res *r, struct buf *b)
{
	enum buf_err e;

	if (profile(pf) == -1)
		return -1;
	if ((e = buf_addstr(b, "<C:calendar-user-address-set><D:href>"
	    "mailto:")) == BUF_OK && (e = dav_xml_esc(b,
	    profile_str(pf, "email"), strlen(profile_str(pf, "email")))) ==
	    BUF_OK)
		e = buf_addstr(b, "</D:href></C:calendar-user-address-set>");
	return wrote(pf, e);
}

static int
p_displayname(struct pf *pf, const struct res *r, struct buf *b)
{
	const char *name;

	switch (r->kind) {
	case DAV_PRINCIPAL:
	case DAV_HOME:
		if (profile(pf) == -1)
			return -1;
		name = profile_str(pf, "name");
		if (*name == '\0')
			name = profile_str(pf, "email");
		break;
	case DAV_CALENDAR:
		name = r->cal->name;
		break;
	default:
		return PROP_ABSENT;
	}
	return wrote(pf, dav_xml_elem(b, "D:displayname", name));
}

static int
p_privileges(struct pf *pf, const struct res *r, struct buf *b)
{
	static const char *const privs[DAV_KIND__MAX] = {
		[DAV_ROOT] = "read",
		[DAV_PRINCIPAL] = "read",
		[DAV_HOME] = "read bind unbind",
		[DAV_CALENDAR] = "read write write-properties write-content "
		    "bind unbind",
		[DAV_OBJECT] = "read write write-properties write-content",
	};
	const char	*s = privs[r->kind];
	size_t		 n;
	enum buf_err	 e;

	/* A subscription's calendar and its objects: the feed writes
	 * them, the account only reads (it may still unbind the calendar
	 * from the home: that ends the subscription). */
	if ((r->kind == DAV_CALENDAR || r->kind == DAV_OBJECT) &&
	    r->cal != NULL && r->cal->read_only)
		s = "read";
	e = buf_addstr(b, "<D:current-user-privilege-set>");
	while (e == BUF_OK && *s != '\0') {
		n = strcspn(s, " ");
		e = buf_printf(b, "<D:privilege><D:%.*s/></D:privilege>",
		    (int)n, s);
		s += n + (s[n] == ' ');
	}
	if (e == BUF_OK)
		e = buf_addstr(b, "<D:privilege><D:read-current-user-privilege-"
		    "set/></D:privilege></D:current-user-privilege-set>");
	return wrote(pf, e);
}

/* CalendarServer's source: the feed a subscribed calendar follows. */
static int
p_source(struct pf *pf, const struct res *r, struct buf *b)
{
	struct subscription	*s;
	enum event_rc		 rc;
	enum buf_err		 e;

	if (r->cal->subscription_id[0] == '\0')
		return PROP_ABSENT;
	if ((s = malloc(sizeof(*s))) == NULL)
		return wrote(pf, BUF_NOMEM);
	rc = subscription_get(&pf->ctx->ev, r->cal->subscription_id, s);
	if (rc == EVENT_NOT_FOUND) {
		free(s);
		return PROP_ABSENT;
	}
	if (rc != EVENT_OK) {
		free(s);
		pf->failed = 1;
		dav_answer_rc(pf->ctx, rc);
		return -1;
	}
	if ((e = buf_addstr(b, "<CS:source><D:href>")) == BUF_OK &&
	    (e = dav_xml_esc(b, s->url, strlen(s->url))) == BUF_OK)
		e = buf_addstr(b, "</D:href></CS:source>");
	free(s);
	return wrote(pf, e);
}

static int
p_supported_report_set(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_addstr(b, "<D:supported-report-set>"
	    "<D:supported-report><D:report><D:sync-collection/></D:report>"
	    "</D:supported-report>"
	    "<D:supported-report><D:report><C:calendar-multiget/></D:report>"
	    "</D:supported-report>"
	    "<D:supported-report><D:report><C:calendar-query/></D:report>"
	    "</D:supported-report></D:supported-report-set>"));
}

static int
p_description(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, dav_xml_elem(b, "C:calendar-description",
	    r->cal->description));
}

static int
p_color(struct pf *pf, const struct res *r, struct buf *b)
{
	char	rgba[10];
	size_t	i;

	if (strlen(r->cal->color) != 7)
		return PROP_ABSENT;
	for (i = 0; i < 7; i++)
		rgba[i] = (char)toupper((unsigned char)r->cal->color[i]);
	memcpy(rgba + 7, "FF", 3);
	return wrote(pf, dav_xml_elem(b, "A:calendar-color", rgba));
}

static int
p_order(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_printf(b, "<A:calendar-order>%d"
	    "</A:calendar-order>", r->cal->sort_order));
}

/* A VCALENDAR holding the VTIMEZONE of zone (UTC spelled out, since
 * ics_vtimezone has none for it). malloc'd, NULL when out of memory. */
static char *
vtimezone_text(const char *zone, time_t now)
{
	icalcomponent	*cal = NULL, *tz = NULL, *std;
	char		*text = NULL;

	if ((cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT)) == NULL)
		goto out;
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal,
	    icalproperty_new_prodid("-//Aurora Time//CalDAV//EN"));
	if ((tz = ics_vtimezone(zone, now)) == NULL) {
		/* UTC, or a zone libical no longer knows. */
		if ((tz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT)) ==
		    NULL || (std = icalcomponent_new(
		    ICAL_XSTANDARD_COMPONENT)) == NULL)
			goto out;
		icalcomponent_add_property(tz, icalproperty_new_tzid("UTC"));
		icalcomponent_add_property(std, icalproperty_new_dtstart(
		    icaltime_from_string("19700101T000000")));
		icalcomponent_add_property(std,
		    icalproperty_new_tzoffsetfrom(0));
		icalcomponent_add_property(std, icalproperty_new_tzoffsetto(0));
		icalcomponent_add_property(std, icalproperty_new_tzname("UTC"));
		icalcomponent_add_component(tz, std);
	}
	icalcomponent_add_component(cal, tz);
	tz = NULL;
	text = icalcomponent_as_ical_string_r(cal);
out:
	if (tz != NULL)
		icalcomponent_free(tz);
	if (cal != NULL)
		icalcomponent_free(cal);
	return text;
}

static int
p_timezone(struct pf *pf, const struct res *r, struct buf *b)
{
	if (pf->timezone == NULL) {
		if (profile(pf) == -1)
			return -1;
		if ((pf->timezone = vtimezone_text(profile_str(pf,
		    "time_zone"), pf->ctx->ev.now)) == NULL)
			return wrote(pf, BUF_NOMEM);
	}
	return wrote(pf, dav_xml_elem(b, "C:calendar-timezone",
	    pf->timezone));
}

static int
p_components(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_addstr(b, "<C:supported-calendar-component-set>"
	    "<C:comp name=\"VEVENT\"/></C:supported-calendar-component-set>"));
}

static int
p_calendar_data(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_addstr(b, "<C:supported-calendar-data>"
	    "<C:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>"
	    "</C:supported-calendar-data>"));
}

/* <qname>token</qname>: getctag and sync-token are the same token. */
static int
token_prop(struct pf *pf, const struct res *r, struct buf *b,
    const char *qname)
{
	enum buf_err	e;

	if ((e = buf_printf(b, "<%s>", qname)) == BUF_OK &&
	    (e = dav_sync_token(b, r->cal, r->cal->revision)) == BUF_OK)
		e = buf_printf(b, "</%s>", qname);
	return wrote(pf, e);
}

static int
p_ctag(struct pf *pf, const struct res *r, struct buf *b)
{
	return token_prop(pf, r, b, "CS:getctag");
}

static int
p_sync_token(struct pf *pf, const struct res *r, struct buf *b)
{
	return token_prop(pf, r, b, "D:sync-token");
}

static int
p_max_size(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_printf(b, "<C:max-resource-size>%d"
	    "</C:max-resource-size>", OBJECT_MAX_BYTES));
}

static int
p_etag(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_printf(b, "<D:getetag>\"%lld\"</D:getetag>",
	    r->obj->revision));
}

static int
p_content_type(struct pf *pf, const struct res *r, struct buf *b)
{
	return wrote(pf, buf_addstr(b, "<D:getcontenttype>text/calendar; "
	    "charset=utf-8</D:getcontenttype>"));
}

#define K(k)	DAV_KIND_BIT(DAV_##k)
static const struct prop props[] = {
	{ DAV_NS_DAV, "resourcetype", "D:resourcetype", DAV_ANY_KIND, 1,
	    p_resourcetype },
	{ DAV_NS_DAV, "current-user-principal", "D:current-user-principal",
	    DAV_ANY_KIND, 0, p_current_user_principal },
	{ DAV_NS_DAV, "displayname", "D:displayname",
	    K(PRINCIPAL) | K(HOME) | K(CALENDAR), 1, p_displayname },
	{ DAV_NS_DAV, "principal-URL", "D:principal-URL", K(PRINCIPAL), 0,
	    p_principal_url },
	{ DAV_NS_CALDAV, "calendar-home-set", "C:calendar-home-set",
	    K(PRINCIPAL), 0, p_calendar_home_set },
	{ DAV_NS_CALDAV, "calendar-user-address-set",
	    "C:calendar-user-address-set", K(PRINCIPAL), 0, p_address_set },
	{ DAV_NS_DAV, "owner", "D:owner", K(HOME) | K(CALENDAR) | K(OBJECT),
	    1, p_owner },
	{ DAV_NS_DAV, "current-user-privilege-set",
	    "D:current-user-privilege-set", DAV_ANY_KIND, 0, p_privileges },
	{ DAV_NS_DAV, "supported-report-set", "D:supported-report-set",
	    K(HOME) | K(CALENDAR), 0, p_supported_report_set },
	{ DAV_NS_CALDAV, "calendar-description", "C:calendar-description",
	    K(CALENDAR), 1, p_description },
	{ DAV_NS_ICAL, "calendar-color", "A:calendar-color", K(CALENDAR), 1,
	    p_color },
	{ DAV_NS_ICAL, "calendar-order", "A:calendar-order", K(CALENDAR), 1,
	    p_order },
	{ DAV_NS_CALDAV, "calendar-timezone", "C:calendar-timezone",
	    K(CALENDAR), 0, p_timezone },
	{ DAV_NS_CALDAV, "supported-calendar-component-set",
	    "C:supported-calendar-component-set", K(CALENDAR), 0,
	    p_components },
	{ DAV_NS_CALDAV, "supported-calendar-data",
	    "C:supported-calendar-data", K(CALENDAR), 0, p_calendar_data },
	{ DAV_NS_CS, "getctag", "CS:getctag", K(CALENDAR), 1, p_ctag },
	{ DAV_NS_CS, "source", "CS:source", K(CALENDAR), 0, p_source },
	{ DAV_NS_DAV, "sync-token", "D:sync-token", K(CALENDAR), 1,
	    p_sync_token },
	{ DAV_NS_CALDAV, "max-resource-size", "C:max-resource-size",
	    K(CALENDAR), 0, p_max_size },
	{ DAV_NS_DAV, "getetag", "D:getetag", K(OBJECT), 1, p_etag },
	{ DAV_NS_DAV, "getcontenttype", "D:getcontenttype", K(OBJECT), 1,
	    p_content_type },
};
#undef K
#define NPROPS	(sizeof(props) / sizeof(props[0]))

/* Live properties no client writes (RFC 4918 section 15, RFC 4791
 * section 5.2, RFC 6578): every DAV: one but displayname, and those of
 * the other namespaces this server computes. The rest a PROPPATCH keeps
 * as a dead property. */
int
dav_prop_protected(const xmlNode *n)
{
	static const char *const caldav[] = {
		"calendar-home-set", "calendar-user-address-set",
		"supported-calendar-component-set", "supported-calendar-data",
		"supported-collation-set", "max-resource-size",
		"min-date-time", "max-date-time", "max-instances",
		"max-attendees-per-instance", "calendar-data",
		"schedule-inbox-URL", "schedule-outbox-URL",
	};
	size_t i;

	if (dav_xml_is(n, DAV_NS_DAV, "displayname"))
		return 0;
	if (strcmp(dav_xml_ns(n), DAV_NS_DAV) == 0 ||
	    dav_xml_is(n, DAV_NS_CS, "getctag") ||
	    dav_xml_is(n, DAV_NS_CS, "source"))
		return 1;
	for (i = 0; i < sizeof(caldav) / sizeof(caldav[0]); i++)
		if (dav_xml_is(n, DAV_NS_CALDAV, caldav[i]))
			return 1;
	return 0;
}

/* The dead properties of cal (read once per calendar of the answer), or
 * NULL after answering (pf->failed). */
static json_object *
dead_props(struct pf *pf, const struct calendar *cal)
{
	enum event_rc rc;

	if (pf->dead != NULL && strcmp(pf->dead_of, cal->id) == 0)
		return pf->dead;
	json_object_put(pf->dead);
	pf->dead = NULL;
	pf->dead_of[0] = '\0';
	if ((rc = calendar_props(&pf->ctx->ev, cal->id, &pf->dead)) !=
	    EVENT_OK) {
		dav_answer_rc(pf->ctx, rc);
		pf->failed = 1;
		return NULL;
	}
	snprintf(pf->dead_of, sizeof(pf->dead_of), "%s", cal->id);
	return pf->dead;
}

/* A dead property of the calendar r by the element asked for: 1 written
 * (200), 0 not there, -1. */
static int
dead_prop(struct pf *pf, const struct res *r, const xmlNode *n)
{
	json_object	*d, *v;
	struct buf	*b;
	char		 name[CALENDAR_PROP_NAME_MAX + 1];

	if (r->kind != DAV_CALENDAR ||
	    dav_xml_clark(n, name, sizeof(name)) == -1)
		return 0;
	if ((d = dead_props(pf, r->cal)) == NULL)
		return -1;
	if (!json_object_object_get_ex(d, name, &v))
		return 0;
	if ((b = dav_ms_prop(&pf->ms, 200)) == NULL)
		return wrote(pf, BUF_NOMEM);
	return wrote(pf, buf_addstr(b, json_object_get_string(v))) == -1 ?
	    -1 : 1;
}

/* allprop and propname: every dead property of the calendar r, whole or
 * by name. The live calendar-timezone is named in the table already. */
static int
dead_all(struct pf *pf, const struct res *r)
{
	json_object	*d;
	struct buf	*b;

	if (r->kind != DAV_CALENDAR)
		return 0;
	if ((d = dead_props(pf, r->cal)) == NULL)
		return -1;
	if ((b = dav_ms_prop(&pf->ms, 200)) == NULL)
		return wrote(pf, BUF_NOMEM);
	json_object_object_foreach(d, k, v) {
		if (pf->mode == PF_PROPNAME) {
			if (strcmp(k, "{" DAV_NS_CALDAV "}calendar-timezone") ==
			    0)
				continue;
			if (wrote(pf, dav_xml_elem_clark(b, k)) == -1)
				return -1;
		} else if (wrote(pf, buf_addstr(b,
		    json_object_get_string(v))) == -1)
			return -1;
	}
	return 0;
}

/* Takes back what a property that turned out absent began to write. */
static void
truncate_to(struct buf *b, size_t mark)
{
	b->len = mark;
	if (b->data != NULL)
		b->data[mark] = '\0';
}

static const struct prop *
prop_find(const xmlNode *n, enum dav_kind kind)
{
	size_t i;

	for (i = 0; i < NPROPS; i++)
		if ((props[i].kinds & DAV_KIND_BIT(kind)) &&
		    dav_xml_is(n, props[i].ns, props[i].name))
			return &props[i];
	return NULL;
}

/* One requested property (by its element in the request). 0 or -1. */
static int
one_prop(struct pf *pf, const struct res *r, const xmlNode *n)
{
	const struct prop	*p = prop_find(n, r->kind);
	struct buf		*b;
	size_t			 mark;
	int			 rc = PROP_ABSENT;

	/* A dead property first: the calendar-timezone a client gave
	 * wins over the one made from the account's zone. */
	if (p == NULL || p->fn == p_timezone) {
		if ((rc = dead_prop(pf, r, n)) != 0)
			return rc == -1 ? -1 : 0;
		rc = PROP_ABSENT;
	}
	if (p != NULL) {
		if ((b = dav_ms_prop(&pf->ms, 200)) == NULL)
			return wrote(pf, BUF_NOMEM);
		mark = b->len;
		if ((rc = p->fn(pf, r, b)) == -1)
			return -1;
		if (rc == PROP_ABSENT)
			truncate_to(b, mark);
	}
	if (rc == PROP_ABSENT) {
		if ((b = dav_ms_prop(&pf->ms, 404)) == NULL)
			return wrote(pf, BUF_NOMEM);
		return wrote(pf, dav_xml_elem_like(b, n));
	}
	return 0;
}

/* One <D:response> for resource r at href. 0 or -1. */
static int
response(struct pf *pf, const struct res *r, const char *href)
{
	const xmlNode	*n;
	struct buf	*b;
	size_t		 i, mark;
	int		 rc;

	if (wrote(pf, dav_ms_response(&pf->ms, href)) == -1)
		return -1;
	if (pf->mode == PF_PROP) {
		for (n = dav_xml_first(pf->props, NULL, NULL); n != NULL;
		    n = dav_xml_next(n, NULL, NULL))
			if (one_prop(pf, r, n) == -1)
				return -1;
	} else {
		for (i = 0; i < NPROPS; i++) {
			if (!(props[i].kinds & DAV_KIND_BIT(r->kind)))
				continue;
			if ((b = dav_ms_prop(&pf->ms, 200)) == NULL)
				return wrote(pf, BUF_NOMEM);
			if (pf->mode == PF_PROPNAME) {
				if (wrote(pf, buf_printf(b, "<%s/>",
				    props[i].qname)) == -1)
					return -1;
				continue;
			}
			if (!props[i].allprop)
				continue;
			mark = b->len;
			if ((rc = props[i].fn(pf, r, b)) == -1)
				return -1;
			if (rc == PROP_ABSENT)
				truncate_to(b, mark);
		}
		if (dead_all(pf, r) == -1)
			return -1;
		/* allprop's <D:include>: more properties by name. */
		for (n = dav_xml_first(pf->props, NULL, NULL); n != NULL;
		    n = dav_xml_next(n, NULL, NULL))
			if (prop_find(n, r->kind) == NULL ||
			    !prop_find(n, r->kind)->allprop)
				if (one_prop(pf, r, n) == -1)
					return -1;
	}
	return wrote(pf, dav_ms_response_end(&pf->ms));
}

static int
response_at(struct pf *pf, const struct res *r, const char *cal,
    const char *obj)
{
	struct buf	href;
	int		rc;

	buf_init(&href, DAV_HREF_MAX);
	if (wrote(pf, dav_href(&href, r->kind, pf->ctx->user_id, cal, obj)) ==
	    -1) {
		buf_free(&href);
		return -1;
	}
	rc = response(pf, r, href.data);
	buf_free(&href);
	return rc;
}

struct list_arg {
	struct pf		*pf;
	const struct calendar	*cal;
};

static int
object_response(const struct object_data *d, void *arg)
{
	struct list_arg	*a = arg;
	struct res	 r = { DAV_OBJECT, a->cal, d };

	return response_at(a->pf, &r, a->cal->dav_name, d->dav_name) == -1 ?
	    1 : 0;
}

/* The objects of cal (names and revisions, no data), each through fn;
 * the one call Depth 1 and an object's own PROPFIND make on the events
 * domain's object store. */
static enum event_rc
list_objects(struct dav_ctx *ctx, const struct calendar *cal,
    const char *only, int (*fn)(const struct object_data *, void *),
    void *arg)
{
	struct object_query	 q;
	const char		*names[1] = { only };

	memset(&q, 0, sizeof(q));
	if (only != NULL) {
		q.names = names;
		q.nnames = 1;
	}
	return object_list(&ctx->ev, cal->id, &q, 0, fn, arg);
}

static int
object_found(const struct object_data *d, void *arg)
{
	struct object_data *out = arg;

	*out = *d;
	out->ical = NULL;
	return 1;
}

/* The responses of the PROPFIND: the resource, and with Depth 1 its
 * members. 0, or -1 (pf->e or pf->failed says what happened). */
static int
walk(struct pf *pf)
{
	struct dav_ctx		*ctx = pf->ctx;
	struct res		 r = { ctx->path.kind, ctx->cal, NULL };
	struct calendar		*cals = NULL;
	struct object_data	 obj;
	struct list_arg		 a;
	size_t			 n = 0, i;
	enum event_rc		 rc;
	int			 ret = -1;

	switch (ctx->path.kind) {
	case DAV_OBJECT:
		memset(&obj, 0, sizeof(obj));
		rc = list_objects(ctx, ctx->cal, ctx->path.object,
		    object_found, &obj);
		if (rc != EVENT_OK) {
			dav_answer_rc(ctx, rc);
			pf->failed = 1;
			goto out;
		}
		if (obj.dav_name[0] == '\0') {
			dav_error(ctx->req, 404, NULL, "no such object");
			pf->failed = 1;
			goto out;
		}
		r.obj = &obj;
		ret = response_at(pf, &r, ctx->cal->dav_name, obj.dav_name);
		goto out;
	case DAV_CALENDAR:
		if (response_at(pf, &r, ctx->cal->dav_name, NULL) == -1)
			goto out;
		if (ctx->depth == 1) {
			a.pf = pf;
			a.cal = ctx->cal;
			rc = list_objects(ctx, ctx->cal, NULL, object_response,
			    &a);
			if (pf->e != BUF_OK || pf->failed)
				goto out;
			if (rc != EVENT_OK) {
				dav_answer_rc(ctx, rc);
				pf->failed = 1;
				goto out;
			}
		}
		break;
	case DAV_HOME:
		if (response_at(pf, &r, NULL, NULL) == -1)
			goto out;
		if (ctx->depth == 1) {
			if ((rc = calendar_list(&ctx->ev, &cals, &n)) !=
			    EVENT_OK) {
				dav_answer_rc(ctx, rc);
				pf->failed = 1;
				goto out;
			}
			for (i = 0; i < n; i++) {
				struct res c = { DAV_CALENDAR, &cals[i], NULL };

				if (response_at(pf, &c, cals[i].dav_name,
				    NULL) == -1)
					goto out;
			}
		}
		break;
	default:
		if (response_at(pf, &r, NULL, NULL) == -1)
			goto out;
	}
	ret = 0;
out:
	free(cals);
	return ret;
}

/* Reads the request body: PF_ALLPROP for none (RFC 4918), else the one
 * child of <D:propfind>. 0, or -1 after answering. */
static int
read_request(struct pf *pf, xmlDoc **doc)
{
	xmlNode *root, *n;

	if (dav_read_xml(pf->ctx, doc) == -1)
		return -1;
	pf->mode = PF_ALLPROP;
	if (*doc == NULL)
		return 0;
	root = xmlDocGetRootElement(*doc);
	if (!dav_xml_is(root, DAV_NS_DAV, "propfind") ||
	    (n = dav_xml_first(root, NULL, NULL)) == NULL) {
		dav_error(pf->ctx->req, 400, NULL, "the body must be a "
		    "DAV:propfind with prop, allprop or propname");
		return -1;
	}
	if (dav_xml_is(n, DAV_NS_DAV, "prop")) {
		pf->mode = PF_PROP;
		pf->props = n;
	} else if (dav_xml_is(n, DAV_NS_DAV, "propname"))
		pf->mode = PF_PROPNAME;
	else if (dav_xml_is(n, DAV_NS_DAV, "allprop"))
		pf->props = dav_xml_first(root, DAV_NS_DAV, "include");
	else {
		dav_error(pf->ctx->req, 400, NULL, "the body must be a "
		    "DAV:propfind with prop, allprop or propname");
		return -1;
	}
	return 0;
}

void
dav_propfind(struct dav_ctx *ctx)
{
	struct pf	 pf;
	xmlDoc		*doc = NULL;
	enum buf_err	 e;

	memset(&pf, 0, sizeof(pf));
	pf.ctx = ctx;
	if (ctx->depth == DAV_DEPTH_ABSENT || ctx->depth == DAV_DEPTH_INFINITY) {
		dav_error(ctx->req, 403, "D:propfind-finite-depth", "Depth "
		    "infinity is not supported; send Depth: 0 or 1");
		return;
	}
	if (read_request(&pf, &doc) == -1)
		goto out;
	if ((e = dav_ms_begin(&pf.ms, ctx->minimal)) != BUF_OK) {
		dav_ms_send(ctx, &pf.ms, e);
		goto out;
	}
	if (walk(&pf) == -1 && pf.failed)
		goto out;
	e = pf.e;
	if (e == BUF_OK)
		e = dav_ms_end(&pf.ms);
	dav_ms_send(ctx, &pf.ms, e);
out:
	dav_ms_free(&pf.ms);
	json_object_put(pf.profile);
	json_object_put(pf.dead);
	free(pf.timezone);
	xmlFreeDoc(doc);
}
