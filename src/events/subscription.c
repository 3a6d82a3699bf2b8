/* subscription.c — the account's subscriptions to outside feeds (see
 * subscription.h): the feed address check (libcurl's URL parser, the one
 * the fetcher's transfers use, so both read an address alike), JSON in
 * and out, and the SQL of the account's side of the table subscriptions.
 * Its calendar is made, renamed and deleted through calendar.h. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/jsonout.h"
#include "events/subscription.h"

#define SUB_TIME(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define SUB_COLUMNS \
	"s.id, s.calendar_id, s.url, c.name, c.color, s.refresh_minutes," \
	" s.reminders, s.status, coalesce(s.last_error, '')," \
	" coalesce(" SUB_TIME("s.last_fetched_at") ", '')," \
	" coalesce(" SUB_TIME("s.last_success_at") ", '')," \
	" " SUB_TIME("s.next_fetch_at") "," \
	" " SUB_TIME("s.created_at") "," \
	" " SUB_TIME("s.updated_at")

/* The columns of the row s (a table or a CTE's RETURNING *) with its
 * calendar's name and colour. */
#define SUB_FROM(s) \
	" FROM " s " JOIN calendars c ON c.id = s.calendar_id"

enum {
	SC_ID, SC_CAL, SC_URL, SC_NAME, SC_COLOR, SC_REFRESH, SC_REMINDERS,
	SC_STATUS, SC_ERROR, SC_FETCHED, SC_SUCCESS, SC_NEXT, SC_CREATED,
	SC_UPDATED
};

/* At most subscription_max_per_user per account, and CALENDAR_MAX
 * calendars in all: the listing is bounded by the latter. */
static const struct db_stmt st_list = {
	"sub_list",
	"SELECT " SUB_COLUMNS SUB_FROM("subscriptions s")
	" WHERE s.user_id = $1::uuid"
	" ORDER BY s.created_at, s.id",
	1, 1
};

static const struct db_stmt st_get = {
	"sub_get",
	"SELECT " SUB_COLUMNS SUB_FROM("subscriptions s")
	" WHERE s.id = $1::uuid AND s.user_id = $2::uuid",
	2, 1
};

/* The account's oldest subscription to the address $2, other than $3.
 * Read under calendar_lock_account_tx (lock_and_find), so that two
 * creates or address changes cannot both find an address free; the
 * create's count of subscriptions holds by the same lock. */
static const struct db_stmt st_taken = {
	"sub_taken",
	"SELECT s.id, c.name" SUB_FROM("subscriptions s")
	" WHERE s.user_id = $1::uuid AND s.url = $2"
	"  AND s.id IS DISTINCT FROM $3::uuid"
	" ORDER BY s.created_at, s.id LIMIT 1",
	3, 0
};

/* Runs after calendar_lock_account_tx and calendar_create_tx, whose lock
 * on the account's default calendar makes the count hold under
 * concurrent creates. */
static const struct db_stmt st_insert = {
	"sub_insert",
	"WITH s AS ("
	" INSERT INTO subscriptions (user_id, calendar_id, url,"
	"  refresh_minutes, reminders)"
	" SELECT $1::uuid, $2::uuid, $3, $4::int, $5::boolean"
	" WHERE (SELECT count(*) FROM subscriptions WHERE user_id = $1::uuid)"
	"  < $6::int"
	" RETURNING id"
	")"
	" SELECT s.id, pg_notify('" SUBSCRIPTION_CHANNEL "', s.id::text)"
	" FROM s",
	6, 0
};

/* Whole seconds since a time, NULL when never. */
#define SUB_AGO(col) "floor(extract(epoch FROM now() - " col "))::bigint"

/* The row, locked: a change and a refresh of one subscription take their
 * turns, and each decides on what the one before it left. */
static const struct db_stmt st_lock = {
	"sub_lock",
	"SELECT url, calendar_id, next_fetch_at <= now(),"
	" " SUB_AGO("last_fetched_at") ", " SUB_AGO("refresh_requested_at")
	" FROM subscriptions"
	" WHERE id = $1::uuid AND user_id = $2::uuid FOR UPDATE",
	2, 0
};
enum { LK_URL, LK_CAL, LK_DUE, LK_FETCHED, LK_REQUESTED };

