/* mime.c — message construction (see mime.h). Everything taken from users
 * (titles, descriptions) passes through mime_header or mime_qp, so a CR or
 * LF in a title can never start a header of its own. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "mail/mime.h"

#define MIME_LINE	78	/* RFC 5322 recommended line length */
#define MIME_QP_LINE	76	/* RFC 2045 quoted-printable line length */
#define MIME_EW_BYTES	39	/* input bytes per encoded word: 52 base64 */

static const char *const mime_days[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const mime_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

int
mime_date(time_t t, char *out, size_t outlen)
{
	struct tm	tm;
	int		n;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	n = snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    mime_days[tm.tm_wday], tm.tm_mday, mime_months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

int
mime_addr_valid(const char *addr)
{
	const char	*at, *p;
	size_t		 n;

	n = strlen(addr);
	if (n < 3 || n > MIME_ADDR_MAX)
		return 0;
	if ((at = strchr(addr, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    at == addr || at[1] == '\0' || at - addr > 64)
		return 0;
	/* dot-atom local part: no leading, trailing or doubled dots */
	if (addr[0] == '.' || at[-1] == '.')
		return 0;
	for (p = addr; p < at; p++)
		if (!(is_atext((unsigned char)*p) || (*p == '.' && p[1] != '.')))
			return 0;
	/* domain: letters, digits, hyphens, dots between labels */
	if (at[1] == '.' || at[1] == '-' || addr[n - 1] == '.' ||
	    addr[n - 1] == '-')
		return 0;
	for (p = at + 1; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			continue;
		if (*p == '.' && p[1] != '.')
			continue;
		return 0;
	}
	return 1;
}

static int
copy_trimmed(const char *s, size_t n, char *out, size_t outlen)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= outlen)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
mime_addr_split(const char *spec, char *name, size_t namelen, char *addr,
    size_t addrlen)
{
	const char	*lt, *gt;
	size_t		 i;

	for (i = 0; spec[i] != '\0'; i++)
		if ((unsigned char)spec[i] < 0x20 || spec[i] == 0x7f)
			return -1;
	lt = strchr(spec, '<');
	gt = strrchr(spec, '>');
	if (lt == NULL && gt == NULL) {
		if (namelen == 0)
			return -1;
		name[0] = '\0';
		if (copy_trimmed(spec, strlen(spec), addr, addrlen) == -1)
			return -1;
	} else {
		if (lt == NULL || gt == NULL || gt < lt || gt[1] != '\0' ||
		    strchr(lt + 1, '<') != NULL)
			return -1;
		if (copy_trimmed(spec, (size_t)(lt - spec), name,
		    namelen) == -1 ||
		    copy_trimmed(lt + 1, (size_t)(gt - lt - 1), addr,
		    addrlen) == -1)
			return -1;
		/* A quoted display name loses its quotes; mime_header
		 * quotes or encodes it again as needed. */
		i = strlen(name);
		if (i >= 2 && name[0] == '"' && name[i - 1] == '"') {
			memmove(name, name + 1, i - 2);
			name[i - 2] = '\0';
		}
	}
	return mime_addr_valid(addr) ? 0 : -1;
}

/* Copies value with control characters turned into spaces and invalid UTF-8
 * bytes into '?', so nothing that reaches a header can break its line. */
static int
sanitize(const char *value, struct buf *out, int *ascii)
{
	const unsigned char	*p = (const unsigned char *)value;
	size_t			 i, n, need;
	char			 c;

	*ascii = 1;
	for (i = 0; p[i] != '\0'; ) {
		if (p[i] < 0x80) {
			c = (p[i] < 0x20 || p[i] == 0x7f) ? ' ' : (char)p[i];
			if (buf_add(out, &c, 1) != BUF_OK)
				return -1;
			i++;
			continue;
		}
		*ascii = 0;
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			need = 1;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			need = 2;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			need = 3;
		else
			need = 0;
		for (n = 1; n <= need; n++)
			if ((p[i + n] & 0xc0) != 0x80)
				break;
		if (need == 0 || n <= need) {
			if (buf_add(out, "?", 1) != BUF_OK)
				return -1;
			i++;
			continue;
		}
		if (buf_add(out, p + i, need + 1) != BUF_OK)
			return -1;
		i += need + 1;
	}
	if (out->data == NULL && buf_add(out, "", 0) != BUF_OK)
		return -1;
	return 0;
}

/* Appends encoded words for s, separated by CRLF SP (folding). */
static int
encode_words(struct buf *out, const char *s, size_t len)
{
	unsigned char	 b64[4 * ((MIME_EW_BYTES + 2) / 3) + 1];
	size_t		 off = 0, n;
	int		 first = 1;

	while (off < len) {
		n = len - off;
		if (n > MIME_EW_BYTES) {
			n = MIME_EW_BYTES;
			/* never split a UTF-8 sequence between two words */
			while (n > 1 && ((unsigned char)s[off + n] & 0xc0) ==
			    0x80)
				n--;
		}
		EVP_EncodeBlock(b64, (const unsigned char *)s + off, (int)n);
		if (buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ",
		    b64) != BUF_OK)
			return -1;
		first = 0;
		off += n;
	}
	return 0;
}

int
mime_header(struct buf *out, const char *name, const char *value)
{
	struct buf	 v;
	int		 ascii, rc = -1;

	buf_init(&v, 64 * 1024);
	if (sanitize(value, &v, &ascii) == -1)
		goto out;
	if (buf_printf(out, "%s: ", name) != BUF_OK)
		goto out;
	/* Plain when it is printable ASCII on one line and cannot be taken
	 * for an encoded word; everything else is encoded. */
	if (ascii && strlen(name) + 2 + v.len <= MIME_LINE &&
	    strstr(v.data, "=?") == NULL) {
		if (buf_add(out, v.data, v.len) != BUF_OK)
			goto out;
	} else if (encode_words(out, v.data, v.len) == -1)
		goto out;
	if (buf_add(out, "\r\n", 2) != BUF_OK)
		goto out;
	rc = 0;
out:
	buf_free(&v);
	return rc;
}

/* The From header: a display name plain, quoted or encoded as it needs. */
static int
from_header(struct buf *out, const char *spec)
{
	char		 name[MIME_NAME_MAX], addr[MIME_ADDR_MAX + 1];
	struct buf	 v;
	const char	*p;
	int		 ascii, plain = 1, rc = -1;

	if (mime_addr_split(spec, name, sizeof(name), addr, sizeof(addr)) == -1)
		return -1;
	if (name[0] == '\0')
		return buf_printf(out, "From: %s\r\n", addr) == BUF_OK ? 0 : -1;
	buf_init(&v, sizeof(name) * 2);
	if (sanitize(name, &v, &ascii) == -1)
		goto out;
	for (p = v.data; *p != '\0'; p++)
		if (!is_atext((unsigned char)*p) && *p != ' ')
			plain = 0;
	if (ascii && plain) {
		if (buf_printf(out, "From: %s <%s>\r\n", v.data, addr) != BUF_OK)
			goto out;
	} else if (ascii && strchr(v.data, '"') == NULL &&
	    strchr(v.data, '\\') == NULL && strstr(v.data, "=?") == NULL) {
		if (buf_printf(out, "From: \"%s\" <%s>\r\n", v.data, addr) !=
		    BUF_OK)
			goto out;
	} else {
		if (buf_addstr(out, "From: ") != BUF_OK ||
		    encode_words(out, v.data, v.len) == -1 ||
		    buf_printf(out, "\r\n <%s>\r\n", addr) != BUF_OK)
			goto out;
	}
	rc = 0;
out:
	buf_free(&v);
	return rc;
}

int
mime_qp(struct buf *out, const char *text)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)text;
	char			 tok[3];
	size_t			 col = 0, toklen, i;
	int			 c, last;

	for (i = 0; ; i++) {
		c = p[i];
		if (c == '\0' || c == '\n' || (c == '\r' && p[i + 1] == '\n')) {
			if (c == '\0' && col == 0 && i > 0)
				break;
			if (buf_add(out, "\r\n", 2) != BUF_OK)
				return -1;
			col = 0;
			if (c == '\0')
				break;
			if (c == '\r')
				i++;
			continue;
		}
		/* a space or tab at the end of a line must be encoded */
		last = p[i + 1] == '\0' || p[i + 1] == '\n' ||
		    (p[i + 1] == '\r' && p[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !last)) {
			tok[0] = (char)c;
			toklen = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			toklen = 3;
		}
		if (col + toklen > MIME_QP_LINE - 1) {
			if (buf_add(out, "=\r\n", 3) != BUF_OK)
				return -1;
			col = 0;
		}
		if (buf_add(out, tok, toklen) != BUF_OK)
			return -1;
		col += toklen;
	}
	return 0;
}

