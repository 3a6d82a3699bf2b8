/* ics_import.c — importing an RFC 5545 file into a user's calendar (see
 * ics.h) in one transaction: a first pass of the reader (ics_parse.c)
 * notes the events (which copy of a UID wins, changed instances), a
 * second upserts them by UID, within the limits on events and time. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonout.h"
#include "db/array.h"
#include "events/calendar.h"
#include "events/ics.h"
#include "events/recur.h"

/* Every VEVENT of the file that has a UID, by UID and RECURRENCE-ID (""
 * for a series), noted in the first pass: which copy of a UID is imported,
 * which instances are taken out of their series, and whether a changed
 * instance names its instance the way its series' DTSTART does. Sorted by
 * key, then oldest to newest copy, so a key's last note is its newest. */
struct note {
	char	uid[EVENT_UID_MAX + 1];
	char	rid[20];	/* "YYYYMMDD" names a date */
	long	sequence;
	time_t	modified;	/* LAST-MODIFIED, 0 when absent */
	time_t	stamp;		/* DTSTAMP, 0 when absent */
	long	line;		/* of BEGIN:VEVENT: which copy */
	int	all_day;
	int	skip;
};

/* A UID the import may store (a series' UID, or "uid#rid" as as_instance
 * names a changed instance) and the id of its event in the calendar (""
 * while none): all looked up in one statement before pass 2 (find_known)
 * instead of one round trip per event. Sorted by key. */
struct known {
	char	key[EVENT_UID_MAX + 1];
	char	id[EVENT_ID_LEN + 1];
};

/* The text[] literal of every key: at most ICS_MAX_EVENTS keys of
 * EVENT_UID_MAX bytes, each quoted with every byte escaped. */
#define KNOWN_ARRAY_MAX	((size_t)ICS_MAX_EVENTS * (2 * EVENT_UID_MAX + 3) + 2)

struct import_state {
	struct event_ctx	*c;
	const char		*calendar_id;	/* NULL: the default one */
	int64_t			 cpu_deadline;	/* clock_cpu_us */
	int64_t			 deadline;	/* monotonic us */
	long			 nevents;	/* VEVENTs seen in pass 1 */
	json_object		*errors;
	long			 imported, updated, skipped;
	struct ics_error	*err;
	int			 failed;	/* event_rc that stopped us */
	struct note		*notes;		/* sorted after pass 1 */
	size_t			 nnotes, nrids;
	struct known		*known;		/* a plain import's */
	size_t			 nknown;
	struct ics_sync		*sync;		/* NULL: a plain import */
};

static int
key_cmp(const struct note *a, const char *uid, const char *rid)
{
	int c = strcmp(a->uid, uid);

	return c != 0 ? c : strcmp(a->rid, rid);
}

static int
note_cmp(const void *pa, const void *pb)
{
	const struct note *a = pa, *b = pb;
	int c = key_cmp(a, b->uid, b->rid);

	if (c != 0)
		return c;
	if (a->sequence != b->sequence)
		return a->sequence < b->sequence ? -1 : 1;
	if (a->modified != b->modified)
		return a->modified < b->modified ? -1 : 1;
	if (a->stamp != b->stamp)
		return a->stamp < b->stamp ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

static int
known_cmp(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->key,
	    ((const struct known *)b)->key);
}

static struct known *
known_find(const struct import_state *s, const char *key)
{
	struct known k;

	if (s->nknown == 0 || strlen(key) > EVENT_UID_MAX)
		return NULL;
	snprintf(k.key, sizeof(k.key), "%s", key);
	return bsearch(&k, s->known, s->nknown, sizeof(k), known_cmp);
}

static void
known_found(const char *uid, const char *id, void *arg)
{
	struct known *k = known_find(arg, uid);

	if (k != NULL)
		snprintf(k->id, sizeof(k->id), "%s", id);
}

/* Before pass 2, inside its transaction: the keys the file's events are
 * stored under, and which of them the calendar has (locked, as
 * event_upsert_tx locks each). */
