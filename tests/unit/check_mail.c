/* check_mail.c — unit tests for the mail module's pure parts: addresses,
 * RFC 2047 headers, quoted-printable, whole MIME messages, reminder
 * rendering across a daylight-saving change, backoff, pacing, the SES
 * error classification and the file transport. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/zone.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/render.h"
#include "mail/tbucket.h"
#include "mail/transport.h"
#include "mail/transport_impl.h"

/* --- helpers: decoders written independently of the encoders ----------- */

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes quoted-printable (CRLF lines) into out; -1 on a malformed escape
 * or a line over 76 characters. */
static int
qp_decode(const char *in, struct buf *out)
{
	const char	*line = in, *eol;
	size_t		 n, i;
	int		 hi, lo;
	char		 c;

	while (*line != '\0') {
		if ((eol = strstr(line, "\r\n")) == NULL)
			return -1;
		n = (size_t)(eol - line);
		if (n > 76)
			return -1;
		for (i = 0; i < n; i++) {
			if (line[i] != '=') {
				c = line[i];
				ck_assert(buf_add(out, &c, 1) == BUF_OK);
				continue;
			}
			if (i + 1 == n)		/* soft break */
				goto next;
			if (i + 2 >= n || (hi = hexv(line[i + 1])) < 0 ||
			    (lo = hexv(line[i + 2])) < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			ck_assert(buf_add(out, &c, 1) == BUF_OK);
			i += 2;
		}
		ck_assert(buf_add(out, "\n", 1) == BUF_OK);
next:
		line = eol + 2;
	}
	if (out->data == NULL)
		ck_assert(buf_add(out, "", 0) == BUF_OK);
	return 0;
}

/* Decodes an unfolded header value made of =?UTF-8?B?...?= words. */
static int
ew_decode(const char *v, struct buf *out)
{
	unsigned char	 dec[256];
	const char	*p = v, *end;
	int		 n, len, pad;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		if (strncmp(p, "=?UTF-8?B?", 10) != 0 ||
		    (end = strstr(p + 10, "?=")) == NULL)
			return -1;
		if (end - p > 75)
			return -1;
		len = (int)(end - (p + 10));
		n = EVP_DecodeBlock(dec, (const unsigned char *)p + 10, len);
		if (n < 0)
			return -1;
		pad = (len > 0 && p[10 + len - 1] == '=') +
		    (len > 1 && p[10 + len - 2] == '=');
		ck_assert(buf_add(out, dec, (size_t)(n - pad)) == BUF_OK);
		p = end + 2;
	}
	if (out->data == NULL)
		ck_assert(buf_add(out, "", 0) == BUF_OK);
	return 0;
}

/* Every line ends in CRLF (no bare CR or LF) and is at most max long. */
static void
check_lines(const char *s, size_t max)
{
	const char	*p;
	size_t		 col = 0;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\r') {
			ck_assert_msg(p[1] == '\n', "bare CR");
			p++;
			col = 0;
			continue;
		}
		ck_assert_msg(*p != '\n', "bare LF");
		col++;
		ck_assert_msg(col <= max, "line longer than %zu", max);
	}
}

/* The value of header name in msg, unfolded, or NULL (static buffer). */
static const char *
header_value(const char *msg, const char *name)
{
	static char	 val[4096];
	const char	*p = msg, *eol;
	size_t		 n = strlen(name), o = 0;

	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			for (;;) {
				while (p < eol && o + 1 < sizeof(val))
					val[o++] = *p++;
				if (eol[2] != ' ' && eol[2] != '\t')
					break;
				p = eol + 2;
				eol = strstr(p, "\r\n");
			}
			val[o] = '\0';
			return val;
		}
		p = eol + 2;
	}
	return NULL;
}

/* --- addresses -------------------------------------------------------- */

