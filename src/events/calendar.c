/* calendar.c — an account's calendars and their change journal (see
 * calendar.h): the SQL of the tables calendars and calendar_changes, the
 * JSON of a calendar, and deletion with its events and their pending mail
 * (through mail/outbox.h, which owns mail_outbox). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/jsonout.h"
#include "db/array.h"
#include "events/calendar.h"
#include "events/object.h"
#include "mail/outbox.h"

#define CAL_COLUMNS \
	"c.id, c.dav_name, c.name, c.color, c.description, c.sort_order," \
	" c.email_for_app_alarms, c.is_default," \
	" c.default_reminders IS NOT NULL," \
	" coalesce(c.default_reminders::text, '{}')," \
	" c.revision, c.min_revision," \
	" to_char(c.created_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')," \
	" to_char(c.updated_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')," \
	" c.read_only," \
	" coalesce((SELECT s.id::text FROM subscriptions s" \
	"  WHERE s.calendar_id = c.id), '')"

enum {
	CC_ID, CC_DAV, CC_NAME, CC_COLOR, CC_DESC, CC_ORDER, CC_APPALARMS,
	CC_DEFAULT, CC_HASREM, CC_REM, CC_REV, CC_MINREV, CC_CREATED,
	CC_UPDATED, CC_READONLY, CC_SUB
};

/* Deleting a calendar holds every event id it had in one array literal. */
#define CAL_IDS_MAX	(64L << 20)

static const struct db_stmt st_list = {
	"cal_list",
	"SELECT " CAL_COLUMNS " FROM calendars c WHERE c.user_id = $1::uuid"
	" ORDER BY c.sort_order, c.created_at, c.id",
	1, 1
};

static const struct db_stmt st_get = {
	"cal_get",
	"SELECT " CAL_COLUMNS " FROM calendars c"
	" WHERE c.id = $1::uuid AND c.user_id = $2::uuid",
	2, 1
};

static const struct db_stmt st_find = {
	"cal_find",
	"SELECT " CAL_COLUMNS " FROM calendars c"
	" WHERE c.user_id = $1::uuid AND c.dav_name = $2",
	2, 1
};

/* Creating and deleting calendars of one user take this lock first (the
 * default calendar's row), so that CALENDAR_MAX holds under races. */
static const struct db_stmt st_lock_default = {
	"cal_lock_default",
	"SELECT 1 FROM calendars WHERE user_id = $1::uuid AND is_default"
	" FOR NO KEY UPDATE",
	1, 0
};

static const struct db_stmt st_create = {
	"cal_create",
	"INSERT INTO calendars AS c (id, user_id, dav_name, name, color,"
	"  description, sort_order, default_reminders, email_for_app_alarms,"
	"  read_only)"
	" SELECT g.id, $1::uuid, coalesce($2, g.id::text), $3, $4, $5,"
	"  $6::int, $7::int[], $8::boolean, $10::boolean"
	" FROM (SELECT gen_random_uuid() AS id) g"
	" WHERE (SELECT count(*) FROM calendars WHERE user_id = $1::uuid)"
	"  < $9::int"
	" RETURNING " CAL_COLUMNS,
	10, 0
};

static const struct db_stmt st_update = {
	"cal_update",
	"UPDATE calendars c SET name = $3, color = $4, description = $5,"
	" sort_order = $6::int, default_reminders = $7::int[],"
	" email_for_app_alarms = $8::boolean, updated_at = now()"
	" WHERE c.id = $1::uuid AND c.user_id = $2::uuid"
	" RETURNING " CAL_COLUMNS,
	8, 0
};

static const struct db_stmt st_props_get = {
	"cal_props_get",
	"SELECT dav_props::text FROM calendars"
	" WHERE id = $1::uuid AND user_id = $2::uuid",
	2, 1
};

static const struct db_stmt st_props_set = {
	"cal_props_set",
	"UPDATE calendars SET dav_props = $3::jsonb"
	" WHERE id = $1::uuid AND user_id = $2::uuid",
	3, 0
};

/* The events of a calendar, locked: taken before the calendar rows, in
 * the order every event writer takes them (the event, then its calendar's
 * revision through the journal trigger). */
static const struct db_stmt st_event_ids = {
	"cal_event_ids",
	"SELECT e.id FROM events e"
	" WHERE e.calendar_id = $1::uuid AND e.user_id = $2::uuid"
	" ORDER BY e.id FOR UPDATE",
	2, 0
};