static enum event_rc
find_known(struct import_state *s)
{
	struct known	*k;
	struct buf	 b;
	size_t		 i, n = 0, ul, rl;
	enum event_rc	 rc = EVENT_NOMEM;

	if (s->nnotes == 0)
		return EVENT_OK;
	if ((s->known = calloc(s->nnotes, sizeof(*s->known))) == NULL)
		return EVENT_NOMEM;
	for (i = 0; i < s->nnotes; i++) {
		ul = strlen(s->notes[i].uid);
		rl = strlen(s->notes[i].rid);
		/* Too long for as_instance: skipped in pass 2. */
		if (s->notes[i].skip || (rl > 0 && ul + 1 + rl > EVENT_UID_MAX))
			continue;
		k = &s->known[n++];
		memcpy(k->key, s->notes[i].uid, ul + 1);
		if (rl > 0) {
			k->key[ul] = '#';
			memcpy(k->key + ul + 1, s->notes[i].rid, rl + 1);
		}
	}
	qsort(s->known, n, sizeof(*k), known_cmp);
	/* Copies of one key are one key. */
	for (i = 0; i < n; i++)
		if (s->nknown == 0 || strcmp(s->known[s->nknown - 1].key,
		    s->known[i].key) != 0)
			s->known[s->nknown++] = s->known[i];
	if (s->nknown == 0)
		return EVENT_OK;
	buf_init(&b, KNOWN_ARRAY_MAX);
	if (db_array_open(&b) == -1)
		goto out;
	for (i = 0; i < s->nknown; i++)
		if (db_array_text(&b, s->known[i].key) == -1)
			goto out;
	if (db_array_close(&b) == -1)
		goto out;
	rc = event_find_uids_tx(s->c, s->calendar_id, b.data, known_found, s);
out:
	buf_free(&b);
	return rc;
}

/* The first note at or after (uid, rid) (after, when past). */
static size_t
note_bound(const struct import_state *s, const char *uid, const char *rid,
    int past)
{
	size_t lo = 0, hi = s->nnotes, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_cmp(&s->notes[mid], uid, rid) < past)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The newest copy of (uid, rid), NULL when the file has none. */
static const struct note *
note_newest(const struct import_state *s, const char *uid, const char *rid)
{
	size_t i = note_bound(s, uid, rid, 1);

	if (i == 0 || key_cmp(&s->notes[i - 1], uid, rid) != 0)
		return NULL;
	return &s->notes[i - 1];
}

/* Refuses the whole file (-1) once the import has taken its budget (CPU,
 * or the wall-clock cap); read between events, whose own work recur.c
 * bounds. */
static int
over_budget(struct import_state *s, const struct ics_item *it)
{
	int cpu = clock_cpu_us() > s->cpu_deadline;

	if (!cpu && clock_mono_us() <= s->deadline)
		return 0;
	s->failed = EVENT_INVALID;
	s->err->line = it->line;
	s->err->too_costly = 1;
	/* Words for the account: which cap, never the name of a macro. */
	if (cpu)
		snprintf(s->err->msg, sizeof(s->err->msg), "importing this "
		    "file takes more than %d seconds of processing, so nothing "
		    "was imported; split it into smaller files",
		    ICS_IMPORT_BUDGET_MS / 1000);
	else
		snprintf(s->err->msg, sizeof(s->err->msg), "importing this "
		    "file takes more than %d seconds, so nothing was imported; "
		    "split it into smaller files, or try again when the service "
		    "is less busy", ICS_IMPORT_WALL_MS / 1000);
	return -1;
}

/* First pass: counts the events and notes every one with a UID, whatever
 * the order of series, copies and instances in the file. */