START_TEST(addr_valid)
{
	ck_assert_int_eq(mime_addr_valid("alice@example.org"), 1);
	ck_assert_int_eq(mime_addr_valid("a.b+tag@sub.example.org"), 1);
	ck_assert_int_eq(mime_addr_valid("alice@example.org\r\nBcc: x@y.z"),
	    0);
	ck_assert_int_eq(mime_addr_valid("alice example@example.org"), 0);
	ck_assert_int_eq(mime_addr_valid("alice@@example.org"), 0);
	ck_assert_int_eq(mime_addr_valid("@example.org"), 0);
	ck_assert_int_eq(mime_addr_valid("alice@"), 0);
	ck_assert_int_eq(mime_addr_valid(".alice@example.org"), 0);
	ck_assert_int_eq(mime_addr_valid("al..ice@example.org"), 0);
	ck_assert_int_eq(mime_addr_valid("alice@exa_mple.org"), 0);
	ck_assert_int_eq(mime_addr_valid("<alice@example.org>"), 0);
	ck_assert_int_eq(mime_addr_valid("\xc3\xa9@example.org"), 0);
}
END_TEST

START_TEST(addr_split)
{
	char name[64], addr[64];

	ck_assert_int_eq(mime_addr_split("Aurora Time <no-reply@aurora.test>",
	    name, sizeof(name), addr, sizeof(addr)), 0);
	ck_assert_str_eq(name, "Aurora Time");
	ck_assert_str_eq(addr, "no-reply@aurora.test");
	ck_assert_int_eq(mime_addr_split("bob@example.org", name,
	    sizeof(name), addr, sizeof(addr)), 0);
	ck_assert_str_eq(name, "");
	ck_assert_str_eq(addr, "bob@example.org");
	ck_assert_int_eq(mime_addr_split("\"Smith, Bob\" <bob@example.org>",
	    name, sizeof(name), addr, sizeof(addr)), 0);
	ck_assert_str_eq(name, "Smith, Bob");
	ck_assert_int_eq(mime_addr_split("Bob <bob@example.org", name,
	    sizeof(name), addr, sizeof(addr)), -1);
	ck_assert_int_eq(mime_addr_split("Bob <a@b.c> <d@e.f>", name,
	    sizeof(name), addr, sizeof(addr)), -1);
	ck_assert_int_eq(mime_addr_split("Bob\n <bob@example.org>", name,
	    sizeof(name), addr, sizeof(addr)), -1);
}
END_TEST

/* --- headers ---------------------------------------------------------- */

START_TEST(header_plain_ascii)
{
	struct buf b;

	buf_init(&b, 4096);
	ck_assert_int_eq(mime_header(&b, "Subject", "Team sync"), 0);
	ck_assert_str_eq(b.data, "Subject: Team sync\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(header_utf8_encoded)
{
	const char	*subj = "Réunion d'équipe — 東京 🗓";
	struct buf	 b, d;
	const char	*v;

	buf_init(&b, 4096);
	buf_init(&d, 4096);
	ck_assert_int_eq(mime_header(&b, "Subject", subj), 0);
	ck_assert(strncmp(b.data, "Subject: =?UTF-8?B?", 19) == 0);
	check_lines(b.data, 78);
	v = header_value(b.data, "Subject");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(ew_decode(v, &d), 0);
	ck_assert_str_eq(d.data, subj);
	buf_free(&b);
	buf_free(&d);
}
END_TEST

START_TEST(header_long_folded_no_split_utf8)
{
	struct buf	 b, d, in;
	const char	*v, *p;
	int		 i;

	buf_init(&b, 65536);
	buf_init(&d, 65536);
	buf_init(&in, 65536);
	/* 3-byte characters so word limits fall inside sequences */
	for (i = 0; i < 120; i++)
		ck_assert(buf_addstr(&in, i % 7 == 0 ? "a" : "€") == BUF_OK);
	ck_assert_int_eq(mime_header(&b, "Subject", in.data), 0);
	check_lines(b.data, 78);
	/* each encoded word must decode to whole characters on its own */
	for (p = b.data; (p = strstr(p, "=?UTF-8?B?")) != NULL; p += 10) {
		unsigned char	 dec[128];
		const char	*end = strstr(p + 10, "?=");
		int		 len = (int)(end - p - 10), n, pad;

		n = EVP_DecodeBlock(dec, (const unsigned char *)p + 10, len);
		pad = (p[10 + len - 1] == '=') + (p[10 + len - 2] == '=');
		n -= pad;
		ck_assert_int_gt(n, 0);
		ck_assert_msg((dec[0] & 0xc0) != 0x80, "word starts mid-char");
	}
	v = header_value(b.data, "Subject");
	ck_assert_int_eq(ew_decode(v, &d), 0);
	ck_assert_str_eq(d.data, in.data);
	buf_free(&b);
	buf_free(&d);
	buf_free(&in);
}
END_TEST

START_TEST(header_injection_neutralised)
{
	struct buf	 b;

	buf_init(&b, 4096);
	ck_assert_int_eq(mime_header(&b, "Subject",
	    "Lunch\r\nBcc: victim@example.org"), 0);
	/* one header line only: the CR LF became spaces */
	ck_assert_str_eq(b.data, "Subject: Lunch  Bcc: victim@example.org\r\n");
	buf_reset(&b);
	ck_assert_int_eq(mime_header(&b, "Subject", "=?UTF-8?B?SGk=?="), 0);
	ck_assert(strncmp(b.data, "Subject: =?UTF-8?B?", 19) == 0);
	buf_free(&b);
}
END_TEST

/* --- quoted-printable ------------------------------------------------- */

START_TEST(qp_roundtrip)
{
	const char *cases[] = {
		"plain text\n",
		"a = b\ttab\n",
		"trailing space \nand tab\t\n",
		"Grüße aus München — 東京\n",
		"no final newline",
		"",
		".leading dot\n..two\n",
	};
	struct buf	 enc, dec, want;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&enc, 65536);
		buf_init(&dec, 65536);
		buf_init(&want, 65536);
		ck_assert_int_eq(mime_qp(&enc, cases[i]), 0);
		check_lines(enc.data, 76);
		ck_assert_int_eq(qp_decode(enc.data, &dec), 0);
		ck_assert(buf_addstr(&want, cases[i]) == BUF_OK);
		if (want.len == 0 || want.data[want.len - 1] != '\n')
			ck_assert(buf_add(&want, "\n", 1) == BUF_OK);
		ck_assert_str_eq(dec.data, want.data);
		/* no line ends in a raw space or tab */
		ck_assert_ptr_null(strstr(enc.data, " \r\n"));
		ck_assert_ptr_null(strstr(enc.data, "\t\r\n"));
		buf_free(&enc);
		buf_free(&dec);
		buf_free(&want);
	}
}
END_TEST