static const struct db_stmt st_lock_all = {
	"cal_lock_all",
	"SELECT id, is_default, read_only FROM calendars"
	" WHERE user_id = $1::uuid ORDER BY created_at, id FOR UPDATE",
	1, 0
};

static const struct db_stmt st_read_only = {
	"cal_read_only",
	"SELECT read_only FROM calendars WHERE id = $1::uuid"
	" AND user_id = $2::uuid",
	2, 1
};

static const struct db_stmt st_delete_events = {
	"cal_delete_events",
	"DELETE FROM events WHERE calendar_id = $1::uuid AND user_id = $2::uuid",
	2, 0
};

static const struct db_stmt st_delete = {
	"cal_delete",
	"DELETE FROM calendars WHERE id = $1::uuid AND user_id = $2::uuid",
	2, 0
};

static const struct db_stmt st_pass_default = {
	"cal_pass_default",
	"UPDATE calendars SET is_default = true, updated_at = now()"
	" WHERE id = (SELECT id FROM calendars WHERE user_id = $1::uuid"
	"  AND NOT read_only ORDER BY created_at, id LIMIT 1)",
	1, 0
};

/* One snapshot: the calendar's counters on every row, and its changes
 * after $3 (none: one row of NULLs). */
static const struct db_stmt st_changes = {
	"cal_changes",
	"SELECT c.revision, c.min_revision, ch.dav_name, ch.revision,"
	"  ch.deleted"
	" FROM calendars c LEFT JOIN calendar_changes ch"
	"  ON ch.calendar_id = c.id AND ch.revision > $3::bigint"
	" WHERE c.id = $1::uuid AND c.user_id = $2::uuid"
	" ORDER BY ch.revision",
	3, 1
};

static const struct db_stmt st_prune = {
	"cal_prune",
	"SELECT calendar_prune_changes($1::int)",
	1, 0
};

static enum event_rc
dberr(struct event_ctx *c, enum db_rc rc)
{
	c->dbrc = rc;
	if (rc == DB_INVALID)
		return event_invalid(&c->err, "",
		    "the database refused a value of this calendar");
	return EVENT_DB;
}

static void
from_row(struct calendar *cal, const PGresult *res, int row)
{
	memset(cal, 0, sizeof(*cal));
	snprintf(cal->id, sizeof(cal->id), "%s", PQgetvalue(res, row, CC_ID));
	snprintf(cal->dav_name, sizeof(cal->dav_name), "%s",
	    PQgetvalue(res, row, CC_DAV));
	snprintf(cal->name, sizeof(cal->name), "%s",
	    PQgetvalue(res, row, CC_NAME));
	snprintf(cal->color, sizeof(cal->color), "%s",
	    PQgetvalue(res, row, CC_COLOR));
	snprintf(cal->description, sizeof(cal->description), "%s",
	    PQgetvalue(res, row, CC_DESC));
	cal->sort_order = (int)strtol(PQgetvalue(res, row, CC_ORDER), NULL,
	    10);
	cal->email_for_app_alarms = PQgetvalue(res, row, CC_APPALARMS)[0] ==
	    't';
	cal->is_default = PQgetvalue(res, row, CC_DEFAULT)[0] == 't';
	cal->has_default_reminders = PQgetvalue(res, row, CC_HASREM)[0] == 't';
	event_row_ints(PQgetvalue(res, row, CC_REM), cal->default_reminders,
	    REMINDER_MAX, &cal->ndefault_reminders);
	cal->revision = strtoll(PQgetvalue(res, row, CC_REV), NULL, 10);
	cal->min_revision = strtoll(PQgetvalue(res, row, CC_MINREV), NULL, 10);
	snprintf(cal->created_at, sizeof(cal->created_at), "%s",
	    PQgetvalue(res, row, CC_CREATED));
	snprintf(cal->updated_at, sizeof(cal->updated_at), "%s",
	    PQgetvalue(res, row, CC_UPDATED));
	cal->read_only = PQgetvalue(res, row, CC_READONLY)[0] == 't';
	snprintf(cal->subscription_id, sizeof(cal->subscription_id), "%s",
	    PQgetvalue(res, row, CC_SUB));
}

/* event_user_rows reads each row through this. */
static void
list_row(void *dst, const PGresult *res, int row)
{
	from_row(dst, res, row);
}

