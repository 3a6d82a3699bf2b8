/* reminder.h — the limits of reminder rules, in one place: an event's
 * reminders (events/validate.c, ICS alarms) and an account's default
 * reminders (auth/account.c) obey the same ones, and the outbox plans and
 * stores their mail (minutes_before). Header only: no code to link. */
#ifndef AURORA_REMINDER_H
#define AURORA_REMINDER_H

#define REMINDER_MAX		5	/* reminders per event or default set */
#define REMINDER_MINUTES_MAX	40320	/* minutes before: four weeks */

#endif
