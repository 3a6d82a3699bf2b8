/* row.c — one events row (EVENT_COLUMNS, store_sql.h) decoded into a
 * struct event: the one decoder shared by the store (store.c), the
 * listing (list.c) and the reminder planner (schedule.c), so that none of
 * them has to call another for it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/event.h"
#include "events/store_sql.h"

void
event_row_ints(const char *s, int *out, size_t max, size_t *n)
{
	char	*end;
	long	 v;

	*n = 0;
	if (s == NULL || *s != '{')
		return;
	s++;
	while (*s != '\0' && *s != '}' && *n < max) {
		while (*s == ' ' || *s == ',')
			s++;
		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno != 0)
			return;
		out[(*n)++] = (int)v;
		s = end;
	}
}

/* Copies src into dst (size bytes), cut to fit like snprintf "%s" but
 * without its formatting machinery: every listed row copies four. */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static enum event_rc
set_str(char **dst, const char *src)
{
	char *d;

	if ((d = strdup(src)) == NULL)
		return EVENT_NOMEM;
	free(*dst);
	*dst = d;
	return EVENT_OK;
}

/* Fills ev from (res, row); ev's strings and recurrence lines are the
 * caller's to free with event_clear (on failure nothing is left to free). */
enum event_rc
event_from_row(struct event *ev, const PGresult *res, int row)
{
	json_object	*a = NULL;
	const char	*s;
	size_t		 i, n;
	enum event_rc	 rc = EVENT_NOMEM;

	memset(ev, 0, sizeof(*ev));
	copy_str(ev->id, sizeof(ev->id), PQgetvalue(res, row, EC_ID));
	copy_str(ev->uid, sizeof(ev->uid), PQgetvalue(res, row, EC_UID));
	copy_str(ev->calendar_id, sizeof(ev->calendar_id),
	    PQgetvalue(res, row, EC_CALENDAR));
	if (set_str(&ev->title, PQgetvalue(res, row, EC_TITLE)) ||
	    set_str(&ev->description, PQgetvalue(res, row, EC_DESC)) ||
	    set_str(&ev->location, PQgetvalue(res, row, EC_LOC)))
		goto fail;
	ev->start = (time_t)strtoll(PQgetvalue(res, row, EC_START), NULL, 10);
	ev->end = (time_t)strtoll(PQgetvalue(res, row, EC_END), NULL, 10);
	copy_str(ev->time_zone, sizeof(ev->time_zone),
	    PQgetvalue(res, row, EC_TZ));
	ev->all_day = PQgetvalue(res, row, EC_ALLDAY)[0] == 't';
	s = PQgetvalue(res, row, EC_RECUR);
	if (strcmp(s, "[]") != 0) {
		if ((a = json_tokener_parse(s)) == NULL ||
		    !json_object_is_type(a, json_type_array))
			goto fail;
		n = json_object_array_length(a);
		if ((ev->recurrence = calloc(n ? n : 1,
		    sizeof(*ev->recurrence))) == NULL)
			goto fail;
		for (i = 0; i < n; i++) {
			if ((ev->recurrence[i] = strdup(json_object_get_string(
			    json_object_array_get_idx(a, i)))) == NULL)
				goto fail;
			ev->nrecurrence = i + 1;
		}
	}
	event_row_ints(PQgetvalue(res, row, EC_REMINDERS), ev->reminders,
	    REMINDER_MAX, &ev->nreminders);
	ev->version = (int)strtol(PQgetvalue(res, row, EC_VERSION), NULL, 10);
	if (rfc3339_format((time_t)strtoll(PQgetvalue(res, row, EC_CREATED),
	    NULL, 10), 0, ev->created_at, sizeof(ev->created_at)) == -1 ||
	    rfc3339_format((time_t)strtoll(PQgetvalue(res, row, EC_UPDATED),
	    NULL, 10), 0, ev->updated_at, sizeof(ev->updated_at)) == -1)
		goto fail;	/* not a time the server wrote: 500 */
	rc = EVENT_OK;
fail:
	json_object_put(a);
	if (rc != EVENT_OK)
		event_clear(ev);
	return rc;
}

enum event_rc
event_user_rows(struct event_ctx *c, const struct db_stmt *st, size_t size,
    void (*fn)(void *dst, const PGresult *res, int row), void **out,
    size_t *n)
{
	const char	*p[1] = { c->user_id };
	PGresult	*res;
	enum db_rc	 drc;
	int		 i, rows;

	*out = NULL;
	*n = 0;
	if ((drc = db_exec(c->db, st, p, &res)) != DB_OK) {
		c->dbrc = drc;
		return EVENT_DB;
	}
	rows = PQntuples(res);
	if ((*out = calloc(rows > 0 ? (size_t)rows : 1, size)) == NULL) {
		PQclear(res);
		return EVENT_NOMEM;
	}
	for (i = 0; i < rows; i++)
		fn((char *)*out + (size_t)i * size, res, i);
	*n = (size_t)rows;
	PQclear(res);
	return EVENT_OK;
}
