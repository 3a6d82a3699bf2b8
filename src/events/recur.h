/* recur.h — RFC 5545 recurrence (RRULE, RDATE, EXDATE) for one event:
 * strict parsing with hard limits, and expansion with libical in the event's
 * time zone, so a weekly 09:00 meeting stays at 09:00 local across DST. */
#ifndef AURORA_RECUR_H
#define AURORA_RECUR_H

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

#define RECUR_MAX_LINES		101	/* one RRULE + 100 date lines */
#define RECUR_MAX_DATES		100	/* RDATE + EXDATE values together */
#define RECUR_MAX_LINE		1000	/* bytes per line */
#define RECUR_MAX_COUNT		5000	/* COUNT= */
#define RECUR_MAX_INTERVAL	1000	/* INTERVAL= */
/* Work bounds, counted, never timed (docs/events.md, "Limits against
 * costly input"): libical cannot be stopped inside a call, so a rule is
 * refused when the iterator would walk more than these empty periods
 * between two occurrences ... */
#define RECUR_MAX_EMPTY_DAYS	1000	/* DAILY days, WEEKLY BYDAY slots */
#define RECUR_MAX_EMPTY_MONTHS	480	/* MONTHLY: 40 years */
#define RECUR_MAX_EMPTY_YEARS	40	/* YEARLY */
/* ... and one expansion stops after this much work: a call costs the
 * periods it walked, at least one unit (a day or slot 1, a month 2, a year
 * 30: about 5-8 us, 8-15 us and 25-160 us of libical's time each). */
#define RECUR_MAX_WORK		20000
#define RECUR_YEAR_END		2200	/* series reaching it count as endless */

struct recur {
	int			 has_rule;
	struct icalrecurrencetype rule;
	int			 count;		/* COUNT=, 0 without */
	int			 has_until;
	time_t			 until;		/* UNTIL as an instant */
	time_t			*rdate;		/* sorted, unique */
	size_t			 nrdate;
	time_t			*exdate;	/* sorted, unique */
	size_t			 nexdate;
	char			**lines;	/* normalised text of each line */
	size_t			 nlines;
};

struct recur_error {
	int	 index;		/* the offending line, -1 for the whole set */
	char	 msg[200];
};

enum recur_rc {
	RECUR_OK = 0,
	RECUR_INVALID,		/* err says why */
	RECUR_NOMEM
};

/* Parses and checks the lines of an event starting at dtstart (all-day
 * events: local midnight of the start date) in zone z. On RECUR_OK r holds
 * the set (free with recur_free); otherwise r is empty and err is filled.
 * A rule that libical rejects, HOURLY or finer, BYHOUR/BYMINUTE/BYSECOND,
 * COUNT above RECUR_MAX_COUNT, a rule that never occurs or occurs too
 * rarely (RECUR_MAX_EMPTY_*), more than RECUR_MAX_DATES dates: all
 * RECUR_INVALID; so are, with RECUR_TRIAL, rules whose first occurrences
 * libical cannot produce within RECUR_MAX_WORK (rules read back from the
 * database had that check when they were written; the sparseness check
 * runs on every parse, so rules stored before it existed are refused
 * wherever they are read). */
#define RECUR_TRIAL	0x01	/* try the rule (new input, not stored) */
enum recur_rc recur_parse(struct recur *r, const char *const *lines,
    size_t n, time_t dtstart, int all_day, icaltimezone *z, unsigned flags,
    struct recur_error *err) __attribute__((warn_unused_result));
void recur_free(struct recur *r);

/* Called for each occurrence start; a non-zero return stops expansion. */
typedef int (*recur_fn)(time_t start, void *arg);

/* Calls fn for every occurrence whose start lies in [from, to), in
 * increasing order: DTSTART (always the first instance), the rule's
 * occurrences and RDATEs, less EXDATEs. A NULL r means a single event.
 * Returns 0, or -1 when RECUR_MAX_WORK was reached (the list may then be
 * incomplete at its end). */
int recur_expand(const struct recur *r, time_t dtstart, int all_day,
    icaltimezone *z, time_t from, time_t to, recur_fn fn, void *arg);

/* An upper bound of the last occurrence's start: 0 and *last, or 1 for an
 * endless series (or one reaching RECUR_YEAR_END), or -1 when finding the
 * end takes more than RECUR_MAX_WORK. */
int recur_last_start(const struct recur *r, time_t dtstart, int all_day,
    icaltimezone *z, time_t *last);

#endif