/* A new address ($6) starts over: no validators, no failures, due in $7
 * seconds (0: now, which counts as a refresh). */
static const struct db_stmt st_update = {
	"sub_update",
	"UPDATE subscriptions SET url = $3, refresh_minutes = $4::int,"
	" reminders = $5::boolean,"
	" etag = CASE WHEN $6::boolean THEN NULL ELSE etag END,"
	" last_modified = CASE WHEN $6::boolean THEN NULL"
	"  ELSE last_modified END,"
	" failures = CASE WHEN $6::boolean THEN 0 ELSE failures END,"
	" feed_ttl_minutes = CASE WHEN $6::boolean THEN NULL"
	"  ELSE feed_ttl_minutes END,"
	" status = CASE WHEN $6::boolean THEN 'pending' ELSE status END,"
	" last_error = CASE WHEN $6::boolean THEN NULL ELSE last_error END,"
	" next_fetch_at = CASE WHEN $6::boolean"
	"  THEN now() + make_interval(secs => $7::int) ELSE next_fetch_at END,"
	" refresh_requested_at = CASE WHEN $6::boolean AND $7::int = 0"
	"  THEN now() ELSE refresh_requested_at END,"
	" updated_at = now()"
	" WHERE id = $1::uuid AND user_id = $2::uuid",
	7, 0
};

static const struct db_stmt st_notify = {
	"sub_notify",
	"SELECT pg_notify('" SUBSCRIPTION_CHANNEL "', $1)",
	1, 0
};

/* The row as this statement left it: a fetcher woken by the NOTIFY may
 * change it at once after the commit. */
static const struct db_stmt st_refresh = {
	"sub_refresh",
	"WITH s AS ("
	" UPDATE subscriptions SET next_fetch_at = now(),"
	"  refresh_requested_at = now()"
	" WHERE id = $1::uuid AND user_id = $2::uuid RETURNING *"
	")"
	" SELECT " SUB_COLUMNS ","
	"  pg_notify('" SUBSCRIPTION_CHANNEL "', s.id::text)" SUB_FROM("s"),
	2, 0
};

static enum event_rc
dberr(struct event_ctx *c, enum db_rc rc)
{
	c->dbrc = rc;
	if (rc == DB_INVALID)
		return event_invalid(&c->err, "",
		    "the database refused a value of this subscription");
	return EVENT_DB;
}

/* Ends the transaction the caller began: commits when rc is EVENT_OK (a
 * failed commit becomes the result), else rolls back. Returns the result. */
static enum event_rc
end_tx(struct event_ctx *c, enum event_rc rc)
{
	enum db_rc	 drc;

	if (rc == EVENT_OK && (drc = db_commit(c->db)) != DB_OK)
		rc = dberr(c, drc);
	if (rc != EVENT_OK)
		db_rollback(c->db);
	return rc;
}

/* --- the address --- */

static enum event_rc
bad_url(struct event_error *err, const char *why)
{
	return event_invalid(err, "url", "url %s", why);
}

static enum event_rc
too_long(struct event_error *err)
{
	return event_invalid(err, "url", "url is longer than %d bytes",
	    SUBSCRIPTION_URL_MAX);
}

/* "scheme://" at the start of s, case-insensitively. */
static int
has_scheme(const char *s, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(s, scheme, n) == 0 && strncmp(s + n, "://", 3) == 0;
}

/* A part of the parsed address that must be absent. */
static int
has_part(CURLU *u, CURLUPart part)
{
	char		*v = NULL;
	CURLUcode	 uc;

	uc = curl_url_get(u, part, &v, 0);
	curl_free(v);
	return uc == CURLUE_OK;
}

enum event_rc
subscription_url_check(const char *in, char *out, size_t outlen,
    struct event_error *err)
{
	CURLU		*u = NULL;
	char		*whole = NULL, *host = NULL, *scheme = NULL;
	char		 buf[SUBSCRIPTION_URL_MAX + 16];
	const char	*rest = NULL;
	enum event_rc	 rc;
	size_t		 i, len;