START_TEST(qp_long_line_soft_breaks)
{
	struct buf	 in, enc, dec;
	int		 i;

	buf_init(&in, 65536);
	buf_init(&enc, 65536);
	buf_init(&dec, 65536);
	for (i = 0; i < 500; i++)
		ck_assert(buf_addstr(&in, i % 10 == 0 ? "é" : "x") == BUF_OK);
	ck_assert(buf_addstr(&in, "\n") == BUF_OK);
	ck_assert_int_eq(mime_qp(&enc, in.data), 0);
	check_lines(enc.data, 76);
	ck_assert_ptr_nonnull(strstr(enc.data, "=\r\n"));
	ck_assert_int_eq(qp_decode(enc.data, &dec), 0);
	ck_assert_str_eq(dec.data, in.data);
	buf_free(&in);
	buf_free(&enc);
	buf_free(&dec);
}
END_TEST

/* --- whole messages ---------------------------------------------------- */

START_TEST(build_multipart)
{
	struct mime_msg	 m;
	struct buf	 b, part;
	const char	*p, *q, *v;
	char		 bound[128], delim[140];

	memset(&m, 0, sizeof(m));
	m.from = "Aurora Time <no-reply@aurora.test>";
	m.to = "alice@example.org";
	m.subject = "Reminder: Kaffee & Kuchen";
	m.text = "Hello\nWorld ü\n";
	m.html = "<p>Hello &amp; ü</p>\n";
	m.message_id = "aurora-42@aurora.test";
	m.date = 1700000000;
	buf_init(&b, MIME_MESSAGE_MAX);
	ck_assert_int_eq(mime_build(&m, &b), 0);
	check_lines(b.data, 78);
	ck_assert_str_eq(header_value(b.data, "From"),
	    "Aurora Time <no-reply@aurora.test>");
	ck_assert_str_eq(header_value(b.data, "To"), "alice@example.org");
	ck_assert_str_eq(header_value(b.data, "Date"),
	    "Tue, 14 Nov 2023 22:13:20 +0000");
	ck_assert_str_eq(header_value(b.data, "Message-ID"),
	    "<aurora-42@aurora.test>");
	ck_assert_str_eq(header_value(b.data, "MIME-Version"), "1.0");
	v = header_value(b.data, "Content-Type");
	ck_assert(strncmp(v, "multipart/alternative; boundary=\"", 33) == 0);
	snprintf(bound, sizeof(bound), "%s", v + 33);
	bound[strlen(bound) - 1] = '\0';
	ck_assert(strncmp(bound, "=_aurora_", 9) == 0);
	/* the text part decodes to the text, the HTML part to the HTML */
	snprintf(delim, sizeof(delim), "\r\n--%s\r\n", bound);
	p = strstr(b.data, delim);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\r\n\r\n") + 4;
	q = strstr(p, delim);
	ck_assert_ptr_nonnull(q);
	ck_assert(strstr(p - 200, "Content-Type: text/plain; charset=UTF-8") !=
	    NULL);
	buf_init(&part, 65536);
	{
		char tmp[4096];

		memcpy(tmp, p, (size_t)(q - p) + 2);
		tmp[q - p + 2] = '\0';
		ck_assert_int_eq(qp_decode(tmp, &part), 0);
		ck_assert_str_eq(part.data, m.text);
		p = strstr(q + 2, "\r\n\r\n") + 4;
		ck_assert(strstr(q, "Content-Type: text/html; charset=UTF-8") !=
		    NULL);
		snprintf(delim, sizeof(delim), "\r\n--%s--\r\n", bound);
		q = strstr(p, delim);
		ck_assert_ptr_nonnull(q);
		memcpy(tmp, p, (size_t)(q - p) + 2);
		tmp[q - p + 2] = '\0';
		buf_reset(&part);
		ck_assert_int_eq(qp_decode(tmp, &part), 0);
		ck_assert_str_eq(part.data, m.html);
	}
	/* the closing delimiter ends the message */
	ck_assert_str_eq(q, delim);
	buf_free(&part);
	buf_free(&b);
}
END_TEST

