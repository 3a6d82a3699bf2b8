/* render.c — reminder and account mail texts (see render.h). Dates are
 * spelt out in English with our own tables so the output does not depend on
 * the process locale. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/zone.h"
#include "mail/render.h"

#define RENDER_MAX	(256 * 1024)	/* one rendered part */
#define RENDER_ABBR_MAX	12		/* "CEST", "+0530": tzdata names are 3-6 */

static const char *const day_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const day_short[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const mon_long[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};
static const char *const mon_short[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* The local time of t in tz (core/zone, the engine that plans reminders),
 * with the zone's abbreviation in abbr; UTC when tz is unknown. Returns 1
 * if tz was used, 0 if UTC was. */
static int
local_time(time_t t, const char *tz, struct tm *out, char *abbr, size_t len)
{
	icaltimezone		*z;
	struct icaltimetype	 tt;
	int			 used = 1;

	memset(out, 0, sizeof(*out));
	if (tz == NULL || (z = zone_find(tz)) == NULL) {
		z = icaltimezone_get_utc_timezone();
		used = 0;
	}
	tt = zone_local(z, t, 0);
	if (icaltime_is_null_time(tt) || tt.month < 1 || tt.month > 12) {
		snprintf(abbr, len, "UTC");
		return 0;
	}
	out->tm_year = tt.year - 1900;
	out->tm_mon = tt.month - 1;
	out->tm_mday = tt.day;
	out->tm_hour = tt.hour;
	out->tm_min = tt.minute;
	out->tm_sec = tt.second;
	out->tm_wday = icaltime_day_of_week(tt) - 1;	/* 1 is Sunday */
	out->tm_yday = icaltime_day_of_year(tt) - 1;
	out->tm_gmtoff = zone_offset(z, t);
	if (used)
		zone_abbrev(z, t, abbr, len);
	else
		snprintf(abbr, len, "UTC");
	return used;
}

int
render_localtime(time_t t, const char *tz, struct tm *out)
{
	/* tm_zone points here, as glibc's points at its own static names. */
	static char	 abbr[RENDER_ABBR_MAX];
	int		 used;

	used = local_time(t, tz, out, abbr, sizeof(abbr));
	out->tm_zone = abbr;
	return used;
}

int
render_when(time_t t, const char *tz, char *out, size_t len)
{
	struct tm	tm;
	char		abbr[RENDER_ABBR_MAX];
	int		n;

	(void)local_time(t, tz, &tm, abbr, sizeof(abbr));
	n = snprintf(out, len, "%s %d %s %d at %02d:%02d %s",
	    day_long[tm.tm_wday >= 0 && tm.tm_wday < 7 ? tm.tm_wday : 0],
	    tm.tm_mday, mon_long[tm.tm_mon >= 0 && tm.tm_mon < 12 ?
	    tm.tm_mon : 0], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, abbr);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
render_html_escape(struct buf *out, const char *s)
{
	const char	*p, *rep;
	size_t		 run = 0;

	for (p = s; ; p++) {
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = ""; break;
		default:
			run++;
			continue;
		}
		if (buf_add(out, p - run, run) != BUF_OK ||
		    buf_addstr(out, rep) != BUF_OK)
			return -1;
		run = 0;
		if (*p == '\0')
			return 0;
	}
}

/* Escaped text with each line break as <br>. */
static int
html_lines(struct buf *out, const char *s)
{
	struct buf	 line;
	const char	*nl;
	int		 rc = -1;

	buf_init(&line, RENDER_MAX);
	for (;;) {
		nl = strchr(s, '\n');
		buf_reset(&line);
		if (buf_add(&line, s, nl ? (size_t)(nl - s) : strlen(s)) !=
		    BUF_OK)
			goto out;
		if (line.len > 0 && line.data[line.len - 1] == '\r')
			line.data[--line.len] = '\0';
		if (render_html_escape(out, line.data) == -1)
			goto out;
		if (nl == NULL)
			break;
		if (buf_addstr(out, "<br>\n") != BUF_OK)
			goto out;
		s = nl + 1;
	}
	rc = 0;
out:
	buf_free(&line);
	return rc;
}

static int
valid_tm(const struct tm *tm)
{
	return tm->tm_wday >= 0 && tm->tm_wday <= 6 && tm->tm_mon >= 0 &&
	    tm->tm_mon <= 11;
}

/* "Monday, 30 March 2026" */
static void
long_date(const struct tm *tm, char *out, size_t len)
{
	snprintf(out, len, "%s, %d %s %d", day_long[tm->tm_wday], tm->tm_mday,
	    mon_long[tm->tm_mon], tm->tm_year + 1900);
}

/* "in 1 day 2 hours", "when it starts" */
static void
lead_time(int minutes, char *out, size_t len)
{
	int	 d = minutes / 1440, h = minutes % 1440 / 60, m = minutes % 60;
	size_t	 n = 0;

	if (minutes <= 0) {
		snprintf(out, len, "when it starts");
		return;
	}
	out[0] = '\0';
	if (d > 0)
		n += (size_t)snprintf(out, len, "%d day%s", d,
		    d == 1 ? "" : "s");
	if (h > 0 && n < len)
		n += (size_t)snprintf(out + n, len - n, "%s%d hour%s",
		    n ? " " : "", h, h == 1 ? "" : "s");
	if (m > 0 && n < len)
		n += (size_t)snprintf(out + n, len - n, "%s%d minute%s",
		    n ? " " : "", m, m == 1 ? "" : "s");
	if (n < len)
		snprintf(out + n, len - n, " before it starts");
}

struct when {
	char	 line[256];	/* the full "When:" text */
	char	 brief[96];	/* for the subject */
};

static void
describe_when(const struct render_event *ev, struct when *w)
{
	struct tm	 s, e;
	char		 sd[64], ed[64], zone[RENDER_TZ_MAX + 16];
	char		 sab[RENDER_ABBR_MAX], eab[RENDER_ABBR_MAX];
	const char	*tz;
	int		 used;
	time_t		 last;

	if (ev->all_day) {
		/* All-day dates belong to the event's own zone. */
		tz = ev->event_tz;
		used = local_time(ev->start, tz, &s, sab, sizeof(sab));
		/* the end is exclusive: the last day is the one before it */
		last = ev->end - 1 > ev->start ? ev->end - 1 : ev->start;
		(void)local_time(last, used ? tz : "UTC", &e, eab, sizeof(eab));
		if (!valid_tm(&s) || !valid_tm(&e))
			goto bad;
		long_date(&s, sd, sizeof(sd));
		if (s.tm_year == e.tm_year && s.tm_yday == e.tm_yday)
			snprintf(w->line, sizeof(w->line), "%s (all day)", sd);
		else {
			long_date(&e, ed, sizeof(ed));
			snprintf(w->line, sizeof(w->line), "%s to %s (all day)",
			    sd, ed);
		}
		snprintf(w->brief, sizeof(w->brief), "%s %d %s (all day)",
		    day_short[s.tm_wday], s.tm_mday, mon_short[s.tm_mon]);
		return;
	}
	tz = ev->user_tz;
	used = local_time(ev->start, tz, &s, sab, sizeof(sab));
	(void)local_time(ev->end, used ? tz : "UTC", &e, eab, sizeof(eab));
	if (!valid_tm(&s) || !valid_tm(&e))
		goto bad;
	if (used && strcmp(tz, "UTC") != 0)
		snprintf(zone, sizeof(zone), "%s (%s)", sab, tz);
	else
		snprintf(zone, sizeof(zone), "UTC");
	long_date(&s, sd, sizeof(sd));
	if (s.tm_year == e.tm_year && s.tm_yday == e.tm_yday)
		snprintf(w->line, sizeof(w->line), "%s, %02d:%02d-%02d:%02d %s",
		    sd, s.tm_hour, s.tm_min, e.tm_hour, e.tm_min, zone);
	else {
		long_date(&e, ed, sizeof(ed));
		snprintf(w->line, sizeof(w->line), "%s, %02d:%02d to %s, "
		    "%02d:%02d %s", sd, s.tm_hour, s.tm_min, ed, e.tm_hour,
		    e.tm_min, zone);
	}
	snprintf(w->brief, sizeof(w->brief), "%s %d %s, %02d:%02d %s",
	    day_short[s.tm_wday], s.tm_mday, mon_short[s.tm_mon], s.tm_hour,
	    s.tm_min, used ? sab : "UTC");
	return;
bad:
	snprintf(w->line, sizeof(w->line), "(date out of range)");
	snprintf(w->brief, sizeof(w->brief), "(date out of range)");
}

void
render_out_free(struct render_out *out)
{
	free(out->subject);
	free(out->text);
	free(out->html);
	out->subject = out->text = out->html = NULL;
}

int
render_reminder(const struct render_event *ev, struct render_out *out)
{
	struct buf	 subj, text, html, link;
	struct when	 w;
	char		 lead[96];
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&subj, RENDER_MAX);
	buf_init(&text, RENDER_MAX);
	buf_init(&html, RENDER_MAX);
	buf_init(&link, 4096);
	describe_when(ev, &w);
	lead_time(ev->minutes_before, lead, sizeof(lead));
	if (buf_printf(&link, "%s/#/events/%s", ev->public_url,
	    ev->event_id) != BUF_OK)
		goto out;
	if (buf_printf(&subj, "Reminder: %s, %s", ev->title, w.brief) != BUF_OK)
		goto out;

	if (buf_printf(&text, "Reminder: %s\n\nWhen:  %s\n", ev->title,
	    w.line) != BUF_OK)
		goto out;
	if (ev->location[0] != '\0' &&
	    buf_printf(&text, "Where: %s\n", ev->location) != BUF_OK)
		goto out;
	if (ev->description[0] != '\0' &&
	    buf_printf(&text, "\n%s\n", ev->description) != BUF_OK)
		goto out;
	if (buf_printf(&text, "\nOpen the event: %s\n\n-- \nYou get this "
	    "mail because the event has a reminder %s.\nAurora Time\n",
	    link.data, lead) != BUF_OK)
		goto out;

	if (buf_addstr(&html, "<!DOCTYPE html>\n<html><head><meta charset=\""
	    "utf-8\"><title>Reminder: ") != BUF_OK ||
	    render_html_escape(&html, ev->title) == -1 ||
	    buf_addstr(&html, "</title></head>\n<body>\n<h1>") != BUF_OK ||
	    render_html_escape(&html, ev->title) == -1 ||
	    buf_addstr(&html, "</h1>\n<p><strong>When:</strong> ") != BUF_OK ||
	    render_html_escape(&html, w.line) == -1 ||
	    buf_addstr(&html, "</p>\n") != BUF_OK)
		goto out;
	if (ev->location[0] != '\0' &&
	    (buf_addstr(&html, "<p><strong>Where:</strong> ") != BUF_OK ||
	    render_html_escape(&html, ev->location) == -1 ||
	    buf_addstr(&html, "</p>\n") != BUF_OK))
		goto out;
	if (ev->description[0] != '\0' &&
	    (buf_addstr(&html, "<p>") != BUF_OK ||
	    html_lines(&html, ev->description) == -1 ||
	    buf_addstr(&html, "</p>\n") != BUF_OK))
		goto out;
	if (buf_addstr(&html, "<p><a href=\"") != BUF_OK ||
	    render_html_escape(&html, link.data) == -1 ||
	    buf_addstr(&html, "\">Open the event in Aurora Time</a></p>\n"
	    "<p style=\"color:#666\">You get this mail because the event has "
	    "a reminder ") != BUF_OK ||
	    render_html_escape(&html, lead) == -1 ||
	    buf_addstr(&html, ".</p>\n</body></html>\n") != BUF_OK)
		goto out;
	out->subject = buf_detach(&subj);
	out->text = buf_detach(&text);
	out->html = buf_detach(&html);
	rc = 0;
out:
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
	buf_free(&link);
	return rc;
}

int
render_account(const char *subject, const char *text, struct render_out *out)
{
	struct buf	 html;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&html, RENDER_MAX);
	if (buf_addstr(&html, "<!DOCTYPE html>\n<html><head><meta charset=\""
	    "utf-8\"><title>") != BUF_OK ||
	    render_html_escape(&html, subject) == -1 ||
	    buf_addstr(&html, "</title></head>\n<body>\n<p>") != BUF_OK ||
	    html_lines(&html, text) == -1 ||
	    buf_addstr(&html, "</p>\n</body></html>\n") != BUF_OK)
		goto out;
	if ((out->subject = strdup(subject)) == NULL ||
	    (out->text = strdup(text)) == NULL)
		goto out;
	out->html = buf_detach(&html);
	rc = 0;
out:
	if (rc == -1)
		render_out_free(out);
	buf_free(&html);
	return rc;
}

