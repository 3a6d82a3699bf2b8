/* store_sql.h — the column list every event query selects (table alias
 * "e"), and the index of each column, for event_from_row(). Private to
 * src/events/. */
#ifndef AURORA_STORE_SQL_H
#define AURORA_STORE_SQL_H

/* Instants as whole seconds since the epoch, formatted by row.c: the
 * double precision of date_part is cheaper for the server than the
 * numeric of extract, and to_char was the costliest column of the window
 * listing; created_at and updated_at are cut to the second as to_char
 * cut them. */
#define EVENT_COLUMNS \
	"e.id, e.uid, e.title, e.description, e.location," \
	" date_part('epoch', e.starts_at)::bigint," \
	" date_part('epoch', e.ends_at)::bigint," \
	" e.time_zone, e.all_day, array_to_json(e.recurrence)," \
	" e.reminder_minutes," \
	" e.version," \
	" floor(date_part('epoch', e.created_at))::bigint," \
	" floor(date_part('epoch', e.updated_at))::bigint," \
	" e.calendar_id"

enum {
	EC_ID, EC_UID, EC_TITLE, EC_DESC, EC_LOC, EC_START, EC_END, EC_TZ,
	EC_ALLDAY, EC_RECUR, EC_REMINDERS, EC_VERSION, EC_CREATED, EC_UPDATED,
	EC_CALENDAR, EC__MAX
};

#endif
