/* list.c — the window listing: one query for the user's events that may
 * touch the window, recurring ones expanded here, every occurrence its own
 * item, ordered by (start, id) and resumed strictly after an opaque cursor
 * so that concurrent inserts never make a page skip or repeat an item. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/buf.h"
#include "core/jsonout.h"
#include "core/log.h"
#include "db/array.h"
#include "events/event.h"
#include "events/occache.h"
#include "events/rfc3339.h"
#include "events/store_sql.h"

#define LIST_MAX_SERIES		1000	/* recurring events per request */
#define LIST_STR(x)		LIST_STR_(x)
#define LIST_STR_(x)		#x
#define LIST_MAX_ITEMS		200000	/* candidates before sorting */
#define CURSOR_MAX		128
#define LIST_MEMO_YEARS		3	/* longer reaches expand directly */
#define LIST_MEMO_KEY		4096	/* longer keys (many dates) expand directly */
/* The answer's text: EVENT_LIMIT_MAX items of the longest text fields,
 * every byte escaped, stay well below. */
#define LIST_JSON_MAX		(64UL * 1024 * 1024)

/* Single events no longer than LIST_SHORT_SPAN are found by their start
 * (at most that much before the window); the others, recurring or long, by
 * the end of their series. sql/006_list_bounds.sql indexes both halves with
 * the same predicate, so the planner can match it.
 *
 * A single event overlaps the window when it starts before $3 and ends
 * after $2: its ends_at, not series_end, which is only the indexes' upper
 * bound (a day late for all-day events, whose stored end is the local
 * midnight of the exclusive end date in the event's zone). The test is in
 * the short half's WHERE, ahead of its LIMIT, so that ended events never
 * take a page's place. Occurrences of series are tested in C
 * (collect_occurrence). */
#define LIST_SHORT_SPAN	"interval '14 days'"

#define LIST_SQL(filter) \
	"(SELECT " EVENT_COLUMNS " FROM events e" \
	" WHERE e.user_id = $1::uuid AND e.starts_at < $3::timestamptz" \
	"  AND e.starts_at >= $2::timestamptz - " LIST_SHORT_SPAN \
	"  AND e.series_end > $2::timestamptz AND e.recurrence = '{}'" \
	"  AND e.ends_at > $2::timestamptz" \
	"  AND e.ends_at - e.starts_at <= " LIST_SHORT_SPAN \
	"  AND (e.starts_at, e.id) > ($4::timestamptz, $5::uuid)" filter \
	" ORDER BY e.starts_at, e.id LIMIT $6::int)" \
	" UNION ALL" \
	" (SELECT " EVENT_COLUMNS " FROM events e" \
	" WHERE e.user_id = $1::uuid AND e.starts_at < $3::timestamptz" \
	"  AND e.series_end > $2::timestamptz" \
	"  AND (e.recurrence <> '{}' OR e.ends_at - e.starts_at > " \
	LIST_SHORT_SPAN ")" \
	"  AND (e.recurrence <> '{}' OR e.ends_at > $2::timestamptz)" \
	"  AND e.series_end > $4::timestamptz" filter \
	" LIMIT " LIST_STR(LIST_MAX_SERIES) ")"

static const struct db_stmt st_list = {
	"ev_list", LIST_SQL(""), 6, 1
};

/* The same, for some calendars only: a statement of its own, so that the
 * usual listing keeps its plan (no "$7 IS NULL OR" in it). */
static const struct db_stmt st_list_cal = {
	"ev_list_cal", LIST_SQL(" AND e.calendar_id = ANY($7::uuid[])"), 7, 1
};

/* Whether every calendar named is the user's (a filter naming another
 * user's calendar is refused, as that calendar is everywhere else). */
static const struct db_stmt st_calendars_owned = {
	"ev_calendars_owned",
	"SELECT (SELECT count(*) FROM calendars"
	"  WHERE user_id = $1::uuid AND id = ANY($2::uuid[]))"
	" = (SELECT count(DISTINCT x) FROM unnest($2::uuid[]) AS t(x))",
	2, 1
};