static int
note_event(struct ics_item *it, void *arg)
{
	struct import_state	*s = arg;
	struct note		*n;

	if (s->sync != NULL && ++s->nevents > s->sync->max_events) {
		s->failed = EVENT_INVALID;
		s->err->line = it->line;
		s->err->too_costly = s->err->too_many = 1;
		snprintf(s->err->msg, sizeof(s->err->msg), "more than %ld "
		    "events (subscription_max_events)", s->sync->max_events);
		return -1;
	}
	if (s->sync == NULL && ++s->nevents > ICS_MAX_EVENTS) {
		s->failed = EVENT_INVALID;
		s->err->line = it->line;
		s->err->too_costly = s->err->too_many = 1;
		snprintf(s->err->msg, sizeof(s->err->msg), "more than %d events "
		    "(VEVENT) in one file (ICS_MAX_EVENTS), so nothing was "
		    "imported; split it into smaller files", ICS_MAX_EVENTS);
		return -1;
	}
	if (over_budget(s, it))
		return -1;
	if (it->ev.uid[0] == '\0')
		return 0;
	if (it->has_rid && !it->skip && s->nrids++ == ICS_MAX_RIDS) {
		s->failed = EVENT_INVALID;
		s->err->line = it->line;
		snprintf(s->err->msg, sizeof(s->err->msg), "more than %d "
		    "changed instances (RECURRENCE-ID) in one file",
		    ICS_MAX_RIDS);
		return -1;
	}
	if ((s->nnotes & 255) == 0) {
		if ((n = reallocarray(s->notes, s->nnotes + 256,
		    sizeof(*n))) == NULL) {
			s->failed = EVENT_NOMEM;
			return -1;
		}
		s->notes = n;
	}
	n = &s->notes[s->nnotes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->uid, sizeof(n->uid), "%s", it->ev.uid);
	if (it->has_rid)
		snprintf(n->rid, sizeof(n->rid), "%s", it->rid);
	n->sequence = it->sequence;
	n->modified = it->modified;
	n->stamp = it->stamp;
	n->line = it->line;
	n->all_day = it->ev.all_day;
	n->skip = it->skip;
	return 0;
}

/* 1 when note i is an instance the file takes out of series ev: the
 * newest copy of each instance; one of the other kind names no instance
 * of this series (and is skipped). */
static int
takes_out(const struct import_state *s, size_t i, const struct event *ev)
{
	const struct note *n = &s->notes[i];

	return n->rid[0] != '\0' && !n->skip && !(i + 1 < s->nnotes &&
	    key_cmp(&s->notes[i + 1], n->uid, n->rid) == 0) &&
	    (strlen(n->rid) == 8) == ev->all_day;
}

/* Takes the file's changed instances of series ev out of it: EXDATE lines
 * of at most RECUR_MAX_LINE bytes. -1 when out of memory. */