START_TEST(build_rejects_bad_recipient)
{
	struct mime_msg	 m;
	struct buf	 b;

	memset(&m, 0, sizeof(m));
	m.from = "no-reply@aurora.test";
	m.to = "alice@example.org\r\nBcc: x@y.z";
	m.subject = "s";
	m.text = "t";
	m.message_id = "x@y";
	m.date = 0;
	buf_init(&b, 4096);
	ck_assert_int_eq(mime_build(&m, &b), -1);
	buf_free(&b);
	buf_init(&b, 4096);
	m.to = "alice@example.org";
	m.from = "Évé <no-reply@aurora.test>";
	ck_assert_int_eq(mime_build(&m, &b), 0);
	ck_assert(strncmp(b.data, "From: =?UTF-8?B?", 16) == 0);
	buf_free(&b);
}
END_TEST

/* Every copy of a mail names its outbox row (X-Aurora-Outbox-Id), with or
 * without an HTML part; no id (0), no header. */
START_TEST(build_outbox_id_header)
{
	struct mime_msg	 m;
	struct buf	 b;

	memset(&m, 0, sizeof(m));
	m.from = "no-reply@aurora.test";
	m.to = "alice@example.org";
	m.subject = "s";
	m.text = "t";
	m.message_id = "aurora-9007199254740993@aurora.test";
	m.outbox_id = 9007199254740993LL;
	buf_init(&b, 4096);
	ck_assert_int_eq(mime_build(&m, &b), 0);
	ck_assert_ptr_nonnull(header_value(b.data, "X-Aurora-Outbox-Id"));
	ck_assert_str_eq(header_value(b.data, "X-Aurora-Outbox-Id"),
	    "9007199254740993");
	buf_reset(&b);
	m.html = "<p>t</p>";
	m.outbox_id = 42;
	ck_assert_int_eq(mime_build(&m, &b), 0);
	ck_assert_str_eq(header_value(b.data, "X-Aurora-Outbox-Id"), "42");
	buf_reset(&b);
	m.outbox_id = 0;
	ck_assert_int_eq(mime_build(&m, &b), 0);
	ck_assert_ptr_null(header_value(b.data, "X-Aurora-Outbox-Id"));
	buf_free(&b);
}
END_TEST

/* --- rendering ---------------------------------------------------------- */

static void
event_at(struct render_event *ev, time_t start, const char *tz)
{
	memset(ev, 0, sizeof(*ev));
	ev->event_id = "0b0e4b1c-0000-4000-8000-000000000001";
	ev->title = "Standup <daily> & more";
	ev->description = "Line one\nLine <two>";
	ev->location = "Room 4";
	ev->start = start;
	ev->end = start + 3600;
	ev->event_tz = tz;
	ev->user_tz = tz;
	ev->minutes_before = 30;
	ev->public_url = "https://cal.example.org";
}