static const struct db_stmt st_all = {
	"ev_all",
	"SELECT " EVENT_COLUMNS ", e.ical FROM events e"
	" WHERE e.user_id = $1::uuid ORDER BY e.starts_at, e.id",
	1, 1
};

/* The cursor is "1:<occurrence start>:<event id>:<index>" in base64url:
 * opaque to clients, checked field by field here. */
static int
cursor_encode(time_t start, const char *id, int index, char *out,
    size_t outlen)
{
	char	 raw[96];
	int	 n;

	n = snprintf(raw, sizeof(raw), "1:%lld:%s:%d", (long long)start, id,
	    index);
	if (n < 0 || (size_t)n >= sizeof(raw))
		return -1;
	return b64url_encode(raw, (size_t)n, out, outlen) < 0 ? -1 : 0;
}

int
event_cursor_decode(const char *s, struct event_query *q)
{
	unsigned char	 raw[CURSOR_MAX];
	char		*p, *e, *id;
	long		 len;
	long long	 t;
	long		 idx;

	/* Strict base64url: a cursor has one spelling; a NUL inside the
	 * decoded text is refused. */
	if (s == NULL || strlen(s) == 0 || strlen(s) > CURSOR_MAX - 16 ||
	    (len = b64url_decode(s, strlen(s), raw, sizeof(raw) - 1)) < 0)
		return -1;
	raw[len] = '\0';
	if (strlen((char *)raw) != (size_t)len)
		return -1;
	p = (char *)raw;
	if (strncmp(p, "1:", 2) != 0)
		return -1;
	p += 2;
	if (*p == '\0' || (*p != '-' && (*p < '0' || *p > '9')))
		return -1;
	t = strtoll(p, &e, 10);
	if (e == p || *e != ':' || t < -5000000000LL || t > 8000000000LL)
		return -1;
	id = e + 1;
	if ((e = strchr(id, ':')) == NULL)
		return -1;
	*e++ = '\0';
	if (!event_id_ok(id) || *e < '0' || *e > '9')
		return -1;
	idx = strtol(e, &p, 10);
	if (*p != '\0' || idx < 0 || idx > 1000000)
		return -1;
	q->has_cursor = 1;
	q->cursor_start = (time_t)t;
	snprintf(q->cursor_id, sizeof(q->cursor_id), "%s", id);
	return 0;
}

struct item {
	time_t		 start;
	const char	*id;		/* the event's, for ordering */
	size_t		 ev;		/* index into the loaded events */
	int		 index;		/* occurrence number within the page's event */
};

struct collect {
	const struct event_query	*q;
	const struct event		*ev;
	icaltimezone			*z;
	size_t				 evi;
	struct item			*items;
	size_t				 n, alloc;
	int				 taken, limit, nomem;
};

/* UUID text compares like the uuid type: byte order of the hex digits. */
static int
key_cmp(time_t a, const char *aid, time_t b, const char *bid)
{
	if (a != b)
		return a < b ? -1 : 1;
	return strcasecmp(aid, bid);
}

/* Doubles the array whose pointer is at pp (elem-byte members, *alloc of
 * them) when its n members fill it; -1, unchanged, when memory is short.
 * The pointer is copied, not cast, so no aliasing rule is bent. */
static int
grow(void *pp, size_t n, size_t *alloc, size_t elem)
{
	void	*v, *nv;
	size_t	 na;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 32;
	memcpy(&v, pp, sizeof(v));
	if ((nv = reallocarray(v, na, elem)) == NULL)
		return -1;
	memcpy(pp, &nv, sizeof(nv));
	*alloc = na;
	return 0;
}

static int
add_item(struct collect *c, time_t start)
{
	if (c->n >= LIST_MAX_ITEMS)
		return 1;
	if (grow(&c->items, c->n, &c->alloc, sizeof(*c->items)) == -1) {
		c->nomem = 1;
		return 1;
	}
	c->items[c->n].start = start;
	c->items[c->n].id = c->ev->id;
	c->items[c->n].ev = c->evi;
	c->items[c->n].index = c->taken;
	c->n++;
	return 0;
}