static int
random_boundary(char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[12];
	size_t			 i;

	if (outlen < 10 + 2 * sizeof(r) ||
	    getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	/* "=_" cannot appear in quoted-printable text, so no body line can
	 * ever match the boundary. */
	memcpy(out, "=_aurora_", 9);
	for (i = 0; i < sizeof(r); i++) {
		out[9 + 2 * i] = hex[r[i] >> 4];
		out[10 + 2 * i] = hex[r[i] & 15];
	}
	out[9 + 2 * sizeof(r)] = '\0';
	return 0;
}

static int
part(struct buf *out, const char *boundary, const char *type,
    const char *body)
{
	if (buf_printf(out, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary,
	    type) != BUF_OK)
		return -1;
	return mime_qp(out, body);
}

int
mime_build(const struct mime_msg *m, struct buf *out)
{
	char	 date[64], rnd[64];
	const char *boundary = m->boundary;

	if (!mime_addr_valid(m->to) || strpbrk(m->message_id, "<>\r\n ") !=
	    NULL || mime_date(m->date, date, sizeof(date)) == -1)
		return -1;
	if (boundary == NULL) {
		if (random_boundary(rnd, sizeof(rnd)) == -1)
			return -1;
		boundary = rnd;
	}
	if (from_header(out, m->from) == -1 ||
	    buf_printf(out, "To: %s\r\n", m->to) != BUF_OK ||
	    mime_header(out, "Subject", m->subject) == -1 ||
	    buf_printf(out, "Date: %s\r\nMessage-ID: <%s>\r\n"
	    "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n",
	    date, m->message_id) != BUF_OK)
		return -1;
	/* The outbox row: one value for every copy of a mail, whatever the
	 * provider does to Message-ID (SES replaces it), so that duplicates
	 * can be told apart and filtered (docs/reminders.md). */
	if (m->outbox_id > 0 && buf_printf(out, "X-Aurora-Outbox-Id: %lld\r\n",
	    m->outbox_id) != BUF_OK)
		return -1;
	if (m->html == NULL) {
		if (buf_addstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n") !=
		    BUF_OK)
			return -1;
		return mime_qp(out, m->text);
	}
	if (buf_printf(out, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME "
	    "format.\r\n", boundary) != BUF_OK ||
	    part(out, boundary, "text/plain", m->text) == -1 ||
	    part(out, boundary, "text/html", m->html) == -1 ||
	    buf_printf(out, "--%s--\r\n", boundary) != BUF_OK)
		return -1;
	return 0;
}