START_TEST(render_dst_weekly)
{
	struct render_event	 ev;
	struct render_out	 o;

	/* A weekly 09:00 Europe/Berlin event: 08:00Z before the change on
	 * 29 March 2026, 07:00Z after it. Both read 09:00 local. */
	event_at(&ev, 1774166400, "Europe/Berlin");	/* 2026-03-22T08:00Z */
	ck_assert_int_eq(render_reminder(&ev, &o), 0);
	ck_assert_str_eq(o.subject, "Reminder: Standup <daily> & more, "
	    "Sun 22 Mar, 09:00 CET");
	ck_assert_ptr_nonnull(strstr(o.text, "When:  Sunday, 22 March 2026, "
	    "09:00-10:00 CET (Europe/Berlin)"));
	render_out_free(&o);
	event_at(&ev, 1774767600, "Europe/Berlin");	/* 2026-03-29T07:00Z */
	ck_assert_int_eq(render_reminder(&ev, &o), 0);
	ck_assert_str_eq(o.subject, "Reminder: Standup <daily> & more, "
	    "Sun 29 Mar, 09:00 CEST");
	ck_assert_ptr_nonnull(strstr(o.text, "When:  Sunday, 29 March 2026, "
	    "09:00-10:00 CEST (Europe/Berlin)"));
	ck_assert_ptr_nonnull(strstr(o.text, "Where: Room 4\n"));
	ck_assert_ptr_nonnull(strstr(o.text, "Open the event: "
	    "https://cal.example.org/#/events/"
	    "0b0e4b1c-0000-4000-8000-000000000001\n"));
	ck_assert_ptr_nonnull(strstr(o.text, "a reminder 30 minutes before "
	    "it starts"));
	/* HTML: escaped, with the link */
	ck_assert_ptr_nonnull(strstr(o.html, "<h1>Standup &lt;daily&gt; "
	    "&amp; more</h1>"));
	ck_assert_ptr_nonnull(strstr(o.html, "Line one<br>\nLine &lt;two&gt;"));
	ck_assert_ptr_nonnull(strstr(o.html, "<a href=\"https://cal.example."
	    "org/#/events/0b0e4b1c-0000-4000-8000-000000000001\">"));
	ck_assert_ptr_null(strstr(o.html, "<daily>"));
	render_out_free(&o);
}
END_TEST

START_TEST(render_zone_fallback_and_lead)
{
	struct render_event	 ev;
	struct render_out	 o;
	struct tm		 tm;

	event_at(&ev, 1774767600, "../../etc/passwd");
	ev.minutes_before = 1440 + 90;
	ck_assert_int_eq(render_reminder(&ev, &o), 0);
	ck_assert_ptr_nonnull(strstr(o.subject, "Sun 29 Mar, 07:00 UTC"));
	ck_assert_ptr_nonnull(strstr(o.text, "a reminder 1 day 1 hour 30 "
	    "minutes before it starts"));
	render_out_free(&o);
	ck_assert_int_eq(render_localtime(0, "Nowhere/Atlantis", &tm), 0);
	ck_assert_int_eq(tm.tm_hour, 0);
	ck_assert_int_eq(render_localtime(0, "America/New_York", &tm), 1);
	ck_assert_int_eq(tm.tm_hour, 19);
}
END_TEST

/* One engine (issue 17): render's local time is core/zone's (libical), the
 * engine that plans reminders, at instants either side of DST changes in
 * both hemispheres and in zones with odd offsets; the wall-clock times and
 * abbreviations are the tzdata's (as `TZ=... date` prints them). */