static int
collect_occurrence(time_t start, void *arg)
{
	struct collect *c = arg;

	/* Overlap, not just start: the expansion began a duration early. */
	if (event_occurrence_end(c->ev, c->z, start) <= c->q->from)
		return 0;
	if (c->q->has_cursor && key_cmp(start, c->ev->id, c->q->cursor_start,
	    c->q->cursor_id) <= 0)
		return 0;
	if (add_item(c, start))
		return 1;
	return ++c->taken >= c->limit;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return key_cmp(x->start, x->id, y->start, y->id);
}

/* Parses the stored recurrence of ev; -1 (logged) when it does not. */
static int
parse_series(const struct event *ev, icaltimezone *z, struct recur *rec)
{
	struct recur_error rerr;

	if (recur_parse(rec, (const char *const *)ev->recurrence,
	    ev->nrecurrence, ev->start, ev->all_day, z, 0, &rerr) ==
	    RECUR_OK)
		return 0;
	log_msg(LOG_WARN, "list", "event %s: stored recurrence does not "
	    "parse: %s", ev->id, rerr.msg);
	return -1;
}

/* Occurrence starts gathered from an expansion. */
struct starts {
	time_t	*v;
	size_t	 n, alloc;
	int	 nomem;
};

static int
starts_add(time_t t, void *arg)
{
	struct starts *s = arg;

	if (grow(&s->v, s->n, &s->alloc, sizeof(*s->v)) == -1) {
		s->nomem = 1;
		return 1;
	}
	s->v[s->n++] = t;
	return 0;
}

static int
utc_year(time_t t)
{
	int64_t	 d = (int64_t)t / 86400;
	int	 y, m, dd;

	if ((int64_t)t % 86400 < 0)
		d--;
	rfc3339_civil_from_days(d, &y, &m, &dd);
	return y;
}

/* The memo key of one series: every input of its expansion, lines
 * length-prefixed so that no two sets read alike, after a fixed-width year
 * that memo_year() rewrites for each year. Its length, or -1 when it does
 * not fit in len bytes. */
static int
memo_key(char *k, size_t len, const struct event *ev)
{
	size_t	 i, o;
	int	 n;

	n = snprintf(k, len, "+00000|%lld|%d|%s", (long long)ev->start,
	    ev->all_day, ev->time_zone);
	if (n < 0 || (size_t)n >= len)
		return -1;
	for (i = 0, o = (size_t)n; i < ev->nrecurrence; i++, o += (size_t)n) {
		n = snprintf(k + o, len - o, "|%zu:%s",
		    strlen(ev->recurrence[i]), ev->recurrence[i]);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
	}
	return (int)o;
}

static void
memo_year(char *k, int year)
{
	char y[8];

	snprintf(y, sizeof(y), "%+06d", year);
	memcpy(k, y, 6);
}

/* With the worker's memo each UTC year of a series is expanded once
 * (libical builds ICU calendars for every iterator and steps them, most of
 * a listing's CPU in bench/events.sh) and answered from memory after;
 * without it, or when the window reaches over many years, the window
 * itself is expanded. */