enum event_rc
calendar_list(struct event_ctx *c, struct calendar **out, size_t *n)
{
	void		*v;
	enum event_rc	 rc;

	rc = event_user_rows(c, &st_list, sizeof(**out), list_row, &v, n);
	*out = v;
	return rc;
}

/* Runs a statement expected to give at most one calendar row. */
static enum event_rc
one_row(struct event_ctx *c, const struct db_stmt *st, const char **p,
    struct calendar *out)
{
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_NOT_FOUND;

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
calendar_get(struct event_ctx *c, const char *id, struct calendar *out)
{
	const char *p[2] = { id, c->user_id };

	memset(out, 0, sizeof(*out));
	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	return one_row(c, &st_get, p, out);
}

enum event_rc
calendar_find(struct event_ctx *c, const char *dav_name,
    struct calendar *out)
{
	const char *p[2] = { c->user_id, dav_name };

	memset(out, 0, sizeof(*out));
	if (dav_name == NULL || *dav_name == '\0' ||
	    strlen(dav_name) >= sizeof(out->dav_name))
		return EVENT_NOT_FOUND;
	return one_row(c, &st_find, p, out);
}

static enum event_rc
read_only(struct event_ctx *c)
{
	(void)event_invalid(&c->err, "calendar_id", "%s",
	    EVENT_READ_ONLY_MSG);
	return EVENT_READ_ONLY;
}

enum event_rc
calendar_writable(struct event_ctx *c, const char *id)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_NOT_FOUND;

	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	if ((drc = db_exec(c->db, &st_read_only, p, &res)) != DB_OK)
		return dberr(c, drc);
	if (PQntuples(res) == 1)
		rc = PQgetvalue(res, 0, 0)[0] == 't' ? read_only(c) :
		    EVENT_OK;
	PQclear(res);
	return rc;
}

/* --- JSON --- */

/* A string member of min..max characters into out (outlen bytes, enough
 * for max characters of 4 bytes); ctl: tab, CR and LF allowed. */
static enum event_rc
text_member(json_object *v, const char *field, long min, long max, int ctl,
    char *out, size_t outlen, struct event_error *err)
{
	const char	*s;
	size_t		 len;
	enum event_rc	 rc;

	if ((rc = event_text_member(v, field, min, max, ctl, 0, &s, &len,
	    err)) != EVENT_OK)
		return rc;
	/* out holds max characters of 4 bytes: never reached. */
	if (len >= outlen)
		return event_invalid(err, field,
		    "%s is longer than %ld characters", field, max);
	memcpy(out, s, len + 1);
	return EVENT_OK;
}

static int
hexdigit(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

static enum event_rc
color_member(json_object *v, char *out, struct event_error *err)
{
	const char	*s;
	size_t		 i;

	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 7 ||
	    (s = json_object_get_string(v))[0] != '#')
		goto bad;
	for (i = 1; i < 7; i++)
		if (!hexdigit((unsigned char)s[i]))
			goto bad;
	for (i = 0; i < 7; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i];
	out[7] = '\0';
	return EVENT_OK;
bad:
	return event_invalid(err, "color", "color must be #RRGGBB, such as "
	    "#3788d8");
}

/* null, or minutes as numbers or as an event's reminder objects. */
static enum event_rc
reminders_member(json_object *v, struct calendar *cal,
    struct event_error *err)
{
	json_object	*r, *m;
	size_t		 i, j, n;
	int64_t		 mb;
	char		 field[96];