	memset(err, 0, sizeof(*err));
	if ((len = strlen(in)) > SUBSCRIPTION_URL_MAX)
		return too_long(err);
	/* Pasted links often carry spaces around them. */
	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	while (len > 0 && (*in == ' ' || *in == '\t')) {
		in++;
		len--;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] <= 0x20 ||
		    (unsigned char)in[i] >= 0x7f)
			return bad_url(err, "holds a space, a control or a "
			    "non-ASCII character (percent-encode it, and write "
			    "an international host name in its xn-- form)");
	if (has_scheme(in, "webcal") || has_scheme(in, "webcals"))
		rest = in + (in[6] == ':' ? 6 : 7);
	else if (has_scheme(in, "https") || has_scheme(in, "http"))
		rest = NULL;
	else
		return bad_url(err, "must start with https://, http:// or "
		    "webcal://");
	if (rest != NULL)
		snprintf(buf, sizeof(buf), "https%.*s", (int)(len -
		    (size_t)(rest - in)), rest);
	else
		snprintf(buf, sizeof(buf), "%.*s", (int)len, in);
	/* libcurl reads "https:///x" as host x: an address names its host
	 * right after the "//". */
	rest = strstr(buf, "://") + 3;
	if (*rest == '\0' || strchr("/?#", *rest) != NULL)
		return bad_url(err, "names no host");
	if ((u = curl_url()) == NULL)
		return EVENT_NOMEM;
	rc = EVENT_INVALID;
	if (curl_url_set(u, CURLUPART_URL, buf, 0) != CURLUE_OK) {
		(void)bad_url(err, "is not a valid web address");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		(void)bad_url(err, "must start with https://, http:// or "
		    "webcal://");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		(void)bad_url(err, "names no host");
		goto out;
	}
	if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	    has_part(u, CURLUPART_OPTIONS)) {
		(void)bad_url(err, "must not hold a user name or password "
		    "(ask the publisher for a link without one)");
		goto out;
	}
	/* One spelling per address (RFC 3986 6.2.2.1, 6.2.3): the host in
	 * lower case and no default port, so an account follows
	 * https://Example.ORG:443/x and https://example.org/x once. The
	 * fragment is never sent to the server. */
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	if (curl_url_set(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &whole, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK) {
		rc = EVENT_NOMEM;
		goto out;
	}
	if (strlen(whole) > SUBSCRIPTION_URL_MAX || strlen(whole) >= outlen) {
		(void)too_long(err);
		goto out;
	}
	memcpy(out, whole, strlen(whole) + 1);
	rc = EVENT_OK;
out:
	curl_free(whole);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/* The host of a checked address, as a new subscription's name. */
static void
name_from_url(const char *url, char *out, size_t outlen)
{
	CURLU	*u;
	char	*host = NULL;

	snprintf(out, outlen, "%s", "Subscription");
	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    host[0] != '\0')
		snprintf(out, outlen, "%.*s", CALENDAR_NAME_MAX, host);
	curl_free(host);
	curl_url_cleanup(u);
}

/* --- JSON --- */

static const char *const sub_members[] = {
	"url", "name", "color", "refresh_minutes", "reminders", NULL
};
enum { SM_URL, SM_NAME, SM_COLOR, SM_REFRESH, SM_REMINDERS, SM__MAX };

static const char *const sub_readonly[] = {
	"id", "calendar_id", "status", "last_error", "last_fetched_at",
	"last_success_at", "next_fetch_at", "created_at", "updated_at",
	"user_id", "owner", "etag", "last_modified", "failures", "read_only",
	NULL
};

/* name and colour by the calendar's own rules (calendar_from_json). */
static enum event_rc
calendar_members(struct subscription *s, json_object *name,
    json_object *color, struct event_error *err)
{
	struct calendar	*cal;
	json_object	*o;
	enum event_rc	 rc = EVENT_NOMEM;

	if ((cal = calloc(1, sizeof(*cal))) == NULL)
		return EVENT_NOMEM;
	if ((o = json_object_new_object()) == NULL)
		goto out;
	if ((name != NULL && jsonout_add(o, "name", json_object_get(name)) ==
	    -1) || (color != NULL && jsonout_add(o, "color",
	    json_object_get(color)) == -1))
		goto out;
	memcpy(cal->name, s->name, sizeof(cal->name));
	memcpy(cal->color, s->color, sizeof(cal->color));
	if ((rc = calendar_from_json(cal, o, 1, err)) != EVENT_OK)
		goto out;
	memcpy(s->name, cal->name, sizeof(s->name));
	memcpy(s->color, cal->color, sizeof(s->color));
out:
	json_object_put(o);
	free(cal);
	return rc;
}