int
event_series_starts(struct occache *oc, const struct event *ev,
    icaltimezone *z, time_t from, time_t to, recur_fn fn, void *arg)
{
	struct recur		 rec;
	struct starts		 year, win;
	char			 key[LIST_MEMO_KEY];
	const time_t		*got;
	time_t			 ys, ye;
	size_t			 n, i;
	int			 y, y0, y1, klen, parsed = 0, rc = 0;

	memset(&year, 0, sizeof(year));
	memset(&win, 0, sizeof(win));
	if (from >= to)
		goto out;
	y0 = utc_year(from);
	y1 = utc_year(to - 1);
	if (oc == NULL || y1 - y0 >= LIST_MEMO_YEARS ||
	    (klen = memo_key(key, sizeof(key), ev)) == -1)
		goto direct;
	for (y = y0; y <= y1; y++) {
		ys = (time_t)rfc3339_days_from_civil(y, 1, 1) * 86400;
		ye = (time_t)rfc3339_days_from_civil(y + 1, 1, 1) * 86400;
		memo_year(key, y);
		if ((got = occache_get(oc, key, (size_t)klen, &n)) == NULL) {
			if (!parsed && parse_series(ev, z, &rec) == -1) {
				rc = -3;
				goto out;
			}
			parsed = 1;
			year.n = 0;
			if (recur_expand(&rec, ev->start, ev->all_day, z, ys,
			    ye, starts_add, &year) == -1)
				goto direct;	/* nothing fed yet */
			if (year.nomem)
				goto nomem;
			(void)occache_put(oc, key, (size_t)klen, year.v,
			    year.n);
			got = year.v;
			n = year.n;
		}
		/* A window inside one year (a month view) is fed straight
		 * from the memo; across years, a later put may evict an
		 * earlier year, so the window is copied first. */
		if (y0 == y1) {
			for (i = 0; i < n; i++)
				if (got[i] >= from && got[i] < to &&
				    fn(got[i], arg) != 0)
					break;
			goto out;
		}
		for (i = 0; i < n; i++)
			if (got[i] >= from && got[i] < to &&
			    starts_add(got[i], &win) != 0)
				goto nomem;
	}
	for (i = 0; i < win.n; i++)
		if (fn(win.v[i], arg) != 0)
			break;
	goto out;
direct:
	if (!parsed && parse_series(ev, z, &rec) == -1) {
		rc = -3;
		goto out;
	}
	parsed = 1;
	if (recur_expand(&rec, ev->start, ev->all_day, z, from, to, fn,
	    arg) == -1)
		rc = -1;
	goto out;
nomem:
	rc = -2;
out:
	if (parsed)
		recur_free(&rec);
	free(year.v);
	free(win.v);
	return rc;
}

enum event_rc
event_list(struct event_ctx *ctx, const struct event_query *q,
    struct buf *out)
{
	struct collect	 c;
	struct event	*evs = NULL;
	PGresult	*res = NULL;
	const char	*p[7], *op[2] = { ctx->user_id, NULL };
	struct buf	 cals;
	char		 from[RFC3339_MAX], to[RFC3339_MAX], cs[RFC3339_MAX];
	char		 lim[16], cursor[CURSOR_MAX];
	enum event_rc	 rc = EVENT_NOMEM;
	enum db_rc	 drc;
	int		 i, n = 0, more, r;
	size_t		 k, shown;

	buf_init(out, LIST_JSON_MAX);
	memset(&c, 0, sizeof(c));
	buf_init(&cals, 64 * 1024);
	if (rfc3339_format(q->from, 0, from, sizeof(from)) == -1 ||
	    rfc3339_format(q->to, 0, to, sizeof(to)) == -1)
		return EVENT_INVALID;
	if (q->has_cursor) {
		if (rfc3339_format(q->cursor_start, 0, cs, sizeof(cs)) == -1)
			return EVENT_INVALID;
	} else
		snprintf(cs, sizeof(cs), "-infinity");
	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	p[0] = ctx->user_id;
	p[1] = from;
	p[2] = to;
	p[3] = cs;
	p[4] = q->has_cursor ? q->cursor_id :
	    "00000000-0000-0000-0000-000000000000";
	p[5] = lim;
	if (q->ncalendars > 0) {
		if (db_array_open(&cals) == -1)
			goto out;
		for (k = 0; k < q->ncalendars; k++)
			if (db_array_text(&cals, q->calendars[k]) == -1)
				goto out;
		if (db_array_close(&cals) == -1)
			goto out;
		p[6] = op[1] = cals.data;
		if ((drc = db_exec(ctx->db, &st_calendars_owned, op, &res)) !=
		    DB_OK) {
			ctx->dbrc = drc;
			rc = EVENT_DB;
			goto out;
		}
		r = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
		res = NULL;
		if (!r) {
			snprintf(ctx->err.field, sizeof(ctx->err.field),
			    "calendar_id");
			snprintf(ctx->err.msg, sizeof(ctx->err.msg), "no such "
			    "calendar");
			rc = EVENT_INVALID;
			goto out;
		}
	}
	if ((drc = db_exec(ctx->db, q->ncalendars > 0 ? &st_list_cal :
	    &st_list, p, &res)) != DB_OK) {
		ctx->dbrc = drc;
		rc = EVENT_DB;
		goto out;
	}
	n = PQntuples(res);
	if ((evs = calloc(n ? (size_t)n : 1, sizeof(*evs))) == NULL)
		goto out;
	c.q = q;
	c.limit = q->limit + 1;
	for (i = 0; i < n; i++) {
		if ((rc = event_from_row(&evs[i], res, i)) != EVENT_OK)
			goto out;
		c.evi = (size_t)i;
		c.ev = &evs[i];
		c.taken = 0;
		if (evs[i].nrecurrence == 0) {
			/* Long ones come from the unordered half: the cursor
			 * is applied here for them. */
			if (q->has_cursor && key_cmp(evs[i].start, evs[i].id,
			    q->cursor_start, q->cursor_id) <= 0)
				continue;
			if (add_item(&c, evs[i].start) && c.nomem)
				goto nomem;
			continue;
		}
		if ((c.z = zone_find(evs[i].time_zone)) == NULL)
			c.z = icaltimezone_get_utc_timezone();
		/* Occurrences starting up to one duration (plus an hour of
		 * DST for all-day ones) before the window still overlap. */
		r = event_series_starts(ctx->occ, &evs[i], c.z, q->from -
		    (evs[i].end - evs[i].start) - (evs[i].all_day ? 3600 : 0),
		    q->to, collect_occurrence, &c);
		if (r == -2 || c.nomem)
			goto nomem;
		if (r == -1)
			log_msg(LOG_WARN, "list", "event %s: expansion capped",
			    evs[i].id);
	}
	PQclear(res);
	res = NULL;
	if (c.n > 1)
		qsort(c.items, c.n, sizeof(*c.items), item_cmp);