/* The subject, what happened (the detail, or "", goes between its two
 * halves) and what to do if it was not the reader (the service's address
 * goes between its halves) of each security notice. */
static const struct {
	const char	*subject;
	const char	*what[2];
	const char	*not_you[2];
} sec_texts[] = {
	[RENDER_SEC_PASSWORD_RESET] = {
	    "Your Aurora Time password was reset",
	    { "the password of your Aurora Time account was reset with a code "
	    "mailed to this address", ", and every device was signed out." },
	    { "ask for a new reset code at ", "/ and set a password of your "
	    "own right away: whoever reset it could read this mailbox, so "
	    "secure your mail account first." } },
	[RENDER_SEC_PASSWORD_CHANGED] = {
	    "Your Aurora Time password was changed",
	    { "the password of your Aurora Time account was changed", "." },
	    { "reset your password at ", "/ (\"Forgot your password?\"): that "
	    "signs out every device, and nobody can sign in with the old or "
	    "the new one any more." } },
	[RENDER_SEC_APP_PASSWORD] = {
	    "A new app password for your Aurora Time account",
	    { "an app password named \"", "\" was made for your Aurora Time "
	    "account. A calendar app can read and change your calendars with "
	    "it." },
	    { "delete it in Settings, Calendar apps at ", "/, then reset your "
	    "password and sign out everywhere (Settings, Sessions)." } },
	[RENDER_SEC_EMAIL_CHANGED] = {
	    "The address of your Aurora Time account was changed",
	    { "your Aurora Time account was moved to the address ", ": it "
	    "signs in with that address now, and this one gets no more mail "
	    "from it." },
	    { "write to the operator of this service at once (", "/): whoever "
	    "changed it knew your password and can read the new mailbox." } },
};

int
render_security(const struct render_notice *n, struct render_out *out)
{
	struct buf	 text;
	char		 when[96];
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if ((unsigned)n->what >= sizeof(sec_texts) / sizeof(sec_texts[0]))
		return -1;
	buf_init(&text, RENDER_MAX);
	if (render_when(n->at, n->user_tz, when, sizeof(when)) == -1)
		goto out;
	if (buf_printf(&text, "Hello,\n\non %s, %s%s%s\n\n"
	    "If this was you, there is nothing to do.\n\n"
	    "If it was not you: %s%s%s\n\n"
	    "-- \nAurora Time writes to %s whenever the sign-in of its account "
	    "changes.\n", when,
	    sec_texts[n->what].what[0], n->detail != NULL ? n->detail : "",
	    sec_texts[n->what].what[1], sec_texts[n->what].not_you[0],
	    n->public_url, sec_texts[n->what].not_you[1], n->email) != BUF_OK)
		goto out;
	if ((out->subject = strdup(sec_texts[n->what].subject)) == NULL ||
	    (out->text = buf_detach(&text)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		render_out_free(out);
	buf_free(&text);
	return rc;
}