enum event_rc
subscription_from_json(struct subscription *s, json_object *body, int patch,
    unsigned *set, struct event_error *err)
{
	json_object	*m[SM__MAX] = { NULL };
	int		 has[SM__MAX] = { 0 };
	const char	*text;
	size_t		 len;
	int64_t		 v;
	enum event_rc	 rc;

	*set = 0;
	memset(err, 0, sizeof(*err));
	if (body == NULL || !json_object_is_type(body, json_type_object))
		return event_invalid(err, "", "the body must be a JSON object");
	if ((rc = event_json_members(body, sub_members, sub_readonly, m, has,
	    err)) != EVENT_OK)
		return rc;
	if (!patch) {
		if (!has[SM_URL])
			return event_invalid(err, "url", "url is required");
		memset(s, 0, sizeof(*s));
		memcpy(s->color, CALENDAR_COLOR_DEFAULT,
		    sizeof(CALENDAR_COLOR_DEFAULT));
		s->refresh_minutes = SUBSCRIPTION_REFRESH_DEFAULT;
	}
	if (has[SM_URL]) {
		if ((rc = event_text_member(m[SM_URL], "url", 1,
		    SUBSCRIPTION_URL_MAX, 0, 0, &text, &len, err)) !=
		    EVENT_OK)
			return rc;
		if ((rc = subscription_url_check(text, s->url,
		    sizeof(s->url), err)) != EVENT_OK)
			return rc;
		*set |= SUBSCRIPTION_SET_URL;
	}
	/* null: the default (a name from the host, the default colour). */
	if (has[SM_NAME] && m[SM_NAME] == NULL)
		has[SM_NAME] = 0;
	if (has[SM_COLOR] && m[SM_COLOR] == NULL) {
		memcpy(s->color, CALENDAR_COLOR_DEFAULT,
		    sizeof(CALENDAR_COLOR_DEFAULT));
		*set |= SUBSCRIPTION_SET_COLOR;
		has[SM_COLOR] = 0;
	}
	if ((has[SM_NAME] || has[SM_COLOR]) &&
	    (rc = calendar_members(s, has[SM_NAME] ? m[SM_NAME] : NULL,
	    has[SM_COLOR] ? m[SM_COLOR] : NULL, err)) != EVENT_OK)
		return rc;
	if (has[SM_NAME])
		*set |= SUBSCRIPTION_SET_NAME;
	if (has[SM_COLOR])
		*set |= SUBSCRIPTION_SET_COLOR;
	if (!patch && !has[SM_NAME])
		name_from_url(s->url, s->name, sizeof(s->name));
	if (has[SM_REFRESH]) {
		if (m[SM_REFRESH] == NULL ||
		    !json_object_is_type(m[SM_REFRESH], json_type_int))
			return event_invalid(err, "refresh_minutes",
			    "refresh_minutes must be a whole number of "
			    "minutes");
		v = json_object_get_int64(m[SM_REFRESH]);
		if (v < SUBSCRIPTION_REFRESH_MIN ||
		    v > SUBSCRIPTION_REFRESH_MAX)
			return event_invalid(err, "refresh_minutes",
			    "refresh_minutes must be from %d to %d (a week)",
			    SUBSCRIPTION_REFRESH_MIN, SUBSCRIPTION_REFRESH_MAX);
		s->refresh_minutes = (int)v;
		*set |= SUBSCRIPTION_SET_REFRESH;
	}
	if (has[SM_REMINDERS]) {
		if (m[SM_REMINDERS] == NULL ||
		    !json_object_is_type(m[SM_REMINDERS], json_type_boolean))
			return event_invalid(err, "reminders",
			    "reminders must be true or false");
		s->reminders = json_object_get_boolean(m[SM_REMINDERS]);
		*set |= SUBSCRIPTION_SET_REMINDERS;
	}
	return EVENT_OK;
}

static int
time_member(json_object *o, const char *key, const char *t)
{
	return t[0] != '\0' ? jsonout_string(o, key, t) :
	    jsonout_null(o, key);
}