	if (v == NULL) {
		cal->has_default_reminders = 0;
		cal->ndefault_reminders = 0;
		return EVENT_OK;
	}
	if (!json_object_is_type(v, json_type_array))
		return event_invalid(err, "default_reminders",
		    "default_reminders must be null or an array of minutes");
	n = json_object_array_length(v);
	if (n > REMINDER_MAX)
		return event_invalid(err, "default_reminders",
		    "at most %d default reminders", REMINDER_MAX);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(v, i);
		snprintf(field, sizeof(field), "default_reminders[%zu]", i);
		m = r;
		if (json_object_is_type(r, json_type_object)) {
			m = NULL;
			json_object_object_foreach(r, key, val) {
				if (!strcmp(key, "minutes_before"))
					m = val;
				else if (strcmp(key, "method") != 0 ||
				    !json_object_is_type(val,
				    json_type_string) ||
				    strcmp(json_object_get_string(val),
				    "email") != 0) {
					snprintf(field, sizeof(field),
					    "default_reminders[%zu].%.40s", i,
					    key);
					return event_invalid(err, field,
					    "%s is not accepted here", field);
				}
			}
		}
		if (m == NULL || !json_object_is_type(m, json_type_int))
			return event_invalid(err, field,
			    "%s must be a whole number of minutes", field);
		mb = json_object_get_int64(m);
		if (mb < 0 || mb > REMINDER_MINUTES_MAX)
			return event_invalid(err, field,
			    "%s must be from 0 to %d", field,
			    REMINDER_MINUTES_MAX);
		for (j = 0; j < i; j++)
			if (cal->default_reminders[j] == (int)mb)
				return event_invalid(err, field, "%s repeats "
				    "default_reminders[%zu]", field, j);
		cal->default_reminders[i] = (int)mb;
	}
	cal->ndefault_reminders = n;
	cal->has_default_reminders = 1;
	return EVENT_OK;
}

static const char *const cal_members[] = {
	"name", "color", "description", "sort_order", "default_reminders",
	"email_for_app_alarms", NULL
};
enum { CM_NAME, CM_COLOR, CM_DESC, CM_ORDER, CM_REM, CM_APPALARMS,
    CM__MAX };

static const char *const cal_readonly[] = {
	"id", "dav_name", "is_default", "created_at", "updated_at",
	"revision", "min_revision", "user_id", "owner", "ctag", "sync_token",
	"read_only", "subscription_id", NULL
};

enum event_rc
calendar_from_json(struct calendar *cal, json_object *body, int patch,
    struct event_error *err)
{
	json_object	*m[CM__MAX] = { NULL };
	int		 has[CM__MAX] = { 0 };
	int64_t		 v;
	enum event_rc	 rc;

	memset(err, 0, sizeof(*err));
	if (body == NULL || !json_object_is_type(body, json_type_object))
		return event_invalid(err, "", "the body must be a JSON object");
	if ((rc = event_json_members(body, cal_members, cal_readonly, m, has,
	    err)) != EVENT_OK)
		return rc;
	if (!patch) {
		if (!has[CM_NAME])
			return event_invalid(err, "name", "name is required");
		cal->name[0] = '\0';
		memcpy(cal->color, CALENDAR_COLOR_DEFAULT,
		    sizeof(CALENDAR_COLOR_DEFAULT));
		cal->description[0] = '\0';
		cal->sort_order = 0;
		cal->has_default_reminders = 0;
		cal->ndefault_reminders = 0;
		cal->email_for_app_alarms = 1;
		cal->is_default = 0;
	}
	if (has[CM_NAME] && (rc = text_member(m[CM_NAME], "name", 1,
	    CALENDAR_NAME_MAX, 0, cal->name, sizeof(cal->name), err)) !=
	    EVENT_OK)
		return rc;
	if (has[CM_COLOR] && (rc = color_member(m[CM_COLOR], cal->color,
	    err)) != EVENT_OK)
		return rc;
	if (has[CM_DESC]) {
		if (m[CM_DESC] == NULL)
			cal->description[0] = '\0';
		else if ((rc = text_member(m[CM_DESC], "description", 0,
		    CALENDAR_DESC_MAX, 1, cal->description,
		    sizeof(cal->description), err)) != EVENT_OK)
			return rc;
	}
	if (has[CM_ORDER]) {
		if (m[CM_ORDER] == NULL ||
		    !json_object_is_type(m[CM_ORDER], json_type_int))
			return event_invalid(err, "sort_order",
			    "sort_order must be a whole number");
		v = json_object_get_int64(m[CM_ORDER]);
		if (v < INT32_MIN || v > INT32_MAX)
			return event_invalid(err, "sort_order",
			    "sort_order must be from %ld to %ld",
			    (long)INT32_MIN, (long)INT32_MAX);
		cal->sort_order = (int)v;
	}
	/* A feed's events take the account's reminders or none
	 * (subscription.h), and no app stores alarms in them. */
	if (patch && cal->read_only && (has[CM_REM] || has[CM_APPALARMS])) {
		(void)event_invalid(err, has[CM_REM] ? "default_reminders" :
		    "email_for_app_alarms", "%s is not used by a subscribed "
		    "calendar: set reminders on the subscription instead",
		    has[CM_REM] ? "default_reminders" :
		    "email_for_app_alarms");
		return EVENT_READ_ONLY;
	}
	if (has[CM_REM] && (rc = reminders_member(m[CM_REM], cal, err)) !=
	    EVENT_OK)
		return rc;
	if (has[CM_APPALARMS]) {
		if (m[CM_APPALARMS] == NULL ||
		    !json_object_is_type(m[CM_APPALARMS], json_type_boolean))
			return event_invalid(err, "email_for_app_alarms",
			    "email_for_app_alarms must be true or false");
		cal->email_for_app_alarms =
		    json_object_get_boolean(m[CM_APPALARMS]);
	}
	return EVENT_OK;
}

