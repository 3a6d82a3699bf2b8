/* plan.c — which reminder mails are due when (see plan.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/array.h"
#include "events/plan.h"

struct plan_walk {
	struct plan		*p;
	const struct event	*ev;
	time_t			 lo, hi;
	int			 nomem;
};

static int
plan_add(time_t occ, void *arg)
{
	struct plan_walk	*w = arg;
	struct plan_item	*n;
	size_t			 i;
	time_t			 due;

	for (i = 0; i < w->ev->nreminders; i++) {
		due = occ - (time_t)w->ev->reminders[i] * 60;
		if (due < w->lo || due > w->hi)
			continue;
		if (w->p->n >= PLAN_MAX)
			return 1;
		if (w->p->n == w->p->alloc) {
			size_t na = w->p->alloc ? w->p->alloc * 2 : 16;

			if ((n = reallocarray(w->p->items, na,
			    sizeof(*n))) == NULL) {
				w->nomem = 1;
				return 1;
			}
			w->p->items = n;
			w->p->alloc = na;
		}
		w->p->items[w->p->n].occurrence = occ;
		w->p->items[w->p->n].minutes = w->ev->reminders[i];
		w->p->items[w->p->n].due = due;
		w->p->n++;
	}
	return 0;
}

int
plan_build(struct plan *p, const struct event *ev, const struct recur *rec,
    icaltimezone *z, time_t lo, time_t hi)
{
	struct plan_walk	 w;
	int			 minm = REMINDER_MINUTES_MAX, maxm = 0;
	size_t			 i;

	memset(p, 0, sizeof(*p));
	if (ev->nreminders == 0 || hi < lo)
		return 0;
	for (i = 0; i < ev->nreminders; i++) {
		if (ev->reminders[i] < minm)
			minm = ev->reminders[i];
		if (ev->reminders[i] > maxm)
			maxm = ev->reminders[i];
	}
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.ev = ev;
	w.lo = lo;
	w.hi = hi;
	(void)recur_expand(rec, ev->start, ev->all_day, z,
	    lo + (time_t)minm * 60, hi + (time_t)maxm * 60 + 1, plan_add, &w);
	if (w.nomem) {
		plan_free(p);
		return -1;
	}
	return 0;
}

void
plan_free(struct plan *p)
{
	free(p->items);
	memset(p, 0, sizeof(*p));
}

int
plan_has(const struct plan *p, time_t occurrence, int minutes)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->items[i].occurrence == occurrence &&
		    p->items[i].minutes == minutes)
			return 1;
	return 0;
}

void
plan_until(const struct event *ev, const struct recur *rec, icaltimezone *z,
    time_t hi, char *out, size_t outlen)
{
	time_t	 last = 0;
	int	 rc;

	rc = recur_last_start(rec, ev->start, ev->all_day, z, &last);
	plan_until_last(ev, rc, last, hi, out, outlen);
}

void
plan_until_last(const struct event *ev, int last_rc, time_t last, time_t hi,
    char *out, size_t outlen)
{
	int	 minm = REMINDER_MINUTES_MAX;
	size_t	 i;

	for (i = 0; i < ev->nreminders; i++)
		if (ev->reminders[i] < minm)
			minm = ev->reminders[i];
	if (ev->nreminders == 0 ||
	    (last_rc == 0 && last - (time_t)minm * 60 <= hi)) {
		snprintf(out, outlen, "infinity");
		return;
	}
	if (rfc3339_format(hi, 0, out, outlen) == -1)
		snprintf(out, outlen, "infinity");
}

int
plan_arrays(const struct plan *p, struct buf *occ, struct buf *min,
    struct buf *due)
{
	size_t	 i;
	int	 bad = 0;

	bad |= db_array_open(occ) | db_array_open(min) | db_array_open(due);
	for (i = 0; i < p->n && !bad; i++) {
		bad |= db_array_int(occ, (long long)p->items[i].occurrence);
		bad |= db_array_int(min, p->items[i].minutes);
		bad |= db_array_int(due, (long long)p->items[i].due);
	}
	bad |= db_array_close(occ) | db_array_close(min) | db_array_close(due);
	return bad ? -1 : 0;
}