START_TEST(render_localtime_is_zone_local)
{
	static const struct {
		const char	*tz;
		time_t		 t;
		const char	*local;	/* YYYY-MM-DD HH:MM:SS */
		const char	*abbr;
		int		 wday, yday;
	} c[] = {
		{ "Europe/Berlin", 1774745999, "2026-03-29 01:59:59", "CET", 0, 87 },
		{ "Europe/Berlin", 1774746000, "2026-03-29 03:00:00", "CEST", 0, 87 },
		{ "America/New_York", 1793512799, "2026-11-01 01:59:59", "EDT", 0,
		    304 },
		{ "America/New_York", 1793512800, "2026-11-01 01:00:00", "EST", 0,
		    304 },
		{ "Australia/Sydney", 1775318399, "2026-04-05 02:59:59", "AEDT", 0,
		    94 },
		{ "Australia/Sydney", 1775318400, "2026-04-05 02:00:00", "AEST", 0,
		    94 },
		{ "Asia/Kolkata", 1774746000, "2026-03-29 06:30:00", "IST", 0, 87 },
		{ "Pacific/Chatham", 1775311199, "2026-04-05 03:44:59", "+1345", 0,
		    94 },
		{ "Pacific/Chatham", 1775311200, "2026-04-05 02:45:00", "+1245", 0,
		    94 },
		{ "UTC", 1774746000, "2026-03-29 01:00:00", "UTC", 0, 87 },
	};
	struct tm		 tm;
	struct icaltimetype	 tt;
	icaltimezone		*z;
	char			 got[80];
	size_t			 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_ptr_nonnull(z = zone_find(c[i].tz));
		ck_assert_int_eq(render_localtime(c[i].t, c[i].tz, &tm), 1);
		tt = zone_local(z, c[i].t, 0);
		ck_assert_int_eq(tm.tm_year + 1900, tt.year);
		ck_assert_int_eq(tm.tm_mon + 1, tt.month);
		ck_assert_int_eq(tm.tm_mday, tt.day);
		ck_assert_int_eq(tm.tm_hour, tt.hour);
		ck_assert_int_eq(tm.tm_min, tt.minute);
		ck_assert_int_eq(tm.tm_sec, tt.second);
		ck_assert_int_eq(tm.tm_gmtoff, zone_offset(z, c[i].t));
		snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		ck_assert_str_eq(got, c[i].local);
		ck_assert_str_eq(tm.tm_zone, c[i].abbr);
		ck_assert_int_eq(tm.tm_wday, c[i].wday);
		ck_assert_int_eq(tm.tm_yday, c[i].yday);
	}
	/* A zone file that is not a zone renders in UTC, as with glibc. */
	ck_assert_int_eq(render_localtime(1774746000, "leapseconds", &tm), 0);
	ck_assert_int_eq(tm.tm_hour, 1);
}
END_TEST

START_TEST(render_all_day)
{
	struct render_event	 ev;
	struct render_out	 o;

	/* all-day 2026-12-24 in Pacific/Auckland (UTC+13 in summer),
	 * read by a user in America/Los_Angeles: the date stays the 24th */
	event_at(&ev, 1798023600, "Pacific/Auckland");
	ev.end = ev.start + 86400;
	ev.all_day = 1;
	ev.user_tz = "America/Los_Angeles";
	ck_assert_int_eq(render_reminder(&ev, &o), 0);
	ck_assert_ptr_nonnull(strstr(o.text, "When:  Thursday, 24 December "
	    "2026 (all day)"));
	ck_assert_ptr_nonnull(strstr(o.subject, "Thu 24 Dec (all day)"));
	render_out_free(&o);
}
END_TEST

START_TEST(render_account_html)
{
	struct render_out o;

	ck_assert_int_eq(render_account("Your code", "Code: 123456\n<script>",
	    &o), 0);
	ck_assert_str_eq(o.subject, "Your code");
	ck_assert_str_eq(o.text, "Code: 123456\n<script>");
	ck_assert_ptr_nonnull(strstr(o.html, "Code: 123456<br>\n&lt;script&gt;"));
	render_out_free(&o);
}
END_TEST

/* Security notices (issue 16): the instant in the reader's zone on either
 * side of a DST change, the detail in place, what to do if it was not
 * them; an unknown zone falls back to UTC. */
