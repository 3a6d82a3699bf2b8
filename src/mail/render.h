/* render.h — the words of a mail: a reminder's subject, text and HTML in
 * the reader's time zone with a link to the event, and the HTML twin of an
 * account mail's text. Pure functions of their input (and the tz data,
 * read through core/zone). */
#ifndef AURORA_RENDER_H
#define AURORA_RENDER_H

#include <stddef.h>
#include <time.h>

#define RENDER_TZ_MAX	64

struct render_event {
	const char	*event_id;	/* uuid, goes into the link */
	const char	*title;
	const char	*description;	/* "" when none */
	const char	*location;	/* "" when none */
	time_t		 start;		/* this occurrence */
	time_t		 end;
	int		 all_day;
	const char	*event_tz;	/* the event's zone (all-day dates) */
	const char	*user_tz;	/* the reader's zone (times) */
	int		 minutes_before;
	const char	*public_url;	/* no trailing slash */
};

struct render_out {
	char	*subject;
	char	*text;
	char	*html;
};

/* Fills out with newly allocated strings; free them with render_out_free.
 * Returns 0, or -1 (out of memory) with out emptied. An unknown time zone
 * renders in UTC. */
int render_reminder(const struct render_event *ev, struct render_out *out)
    __attribute__((warn_unused_result));

/* Account mail (confirmation and reset codes): subject and text as queued,
 * HTML made from the escaped text. Same ownership as render_reminder. */
int render_account(const char *subject, const char *text,
    struct render_out *out) __attribute__((warn_unused_result));

/* Security notices (issue 16): what happened to the account, when, in the
 * reader's zone (render_when), and what to do if it was not them. Two-step
 * sign-in's own notices are written by auth/totp.c. */
enum render_security {
	RENDER_SEC_PASSWORD_RESET,	/* a reset code set a new password */
	RENDER_SEC_PASSWORD_CHANGED,	/* changed while signed in */
	RENDER_SEC_APP_PASSWORD,	/* detail: the app password's name */
	RENDER_SEC_EMAIL_CHANGED	/* to the old address; detail: new */
};

struct render_notice {
	enum render_security	 what;
	time_t			 at;		/* when it happened */
	const char		*user_tz;	/* the reader's zone */
	const char		*email;		/* the account's address */
	const char		*detail;	/* see above; "" or NULL */
	const char		*public_url;	/* no trailing slash */
};

/* The subject and text of a security notice, queued as account mail (the
 * sender adds the HTML twin with render_account): out->subject and
 * out->text newly allocated, out->html NULL; free with render_out_free.
 * Returns 0, or -1 (out of memory) with out emptied. */
int render_security(const struct render_notice *n, struct render_out *out)
    __attribute__((warn_unused_result));

void render_out_free(struct render_out *out);

/* Breaks t down in zone tz (an IANA name such as "Europe/Berlin") with
 * core/zone, the engine that plans reminders; an unknown or malformed name
 * falls back to UTC. Returns 1 if tz was used, 0 if UTC was. out->tm_zone
 * points at a static abbreviation valid until the next call:
 * single-threaded callers only. */
int render_localtime(time_t t, const char *tz, struct tm *out);

/* An instant for the text of a security mail, in the reader's zone tz
 * (UTC when unknown): "Sunday 6 December 2026 at 14:05 CET". 0, or -1 when
 * out is too small. */
int render_when(time_t t, const char *tz, char *out, size_t len)
    __attribute__((warn_unused_result));
/* Appends s with & < > " ' escaped (HTML text and attribute values). */
struct buf;
int render_html_escape(struct buf *out, const char *s)
    __attribute__((warn_unused_result));

#endif