json_object *
subscription_to_json(const struct subscription *s)
{
	json_object	*o;
	int		 bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	bad |= jsonout_string(o, "id", s->id);
	bad |= jsonout_string(o, "calendar_id", s->calendar_id);
	bad |= jsonout_string(o, "url", s->url);
	bad |= jsonout_string(o, "name", s->name);
	bad |= jsonout_string(o, "color", s->color);
	bad |= jsonout_int(o, "refresh_minutes", s->refresh_minutes);
	bad |= jsonout_bool(o, "reminders", s->reminders);
	bad |= jsonout_string(o, "status", s->status);
	bad |= time_member(o, "last_fetched_at", s->last_fetched_at);
	bad |= time_member(o, "last_success_at", s->last_success_at);
	bad |= time_member(o, "last_error", s->last_error);
	bad |= time_member(o, "next_fetch_at", s->next_fetch_at);
	bad |= jsonout_string(o, "created_at", s->created_at);
	bad |= jsonout_string(o, "updated_at", s->updated_at);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* --- storage --- */

static void
copy_col(char *out, size_t outlen, const PGresult *res, int row, int col)
{
	snprintf(out, outlen, "%s", PQgetvalue(res, row, col));
}

static void
from_row(struct subscription *s, const PGresult *res, int row)
{
	memset(s, 0, sizeof(*s));
	copy_col(s->id, sizeof(s->id), res, row, SC_ID);
	copy_col(s->calendar_id, sizeof(s->calendar_id), res, row, SC_CAL);
	copy_col(s->url, sizeof(s->url), res, row, SC_URL);
	copy_col(s->name, sizeof(s->name), res, row, SC_NAME);
	copy_col(s->color, sizeof(s->color), res, row, SC_COLOR);
	s->refresh_minutes = (int)strtol(PQgetvalue(res, row, SC_REFRESH),
	    NULL, 10);
	s->reminders = PQgetvalue(res, row, SC_REMINDERS)[0] == 't';
	copy_col(s->status, sizeof(s->status), res, row, SC_STATUS);
	copy_col(s->last_error, sizeof(s->last_error), res, row, SC_ERROR);
	copy_col(s->last_fetched_at, sizeof(s->last_fetched_at), res, row,
	    SC_FETCHED);
	copy_col(s->last_success_at, sizeof(s->last_success_at), res, row,
	    SC_SUCCESS);
	copy_col(s->next_fetch_at, sizeof(s->next_fetch_at), res, row,
	    SC_NEXT);
	copy_col(s->created_at, sizeof(s->created_at), res, row, SC_CREATED);
	copy_col(s->updated_at, sizeof(s->updated_at), res, row, SC_UPDATED);
}

/* Runs st with (id, the user) and reads the one row it may give. */
static enum event_rc
one_row(struct event_ctx *c, const struct db_stmt *st, const char *id,
    struct subscription *out)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_NOT_FOUND;

	memset(out, 0, sizeof(*out));
	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_exec(c->db, st, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) == 1) {
		from_row(out, res, 0);
		rc = EVENT_OK;
	}
	PQclear(res);
	return rc;
}

enum event_rc
subscription_get(struct event_ctx *c, const char *id,
    struct subscription *out)
{
	return one_row(c, &st_get, id, out);
}

/* event_user_rows reads each row through this. */
static void
list_row(void *dst, const PGresult *res, int row)
{
	from_row(dst, res, row);
}

enum event_rc
subscription_list(struct event_ctx *c, struct subscription **out,
    size_t *n)
{
	void		*v;
	enum event_rc	 rc;

	rc = event_user_rows(c, &st_list, sizeof(**out), list_row, &v, n);
	*out = v;
	return rc;
}

/* Takes the account's lock and looks for url among the account's
 * subscriptions other than except (NULL: all): EVENT_OK when none has it,
 * EVENT_CONFLICT with *taken filled when one does. Inside the caller's
 * transaction. */
static enum event_rc
lock_and_find(struct event_ctx *c, const char *url, const char *except,
    struct subscription_taken *taken)
{
	const char	*p[3] = { c->user_id, url, except };
	PGresult	*res = NULL;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_OK;

