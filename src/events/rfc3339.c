/* rfc3339.c — strict timestamp parsing and formatting (see rfc3339.h). The
 * civil-date conversions are Howard Hinnant's days_from_civil algorithms. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "events/rfc3339.h"

int64_t
rfc3339_days_from_civil(int y, int m, int d)
{
	int64_t		 era, yoe, doy, doe, yy = y;

	yy -= m <= 2;
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rfc3339_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		 era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int	 dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			 leap;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

int
rfc3339_valid_date(int y, int m, int d)
{
	return y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days_in_month(y, m);
}

/* Reads exactly n decimal digits. */
static int
digits(const char **sp, int n, int *out)
{
	const char	*s = *sp;
	int		 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

static int
expect(const char **sp, char c)
{
	if (**sp != c)
		return -1;
	(*sp)++;
	return 0;
}

static int
parse_date_part(const char **sp, int *y, int *m, int *d)
{
	if (digits(sp, 4, y) == -1 || expect(sp, '-') == -1 ||
	    digits(sp, 2, m) == -1 || expect(sp, '-') == -1 ||
	    digits(sp, 2, d) == -1)
		return -1;
	return rfc3339_valid_date(*y, *m, *d) ? 0 : -1;
}

int
rfc3339_parse_date(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || parse_date_part(&s, y, m, d) == -1 || *s != '\0')
		return -1;
	return 0;
}

int
rfc3339_parse(const char *s, time_t *t, int *offset)
{
	int	 y, mo, d, h, mi, se, oh, om, off = 0, sign;

	if (s == NULL || parse_date_part(&s, &y, &mo, &d) == -1)
		return -1;
	if (*s != 'T' && *s != 't')
		return -1;
	s++;
	if (digits(&s, 2, &h) == -1 || expect(&s, ':') == -1 ||
	    digits(&s, 2, &mi) == -1 || expect(&s, ':') == -1 ||
	    digits(&s, 2, &se) == -1)
		return -1;
	/* No leap seconds: nothing downstream can represent them. */
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) == -1 || expect(&s, ':') == -1 ||
		    digits(&s, 2, &om) == -1 || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else
		return -1;
	if (*s != '\0')
		return -1;
	*t = (time_t)(rfc3339_days_from_civil(y, mo, d) * 86400 +
	    h * 3600 + mi * 60 + se - off);
	if (offset != NULL)
		*offset = off;
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Writes v as n decimal digits at p (v < 10^n); the formats below are
 * written by hand, not by snprintf: a month listing formats dozens of
 * instants, and printf's machinery was the largest part of that. */
static char *
put_digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

int
rfc3339_format(time_t t, int offset, char *out, size_t outlen)
{
	int64_t	 local = (int64_t)t + offset, days, secs;
	int	 y, m, d, aoff;
	char	*p = out;

	if (outlen < RFC3339_MAX)
		return -1;
	days = floor_div(local, 86400);
	secs = local - days * 86400;
	rfc3339_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return -1;
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, (int)(secs / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (int)(secs / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (int)(secs % 60), 2);
	if (offset == 0)
		*p++ = 'Z';
	else {
		aoff = offset < 0 ? -offset : offset;
		if (aoff / 3600 > 99)
			return -1;
		*p++ = offset < 0 ? '-' : '+';
		p = put_digits(p, aoff / 3600, 2);
		*p++ = ':';
		p = put_digits(p, aoff / 60 % 60, 2);
	}
	*p = '\0';
	return 0;
}

int
rfc3339_format_date(int y, int m, int d, char *out, size_t outlen)
{
	int n;

	if (!rfc3339_valid_date(y, m, d))
		return -1;
	n = snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
