/* schedule_hook.c — wiring to the events module's scheduler (see
 * schedule_hook.h and src/events/schedule.h). */
#include "config.h"

#include "events/schedule.h"
#include "remind/schedule_hook.h"

enum db_rc
remind_schedule_extend(struct db *db, time_t now, long *inserted)
{
	*inserted = 0;
	return schedule_extend(db, now, inserted);
}