	memset(taken, 0, sizeof(*taken));
	if ((rc = calendar_lock_account_tx(c)) != EVENT_OK)
		return rc;
	if ((drc = db_exec(c->db, &st_taken, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) == 1) {
		copy_col(taken->id, sizeof(taken->id), res, 0, 0);
		copy_col(taken->name, sizeof(taken->name), res, 0, 1);
		rc = EVENT_CONFLICT;
	}
	PQclear(res);
	return rc;
}

enum event_rc
subscription_create(struct event_ctx *c, struct subscription *s, int max,
    struct subscription_taken *taken)
{
	struct calendar	*cal;
	PGresult	*res = NULL;
	const char	*p[6];
	char		 refresh[16], cap[16], id[37];
	enum event_rc	 rc;
	enum db_rc	 drc;

	if ((cal = calloc(1, sizeof(*cal))) == NULL)
		return EVENT_NOMEM;
	memcpy(cal->name, s->name, sizeof(cal->name));
	memcpy(cal->color, s->color, sizeof(cal->color));
	cal->read_only = 1;
	/* A feed's alarms are stripped; none of an app's either. */
	cal->email_for_app_alarms = 0;
	if ((drc = db_begin(c->db)) != DB_OK) {
		free(cal);
		return dberr(c, drc);
	}
	if ((rc = lock_and_find(c, s->url, NULL, taken)) != EVENT_OK ||
	    (rc = calendar_create_tx(c, cal)) != EVENT_OK)
		goto out;
	snprintf(refresh, sizeof(refresh), "%d", s->refresh_minutes);
	snprintf(cap, sizeof(cap), "%d", max);
	p[0] = c->user_id;
	p[1] = cal->id;
	p[2] = s->url;
	p[3] = refresh;
	p[4] = s->reminders ? "true" : "false";
	p[5] = cap;
	if ((drc = db_exec(c->db, &st_insert, p, &res)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = event_invalid(&c->err, "", "an account may follow at "
		    "most %d calendars; remove one first", max);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	rc = subscription_get(c, id, s);
out:
	PQclear(res);
	free(cal);
	return end_tx(c, rc);
}

/* A column of whole seconds (SUB_AGO); a time in the future (another
 * transaction's now() committed after this one began) counts as 0. */
static long
ago_col(const PGresult *res, int col)
{
	const char	*v = PQgetvalue(res, 0, col);
	char		*end;
	long		 n;

	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || n < 0)
		return 0;
	return n;
}

/* st_lock of p (id, user) into *res (PQclear it in any case). */
static enum event_rc
lock_row(struct event_ctx *c, const char **p, PGresult **res)
{
	enum db_rc	 drc;

	if ((drc = db_exec(c->db, &st_lock, p, res)) != DB_OK)
		return dberr(c, drc);
	return PQntuples(*res) == 1 ? EVENT_OK : EVENT_NOT_FOUND;
}

/* Whether the row st_lock read was fetched, or refreshed at the account's
 * request, less than min_seconds ago: 1 with w's ago, wait and fetched
 * filled (the later of the two counts), else 0. */
static int
too_soon(const PGresult *res, int min_seconds, struct subscription_wait *w)
{
	long	 ago = -1, a;
	int	 col;

	for (col = LK_FETCHED; col <= LK_REQUESTED; col++) {
		if (PQgetisnull(res, 0, col))
			continue;
		a = ago_col(res, col);
		if (ago == -1 || a < ago) {
			ago = a;
			w->fetched = col == LK_FETCHED;
		}
	}
	if (ago == -1 || ago >= min_seconds)
		return 0;
	w->ago = ago;
	w->wait = min_seconds - ago;
	return 1;
}

/* The calendar's name and colour from s, inside the transaction. */
static enum event_rc
rename_calendar(struct event_ctx *c, const char *calendar_id,
    const struct subscription *s, unsigned set)
{
	struct calendar	*cal;
	enum event_rc	 rc;

	if ((cal = calloc(1, sizeof(*cal))) == NULL)
		return EVENT_NOMEM;
	if ((rc = calendar_get(c, calendar_id, cal)) != EVENT_OK)
		goto out;
	if (set & SUBSCRIPTION_SET_NAME)
		memcpy(cal->name, s->name, sizeof(cal->name));
	if (set & SUBSCRIPTION_SET_COLOR)
		memcpy(cal->color, s->color, sizeof(cal->color));
	rc = calendar_update_tx(c, cal);
out:
	free(cal);
	return rc;
}

enum event_rc
subscription_update(struct event_ctx *c, struct subscription *s,
    unsigned set, int min_seconds, struct subscription_taken *taken)
{
	struct subscription_wait	 w;
	const char			*p[7];
	char				 calendar_id[37], refresh[16], id[37];
	char				 wait[24];
	PGresult			*res = NULL;
	enum event_rc			 rc;
	enum db_rc			 drc;
	int				 moved;

	memset(taken, 0, sizeof(*taken));
	memset(&w, 0, sizeof(w));
	if (!event_id_ok(s->id))
		return EVENT_NOT_FOUND;
	snprintf(id, sizeof(id), "%s", s->id);
	p[0] = id;
	p[1] = c->user_id;
	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	/* The account's lock before the row's, in the order of a create. */
	if (((set & SUBSCRIPTION_SET_URL) &&
	    (rc = lock_and_find(c, s->url, id, taken)) != EVENT_OK) ||
	    (rc = lock_row(c, p, &res)) != EVENT_OK)
		goto out;
	moved = (set & SUBSCRIPTION_SET_URL) &&
	    strcmp(PQgetvalue(res, 0, LK_URL), s->url) != 0;
	snprintf(calendar_id, sizeof(calendar_id), "%s",
	    PQgetvalue(res, 0, LK_CAL));
	/* Alternating addresses must not fetch more often than refreshes
	 * may: within min_seconds the new one waits for their end. */
	snprintf(wait, sizeof(wait), "%ld", moved && too_soon(res,
	    min_seconds, &w) ? w.wait : 0L);
	if ((set & (SUBSCRIPTION_SET_NAME | SUBSCRIPTION_SET_COLOR)) &&
	    (rc = rename_calendar(c, calendar_id, s, set)) != EVENT_OK)
		goto out;
	snprintf(refresh, sizeof(refresh), "%d", s->refresh_minutes);
	p[2] = s->url;
	p[3] = refresh;
	p[4] = s->reminders ? "true" : "false";
	p[5] = moved ? "true" : "false";
	p[6] = wait;
	/* NOTIFY when it waits too: a fetcher asleep until a later feed
	 * wakes to plan for this one. */
	if ((drc = db_run(c->db, &st_update, p, NULL)) != DB_OK ||
	    (moved && (drc = db_run(c->db, &st_notify, p, NULL)) != DB_OK)) {
		rc = dberr(c, drc);
		goto out;
	}
	rc = subscription_get(c, id, s);
out:
	PQclear(res);
	return end_tx(c, rc);
}

enum event_rc
subscription_delete(struct event_ctx *c, const char *id)
{
	struct subscription	*s;
	enum event_rc		 rc;

	if ((s = malloc(sizeof(*s))) == NULL)
		return EVENT_NOMEM;
	/* The row goes with its calendar (ON DELETE CASCADE). */
	if ((rc = subscription_get(c, id, s)) == EVENT_OK)
		rc = calendar_delete(c, s->calendar_id);
	free(s);
	return rc;
}

enum event_rc
subscription_refresh(struct event_ctx *c, const char *id, int min_seconds,
    struct subscription *out, struct subscription_wait *w)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res = NULL;
	enum event_rc	 rc;
	enum db_rc	 drc;

	memset(out, 0, sizeof(*out));
	memset(w, 0, sizeof(*w));
	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	if ((rc = lock_row(c, p, &res)) != EVENT_OK)
		goto out;
	/* Due and not fetched yet (a refresh, a new address or its time
	 * came; perhaps being fetched now): one more NOTIFY adds nothing. */
	if (PQgetvalue(res, 0, LK_DUE)[0] == 't') {
		w->asked = SUBSCRIPTION_PENDING;
		rc = subscription_get(c, id, out);
	} else if (too_soon(res, min_seconds, w)) {
		w->asked = SUBSCRIPTION_TOO_SOON;
		rc = EVENT_OK;
	} else {
		w->asked = SUBSCRIPTION_ASKED;
		rc = one_row(c, &st_refresh, id, out);
	}
out:
	PQclear(res);
	return end_tx(c, rc);
}