json_object *
calendar_to_json(const struct calendar *cal)
{
	json_object	*o, *a;
	size_t		 i;
	int		 bad = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	bad |= jsonout_string(o, "id", cal->id);
	bad |= jsonout_string(o, "name", cal->name);
	bad |= jsonout_string(o, "color", cal->color);
	bad |= jsonout_string(o, "description", cal->description);
	bad |= jsonout_int(o, "sort_order", cal->sort_order);
	if (cal->has_default_reminders) {
		a = json_object_new_array();
		for (i = 0; a != NULL && i < cal->ndefault_reminders; i++)
			if (jsonout_push(a, json_object_new_int(
			    cal->default_reminders[i])) == -1) {
				bad = 1;
				break;
			}
		bad |= jsonout_add(o, "default_reminders", a);
	} else
		bad |= jsonout_null(o, "default_reminders");
	bad |= jsonout_bool(o, "email_for_app_alarms",
	    cal->email_for_app_alarms);
	bad |= jsonout_bool(o, "is_default", cal->is_default);
	bad |= jsonout_string(o, "dav_name", cal->dav_name);
	bad |= jsonout_bool(o, "read_only", cal->read_only);
	if (cal->subscription_id[0] != '\0')
		bad |= jsonout_string(o, "subscription_id",
		    cal->subscription_id);
	else
		bad |= jsonout_null(o, "subscription_id");
	bad |= jsonout_string(o, "created_at", cal->created_at);
	bad |= jsonout_string(o, "updated_at", cal->updated_at);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* --- dead properties --- */

/* The stored properties of calendar id as a JSON object, or NULL with
 * *rc set. */
static json_object *
props_read(struct event_ctx *c, const char *id, enum event_rc *rc)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	json_object	*o = NULL;

	if (!event_id_ok(id)) {
		*rc = EVENT_NOT_FOUND;
		return NULL;
	}
	if ((drc = db_exec(c->db, &st_props_get, p, &res)) != DB_OK) {
		*rc = dberr(c, drc);
		return NULL;
	}
	*rc = EVENT_NOT_FOUND;
	if (PQntuples(res) == 1) {
		o = json_tokener_parse(PQgetvalue(res, 0, 0));
		*rc = EVENT_NOMEM;
		if (o != NULL && !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
			*rc = dberr(c, DB_ERROR);
		}
	}
	PQclear(res);
	return o;
}

enum event_rc
calendar_props(struct event_ctx *c, const char *id, json_object **out)
{
	enum event_rc rc = EVENT_OK;

	*out = props_read(c, id, &rc);
	return *out != NULL ? EVENT_OK : rc;
}

/* Applies props to the stored ones of calendar id, inside the caller's
 * transaction (the calendar's row is locked by then), within the caps. */
