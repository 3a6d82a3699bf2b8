/* path.c — CalDAV paths: what a /dav/ path names, and hrefs back to it. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "core/utf8.h"
#include "dav/dav.h"

#define PATH_SEGMENTS	4	/* calendars/<user>/<calendar>/<object> */

/* Percent-decodes one segment (len bytes) into out (DAV_NAME_MAX + 1
 * bytes). '+' stays itself: this is a path, not a form. Returns -1 on a
 * bad escape, NUL, '/', a control character, ill-formed UTF-8, a name too
 * long, or the dot segments. */
static int
segment_decode(const char *s, size_t len, char *out)
{
	size_t	 i, n = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= len || (hi = http_hexval(s[i + 1])) < 0 ||
			    (lo = http_hexval(s[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '\0' || c == '/' || n >= DAV_NAME_MAX)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		return -1;
	if (utf8_count(out, n, UTF8_NO_CTL) < 0)
		return -1;
	return 0;
}

int
dav_path_parse(const char *raw, struct dav_path *out)
{
	const char	*seg[PATH_SEGMENTS], *p, *slash;
	size_t		 len[PATH_SEGMENTS], nseg = 0, i, n;
	int		 trailing = 0;

	memset(out, 0, sizeof(*out));
	n = strlen(DAV_PREFIX) - 1;	/* "/dav" */
	if (strncmp(raw, DAV_PREFIX, n) != 0 || (raw[n] != '/' &&
	    raw[n] != '\0'))
		return -1;
	p = raw + n;
	if (*p == '/')
		p++;
	while (*p != '\0') {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || nseg == PATH_SEGMENTS)
			return -1;	/* "//", or too deep */
		seg[nseg] = p;
		len[nseg++] = n;
		p += n;
		if (*p == '/') {
			p++;
			trailing = *p == '\0';
		}
	}
	if (nseg == 0) {
		out->kind = DAV_ROOT;
		return 0;
	}
	if (nseg < 2 || len[1] != 36)
		return -1;
	memcpy(out->user_id, seg[1], 36);
	out->user_id[36] = '\0';
	if (!event_id_ok(out->user_id))
		return -1;
	for (i = 0; i < 36; i++)
		out->user_id[i] = (char)tolower((unsigned char)out->user_id[i]);
	if (len[0] == strlen("principals") &&
	    memcmp(seg[0], "principals", len[0]) == 0) {
		if (nseg != 2)
			return -1;
		out->kind = DAV_PRINCIPAL;
		return 0;
	}
	if (len[0] != strlen("calendars") ||
	    memcmp(seg[0], "calendars", len[0]) != 0)
		return -1;
	if (nseg == 2) {
		out->kind = DAV_HOME;
		return 0;
	}
	if (segment_decode(seg[2], len[2], out->calendar) == -1)
		return -1;
	if (nseg == 3) {
		out->kind = DAV_CALENDAR;
		return 0;
	}
	/* An object is not a collection: no trailing slash. */
	if (trailing || segment_decode(seg[3], len[3], out->object) == -1)
		return -1;
	out->kind = DAV_OBJECT;
	return 0;
}

/* Appends one name, percent-encoding what a path segment cannot hold
 * as is (RFC 3986 pchar): bytes of UTF-8 sequences are kept, so that a
 * client sees its Unicode name as it wrote it. */
static enum buf_err
href_segment(struct buf *b, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)name;
	char			 esc[3];
	enum buf_err		 e;
	size_t			 run;

	while (*s != '\0') {
		for (run = 0; s[run] != '\0'; run++)
			if (!(s[run] >= 0x80 || isalnum(s[run]) ||
			    strchr("-._~!$&'()*+,;=:@", s[run]) != NULL))
				break;
		if (run > 0 && (e = buf_add(b, s, run)) != BUF_OK)
			return e;
		s += run;
		if (*s == '\0')
			break;
		esc[0] = '%';
		esc[1] = hex[*s >> 4];
		esc[2] = hex[*s & 15];
		if ((e = buf_add(b, esc, 3)) != BUF_OK)
			return e;
		s++;
	}
	return BUF_OK;
}

enum buf_err
dav_href(struct buf *b, enum dav_kind kind, const char *user_id,
    const char *calendar, const char *object)
{
	enum buf_err e;

	switch (kind) {
	case DAV_ROOT:
		return buf_addstr(b, DAV_PREFIX);
	case DAV_PRINCIPAL:
		return buf_printf(b, DAV_PREFIX "principals/%s/", user_id);
	case DAV_HOME:
		return buf_printf(b, DAV_PREFIX "calendars/%s/", user_id);
	case DAV_CALENDAR:
	case DAV_OBJECT:
		if ((e = buf_printf(b, DAV_PREFIX "calendars/%s/", user_id)) !=
		    BUF_OK || (e = href_segment(b, calendar)) != BUF_OK ||
		    (e = buf_addstr(b, "/")) != BUF_OK)
			return e;
		if (kind == DAV_OBJECT)
			return href_segment(b, object);
		return BUF_OK;
	default:
		return BUF_NOMEM;
	}
}