START_TEST(render_security_notices)
{
	struct render_notice	n;
	struct render_out	o;

	memset(&n, 0, sizeof(n));
	n.what = RENDER_SEC_APP_PASSWORD;
	n.at = 1798804800;	/* 2027-01-01T12:00:00Z */
	n.user_tz = "Europe/Berlin";
	n.email = "ada@example.org";
	n.detail = "Ada's iPhone";
	n.public_url = "https://cal.example.org";
	ck_assert_int_eq(render_security(&n, &o), 0);
	ck_assert_str_eq(o.subject,
	    "A new app password for your Aurora Time account");
	ck_assert_ptr_null(o.html);
	ck_assert_msg(strstr(o.text, "on Friday 1 January 2027 at 13:00 CET, "
	    "an app password named \"Ada's iPhone\" was made") != NULL,
	    "%s", o.text);
	ck_assert_ptr_nonnull(strstr(o.text, "If it was not you: delete it "
	    "in Settings, Calendar apps at https://cal.example.org/, then"));
	ck_assert_ptr_nonnull(strstr(o.text, "writes to ada@example.org"));
	render_out_free(&o);

	n.what = RENDER_SEC_EMAIL_CHANGED;
	n.at = 1782907200;	/* 2026-07-01T12:00:00Z */
	n.detail = "new@example.org";
	ck_assert_int_eq(render_security(&n, &o), 0);
	ck_assert_msg(strstr(o.text, "on Wednesday 1 July 2026 at 14:00 CEST, "
	    "your Aurora Time account was moved to the address "
	    "new@example.org") != NULL, "%s", o.text);
	render_out_free(&o);

	n.what = RENDER_SEC_PASSWORD_RESET;
	n.user_tz = "Not/A_Zone";
	n.detail = NULL;
	ck_assert_int_eq(render_security(&n, &o), 0);
	ck_assert_msg(strstr(o.text, "at 12:00 UTC, the password of your "
	    "Aurora Time account was reset") != NULL, "%s", o.text);
	render_out_free(&o);

	n.what = (enum render_security)99;
	ck_assert_int_eq(render_security(&n, &o), -1);
	ck_assert_ptr_null(o.subject);
}
END_TEST

/* --- backoff and pacing ---------------------------------------------------- */

START_TEST(backoff_grows_with_jitter_and_cap)
{
	long	 d;
	int	 a;

	for (a = 1; a <= 12; a++) {
		long full = 1000L << (a - 1);

		if (full > 60000)
			full = 60000;
		d = outbox_backoff_ms(a, 1000, 60000, 0);
		ck_assert_int_eq(d, full - full / 2);
		d = outbox_backoff_ms(a, 1000, 60000, 0xffffffffu);
		ck_assert_int_ge(d, full - full / 2);
		ck_assert_int_le(d, full);
	}
	ck_assert_int_eq(outbox_backoff_ms(1000, 30000, 3600000, 0), 1800000);
}
END_TEST

START_TEST(tbucket_paces)
{
	struct tbucket	 b;
	int64_t		 t = 1000000;

	tbucket_init(&b, 10, 1, t);
	ck_assert_int_eq(tbucket_take(&b, t), 0);
	ck_assert_int_ge(tbucket_take(&b, t), 99999);
	ck_assert_int_gt(tbucket_take(&b, t + 50000), 0);
	ck_assert_int_eq(tbucket_take(&b, t + 100000), 0);
	/* idle time does not bank more than the burst */
	ck_assert_int_eq(tbucket_take(&b, t + 10000000), 0);
	ck_assert_int_gt(tbucket_take(&b, t + 10000000), 0);
}
END_TEST

/* --- SES answers ------------------------------------------------------- */

START_TEST(ses_classification)
{
	struct transport_result r;

	transport_ses_classify(200, CURLE_OK, "", "{\"MessageId\":\"x\"}", 0,
	    &r);
	ck_assert_int_eq(r.status, TRANSPORT_SENT);
	transport_ses_classify(429, CURLE_OK, "TooManyRequestsException:",
	    "{\"message\":\"slow down\"}", 3, &r);
	ck_assert_int_eq(r.status, TRANSPORT_RETRY);
	ck_assert_int_eq(r.retry_after_ms, 3000);
	ck_assert_ptr_nonnull(strstr(r.error, "slow down"));
	transport_ses_classify(400, CURLE_OK, "LimitExceededException:http://x",
	    "{}", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_RETRY);
	transport_ses_classify(503, CURLE_OK, "", "", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_RETRY);
	transport_ses_classify(400, CURLE_OK,
	    "MessageRejected:http://internal.amazon.com/coral/",
	    "{\"message\":\"Email address is not verified.\"}", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_FAILED);
	ck_assert_ptr_nonnull(strstr(r.error, "MessageRejected"));
	ck_assert_ptr_nonnull(strstr(r.error, "not verified"));
	transport_ses_classify(400, CURLE_OK, NULL,
	    "{\"__type\":\"com.amazonaws.ses#SendingPausedException\"}", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_PAUSE);
	transport_ses_classify(403, CURLE_OK, "", "{\"message\":\"The request "
	    "signature we calculated does not match\"}", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_PAUSE);
	transport_ses_classify(400, CURLE_OK, "", "{\"type\":"
	    "\"BadRequestException\"}", 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_FAILED);
	transport_ses_classify(0, CURLE_COULDNT_CONNECT, "", NULL, 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_PAUSE);
	transport_ses_classify(0, CURLE_OPERATION_TIMEDOUT, "", NULL, 0, &r);
	ck_assert_int_eq(r.status, TRANSPORT_RETRY);
}
END_TEST