static enum event_rc
props_write(struct event_ctx *c, const char *id,
    const struct calendar_prop *props, size_t n)
{
	json_object	*o;
	const char	*p[3], *text;
	enum event_rc	 rc = EVENT_OK;
	enum db_rc	 drc;
	size_t		 i, total = 0;

	if ((o = props_read(c, id, &rc)) == NULL)
		return rc;
	rc = EVENT_OK;
	for (i = 0; i < n; i++) {
		if (props[i].name == NULL || props[i].name[0] != '{' ||
		    strlen(props[i].name) > CALENDAR_PROP_NAME_MAX) {
			rc = event_invalid(&c->err, "dav_props",
			    "a property name is at most %d bytes",
			    CALENDAR_PROP_NAME_MAX);
			goto out;
		}
		if (props[i].value == NULL) {
			json_object_object_del(o, props[i].name);
			continue;
		}
		if (strlen(props[i].value) > CALENDAR_PROP_BYTES) {
			rc = event_invalid(&c->err, "dav_props",
			    "property %.200s is larger than %d bytes",
			    props[i].name, CALENDAR_PROP_BYTES);
			goto out;
		}
		if (jsonout_add(o, props[i].name,
		    json_object_new_string(props[i].value)) == -1) {
			rc = EVENT_NOMEM;
			goto out;
		}
	}
	if (json_object_object_length(o) > CALENDAR_PROPS_MAX) {
		rc = event_invalid(&c->err, "dav_props", "a calendar keeps at "
		    "most %d properties of clients", CALENDAR_PROPS_MAX);
		goto out;
	}
	json_object_object_foreach(o, k, v)
		total += strlen(k) + (size_t)json_object_get_string_len(v);
	if (total > CALENDAR_PROPS_BYTES) {
		rc = event_invalid(&c->err, "dav_props", "the properties of "
		    "clients on a calendar take at most %d bytes",
		    CALENDAR_PROPS_BYTES);
		goto out;
	}
	if ((text = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN)) == NULL) {
		rc = EVENT_NOMEM;
		goto out;
	}
	p[0] = id;
	p[1] = c->user_id;
	p[2] = text;
	if ((drc = db_run(c->db, &st_props_set, p, NULL)) != DB_OK)
		rc = dberr(c, drc);
out:
	json_object_put(o);
	return rc;
}

/* --- writes --- */

/* The columns create and update share, as params[2..7]. */
static enum event_rc
cal_params(const struct calendar *cal, char *order, size_t orderlen,
    char *rem, size_t remlen, const char **p)
{
	snprintf(order, orderlen, "%d", cal->sort_order);
	if (cal->has_default_reminders && db_array_ints(cal->default_reminders,
	    cal->ndefault_reminders, rem, remlen) == -1)
		return EVENT_NOMEM;
	p[2] = cal->name;
	p[3] = cal->color;
	p[4] = cal->description;
	p[5] = order;
	p[6] = cal->has_default_reminders ? rem : NULL;
	p[7] = cal->email_for_app_alarms ? "true" : "false";
	return EVENT_OK;
}

enum event_rc
calendar_create(struct event_ctx *c, struct calendar *cal)
{
	return calendar_create_props(c, cal, NULL, 0);
}

enum event_rc
calendar_lock_account_tx(struct event_ctx *c)
{
	const char	*p[1] = { c->user_id };
	enum db_rc	 drc;

	if ((drc = db_run(c->db, &st_lock_default, p, NULL)) != DB_OK)
		return dberr(c, drc);
	return EVENT_OK;
}

enum event_rc
calendar_create_tx(struct event_ctx *c, struct calendar *cal)
{
	const char	*p[10], *lp[1] = { c->user_id };
	char		 order[16], rem[96], max[16];
	PGresult	*res = NULL;
	enum event_rc	 rc;
	enum db_rc	 drc;

	p[0] = c->user_id;
	p[1] = cal->dav_name[0] ? cal->dav_name : NULL;
	if ((rc = cal_params(cal, order, sizeof(order), rem, sizeof(rem),
	    p)) != EVENT_OK)
		return rc;
	snprintf(max, sizeof(max), "%d", CALENDAR_MAX);
	p[8] = max;
	p[9] = cal->read_only ? "true" : "false";
	if ((drc = db_run(c->db, &st_lock_default, lp, NULL)) != DB_OK ||
	    (drc = db_exec(c->db, &st_create, p, &res)) != DB_OK) {
		if (drc == DB_CONFLICT) {
			c->dbrc = drc;
			(void)event_invalid(&c->err, "dav_name",
			    "a calendar of this name exists already");
			rc = EVENT_CONFLICT;
		} else if (drc == DB_INVALID) {
			c->dbrc = drc;
			rc = event_invalid(&c->err, "dav_name",
			    "this calendar name cannot be used");
		} else
			rc = dberr(c, drc);
		goto out;
	}
	if (PQntuples(res) != 1) {
		rc = event_invalid(&c->err, "",
		    "an account may have at most %d calendars", CALENDAR_MAX);
		goto out;
	}
	from_row(cal, res, 0);
	rc = EVENT_OK;
out:
	PQclear(res);
	return rc;
}

/* write (calendar_create_tx or calendar_update_tx) and the dead
 * properties in one transaction. */
