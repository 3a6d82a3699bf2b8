/* recur.c — recurrence parsing and expansion (see recur.h). The rule text is
 * checked here part by part before libical sees it: libical accepts rules
 * that never occur and then searches for centuries inside one call, so
 * every rule it gets must be one that finds its occurrences quickly. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events/recur.h"
#include "events/rfc3339.h"
#include "core/zone.h"

#define RULE_PARTS	16

static void
seterr(struct recur_error *err, int index, const char *msg)
{
	err->index = index;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

/* Strict unsigned decimal in [min, max]; no sign, blanks or overflow. */
static int
num(const char *s, size_t len, long min, long max, long *out)
{
	long	 v = 0;
	size_t	 i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A signed list element: [+|-]digits with |v| in [1, max]. */
static int
signed_num(const char *s, size_t len, long max, long *out)
{
	int sign = 1;

	if (len > 0 && (*s == '+' || *s == '-')) {
		sign = *s == '-' ? -1 : 1;
		s++;
		len--;
	}
	if (num(s, len, 1, max, out) == -1)
		return -1;
	*out *= sign;
	return 0;
}

static const char *const weekdays[7] = {
	"SU", "MO", "TU", "WE", "TH", "FR", "SA"
};

static int
weekday(const char *s, size_t len)
{
	int i;

	if (len != 2)
		return -1;
	for (i = 0; i < 7; i++)
		if (!memcmp(s, weekdays[i], 2))
			return i;
	return -1;
}

enum freq { F_NONE, F_DAILY, F_WEEKLY, F_MONTHLY, F_YEARLY };

struct rule_parts {
	enum freq	 freq;
	long		 count, interval;
	int		 has_until, until_is_date;
	int		 y, mo, d, h, mi, s;	/* UNTIL */
	int		 has_bymonth, bymonth[13];	/* 1..12: times given */
	int		 has_bymonthday;
	long		 bymonthday[31 * 2];
	int		 nbymonthday;
	int		 has_byday, byday_ordinal, byday_maxord, nbyday;
	int		 nbyday_ord;
	long		 byday_ord[7 * 53];	/* the numbered entries */
	int		 bydow[7 * 53];		/* every entry: 0 = SU */
	int		 bypos[7 * 53];		/* and its number, 0 none */
	int		 nbymonth;
	long		 setpos_min;	/* smallest |BYSETPOS| */
	int		 has_byyearday, has_byweekno, has_bysetpos;
	int		 byyearday[366], nbyyearday;
	int		 bysetpos[366], nbysetpos;
	int		 wkst;		/* 0 = SU; MO unless WKST= */
	unsigned	 seen;
};

/* Checks a comma-separated list with an element checker. */
static int
list_each(const char *v, size_t vlen, int maxn,
    int (*fn)(const char *, size_t, struct rule_parts *),
    struct rule_parts *p)
{
	const char	*e, *end = v + vlen;
	int		 n = 0;

	for (;;) {
		e = memchr(v, ',', (size_t)(end - v));
		if (e == NULL)
			e = end;
		if (++n > maxn || fn(v, (size_t)(e - v), p) == -1)
			return -1;
		if (e == end)
			return 0;
		v = e + 1;
	}
}

static int
el_month(const char *s, size_t len, struct rule_parts *p)
{
	long v;

	if (num(s, len, 1, 12, &v) == -1)
		return -1;
	if (!p->bymonth[v])
		p->nbymonth++;
	p->bymonth[v]++;	/* libical counts a month given twice twice */
	return 0;
}

static int
el_monthday(const char *s, size_t len, struct rule_parts *p)
{
	long v;

	if (signed_num(s, len, 31, &v) == -1 || p->nbymonthday >= 62)
		return -1;
	p->bymonthday[p->nbymonthday++] = v;
	return 0;
}

static int
el_yearday(const char *s, size_t len, struct rule_parts *p)
{
	long v;

	if (signed_num(s, len, 366, &v) == -1 || p->nbyyearday >= 366)
		return -1;
	p->byyearday[p->nbyyearday++] = (int)v;
	return 0;
}

static int
el_setpos(const char *s, size_t len, struct rule_parts *p)
{
	long v;

	if (signed_num(s, len, 366, &v) == -1 || p->nbysetpos >= 366)
		return -1;
	p->bysetpos[p->nbysetpos++] = (int)v;
	if (v < 0)
		v = -v;
	if (p->setpos_min == 0 || v < p->setpos_min)
		p->setpos_min = v;
	return 0;
}

/* The most candidates one period of the rule can hold, for BYSETPOS. */
static long
set_size(const struct rule_parts *p)
{
	long	 m;

	switch (p->freq) {
	case F_DAILY:
		return 1;
	case F_WEEKLY:
		return p->has_byday && !p->byday_ordinal ? p->nbyday : 1;
	case F_MONTHLY:
		/* Without BYDAY or BYMONTHDAY, a month holds DTSTART's day
		 * only. */
		if (!p->has_byday && !p->has_bymonthday)
			return 1;
		m = 31;
		if (p->has_bymonthday && p->nbymonthday < m)
			m = p->nbymonthday;
		/* A numbered weekday is one day a month, a plain one five. */
		if (p->has_byday && p->nbyday_ord + 5L * (p->nbyday -
		    p->nbyday_ord) < m)
			m = p->nbyday_ord + 5L * (p->nbyday - p->nbyday_ord);
		return m;
	default:
		if (!p->has_byday && !p->has_bymonthday && !p->has_byyearday)
			return p->has_bymonth ? p->nbymonth : 1;
		m = 366;
		if (p->has_byday && !p->has_bymonthday && !p->has_byyearday &&
		    p->nbyday_ord + 53L * (p->nbyday - p->nbyday_ord) < m)
			m = p->nbyday_ord + 53L * (p->nbyday - p->nbyday_ord);
		if (p->has_bymonth && 31L * p->nbymonth < m)
			m = 31L * p->nbymonth;
		if (p->has_bymonthday && p->nbymonthday *
		    (p->has_bymonth ? p->nbymonth : 12) < m)
			m = p->nbymonthday * (p->has_bymonth ? p->nbymonth : 12);
		return m;
	}
}

static int
el_day(const char *s, size_t len, struct rule_parts *p)
{
	long v;

	if (len < 2 || weekday(s + len - 2, 2) == -1 || p->nbyday >= 7 * 53)
		return -1;
	p->bydow[p->nbyday] = weekday(s + len - 2, 2);
	p->bypos[p->nbyday] = 0;
	p->nbyday++;
	if (len > 2) {
		if (signed_num(s, len - 2, 53, &v) == -1 ||
		    p->nbyday_ord >= 7 * 53)
			return -1;
		p->byday_ord[p->nbyday_ord++] = v;
		p->bypos[p->nbyday - 1] = (int)v;
		p->byday_ordinal = 1;
		if (v > p->byday_maxord || -v > p->byday_maxord)
			p->byday_maxord = (int)(v < 0 ? -v : v);
	}
	return 0;
}

/* UNTIL: YYYYMMDD, or YYYYMMDDTHHMMSSZ. */
static int
parse_until(const char *v, size_t len, struct rule_parts *p)
{
	long y, mo, d, h, mi, s;

	if (len != 8 && len != 16)
		return -1;
	if (num(v, 4, 0, 9999, &y) == -1 || num(v + 4, 2, 1, 12, &mo) == -1 ||
	    num(v + 6, 2, 1, 31, &d) == -1 ||
	    !rfc3339_valid_date((int)y, (int)mo, (int)d))
		return -1;
	p->y = (int)y;
	p->mo = (int)mo;
	p->d = (int)d;
	p->has_until = 1;
	if (len == 8) {
		p->until_is_date = 1;
		return 0;
	}
	if (v[8] != 'T' || v[15] != 'Z' || num(v + 9, 2, 0, 23, &h) == -1 ||
	    num(v + 11, 2, 0, 59, &mi) == -1 || num(v + 13, 2, 0, 59, &s) == -1)
		return -1;
	p->h = (int)h;
	p->mi = (int)mi;
	p->s = (int)s;
	return 0;
}

static int
days_in(int m, int leap)
{
	static const int dim[13] = {
		0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap ? 29 : dim[m];
}

/* 1 when the n-th (or n-th last) weekday of a month of dim days can fall
 * on day d (negative: from the end). */
static int
ordinal_hits(long n, long d, int dim)
{
	int lo, hi;

	if (d < 0)
		d = dim + 1 + d;
	if (d < 1 || d > dim)
		return 0;
	if (n > 0) {
		lo = (int)(7 * (n - 1) + 1);
		hi = (int)(7 * n);
	} else {
		lo = dim + 1 + (int)(7 * n);
		hi = dim + (int)(7 * (n + 1));
	}
	return d >= lo && d <= hi;
}

/* With BYMONTHDAY, a rule whose every weekday is numbered occurs only where
 * some numbered weekday can be on some of those days. */
static int
ordinal_monthday_possible(const struct rule_parts *p)
{
	int	 i, j, m, leap, dim;

	if (!p->has_bymonthday || p->nbyday_ord == 0 ||
	    p->nbyday_ord != p->nbyday)
		return 1;
	for (m = 1; m <= 12; m++) {
		if (p->has_bymonth && !p->bymonth[m])
			continue;
		for (leap = 0; leap <= 1; leap++) {
			dim = days_in(m, leap);
			for (i = 0; i < p->nbyday_ord; i++)
				for (j = 0; j < p->nbymonthday; j++)
					if (ordinal_hits(p->byday_ord[i],
					    p->bymonthday[j], dim))
						return 1;
		}
	}
	return 0;
}

/* 1 when some BYMONTHDAY value exists in some allowed month. */
static int
monthday_possible(const struct rule_parts *p)
{
	int	 m, i, any = 0;

	for (m = 1; m <= 12; m++) {
		if (p->has_bymonth && !p->bymonth[m])
			continue;
		for (i = 0; i < p->nbymonthday; i++) {
			long v = p->bymonthday[i];

			if ((v > 0 ? v : -v) <= days_in(m, 1))
				any = 1;
		}
	}
	return any;
}

/* 1 when a rule that repeats DTSTART's day of the month (no BYDAY,
 * BYMONTHDAY or BYYEARDAY) finds that day in a month it allows; and when a
 * yearly BYMONTHDAY without BYMONTH (DTSTART's month) can occur. */
static int
start_day_possible(const struct rule_parts *p, int m0, int d0)
{
	struct rule_parts	 q;
	int			 m;

	if ((p->freq != F_MONTHLY && p->freq != F_YEARLY) || p->has_byday ||
	    p->has_byyearday)
		return 1;
	if (p->has_bymonthday) {
		if (p->freq != F_YEARLY || p->has_bymonth)
			return 1;
		q = *p;
		memset(q.bymonth, 0, sizeof(q.bymonth));
		q.bymonth[m0] = 1;
		q.has_bymonth = 1;
		return monthday_possible(&q);
	}
	for (m = 1; m <= 12; m++) {
		if (p->has_bymonth ? !p->bymonth[m] : (p->freq == F_YEARLY &&
		    m != m0))
			continue;
		if (d0 <= days_in(m, 1))
			return 1;
	}
	return 0;
}

/* 1 when a monthly rule with INTERVAL, starting in month m0, reaches a
 * month BYMONTH allows (every 2 months from March never meets April). */
static int
months_reachable(const struct rule_parts *p, int m0)
{
	long j;

	if (p->freq != F_MONTHLY || !p->has_bymonth)
		return 1;
	for (j = 0; j < 12; j++)
		if (p->bymonth[(m0 - 1 + j * p->interval) % 12 + 1])
			return 1;
	return 0;
}

/*
 * How sparse a rule is. libical 3.0.16 finds the next occurrence of a
 * MONTHLY or YEARLY rule by expanding one month or year after another in a
 * loop (next_yearday, __iterator_set_start) that checks neither UNTIL nor
 * its last year: a rule whose months are all empty
 * (FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=31;BYMONTH=2) keeps one
 * icalrecur_iterator_next call searching up to the year 20000 (1.4 s here),
 * a YEARLY one without end. DAILY and WEEKLY rules step a day (or a BYDAY
 * slot) at a time up to the year 2582. The clock cannot stop a call that
 * is under way, so the bound is put on the rule before libical sees it:
 * the days each period holds are counted here with libical's own reading
 * of the BY parts (expand_month_days, expand_year_days, expand_by_day,
 * filter_bysetpos; check_contracting_rules for DAILY and WEEKLY), and the
 * periods the iterator visits are walked over the 400-year Gregorian cycle
 * (DAILY/WEEKLY: up to libical's last year). A rule whose visited periods
 * are all empty never occurs; one with more than RECUR_MAX_EMPTY_* empty
 * periods in a row is too sparse. What passes makes every libical call
 * walk at most that many empty periods. This only decides whether a period
 * is empty; libical remains the engine that expands.
 */
#define CYCLE_YEARS	400	/* the Gregorian calendar repeats after it */
#define ICAL_LAST_YEAR	2582	/* libical's MAX_TIME_T_YEAR (64-bit) */

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Weekday of a civil date, 0 = Sunday. */
static int
dow_of(int y, int m, int d)
{
	int64_t n = rfc3339_days_from_civil(y, m, d);

	/* 1970-01-01 was a Thursday. */
	return (int)(((n % 7) + 7 + 4) % 7);
}

/* Days of the year before month m. */
static int
month_offset(int m, int leap)
{
	int i, o = 0;

	for (i = 1; i < m; i++)
		o += days_in(i, leap);
	return o;
}

/* libical's expand_by_day over len days whose first is weekday f, numbered
 * weekdays counted within them: in[1..len] set for the days BYDAY names. */
static void
byday_marks(const struct rule_parts *p, int len, int f, unsigned char *in)
{
	int i, first, last, day, lastdow = (f + len - 1) % 7;

	memset(in, 0, (size_t)len + 1);
	for (i = 0; i < p->nbyday; i++) {
		first = (p->bydow[i] - f + 7) % 7 + 1;
		last = len - (lastdow - p->bydow[i] + 7) % 7;
		if (p->bypos[i] == 0)
			for (day = first; day <= len; day += 7)
				in[day] = 1;
		else if (p->bypos[i] > 0) {
			day = first + (p->bypos[i] - 1) * 7;
			if (day <= last)
				in[day] = 1;
		} else {
			day = last + (p->bypos[i] + 1) * 7;
			if (day >= first)
				in[day] = 1;
		}
	}
}

/* libical's filter_bysetpos: 1 when one of n candidate days survives.
 * t is libical's own candidate count, which counts a BYMONTHDAY or
 * BYYEARDAY value given twice twice. */
static int
setpos_keeps(const struct rule_parts *p, int n, int t, int use_setpos)
{
	int k, v;

	if (!p->has_bysetpos || !use_setpos)
		return n > 0;
	for (k = 0; k < p->nbysetpos; k++) {
		v = p->bysetpos[k];
		/* Day i (from 0) survives for i + 1 == v or i - t == v. */
		if ((v > 0 && v <= n) || (v < 0 && t + v >= 0 && t + v < n))
			return 1;
	}
	return 0;
}

/* 1 when a MONTHLY rule has a day in a month of len days starting on
 * weekday f (libical's expand_month_days); d0: DTSTART's day. */
static int
month_holds(const struct rule_parts *p, int len, int f, int d0, int use_setpos)
{
	unsigned char	 in[32], bd[32];
	int		 i, v, t = 0, n = 0, day;

	memset(in, 0, sizeof(in));
	if (p->has_bymonthday) {
		for (i = 0; i < p->nbymonthday; i++) {
			v = (int)p->bymonthday[i];
			if (v > len || -v > len)
				continue;
			in[v > 0 ? v : len + 1 + v] = 1;
			t++;
		}
	} else if (d0 <= len) {
		in[d0] = 1;
		t = 1;
	}
	if (p->has_byday) {
		byday_marks(p, len, f, bd);
		t = 0;
		for (day = 1; day <= len; day++) {
			in[day] = p->has_bymonthday ? in[day] & bd[day] :
			    bd[day];
			t += in[day];
		}
	}
	for (day = 1; day <= len; day++)
		n += in[day];
	return setpos_keeps(p, n, t, use_setpos);
}

/* 1 when a YEARLY rule has a day in a year (leap or not, 1 January on
 * weekday f): libical's expand_year_days; m0, d0: DTSTART's month, day. */
static int
year_holds(const struct rule_parts *p, int leap, int f, int m0, int d0,
    int use_setpos)
{
	unsigned char	 in[367], bd[367];
	int		 diy = 365 + leap, t = 0, n = 0, i, m, v, len, off, day,
			 mult;

	memset(in, 0, sizeof(in));
	if (p->has_byyearday) {
		for (i = 0; i < p->nbyyearday; i++) {
			v = p->byyearday[i];
			if (v > diy || -v > diy)
				continue;
			in[v > 0 ? v : diy + 1 + v] = 1;
			t++;
		}
	} else {
		for (m = 1; m <= 12; m++) {
			if (p->has_bymonth ? !p->bymonth[m] : m != m0)
				continue;
			len = days_in(m, leap);
			off = month_offset(m, leap);
			mult = p->has_bymonth ? p->bymonth[m] : 1;
			if (!p->has_bymonthday) {
				if (d0 <= len) {
					in[off + d0] = 1;
					t += mult;
				}
				continue;
			}
			for (i = 0; i < p->nbymonthday; i++) {
				v = (int)p->bymonthday[i];
				if (v > len || -v > len)
					continue;
				in[off + (v > 0 ? v : len + 1 + v)] = 1;
				t += mult;
			}
		}
	}
	if (p->has_byday) {
		int limiting = p->has_byyearday || p->has_bymonthday;

		t = 0;
		if (p->has_bymonth) {
			/* Numbered weekdays count within each month. */
			for (m = 1; m <= 12; m++) {
				if (!p->bymonth[m])
					continue;
				len = days_in(m, leap);
				off = month_offset(m, leap);
				byday_marks(p, len, (f + off) % 7, bd);
				for (day = 1; day <= len; day++) {
					in[off + day] = limiting ?
					    in[off + day] & bd[day] : bd[day];
					t += in[off + day] * p->bymonth[m];
				}
			}
		} else {
			byday_marks(p, diy, f, bd);
			for (day = 1; day <= diy; day++) {
				in[day] = limiting ? in[day] & bd[day] :
				    bd[day];
				t += in[day];
			}
		}
	}
	for (day = 1; day <= diy; day++)
		n += in[day];
	return setpos_keeps(p, n, t, use_setpos);
}

/* The same year in the 400-year cycle, kept near the present. */
static int
cycle_year(int64_t y)
{
	return (int)(2000 + ((y - 2000) % CYCLE_YEARS + CYCLE_YEARS) %
	    CYCLE_YEARS);
}

/* Most visited months in a row without an occurrence, or -1 when no month
 * the MONTHLY rule visits has one. */
static long
monthly_gap(const struct rule_parts *p, int y0, int m0, int d0,
    int use_setpos)
{
	unsigned char	 holds[4][7], good[CYCLE_YEARS * 12];
	int64_t		 start = (int64_t)y0 * 12 + (m0 - 1), mi;
	long		 j, run = 0, worst = 0, all = 1;
	int		 len, f, y, m, any = 0;

	for (len = 28; len <= 31; len++)
		for (f = 0; f < 7; f++) {
			holds[len - 28][f] = (unsigned char)month_holds(p, len,
			    f, d0, use_setpos);
			all &= holds[len - 28][f];
		}
	if (all && !p->has_bymonth)
		return 0;
	/* Whether each month of the cycle (from January 2000) holds one. */
	for (y = 2000, f = dow_of(2000, 1, 1); y < 2000 + CYCLE_YEARS; y++)
		for (m = 1; m <= 12; m++) {
			len = days_in(m, leap_year(y));
			good[(y - 2000) * 12 + m - 1] = (unsigned char)
			    ((!p->has_bymonth || p->bymonth[m]) &&
			    holds[len - 28][f]);
			f = (f + len) % 7;
		}
	/* The visited months repeat after at most 4800 visits; twice that
	 * also sees a run that wraps around. */
	for (j = 0; j < 2L * CYCLE_YEARS * 12; j++) {
		mi = start + j * p->interval;
		if (good[((mi - 2000 * 12) % (CYCLE_YEARS * 12) +
		    CYCLE_YEARS * 12) % (CYCLE_YEARS * 12)]) {
			any = 1;
			run = 0;
		} else if (++run > worst)
			worst = run;
	}
	return any ? worst : -1;
}

/* The same for the years a YEARLY rule visits. */
static long
yearly_gap(const struct rule_parts *p, int y0, int m0, int d0,
    int use_setpos)
{
	unsigned char	 holds[2][7];
	long		 j, run = 0, worst = 0;
	int		 leap, f, y, any = 0, all = 1;

	for (leap = 0; leap <= 1; leap++)
		for (f = 0; f < 7; f++) {
			holds[leap][f] = (unsigned char)year_holds(p, leap, f,
			    m0, d0, use_setpos);
			all &= holds[leap][f];
		}
	if (all)
		return 0;
	for (j = 0; j < 2L * CYCLE_YEARS; j++) {
		y = cycle_year((int64_t)y0 + j * p->interval);
		if (holds[leap_year(y)][dow_of(y, 1, 1)]) {
			any = 1;
			run = 0;
		} else if (++run > worst)
			worst = run;
	}
	return any ? worst : -1;
}

/* DAILY and WEEKLY: libical visits a day (DAILY, every INTERVAL days) or
 * each BYDAY weekday of every INTERVAL-th week, and keeps it when BYMONTH,
 * BYMONTHDAY (positive values only) and BYDAY allow it; it stops after the
 * year 2582. Most visits in a row without an occurrence (stopping once
 * past RECUR_MAX_EMPTY_DAYS), or -1 when none occurs. */
static long
daily_gap(const struct rule_parts *p, int y0, int m0, int d0)
{
	unsigned char	 dset[7], mdset[32];
	int64_t		 n, n0 = rfc3339_days_from_civil(y0, m0, d0), nend,
			 week0;
	long		 run = 0, worst = 0;
	int		 i, y, m, d, w, any = 0, visited, pass;

	memset(dset, 0, sizeof(dset));
	memset(mdset, 0, sizeof(mdset));
	for (i = 0; i < p->nbyday; i++)
		dset[p->bydow[i]] = 1;
	if (!p->has_byday)
		dset[dow_of(y0, m0, d0)] = 1;
	for (i = 0; i < p->nbymonthday; i++)
		if (p->bymonthday[i] > 0)
			mdset[p->bymonthday[i]] = 1;
	if (p->freq == F_WEEKLY && !p->has_bymonth)
		return 0;
	if (p->freq == F_DAILY && !p->has_bymonth && !p->has_bymonthday) {
		if (!p->has_byday)
			return 0;
		/* Only weekdays: the visited weekdays repeat every 7. */
		for (i = 0; i < 14; i++) {
			if (dset[(dow_of(y0, m0, d0) + i * p->interval) % 7]) {
				any = 1;
				run = 0;
			} else if (++run > worst)
				worst = run;
		}
		return any ? worst : -1;
	}
	/* With INTERVAL=1 the calendar repeats after 400 years; a run that
	 * goes on across the end is still seen for RECUR_MAX_EMPTY_DAYS. */
	nend = rfc3339_days_from_civil(p->interval == 1 && y0 + CYCLE_YEARS +
	    3 < ICAL_LAST_YEAR ? y0 + CYCLE_YEARS + 3 : ICAL_LAST_YEAR + 1,
	    1, 1);
	week0 = n0 - (dow_of(y0, m0, d0) - p->wkst + 7) % 7;
	y = y0;
	m = m0;
	d = d0;
	w = dow_of(y0, m0, d0);
	for (n = n0; n < nend; n++) {
		/* A DAILY rule skips a month BYMONTH excludes as a whole. */
		if (p->freq == F_DAILY && d == 1 && p->has_bymonth &&
		    !p->bymonth[m]) {
			int len = days_in(m, leap_year(y));
			int64_t v = (n + len - 1 - n0) / p->interval -
			    (n - 1 - n0 + p->interval) / p->interval + 1;

			if (n == n0)
				v = (len - 1) / p->interval + 1;
			run += (long)v;
			if (run > worst && (worst = run) > RECUR_MAX_EMPTY_DAYS)
				return worst;
			n += len - 1;
			w = (w + len) % 7;
			if (++m > 12) {
				m = 1;
				y++;
			}
			continue;
		}
		if (p->freq == F_DAILY)
			visited = (n - n0) % p->interval == 0;
		else
			visited = dset[w] &&
			    ((n - week0) / 7) % p->interval == 0;
		if (visited) {
			pass = (!p->has_bymonth || p->bymonth[m]) &&
			    (!p->has_bymonthday || mdset[d]) &&
			    (p->freq != F_DAILY || !p->has_byday || dset[w]);
			if (pass) {
				any = 1;
				run = 0;
			} else if (++run > worst) {
				worst = run;
				if (worst > RECUR_MAX_EMPTY_DAYS)
					return worst;
			}
		}
		w = (w + 1) % 7;
		if (++d > days_in(m, leap_year(y))) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	return any ? worst : -1;
}

/* Refuses (why, -1) a rule that never occurs or whose occurrences lie too
 * far apart for libical to find the next one in bounded work (see above).
 * lt: DTSTART as local time. */
static int
rule_density(const struct rule_parts *p, struct icaltimetype lt, char *why,
    size_t whylen)
{
	static const char *const unit[] = { "", "days", "days", "months",
	    "years" };
	long	 gap, max, nosetpos = -1;

	switch (p->freq) {
	case F_MONTHLY:
		gap = monthly_gap(p, lt.year, lt.month, lt.day, 1);
		if (gap == -1 && p->has_bysetpos)
			nosetpos = monthly_gap(p, lt.year, lt.month, lt.day, 0);
		max = RECUR_MAX_EMPTY_MONTHS;
		break;
	case F_YEARLY:
		gap = yearly_gap(p, lt.year, lt.month, lt.day, 1);
		if (gap == -1 && p->has_bysetpos)
			nosetpos = yearly_gap(p, lt.year, lt.month, lt.day, 0);
		max = RECUR_MAX_EMPTY_YEARS;
		break;
	default:
		gap = daily_gap(p, lt.year, lt.month, lt.day);
		max = RECUR_MAX_EMPTY_DAYS;
		break;
	}
	if (gap == -1 && nosetpos != -1) {
		snprintf(why, whylen, "the rule never occurs: BYSETPOS asks for "
		    "more occurrences than any %s it reaches has",
		    p->freq == F_MONTHLY ? "month" : "year");
		return -1;
	}
	if (gap == -1) {
		snprintf(why, whylen, "the rule never occurs: no %s it reaches "
		    "has a day matching all its BY parts",
		    p->freq == F_MONTHLY ? "month" : p->freq == F_YEARLY ?
		    "year" : "day");
		return -1;
	}
	if (gap > max) {
		snprintf(why, whylen, "the rule occurs too rarely: it can go "
		    "more than %ld %s%s without an occurrence", max,
		    p->interval > 1 ? "visited " : "", unit[p->freq]);
		return -1;
	}
	return 0;
}

/* Checks the rule's parts and writes its upper-cased text into out. */
static int
rule_check(const char *value, int all_day, struct rule_parts *p, char *out,
    size_t outlen, char *why, size_t whylen)
{
	static const char *const keys[] = {
		"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "BYMONTHDAY",
		"BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST", NULL
	};
	const char	*part, *eq, *end, *v;
	size_t		 i, n = strlen(value), klen, vlen;
	int		 k;

	memset(p, 0, sizeof(*p));
	p->interval = 1;
	p->wkst = 1;
	if (n == 0 || n >= outlen) {
		snprintf(why, whylen, "the rule is empty or too long");
		return -1;
	}
	for (i = 0; i < n; i++)
		out[i] = (value[i] >= 'a' && value[i] <= 'z') ?
		    (char)(value[i] - 'a' + 'A') : value[i];
	out[n] = '\0';
	for (part = out; *part != '\0'; part = *end ? end + 1 : end) {
		end = strchr(part, ';');
		if (end == NULL)
			end = part + strlen(part);
		if ((eq = memchr(part, '=', (size_t)(end - part))) == NULL) {
			snprintf(why, whylen, "each rule part must be "
			    "NAME=VALUE");
			return -1;
		}
		klen = (size_t)(eq - part);
		v = eq + 1;
		vlen = (size_t)(end - v);
		for (k = 0; keys[k] != NULL; k++)
			if (strlen(keys[k]) == klen &&
			    !memcmp(keys[k], part, klen))
				break;
		if (keys[k] == NULL) {
			if ((klen == 6 && !memcmp(part, "BYHOUR", 6)) ||
			    (klen == 8 && !memcmp(part, "BYMINUTE", 8)) ||
			    (klen == 8 && !memcmp(part, "BYSECOND", 8)))
				snprintf(why, whylen, "%.*s is not supported: "
				    "events repeat at most once a day",
				    (int)klen, part);
			else
				snprintf(why, whylen, "unknown rule part "
				    "\"%.*s\"", (int)(klen > 20 ? 20 : klen),
				    part);
			return -1;
		}
		if (p->seen & (1u << k)) {
			snprintf(why, whylen, "%s appears twice", keys[k]);
			return -1;
		}
		p->seen |= 1u << k;
		switch (k) {
		case 0:
			if (vlen == 5 && !memcmp(v, "DAILY", 5))
				p->freq = F_DAILY;
			else if (vlen == 6 && !memcmp(v, "WEEKLY", 6))
				p->freq = F_WEEKLY;
			else if (vlen == 7 && !memcmp(v, "MONTHLY", 7))
				p->freq = F_MONTHLY;
			else if (vlen == 6 && !memcmp(v, "YEARLY", 6))
				p->freq = F_YEARLY;
			else if ((vlen == 6 && !memcmp(v, "HOURLY", 6)) ||
			    (vlen == 8 && !memcmp(v, "MINUTELY", 8)) ||
			    (vlen == 8 && !memcmp(v, "SECONDLY", 8))) {
				snprintf(why, whylen, "FREQ=%.*s is not "
				    "supported: the finest is DAILY",
				    (int)vlen, v);
				return -1;
			} else {
				snprintf(why, whylen, "FREQ must be DAILY, "
				    "WEEKLY, MONTHLY or YEARLY");
				return -1;
			}
			break;
		case 1:
			if (parse_until(v, vlen, p) == -1) {
				snprintf(why, whylen, "UNTIL must be a date "
				    "(YYYYMMDD) or a UTC date-time "
				    "(YYYYMMDDTHHMMSSZ)");
				return -1;
			}
			break;
		case 2:
			if (num(v, vlen, 1, RECUR_MAX_COUNT, &p->count) == -1) {
				snprintf(why, whylen, "COUNT must be a whole "
				    "number from 1 to %d", RECUR_MAX_COUNT);
				return -1;
			}
			break;
		case 3:
			if (num(v, vlen, 1, RECUR_MAX_INTERVAL,
			    &p->interval) == -1) {
				snprintf(why, whylen, "INTERVAL must be a "
				    "whole number from 1 to %d",
				    RECUR_MAX_INTERVAL);
				return -1;
			}
			break;
		case 4:
			p->has_byday = 1;
			if (list_each(v, vlen, 7 * 53, el_day, p) == -1)
				goto badlist;
			break;
		case 5:
			p->has_bymonthday = 1;
			if (list_each(v, vlen, 62, el_monthday, p) == -1)
				goto badlist;
			break;
		case 6:
			p->has_byyearday = 1;
			if (list_each(v, vlen, 366, el_yearday, p) == -1)
				goto badlist;
			break;
		case 7:
			/* libical's week numbering is unreliable (searches
			 * of seconds for BYWEEKNO=-1), and calendars do not
			 * offer it. */
			snprintf(why, whylen, "BYWEEKNO is not supported");
			return -1;
		case 8:
			p->has_bymonth = 1;
			if (list_each(v, vlen, 12, el_month, p) == -1)
				goto badlist;
			break;
		case 9:
			p->has_bysetpos = 1;
			if (list_each(v, vlen, 366, el_setpos, p) == -1)
				goto badlist;
			break;
		case 10:
			if ((p->wkst = weekday(v, vlen)) == -1) {
				snprintf(why, whylen, "WKST must be a weekday "
				    "(MO..SU)");
				return -1;
			}
			break;
		}
		continue;
badlist:
		snprintf(why, whylen, "%s has a value out of range or "
		    "malformed", keys[k]);
		return -1;
	}
	if (p->freq == F_NONE) {
		snprintf(why, whylen, "FREQ is required");
		return -1;
	}
	if (p->count && p->has_until) {
		snprintf(why, whylen, "COUNT and UNTIL exclude each other");
		return -1;
	}
	if (p->has_until && p->until_is_date != all_day) {
		snprintf(why, whylen, all_day ?
		    "UNTIL of an all-day event must be a date (YYYYMMDD)" :
		    "UNTIL of a timed event must be a UTC date-time "
		    "(YYYYMMDDTHHMMSSZ)");
		return -1;
	}
	if (p->byday_ordinal && (p->freq == F_DAILY || p->freq == F_WEEKLY ||
	    (p->freq == F_YEARLY && p->has_byweekno))) {
		snprintf(why, whylen, "numbered BYDAY values need FREQ=MONTHLY "
		    "or YEARLY (without BYWEEKNO)");
		return -1;
	}
	/* A month has at most five of each weekday. */
	if (p->freq == F_MONTHLY && p->byday_maxord > 5) {
		snprintf(why, whylen, "a month has at most five of each weekday "
		    "(BYDAY=5MO at most)");
		return -1;
	}
	if (p->freq == F_YEARLY && p->has_bymonth && p->byday_maxord > 5) {
		snprintf(why, whylen, "with BYMONTH, numbered BYDAY values count "
		    "within the month: at most 5");
		return -1;
	}
	if (p->has_bymonthday && p->freq == F_WEEKLY) {
		snprintf(why, whylen, "BYMONTHDAY cannot be used with "
		    "FREQ=WEEKLY");
		return -1;
	}
	if ((p->has_byyearday || p->has_byweekno) && p->freq != F_YEARLY) {
		snprintf(why, whylen, "BYYEARDAY and BYWEEKNO need "
		    "FREQ=YEARLY");
		return -1;
	}
	/* libical's expand_year_days cannot do these (its iterator fails). */
	if (p->has_byyearday && (p->has_bymonth || p->has_bymonthday)) {
		snprintf(why, whylen, "BYYEARDAY cannot be combined with "
		    "BYMONTH or BYMONTHDAY");
		return -1;
	}
	if (p->has_bysetpos && !p->has_byday && !p->has_bymonthday &&
	    !p->has_byyearday && !p->has_byweekno && !p->has_bymonth) {
		snprintf(why, whylen, "BYSETPOS needs another BY part");
		return -1;
	}
	if (p->freq == F_YEARLY && !p->has_bymonth && p->byday_ordinal &&
	    p->has_bymonthday) {
		snprintf(why, whylen, "numbered BYDAY values with BYMONTHDAY "
		    "need BYMONTH in a yearly rule");
		return -1;
	}
	if ((p->freq == F_MONTHLY || (p->freq == F_YEARLY &&
	    p->has_bymonth)) && !ordinal_monthday_possible(p)) {
		snprintf(why, whylen, "the rule never occurs: those numbered "
		    "weekdays never fall on those days of the month");
		return -1;
	}
	if (p->has_bysetpos && p->setpos_min > set_size(p)) {
		snprintf(why, whylen, "the rule never occurs: BYSETPOS asks for "
		    "more occurrences than a period has");
		return -1;
	}
	if (p->has_bymonthday && !monthday_possible(p)) {
		snprintf(why, whylen, "the rule never occurs: no month it "
		    "allows has those days");
		return -1;
	}
	return 0;
}

/* Splits "NAME;PARAMS:VALUE" at the first colon outside quotes. */
static const char *
value_start(const char *line)
{
	int q = 0;

	for (; *line; line++) {
		if (*line == '"')
			q = !q;
		else if (*line == ':' && !q)
			return line;
	}
	return NULL;
}

static int
cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;

	return x < y ? -1 : x > y;
}

/* Parses one DATE or DATE-TIME value of RDATE/EXDATE into an instant. */
static int
date_value(const char *v, size_t len, int all_day, int is_date_param,
    icaltimezone *tz, icaltimezone *z, time_t *out)
{
	long			 y, mo, d, h, mi, s;
	struct icaltimetype	 tt = icaltime_null_time();

	if (len < 8 || num(v, 4, 0, 9999, &y) == -1 ||
	    num(v + 4, 2, 1, 12, &mo) == -1 || num(v + 6, 2, 1, 31, &d) == -1 ||
	    !rfc3339_valid_date((int)y, (int)mo, (int)d))
		return -1;
	if (all_day) {
		if (len != 8)
			return -1;
		*out = zone_midnight(z, (int)y, (int)mo, (int)d);
		return 0;
	}
	if (is_date_param || (len != 15 && len != 16) || v[8] != 'T' ||
	    num(v + 9, 2, 0, 23, &h) == -1 || num(v + 11, 2, 0, 59, &mi) == -1 ||
	    num(v + 13, 2, 0, 59, &s) == -1)
		return -1;
	if (len == 16 && (v[15] != 'Z' || tz != NULL))
		return -1;
	tt.year = (int)y;
	tt.month = (int)mo;
	tt.day = (int)d;
	tt.hour = (int)h;
	tt.minute = (int)mi;
	tt.second = (int)s;
	if (len == 16)
		*out = (time_t)(rfc3339_days_from_civil((int)y, (int)mo,
		    (int)d) * 86400 + h * 3600 + mi * 60 + s);
	else
		*out = zone_instant(tz ? tz : z, tt);
	return 0;
}

/* RDATE/EXDATE line: params TZID= and VALUE=DATE|DATE-TIME only. */
static int
date_line(const char *name, const char *line, const char *colon, int all_day,
    icaltimezone *z,
    time_t **arr, size_t *narr, size_t *total, char *norm, size_t normlen,
    char *why, size_t whylen)
{
	const char	*p = strchr(line, ';'), *e, *v, *end;
	char		 tzid[ZONE_NAME_MAX + 1] = "";
	icaltimezone	*tz = NULL;
	int		 is_date = 0, n;
	size_t		 len;
	time_t		*na, t;

	if (p != NULL && p > colon)
		p = NULL;
	while (p != NULL && p < colon) {
		p++;
		e = p;
		while (e < colon && *e != ';')
			e++;
		len = (size_t)(e - p);
		if (len > 5 && !strncasecmp(p, "TZID=", 5)) {
			const char *tv = p + 5;
			size_t tl = len - 5;

			if (tl >= 2 && tv[0] == '"' && tv[tl - 1] == '"') {
				tv++;
				tl -= 2;
			}
			if (tl > ZONE_NAME_MAX || tz != NULL)
				goto badparam;
			memcpy(tzid, tv, tl);
			tzid[tl] = '\0';
			if ((tz = zone_find(tzid)) == NULL) {
				snprintf(why, whylen, "unknown time zone "
				    "\"%s\" in TZID", tzid);
				return -1;
			}
		} else if (len == 10 && !strncasecmp(p, "VALUE=DATE", 10))
			is_date = 1;
		else if (len == 15 && !strncasecmp(p, "VALUE=DATE-TIME", 15))
			is_date = 0;
		else
			goto badparam;
		p = e < colon ? e : NULL;
	}
	if (all_day && tz != NULL) {
		snprintf(why, whylen, "dates of an all-day event take no TZID");
		return -1;
	}
	n = snprintf(norm, normlen, "%s%s%s%s:", name,
	    tz ? ";TZID=" : "", tz ? tzid : "", is_date ? ";VALUE=DATE" : "");
	if (n < 0 || (size_t)n >= normlen)
		goto toolong;
	for (v = colon + 1;; v = end + 1) {
		end = strchr(v, ',');
		if (end == NULL)
			end = v + strlen(v);
		if (++*total > RECUR_MAX_DATES) {
			snprintf(why, whylen, "more than %d RDATE/EXDATE "
			    "values", RECUR_MAX_DATES);
			return -1;
		}
		if (date_value(v, (size_t)(end - v), all_day, is_date, tz, z,
		    &t) == -1) {
			snprintf(why, whylen, all_day ? "dates must be "
			    "YYYYMMDD" : "values must be YYYYMMDDTHHMMSS "
			    "(local, with an optional TZID) or "
			    "YYYYMMDDTHHMMSSZ");
			return -1;
		}
		if ((na = reallocarray(*arr, *narr + 1, sizeof(**arr))) ==
		    NULL)
			return -2;
		*arr = na;
		na[(*narr)++] = t;
		if (strlen(norm) + (size_t)(end - v) + 2 > normlen)
			goto toolong;
		n = (int)strlen(norm);
		snprintf(norm + n, normlen - (size_t)n, "%s%.*s",
		    v == colon + 1 ? "" : ",", (int)(end - v), v);
		for (; norm[n]; n++)
			if (norm[n] == 't' || norm[n] == 'z')
				norm[n] = (char)(norm[n] - 'a' + 'A');
		if (*end == '\0')
			break;
	}
	return 0;
badparam:
	snprintf(why, whylen, "only the TZID and VALUE parameters are "
	    "accepted");
	return -1;
toolong:
	snprintf(why, whylen, "the line is too long");
	return -1;
}

static size_t
uniq(time_t *a, size_t n)
{
	size_t i, o = 0;

	if (n == 0)
		return 0;
	qsort(a, n, sizeof(*a), cmp_time);
	for (i = 1; i < n; i++)
		if (a[i] != a[o])
			a[++o] = a[i];
	return o + 1;
}

void
recur_free(struct recur *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->rdate);
	free(r->exdate);
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

/* Work done by one iterator call that went from prev to next (both local
 * times): the periods libical walked to get there, weighted by what each
 * costs it, at least one unit (see RECUR_MAX_WORK). */
static long
walk_cost(const struct icalrecurrencetype *rule, struct icaltimetype prev,
    struct icaltimetype next)
{
	int64_t	 d;
	long	 slots = 0;
	int	 k = rule->interval > 0 ? rule->interval : 1;

	switch (rule->freq) {
	case ICAL_YEARLY_RECURRENCE:
		d = (int64_t)(next.year - prev.year) / k * 30;
		break;
	case ICAL_MONTHLY_RECURRENCE:
		d = ((int64_t)(next.year - prev.year) * 12 + next.month -
		    prev.month) / k * 2;
		break;
	case ICAL_WEEKLY_RECURRENCE:
		while (slots < ICAL_BY_DAY_SIZE &&
		    rule->by_day[slots] != ICAL_RECURRENCE_ARRAY_MAX)
			slots++;
		d = (rfc3339_days_from_civil(next.year, next.month, next.day) -
		    rfc3339_days_from_civil(prev.year, prev.month, prev.day)) *
		    (slots ? slots : 1) / (7 * k);
		break;
	default:
		d = (rfc3339_days_from_civil(next.year, next.month, next.day) -
		    rfc3339_days_from_civil(prev.year, prev.month, prev.day)) /
		    k;
		break;
	}
	if (d < 1)
		d = 1;
	return (long)(d > RECUR_MAX_WORK ? RECUR_MAX_WORK : d);
}

/* Produces the first occurrences of a new rule within RECUR_MAX_WORK: a
 * rule libical cannot start (its iterator fails) or that needs more work
 * for them would make every listing of it slow. Counts, never times, so
 * that the answer is the same on a loaded machine. */
static int
rule_trial(const struct recur *r, time_t dtstart, int all_day,
    icaltimezone *z)
{
	icalrecur_iterator	*it;
	struct icaltimetype	 tt, prev = zone_local(z, dtstart, all_day);
	long			 work = 0;
	int			 i;

	if ((it = icalrecur_iterator_new(r->rule, prev)) == NULL)
		return -1;
	for (i = 0; i < 3 && work <= RECUR_MAX_WORK; i++) {
		tt = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(tt))
			break;
		work += walk_cost(&r->rule, prev, tt);
		prev = tt;
	}
	icalrecur_iterator_free(it);
	return work > RECUR_MAX_WORK ? -1 : 0;
}

enum recur_rc
recur_parse(struct recur *r, const char *const *lines, size_t n,
    time_t dtstart, int all_day, icaltimezone *z, unsigned flags,
    struct recur_error *err)
{
	struct rule_parts	 p;
	char			 norm[RECUR_MAX_LINE + 64], why[160];
	const char		*colon;
	size_t			 i, total = 0, nlen;
	enum recur_rc		 rc = RECUR_INVALID;
	int			 drc;

	memset(r, 0, sizeof(*r));
	icalrecurrencetype_clear(&r->rule);
	if (n > RECUR_MAX_LINES) {
		seterr(err, -1, "too many recurrence lines");
		return RECUR_INVALID;
	}
	if (n > 0 && (r->lines = calloc(n, sizeof(*r->lines))) == NULL)
		return RECUR_NOMEM;
	for (i = 0; i < n; i++) {
		const char *l = lines[i];

		if (strlen(l) > RECUR_MAX_LINE) {
			seterr(err, (int)i, "the line is longer than 1000 "
			    "bytes");
			goto fail;
		}
		if ((colon = value_start(l)) == NULL) {
			seterr(err, (int)i, "expected NAME:VALUE, e.g. "
			    "RRULE:FREQ=WEEKLY");
			goto fail;
		}
		nlen = strcspn(l, ";:");
		if (nlen == 5 && !strncasecmp(l, "RRULE", 5) &&
		    l + 5 == colon) {
			if (r->has_rule) {
				seterr(err, (int)i, "only one RRULE is "
				    "allowed");
				goto fail;
			}
			memcpy(norm, "RRULE:", 6);
			if (rule_check(colon + 1, all_day, &p, norm + 6,
			    sizeof(norm) - 6, why, sizeof(why)) == -1) {
				seterr(err, (int)i, why);
				goto fail;
			}
			if (!start_day_possible(&p, zone_local(z, dtstart,
			    all_day).month, zone_local(z, dtstart,
			    all_day).day)) {
				seterr(err, (int)i, "the rule never occurs: no "
				    "month it allows has the start's day");
				goto fail;
			}
			if (!months_reachable(&p, zone_local(z, dtstart,
			    all_day).month)) {
				seterr(err, (int)i, "the rule never occurs: "
				    "INTERVAL never reaches a month BYMONTH "
				    "allows");
				goto fail;
			}
			if (rule_density(&p, zone_local(z, dtstart, all_day),
			    why, sizeof(why)) == -1) {
				seterr(err, (int)i, why);
				goto fail;
			}
			r->rule = icalrecurrencetype_from_string(norm + 6);
			if (r->rule.freq == ICAL_NO_RECURRENCE) {
				seterr(err, (int)i, "libical rejects this "
				    "rule");
				goto fail;
			}
			r->has_rule = 1;
			r->count = (int)p.count;
			if (p.has_until) {
				r->has_until = 1;
				r->until = p.until_is_date ?
				    zone_midnight(z, p.y, p.mo, p.d) :
				    (time_t)(rfc3339_days_from_civil(p.y, p.mo,
				    p.d) * 86400 + p.h * 3600 + p.mi * 60 +
				    p.s);
			}
		} else if ((nlen == 5 && !strncasecmp(l, "RDATE", 5)) ||
		    (nlen == 6 && !strncasecmp(l, "EXDATE", 6))) {
			int ex = nlen == 6;

			drc = date_line(ex ? "EXDATE" : "RDATE", l, colon,
			    all_day, z,
			    ex ? &r->exdate : &r->rdate,
			    ex ? &r->nexdate : &r->nrdate, &total, norm,
			    sizeof(norm), why, sizeof(why));
			if (drc == -2) {
				rc = RECUR_NOMEM;
				goto fail;
			}
			if (drc == -1) {
				seterr(err, (int)i, why);
				goto fail;
			}
		} else {
			seterr(err, (int)i, "only RRULE, RDATE and EXDATE "
			    "lines are accepted");
			goto fail;
		}
		if ((r->lines[i] = strdup(norm)) == NULL) {
			rc = RECUR_NOMEM;
			goto fail;
		}
		r->nlines = i + 1;
	}
	r->nrdate = uniq(r->rdate, r->nrdate);
	r->nexdate = uniq(r->exdate, r->nexdate);
	if (r->has_rule && (flags & RECUR_TRIAL) &&
	    rule_trial(r, dtstart, all_day, z) == -1) {
		for (i = 0; i < n; i++)
			if (!strncasecmp(lines[i], "RRULE", 5))
				break;
		seterr(err, (int)i, "the rule occurs too rarely or never");
		goto fail;
	}
	return RECUR_OK;
fail:
	recur_free(r);
	return rc;
}

/* Merges the rule's occurrences with DTSTART and RDATEs, in order. */
struct stream {
	const struct recur	*r;
	icaltimezone		*z;
	int			 all_day;
	icalrecur_iterator	*it;
	int			 rule_has;	/* rule_next is valid */
	time_t			 rule_next;
	long			 rule_left;	/* -1: libical bounds it */
	long			 work;		/* see RECUR_MAX_WORK */
	struct icaltimetype	 prev;		/* where the iterator stood */
	int			 capped;
	int			 dt_done;
	time_t			 dtstart;
	size_t			 ri;
};

static void
rule_pull(struct stream *s)
{
	struct icaltimetype tt;

	s->rule_has = 0;
	if (s->it == NULL || s->rule_left == 0)
		return;
	/* Counted, not timed: the same series gives the same list on a
	 * loaded machine, and rule_density bounds what one call walks. */
	if (s->work >= RECUR_MAX_WORK) {
		s->capped = 1;
		return;
	}
	tt = icalrecur_iterator_next(s->it);
	if (icaltime_is_null_time(tt)) {
		s->work++;
		return;
	}
	s->work += walk_cost(&s->r->rule, s->prev, tt);
	s->prev = tt;
	s->rule_next = zone_instant(s->z, tt);
	s->rule_has = 1;
	if (s->rule_left > 0)
		s->rule_left--;
}

static int
is_exdate(const struct recur *r, time_t t)
{
	return r != NULL && r->nexdate > 0 &&
	    bsearch(&t, r->exdate, r->nexdate, sizeof(t), cmp_time) != NULL;
}

enum expand_end { EXPAND_DONE, EXPAND_AT_TO, EXPAND_STOPPED, EXPAND_CAPPED };

static enum expand_end
expand(const struct recur *r, time_t dtstart, int all_day, icaltimezone *z,
    time_t from, time_t to, recur_fn fn, void *arg)
{
	struct stream	 s;
	time_t		 t, last = 0;
	int		 have_last = 0, fixed;
	enum expand_end	 end = EXPAND_DONE;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.z = z;
	s.all_day = all_day;
	s.dtstart = dtstart;
	s.rule_left = -1;
	if (r != NULL && r->has_rule) {
		s.prev = zone_local(z, dtstart, all_day);
		s.it = icalrecur_iterator_new(r->rule, s.prev);
		if (s.it != NULL && r->count == 0 && from > dtstart + 2 * 86400) {
			if (icalrecur_iterator_set_start(s.it, zone_local(z,
			    from - 2 * 86400, all_day)))
				s.prev = zone_local(z, from - 2 * 86400,
				    all_day);
			else {
				icalrecur_iterator_free(s.it);
				s.it = icalrecur_iterator_new(r->rule,
				    zone_local(z, dtstart, all_day));
			}
		}
		rule_pull(&s);
		/* DTSTART counts as the first instance even when the rule
		 * does not produce it, so it uses up one of COUNT. */
		if (r->count > 0 && s.rule_has && s.rule_next != dtstart) {
			s.rule_left = r->count - 2;
			if (r->count == 1) {
				s.rule_has = 0;
				s.rule_left = 0;
			}
		}
	}
	for (;;) {
		/* The smallest head among rule, DTSTART and RDATEs. */
		fixed = 0;
		if (!s.dt_done) {
			t = dtstart;
			fixed = 1;
		}
		if (r != NULL && s.ri < r->nrdate &&
		    (!fixed || r->rdate[s.ri] < t)) {
			t = r->rdate[s.ri];
			fixed = 2;
		}
		if (s.rule_has && (!fixed || s.rule_next < t)) {
			t = s.rule_next;
			fixed = 3;
		}
		if (!fixed)
			break;
		if (t >= to) {
			end = EXPAND_AT_TO;
			break;
		}
		if (fixed == 1)
			s.dt_done = 1;
		else if (fixed == 2)
			s.ri++;
		else
			rule_pull(&s);
		if (have_last && t == last)
			continue;
		/* EXDATE removes DTSTART's instance like any other. */
		if (is_exdate(r, t))
			continue;
		have_last = 1;
		last = t;
		if (t >= from && fn(t, arg) != 0) {
			end = EXPAND_STOPPED;
			break;
		}
	}
	if (s.it != NULL)
		icalrecur_iterator_free(s.it);
	return s.capped ? EXPAND_CAPPED : end;
}

int
recur_expand(const struct recur *r, time_t dtstart, int all_day,
    icaltimezone *z, time_t from, time_t to, recur_fn fn, void *arg)
{
	return expand(r, dtstart, all_day, z, from, to, fn, arg) ==
	    EXPAND_CAPPED ? -1 : 0;
}

static int
note_last(time_t t, void *arg)
{
	*(time_t *)arg = t;
	return 0;
}

int
recur_last_start(const struct recur *r, time_t dtstart, int all_day,
    icaltimezone *z, time_t *last)
{
	time_t t = dtstart;

	if (r == NULL || !r->has_rule) {
		if (r != NULL && r->nrdate > 0 && r->rdate[r->nrdate - 1] > t)
			t = r->rdate[r->nrdate - 1];
		*last = t;
		return 0;
	}
	if (r->has_until) {
		if (r->until > t)
			t = r->until;
		if (r->nrdate > 0 && r->rdate[r->nrdate - 1] > t)
			t = r->rdate[r->nrdate - 1];
		*last = t;
		return 0;
	}
	if (r->count == 0)
		return 1;
	/* A COUNT reaching past the last year events may have is, for
	 * storage, as good as endless. */
	switch (expand(r, dtstart, all_day, z, dtstart,
	    (time_t)rfc3339_days_from_civil(RECUR_YEAR_END, 1, 1) * 86400,
	    note_last, &t)) {
	case EXPAND_CAPPED:
		return -1;
	case EXPAND_AT_TO:
		return 1;
	default:
		*last = t;
		return 0;
	}
}