	more = c.n > (size_t)q->limit;
	shown = more ? (size_t)q->limit : c.n;
	/* Written as text: building a json-c object per item and printing
	 * it was a quarter of a worker's time per listing. */
	if (buf_add(out, "{\"items\":[", 10) != BUF_OK)
		goto nomem;
	for (k = 0; k < shown; k++)
		if ((k > 0 && buf_add(out, ",", 1) != BUF_OK) ||
		    event_json_write(out, &evs[c.items[k].ev],
		    c.items[k].start, 1) == -1)
			goto nomem;
	if (buf_add(out, "],\"next_cursor\":", 16) != BUF_OK)
		goto nomem;
	if (more) {
		const struct item *last = &c.items[shown - 1];

		if (cursor_encode(last->start, evs[last->ev].id, last->index,
		    cursor, sizeof(cursor)) == -1 ||
		    jsonout_quote(out, cursor) == -1)
			goto nomem;
	} else if (buf_add(out, "null", 4) != BUF_OK)
		goto nomem;
	if (buf_add(out, "}", 1) != BUF_OK)
		goto nomem;
	rc = EVENT_OK;
	goto out;
nomem:
	rc = EVENT_NOMEM;
out:
	PQclear(res);
	if (rc != EVENT_OK)
		buf_reset(out);
	for (i = 0; evs != NULL && i < n; i++)
		event_clear(&evs[i]);
	free(evs);
	free(c.items);
	buf_free(&cals);
	return rc;
}

enum event_rc
event_each(struct event_ctx *ctx,
    int (*fn)(const struct event *, const char *, void *), void *arg)
{
	const char	*p[1] = { ctx->user_id };
	PGresult	*res;
	struct event	 ev;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_OK;
	int		 i, n;

	if ((drc = db_exec(ctx->db, &st_all, p, &res)) != DB_OK) {
		ctx->dbrc = drc;
		return EVENT_DB;
	}
	n = PQntuples(res);
	for (i = 0; i < n && rc == EVENT_OK; i++) {
		if ((rc = event_from_row(&ev, res, i)) != EVENT_OK)
			break;
		if (fn(&ev, PQgetisnull(res, i, EC__MAX) ? NULL :
		    PQgetvalue(res, i, EC__MAX), arg) != 0)
			rc = EVENT_NOMEM;
		event_clear(&ev);
	}
	PQclear(res);
	return rc;
}