static enum event_rc
with_props(struct event_ctx *c, struct calendar *cal,
    enum event_rc (*write)(struct event_ctx *, struct calendar *),
    const struct calendar_prop *props, size_t nprops)
{
	enum event_rc	 rc;
	enum db_rc	 drc;

	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	if ((rc = write(c, cal)) != EVENT_OK)
		goto out;
	if (nprops > 0 && (rc = props_write(c, cal->id, props, nprops)) !=
	    EVENT_OK)
		goto out;
	if ((drc = db_commit(c->db)) != DB_OK)
		rc = dberr(c, drc);
out:
	if (rc != EVENT_OK)
		db_rollback(c->db);
	return rc;
}

enum event_rc
calendar_create_props(struct event_ctx *c, struct calendar *cal,
    const struct calendar_prop *props, size_t nprops)
{
	/* Only subscription_create makes a read-only calendar. */
	cal->read_only = 0;
	return with_props(c, cal, calendar_create_tx, props, nprops);
}

/* A change of email_for_app_alarms re-reads the alarms of the stored
 * objects (object_remap_alarms_tx) in the same transaction, before the
 * calendar's row is written: the events are locked first, as every event
 * writer locks them. The old setting is read without a lock: two changes
 * of it at the same moment may leave the objects mapped as the first one
 * says (the next change maps them again). */
enum event_rc
calendar_update(struct event_ctx *c, struct calendar *cal)
{
	return calendar_update_props(c, cal, NULL, 0);
}

enum event_rc
calendar_update_tx(struct event_ctx *c, struct calendar *cal)
{
	struct calendar	*old = NULL;
	const char	*p[8];
	char		 order[16], rem[96];
	enum event_rc	 rc;

	if (!event_id_ok(cal->id))
		return EVENT_NOT_FOUND;
	p[0] = cal->id;
	p[1] = c->user_id;
	if ((rc = cal_params(cal, order, sizeof(order), rem, sizeof(rem),
	    p)) != EVENT_OK)
		return rc;
	if ((old = malloc(sizeof(*old))) == NULL)
		return EVENT_NOMEM;
	if ((rc = one_row(c, &st_get, p, old)) != EVENT_OK)
		goto out;
	if (old->email_for_app_alarms != cal->email_for_app_alarms &&
	    (rc = object_remap_alarms_tx(c, cal)) != EVENT_OK)
		goto out;
	rc = one_row(c, &st_update, p, cal);
out:
	free(old);
	return rc;
}

enum event_rc
calendar_update_props(struct event_ctx *c, struct calendar *cal,
    const struct calendar_prop *props, size_t nprops)
{
	if (!event_id_ok(cal->id))
		return EVENT_NOT_FOUND;
	return with_props(c, cal, calendar_update_tx, props, nprops);
}

