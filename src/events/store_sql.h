/* store_sql.h — the column list every event query selects (table alias
 * "e"), and the index of each column, for event_from_row(). Private to
 * src/events/. */
#ifndef AURORA_STORE_SQL_H
#define AURORA_STORE_SQL_H

#define EVENT_COLUMNS \
	"e.id, e.uid, e.title, e.description, e.location," \
	" extract(epoch FROM e.starts_at)::bigint," \
	" extract(epoch FROM e.ends_at)::bigint," \
	" e.time_zone, e.all_day, array_to_json(e.recurrence)," \
	" e.reminder_minutes," \
	" e.version," \
	" to_char(e.created_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')," \
	" to_char(e.updated_at AT TIME ZONE 'UTC'," \
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')," \
	" e.calendar_id"

enum {
	EC_ID, EC_UID, EC_TITLE, EC_DESC, EC_LOC, EC_START, EC_END, EC_TZ,
	EC_ALLDAY, EC_RECUR, EC_REMINDERS, EC_VERSION, EC_CREATED, EC_UPDATED,
	EC_CALENDAR, EC__MAX
};

#endif
