/* transport.c — choosing a transport and what they share (see
 * transport.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "mail/transport_impl.h"

struct transport *
transport_new(const struct conf *c, char *err, size_t errlen)
{
	struct transport	*t;
	int			 rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->conf = c;
	/* Bursts of up to 20 ms of sends keep the pacing independent of the
	 * timer resolution at high rates; at low rates sends are spaced. */
	tbucket_init(&t->bucket, c->max_send_rate,
	    c->max_send_rate / 50.0, clock_mono_us());
	if (strcmp(c->mail_transport, "ses") == 0)
		rc = transport_ses_init(t, err, errlen);
	else if (strcmp(c->mail_transport, "smtp") == 0)
		rc = transport_smtp_init(t, err, errlen);
	else if (strcmp(c->mail_transport, "file") == 0)
		rc = transport_file_init(t, err, errlen);
	else {
		snprintf(err, errlen, "mail_transport must be ses, smtp or "
		    "file, not \"%s\"", c->mail_transport);
		rc = -1;
	}
	if (rc == -1) {
		free(t);
		return NULL;
	}
	return t;
}

void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->ops != NULL && t->ops->free != NULL)
		t->ops->free(t);
	free(t);
}

int
transport_run(struct transport *t, const struct transport_source *src)
{
	return t->ops->run(t, src);
}

int
transport_quota(struct transport *t, char *err, size_t errlen)
{
	if (t->ops->quota == NULL) {
		snprintf(err, errlen, "--quota needs mail_transport = ses");
		return -1;
	}
	return t->ops->quota(t, err, errlen);
}

int
transport_check(struct transport *t, char *err, size_t errlen)
{
	return t->ops->check(t, err, errlen);
}

const char *
transport_name(const struct transport *t)
{
	return t->ops->name;
}

int
transport_pace(struct transport *t)
{
	struct timespec	ts;
	int64_t		wait;

	while ((wait = tbucket_take(&t->bucket, clock_mono_us())) > 0) {
		ts.tv_sec = (time_t)(wait / 1000000);
		ts.tv_nsec = (long)(wait % 1000000) * 1000;
		/* a signal only shortens the wait; the loop re-checks */
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

void
transport_result_set(struct transport_result *r, enum transport_status st,
    const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	r->retry_after_ms = 0;
	r->provider_id[0] = '\0';
	r->error[0] = '\0';
	if (st == TRANSPORT_SENT || fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}