/* The ids of the calendar's events, locked, as an array literal in ids. */
static enum event_rc
lock_events(struct event_ctx *c, const char *id, struct buf *ids, long *n)
{
	const char	*p[2] = { id, c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_NOMEM;
	int		 i, rows;

	buf_reset(ids);
	if ((drc = db_exec(c->db, &st_event_ids, p, &res)) != DB_OK)
		return dberr(c, drc);
	rows = PQntuples(res);
	if (db_array_open(ids) == -1)
		goto out;
	for (i = 0; i < rows; i++)
		if (db_array_text(ids, PQgetvalue(res, i, 0)) == -1)
			goto out;
	if (db_array_close(ids) == -1)
		goto out;
	*n = rows;
	rc = EVENT_OK;
out:
	PQclear(res);
	return rc;
}

enum event_rc
calendar_delete(struct event_ctx *c, const char *id)
{
	const char	*p[2] = { id, c->user_id }, *up[1] = { c->user_id };
	struct buf	 ids;
	PGresult	*res = NULL;
	enum event_rc	 rc;
	enum db_rc	 drc;
	long		 nevents = 0, cancelled = 0, deleted = 0;
	int		 i, rows, found = -1, was_default = 0, writable = 0;
	int		 was_read_only = 0;

	if (!event_id_ok(id))
		return EVENT_NOT_FOUND;
	buf_init(&ids, CAL_IDS_MAX);
	if ((drc = db_begin(c->db)) != DB_OK)
		return dberr(c, drc);
	/* Events, then calendars: the order event writers take them in.
	 * Holding the calendar rows keeps new events out, so the ids read
	 * again after that are all there will be. */
	if ((rc = lock_events(c, id, &ids, &nevents)) != EVENT_OK)
		goto out;
	if ((drc = db_exec(c->db, &st_lock_all, up, &res)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		if (strcasecmp(PQgetvalue(res, i, 0), id) == 0) {
			found = i;
			was_default = PQgetvalue(res, i, 1)[0] == 't';
			was_read_only = PQgetvalue(res, i, 2)[0] == 't';
		} else if (PQgetvalue(res, i, 2)[0] != 't')
			writable++;
	}
	PQclear(res);
	res = NULL;
	if (found < 0) {
		rc = EVENT_NOT_FOUND;
		goto out;
	}
	/* New events without a calendar go to the default, which must
	 * stay writable: a subscription's calendar never becomes it. */
	if (!was_read_only && writable == 0) {
		rc = EVENT_CONFLICT;
		snprintf(c->err.field, sizeof(c->err.field), "%s", "");
		snprintf(c->err.msg, sizeof(c->err.msg), "the last calendar "
		    "of an account cannot be deleted%s", rows > 1 ?
		    " (subscribed calendars are read-only)" : "");
		goto out;
	}
	if ((rc = lock_events(c, id, &ids, &nevents)) != EVENT_OK)
		goto out;
	/* The mail first: deleting an event sets its mail's event_id to
	 * NULL, after which nothing ties the mail to it. */
	if ((nevents > 0 && (drc = outbox_cancel_events(c->db, c->user_id,
	    ids.data, &cancelled)) != DB_OK) ||
	    (drc = db_run(c->db, &st_delete_events, p, NULL)) != DB_OK ||
	    (drc = db_run(c->db, &st_delete, p, &deleted)) != DB_OK ||
	    (was_default && (drc = db_run(c->db, &st_pass_default, up,
	    NULL)) != DB_OK) ||
	    (cancelled > 0 && (drc = outbox_notify(c->db)) != DB_OK)) {
		rc = dberr(c, drc);
		goto out;
	}
	if (deleted != 1) {
		rc = EVENT_NOT_FOUND;
		goto out;
	}
	if ((drc = db_commit(c->db)) != DB_OK) {
		rc = dberr(c, drc);
		goto out;
	}
	rc = EVENT_OK;
out:
	PQclear(res);
	buf_free(&ids);
	if (rc != EVENT_OK)
		db_rollback(c->db);
	return rc;
}

/* --- the journal --- */

enum event_rc
calendar_changes(struct event_ctx *c, const char *calendar_id,
    long long since, struct calendar_change **out, size_t *n,
    long long *revision)
{
	const char	*p[3];
	char		 s[24];
	PGresult	*res;
	enum db_rc	 drc;
	enum event_rc	 rc = EVENT_OK;
	long long	 min;
	int		 i, rows;
	size_t		 k = 0;

	*out = NULL;
	*n = 0;
	*revision = 0;
	if (!event_id_ok(calendar_id))
		return EVENT_NOT_FOUND;
	snprintf(s, sizeof(s), "%lld", since);
	p[0] = calendar_id;
	p[1] = c->user_id;
	p[2] = s;
	if ((drc = db_exec(c->db, &st_changes, p, &res)) != DB_OK)
		return dberr(c, drc);
	if ((rows = PQntuples(res)) == 0) {
		rc = EVENT_NOT_FOUND;
		goto out;
	}
	*revision = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	min = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (since < min || since > *revision) {
		rc = EVENT_STALE;
		goto out;
	}
	if ((*out = calloc((size_t)rows, sizeof(**out))) == NULL) {
		rc = EVENT_NOMEM;
		goto out;
	}
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 2))
			continue;
		snprintf((*out)[k].dav_name, sizeof((*out)[k].dav_name), "%s",
		    PQgetvalue(res, i, 2));
		(*out)[k].revision = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		(*out)[k].deleted = PQgetvalue(res, i, 4)[0] == 't';
		k++;
	}
	*n = k;
out:
	PQclear(res);
	if (rc != EVENT_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

enum db_rc
calendar_prune(struct db *db, int days, long long *pruned)
{
	const char	*p[1];
	char		 d[16];
	PGresult	*res;
	enum db_rc	 drc;

	*pruned = 0;
	snprintf(d, sizeof(d), "%d", days);
	p[0] = d;
	if ((drc = db_exec(db, &st_prune, p, &res)) != DB_OK)
		return drc;
	if (PQntuples(res) == 1)
		*pruned = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return DB_OK;
}
