/* ics_lex.c — the lexer of the ICS reader (ics_internal.h): a file's
 * bytes into unfolded content lines, each tagged with the physical line it
 * starts on so that every error names it; a UTF-8 byte-order mark and
 * blank lines are dropped, NUL bytes, broken UTF-8 and control characters
 * refused. Also the small readers of a content line's name, parameters
 * and value. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "events/ics_internal.h"

int
ics_fail(struct ics_reader *r, long line, const char *fmt, ...)
{
	va_list ap;

	r->err->line = line;
	va_start(ap, fmt);
	vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Valid UTF-8 without control characters other than tab. */
static int
line_text_ok(const unsigned char *p, size_t len)
{
	size_t		 i = 0;
	uint32_t	 cp;
	int		 k;

	while (i < len) {
		if ((k = utf8_decode(p + i, len - i, &cp)) == -1)
			return 0;
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

/* Splits data into unfolded logical lines, each tagged with the physical
 * line it starts on. The copy never moves, so the line pointers stay. */
int
ics_split_lines(struct ics_reader *r, const char *data, size_t len)
{
	const char	*nul;
	size_t		 i = 0, o = 0, start, end, cap = 0, k;
	long		 no = 0;
	struct ics_line	*nl;
	int		 have = 0;

	if ((nul = memchr(data, '\0', len)) != NULL) {
		for (no = 1, k = 0; data + k < nul; k++)
			no += data[k] == '\n';
		return ics_fail(r, no, "the file contains a NUL byte");
	}
	if ((r->buf = malloc(len + 1)) == NULL)
		return -3;
	/* A UTF-8 byte-order mark, as Windows editors write; not text. */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		no++;
		start = i;
		while (i < len && data[i] != '\n')
			i++;
		end = i;
		if (end > start && data[end - 1] == '\r')
			end--;
		if (i < len)
			i++;
		if (end == start) {
			/* Blank lines are not RFC 5545, but harmless. */
			if (have)
				r->buf[o++] = '\0';
			have = 0;
			continue;
		}
		if (data[start] == ' ' || data[start] == '\t') {
			/* Only white space after a blank line (or at the
			 * top) is a blank line too, as some writers leave
			 * after END:VCALENDAR. */
			for (k = start; k < end && (data[k] == ' ' ||
			    data[k] == '\t'); k++)
				;
			if (!have && k == end)
				continue;
			if (!have)
				return ics_fail(r, no, "a continuation line "
				    "follows nothing");
			memcpy(r->buf + o, data + start + 1, end - start - 1);
			o += end - start - 1;
			continue;
		}
		if (have)
			r->buf[o++] = '\0';
		if (r->nlines == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nl = reallocarray(r->lines, cap,
			    sizeof(*nl))) == NULL)
				return -3;
			r->lines = nl;
		}
		r->lines[r->nlines].text = r->buf + o;
		r->lines[r->nlines].no = no;
		r->nlines++;
		memcpy(r->buf + o, data + start, end - start);
		o += end - start;
		have = 1;
	}
	r->buf[o] = '\0';
	for (k = 0; k < r->nlines; k++) {
		const char *t = r->lines[k].text;

		if (!line_text_ok((const unsigned char *)t, strlen(t)))
			return ics_fail(r, r->lines[k].no, "invalid UTF-8 or a "
			    "control character");
	}
	return 0;
}

/* The name part (before ';' or ':'), checked; returns its length. */
size_t
ics_prop_name(const char *t)
{
	size_t n = 0;

	while ((t[n] >= 'A' && t[n] <= 'Z') || (t[n] >= 'a' && t[n] <= 'z') ||
	    (t[n] >= '0' && t[n] <= '9') || t[n] == '-')
		n++;
	return (t[n] == ';' || t[n] == ':') ? n : 0;
}

const char *
ics_value_of(const char *t)
{
	int q = 0;

	for (; *t; t++) {
		if (*t == '"')
			q = !q;
		else if (*t == ':' && !q)
			return t + 1;
	}
	return NULL;
}

int
ics_is_name(const char *t, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(t, name, n) == 0;
}

/* The value of parameter name (unquoted) into out; 1 found, 0 not. */
int
ics_param(const char *t, const char *name, char *out, size_t outlen)
{
	const char	*v = ics_value_of(t), *p = t, *e;
	size_t		 nl = strlen(name), l;
	int		 q;

	if (v == NULL)
		return 0;
	while ((p = strchr(p, ';')) != NULL && p < v) {
		p++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			q = *p == '"';
			if (q)
				p++;
			for (e = p; e < v - 1 && *e != (q ? '"' : ';'); e++)
				;
			l = (size_t)(e - p);
			if (l >= outlen)
				l = outlen - 1;
			memcpy(out, p, l);
			out[l] = '\0';
			return 1;
		}
	}
	return 0;
}