static int
exclude_changed(const struct import_state *s, struct event *ev)
{
	const struct note *n;
	struct buf	 b;
	size_t		 i;
	int		 rc = -1;

	if (s->nrids == 0 || ev->nrecurrence == 0)
		return 0;
	buf_init(&b, RECUR_MAX_LINE);
	for (i = note_bound(s, ev->uid, "", 0); i < s->nnotes &&
	    !strcmp(s->notes[i].uid, ev->uid); i++) {
		n = &s->notes[i];
		if (!takes_out(s, i, ev))
			continue;
		if (b.len + 1 + strlen(n->rid) >= RECUR_MAX_LINE &&
		    event_add_line(ev, &b) == -1)
			goto out;
		if (b.len == 0 && buf_addstr(&b, ev->all_day ?
		    "EXDATE;VALUE=DATE:" : "EXDATE:") != BUF_OK)
			goto out;
		if (buf_printf(&b, "%s%s", b.data[b.len - 1] == ':' ? "" :
		    ",", n->rid) != BUF_OK)
			goto out;
	}
	if (b.len > 0 && event_add_line(ev, &b) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* A changed instance is stored as an event of its own, under the series'
 * UID and the instance it replaces, so that importing the file again
 * updates it. -1 when that UID would be too long. */
static int
as_instance(struct ics_item *it)
{
	size_t	 i, n = strlen(it->ev.uid);

	if (n + 1 + strlen(it->rid) > EVENT_UID_MAX)
		return -1;
	snprintf(it->ev.uid + n, sizeof(it->ev.uid) - n, "#%s", it->rid);
	for (i = 0; i < it->ev.nrecurrence; i++)
		free(it->ev.recurrence[i]);
	free(it->ev.recurrence);
	it->ev.recurrence = NULL;
	it->ev.nrecurrence = 0;
	return 0;
}

/* Counts a skipped event and lists it in errors (the first
 * ICS_MAX_ERRORS). 0, or -1 out of memory (s->failed set). */
static int
note_skip(struct import_state *s, const struct ics_item *it, const char *why)
{
	json_object *e;

	s->skipped++;
	if (json_object_array_length(s->errors) >= ICS_MAX_ERRORS)
		return 0;
	if ((e = json_object_new_object()) == NULL ||
	    jsonout_int(e, "line", it->line) == -1 ||
	    jsonout_string(e, "uid", it->ev.uid) == -1 ||
	    jsonout_string(e, "message", why) == -1) {
		json_object_put(e);
		s->failed = EVENT_NOMEM;
		return -1;
	}
	if (jsonout_push(s->errors, e) == -1) {
		s->failed = EVENT_NOMEM;
		return -1;
	}
	return 0;
}

/* Adds to master v of series ev the EXDATEs exclude_changed gave the
 * row: a changed instance is an event of its own (its object a VEVENT of
 * its own UID, below), a cancelled one none, so the series' object must
 * not bring either back. 0, or -1 when libical cannot make one (memory). */
static int
changed_dates(const struct import_state *s, const struct event *ev,
    icalcomponent *v)
{
	const struct note *n;
	icalproperty	*p;
	char		 line[48];
	size_t		 i;

	if (s->nrids == 0 || ev->nrecurrence == 0)
		return 0;
	for (i = note_bound(s, ev->uid, "", 0); i < s->nnotes &&
	    !strcmp(s->notes[i].uid, ev->uid); i++) {
		n = &s->notes[i];
		if (!takes_out(s, i, ev))
			continue;
		snprintf(line, sizeof(line), "EXDATE%s:%s", ev->all_day ?
		    ";VALUE=DATE" : "", n->rid);
		if ((p = icalproperty_new_from_string(line)) == NULL)
			return -1;
		icalcomponent_add_property(v, p);
	}
	return 0;
}

/* The file's VEVENT of it as the event's stored object (export, CalDAV),
 * every property kept. Its VALARMs are the event's reminders, marked as
 * ours (ics_vevent's): the import mails every VALARM it can read, while
 * object.c mails an app's DISPLAY alarm only when the calendar says so,
 * and would map the file's alarms it cannot use; with the reminders in
 * the object, a remap or a REST edit mails what the import planned and
 * nothing more. NULL (the object is generated from the row) when libical
 * cannot read the VEVENT, when it is over ICS_MAX_OBJECT or memory runs
 * out. */
static char *
import_object(const struct import_state *s, const struct ics_item *it)
{
	icalcomponent	*cal, *v, *gen = NULL, *a;
	icalproperty	*p;
	struct event	 alarms;
	char		*text = NULL;

	if ((cal = ics_item_object(it)) == NULL)
		return NULL;
	/* ics_vevent for the reminders' VALARMs only: without the rules,
	 * which it would parse for nothing. */
	alarms = it->ev;
	alarms.recurrence = NULL;
	alarms.nrecurrence = 0;
	if ((v = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT)) == NULL || (it->ev.nreminders > 0 &&
	    (gen = ics_vevent(&alarms)) == NULL))
		goto out;
	if (!it->has_rid && changed_dates(s, &it->ev, v) == -1)
		goto out;
	/* A changed instance is stored as an event of its own (as_instance):
	 * its object says so, under that event's UID, so that a CalDAV
	 * collection has one object per UID and an app can write it back. */
	if (it->has_rid) {
		while ((p = icalcomponent_get_first_property(v,
		    ICAL_RECURRENCEID_PROPERTY)) != NULL) {
			icalcomponent_remove_property(v, p);
			icalproperty_free(p);
		}
		icalcomponent_set_uid(v, it->ev.uid);
	}
	while ((a = icalcomponent_get_first_component(v,
	    ICAL_VALARM_COMPONENT)) != NULL) {
		icalcomponent_remove_component(v, a);
		icalcomponent_free(a);
	}
	while (gen != NULL && (a = icalcomponent_get_first_component(gen,
	    ICAL_VALARM_COMPONENT)) != NULL) {
		icalcomponent_remove_component(gen, a);
		icalcomponent_add_component(v, a);
	}
	if ((text = icalcomponent_as_ical_string_r(cal)) != NULL &&
	    strlen(text) > ICS_MAX_OBJECT) {
		free(text);
		text = NULL;
	}
out:
	if (gen != NULL)
		icalcomponent_free(gen);
	icalcomponent_free(cal);
	return text;
}

static int
import_one(struct ics_item *it, void *arg)
{
	struct import_state	*s = arg;
	const struct note	*n;
	struct known		*k;
	struct recur		 rec;
	struct event_error	 eerr;
	enum event_rc		 rc;
	int			 updated;
	char			 why[320], *ical;

	if (over_budget(s, it))
		return -1;
	if (it->skip)
		return note_skip(s, it, it->why);
	/* Of several copies of one UID (and RECURRENCE-ID), the newest. */
	if (it->ev.uid[0] != '\0' && (n = note_newest(s, it->ev.uid,
	    it->has_rid ? it->rid : "")) != NULL && n->line != it->line) {
		snprintf(why, sizeof(why), "an older copy of this event: the "
		    "copy at line %ld has a higher SEQUENCE, a later "
		    "LAST-MODIFIED, a later DTSTAMP, or comes later in the file",
		    n->line);
		return note_skip(s, it, why);
	}
	/* A changed instance names its instance as its series' DTSTART
	 * does: a date for an all-day series, else a date-time. */
	if (it->has_rid && (n = note_newest(s, it->ev.uid, "")) != NULL &&
	    !n->skip && (strlen(it->rid) == 8) != n->all_day)
		return note_skip(s, it, n->all_day ? "RECURRENCE-ID is a "
		    "date-time but the series' DTSTART is a date" :
		    "RECURRENCE-ID is a date but the series' DTSTART is a "
		    "date-time");
	if (it->has_rid) {
		/* Cancelled: the series' EXDATE says it all. */
		if (it->cancelled)
			return 0;
		if (as_instance(it) == -1)
			return note_skip(s, it, "UID too long to store a "
			    "changed instance under");
	} else if (exclude_changed(s, &it->ev) == -1) {
		s->failed = EVENT_NOMEM;
		return -1;
	}
	/* A feed's alarms are not ours to mail: its events get the
	 * reminders the subscription asks for, or none. */
	if (s->sync != NULL) {
		it->ev.nreminders = s->sync->nreminders;
		if (it->ev.nreminders > 0)
			memcpy(it->ev.reminders, s->sync->reminders,
			    it->ev.nreminders * sizeof(it->ev.reminders[0]));
	}
	if ((rc = event_check(&it->ev, &rec, &eerr)) != EVENT_OK) {
		if (rc == EVENT_NOMEM) {
			s->failed = rc;
			return -1;
		}
		snprintf(why, sizeof(why), "%.60s: %.250s", eerr.field,
		    eerr.msg);
		return note_skip(s, it, why);
	}
	if (s->calendar_id != NULL)
		snprintf(it->ev.calendar_id, sizeof(it->ev.calendar_id), "%s",
		    s->calendar_id);
	ical = import_object(s, it);
	updated = 0;
	if (s->sync != NULL)
		rc = s->sync->store(s->c, &it->ev, &rec, ical, s->sync->arg);
	else if ((k = known_find(s, it->ev.uid)) != NULL) {
		snprintf(it->ev.id, sizeof(it->ev.id), "%s", k->id);
		updated = k->id[0] != '\0';
		rc = event_upsert_found_tx(s->c, &it->ev, &rec, ical);
		/* A later event under the same key updates this one. */
		if (rc == EVENT_OK && !updated)
			snprintf(k->id, sizeof(k->id), "%s", it->ev.id);
	} else
		rc = event_upsert_tx(s->c, &it->ev, &rec, ical, &updated);
	free(ical);
	recur_free(&rec);
	if (rc != EVENT_OK) {
		s->failed = rc;
		s->err->line = it->line;
		snprintf(s->err->msg, sizeof(s->err->msg), "%.190s",
		    rc == EVENT_INVALID ? s->c->err.msg : "cannot be stored");
		return -1;
	}
	if (updated)
		s->updated++;
	else
		s->imported++;
	return 0;
}

/* Pass 1 over the file (and what its VCALENDAR says into cal, when not
 * NULL): the notes, sorted. */
static enum event_rc
note_file(struct import_state *s, const char *tz, const char *data,
    size_t len, struct ics_calendar *cal)
{
	int prc;

	prc = ics_parse_calendar(data, len, tz, note_event, s, cal, s->err);
	if (prc == -1 || (prc == -2 && s->failed == EVENT_INVALID))
		return EVENT_INVALID;
	if (prc != 0)
		return EVENT_NOMEM;
	if (s->nnotes > 1)
		qsort(s->notes, s->nnotes, sizeof(*s->notes), note_cmp);
	return EVENT_OK;
}

/* Pass 2, inside the caller's transaction: every event stored. */
static enum event_rc
store_file(struct import_state *s, const char *tz, const char *data,
    size_t len)
{
	int prc;

	prc = ics_parse(data, len, tz, import_one, s, s->err);
	if (prc == -1 || (prc == -2 && s->failed == EVENT_INVALID))
		return EVENT_INVALID;
	if (prc == -3 || (prc == -2 && s->failed == EVENT_NOMEM))
		return EVENT_NOMEM;
	if (prc != 0)
		return s->failed ? (enum event_rc)s->failed : EVENT_DB;
	return EVENT_OK;
}

enum event_rc
ics_sync_tx(struct event_ctx *c, struct ics_sync *sync, const char *data,
    size_t len, struct ics_error *err)
{
	struct import_state	 s;
	enum event_rc		 rc;

	memset(err, 0, sizeof(*err));
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.calendar_id = sync->calendar_id;
	s.err = err;
	s.sync = sync;
	sync->stored = sync->skipped = 0;
	s.cpu_deadline = clock_cpu_us() + ICS_IMPORT_BUDGET_MS * 1000L;
	s.deadline = clock_mono_us() + ICS_IMPORT_WALL_MS * 1000L;
	if ((s.errors = json_object_new_array()) == NULL)
		return EVENT_NOMEM;
	if ((rc = note_file(&s, sync->time_zone, data, len, &sync->cal)) ==
	    EVENT_OK)
		rc = store_file(&s, sync->time_zone, data, len);
	sync->stored = s.imported + s.updated;
	sync->skipped = s.skipped;
	json_object_put(s.errors);
	free(s.notes);
	return rc;
}

enum event_rc
ics_import(struct event_ctx *c, const char *calendar_id, const char *data,
    size_t len, json_object **result, struct ics_error *err)
{
	struct import_state	 s;
	struct event_defaults	 def;
	enum event_rc		 rc;
	enum db_rc		 drc;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.calendar_id = calendar_id;
	s.err = err;
	s.cpu_deadline = clock_cpu_us() + ICS_IMPORT_BUDGET_MS * 1000L;
	s.deadline = clock_mono_us() + ICS_IMPORT_WALL_MS * 1000L;
	/* A subscription's calendar takes no import (the default one is
	 * never read-only). Not rechecked in the transaction: a calendar
	 * never becomes read-only after it is made. */
	if (calendar_id != NULL &&
	    (rc = calendar_writable(c, calendar_id)) != EVENT_OK)
		return rc;
	if ((rc = event_user_defaults(c, &def)) != EVENT_OK)
		return rc;
	if ((s.errors = json_object_new_array()) == NULL)
		return EVENT_NOMEM;
	/* Pass 1 notes the events (copies, changed instances), pass 2
	 * stores. */
	if ((rc = note_file(&s, def.time_zone, data, len, NULL)) != EVENT_OK)
		goto out;
	if ((drc = db_begin(c->db)) != DB_OK) {
		c->dbrc = drc;
		rc = EVENT_DB;
		goto out;
	}
	if ((rc = find_known(&s)) != EVENT_OK ||
	    (rc = store_file(&s, def.time_zone, data, len)) != EVENT_OK)
		goto out;
	if ((drc = db_commit(c->db)) != DB_OK) {
		c->dbrc = drc;
		rc = EVENT_DB;
		goto out;
	}
	/* Committed: what is left to fail is the answer, whose memory the
	 * caller reports as a server error. */
	rc = EVENT_NOMEM;
	if ((*result = json_object_new_object()) == NULL ||
	    jsonout_int(*result, "imported", s.imported) == -1 ||
	    jsonout_int(*result, "updated", s.updated) == -1 ||
	    jsonout_int(*result, "skipped", s.skipped) == -1)
		goto out;
	rc = jsonout_add(*result, "errors", s.errors) == 0 ? EVENT_OK :
	    EVENT_NOMEM;
	s.errors = NULL;
out:
	if (rc != EVENT_OK) {
		db_rollback(c->db);
		json_object_put(*result);
		*result = NULL;
	}
	json_object_put(s.errors);
	free(s.notes);
	free(s.known);
	return rc;
}