/* --- the file transport, end to end through transport_run ---------------- */

struct one_src {
	struct transport_msg	 m;
	int			 given;
	struct transport_result	 r;
	int			 done;
};

static void
one_flush(void *arg)
{
	(void)arg;
}

static struct transport_msg *
one_next(void *arg)
{
	struct one_src *s = arg;

	if (s->given)
		return NULL;
	s->given = 1;
	return &s->m;
}

static void
one_done(void *arg, struct transport_msg *m, const struct transport_result *r)
{
	struct one_src *s = arg;

	ck_assert_ptr_eq(m, &s->m);
	s->r = *r;
	s->done++;
}

START_TEST(file_transport_writes_eml)
{
	static struct conf	 c;
	char			 dir[] = "/tmp/aurora-check-mail-XXXXXX";
	char			 path[256], got[256], err[256];
	struct transport	*t;
	struct transport_source	 src;
	struct one_src		 s;
	FILE			*f;
	size_t			 n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	conf_defaults(&c);
	snprintf(c.mail_transport, sizeof(c.mail_transport), "file");
	snprintf(c.mail_dir, sizeof(c.mail_dir), "%s", dir);
	t = transport_new(&c, err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	memset(&s, 0, sizeof(s));
	s.m.id = 7;
	s.m.attempt = 2;
	s.m.data = "Subject: x\r\n\r\nbody\r\n";
	s.m.len = strlen(s.m.data);
	src.next = one_next;
	src.done = one_done;
	src.flush = one_flush;
	src.arg = &s;
	ck_assert_int_eq(transport_run(t, &src), 0);
	ck_assert_int_eq(s.done, 1);
	ck_assert_int_eq(s.r.status, TRANSPORT_SENT);
	ck_assert_str_eq(s.r.provider_id, "outbox-7-2.eml");
	snprintf(path, sizeof(path), "%s/outbox-7-2.eml", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	ck_assert_str_eq(got, s.m.data);
	unlink(path);
	rmdir(dir);
	transport_free(t);
	/* an unknown transport is a configuration error */
	snprintf(c.mail_transport, sizeof(c.mail_transport), "pigeon");
	ck_assert_ptr_null(transport_new(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "ses, smtp or file"));
}
END_TEST

static Suite *
mail_suite(void)
{
	Suite	*s = suite_create("mail");
	TCase	*tc = tcase_create("mail");

	tcase_add_test(tc, addr_valid);
	tcase_add_test(tc, addr_split);
	tcase_add_test(tc, header_plain_ascii);
	tcase_add_test(tc, header_utf8_encoded);
	tcase_add_test(tc, header_long_folded_no_split_utf8);
	tcase_add_test(tc, header_injection_neutralised);
	tcase_add_test(tc, qp_roundtrip);
	tcase_add_test(tc, qp_long_line_soft_breaks);
	tcase_add_test(tc, build_multipart);
	tcase_add_test(tc, build_rejects_bad_recipient);
	tcase_add_test(tc, build_outbox_id_header);
	tcase_add_test(tc, render_dst_weekly);
	tcase_add_test(tc, render_zone_fallback_and_lead);
	tcase_add_test(tc, render_localtime_is_zone_local);
	tcase_add_test(tc, render_all_day);
	tcase_add_test(tc, render_account_html);
	tcase_add_test(tc, render_security_notices);
	tcase_add_test(tc, backoff_grows_with_jitter_and_cap);
	tcase_add_test(tc, tbucket_paces);
	tcase_add_test(tc, ses_classification);
	tcase_add_test(tc, file_transport_writes_eml);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(mail_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
