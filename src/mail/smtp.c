/* smtp.c — sending through an SMTP relay with libcurl: one handle reused
 * for every message, so the connection (and its STARTTLS and AUTH) is set
 * up once per run. Reaches SES's SMTP interface or any local relay. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mail/mime.h"
#include "mail/transport_impl.h"

struct smtp {
	CURL		*h;
	long		 timeout_s;
};

struct smtp_upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static size_t
smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_upload	*u = arg;
	size_t			 n = size * nitems;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

static void
smtp_classify(CURLcode cc, long reply, const char *errbuf,
    struct transport_result *r)
{
	if (cc == CURLE_OK) {
		transport_result_set(r, TRANSPORT_SENT, NULL);
		return;
	}
	switch (cc) {
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
		/* The relay or our settings, not this message: stop. */
		transport_result_set(r, TRANSPORT_PAUSE, "SMTP: %s (%s)",
		    curl_easy_strerror(cc), errbuf);
		return;
	default:
		break;
	}
	if (reply == 530 || reply == 535 || reply == 454)
		transport_result_set(r, TRANSPORT_PAUSE, "SMTP %ld: %s", reply,
		    errbuf);
	else if (reply >= 500 && reply <= 599)
		transport_result_set(r, TRANSPORT_FAILED, "SMTP %ld: %s", reply,
		    errbuf);
	else if (reply >= 400 && reply <= 499)
		transport_result_set(r, TRANSPORT_RETRY, "SMTP %ld: %s", reply,
		    errbuf);
	else
		transport_result_set(r, TRANSPORT_RETRY, "SMTP: %s (%s)",
		    curl_easy_strerror(cc), errbuf);
}

static void
smtp_send(struct transport *t, struct smtp *x, struct transport_msg *m,
    struct transport_result *r)
{
	const struct conf	*c = t->conf;
	struct curl_slist	*rcpt = NULL;
	struct smtp_upload	 u = { m->data, m->len, 0 };
	char			 from[MIME_ADDR_MAX + 3], to[MIME_ADDR_MAX + 3];
	char			 errbuf[CURL_ERROR_SIZE] = "";
	long			 reply = 0;
	CURLcode		 cc;

	snprintf(from, sizeof(from), "<%s>", m->from_addr);
	snprintf(to, sizeof(to), "<%s>", m->to_addr);
	if ((rcpt = curl_slist_append(NULL, to)) == NULL) {
		transport_result_set(r, TRANSPORT_RETRY, "out of memory");
		return;
	}
	if (curl_easy_setopt(x->h, CURLOPT_URL, c->smtp_url) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_READFUNCTION, smtp_read) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_READDATA, &u) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)m->len) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		transport_result_set(r, TRANSPORT_RETRY, "cannot set up libcurl");
		goto out;
	}
	cc = curl_easy_perform(x->h);
	(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &reply);
	smtp_classify(cc, reply, errbuf, r);
out:
	/* The handle keeps pointers to these; clear them before they go. */
	(void)curl_easy_setopt(x->h, CURLOPT_MAIL_RCPT, NULL);
	(void)curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpt);
}

static int
smtp_run(struct transport *t, const struct transport_source *src)
{
	struct smtp		*x = t->impl;
	struct transport_msg	*m;
	struct transport_result	 r;

	for (;;) {
		(void)transport_pace(t);
		if ((m = src->next(src->arg)) == NULL)
			return 0;
		smtp_send(t, x, m, &r);
		src->done(src->arg, m, &r);
		src->flush(src->arg);
	}
}

static void
smtp_free(struct transport *t)
{
	struct smtp *x = t->impl;

	if (x == NULL)
		return;
	if (x->h != NULL)
		curl_easy_cleanup(x->h);
	free(x);
	t->impl = NULL;
}

/* Connects, greets, upgrades with STARTTLS and authenticates as a send
 * would, then says NOOP instead of sending. */
static int
smtp_check(struct transport *t, char *err, size_t errlen)
{
	struct smtp	*x = t->impl;
	char		 errbuf[CURL_ERROR_SIZE] = "";
	long		 reply = 0;
	CURLcode	 cc;
	int		 rc = -1;

	if (curl_easy_setopt(x->h, CURLOPT_URL, t->conf->smtp_url) !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, "NOOP") != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		snprintf(err, errlen, "cannot set up libcurl for SMTP");
		goto out;
	}
	cc = curl_easy_perform(x->h);
	(void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &reply);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s (%s)", t->conf->smtp_url,
		    curl_easy_strerror(cc), errbuf);
		goto out;
	}
	rc = 0;
out:
	(void)curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, NULL);
	(void)curl_easy_setopt(x->h, CURLOPT_NOBODY, 0L);
	(void)curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
	return rc;
}

static const struct transport_ops smtp_ops = {
	"smtp", smtp_run, NULL, smtp_check, smtp_free
};

int
transport_smtp_init(struct transport *t, char *err, size_t errlen)
{
	const struct conf	*c = t->conf;
	struct smtp		*x;
	long			 timeout;

	if (strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen, "smtp_url must start with smtp:// or "
		    "smtps://");
		return -1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->impl = x;
	t->ops = &smtp_ops;
	timeout = c->send_lease_seconds / 2;
	if (timeout > 60)
		timeout = 60;
	if (timeout < 1)
		timeout = 1;
	if ((x->h = curl_easy_init()) == NULL ||
	    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") !=
	    CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_TIMEOUT, timeout) != CURLE_OK ||
	    (c->smtp_starttls && curl_easy_setopt(x->h, CURLOPT_USE_SSL,
	    (long)CURLUSESSL_ALL) != CURLE_OK) ||
	    (c->smtp_cafile[0] != '\0' && curl_easy_setopt(x->h,
	    CURLOPT_CAINFO, c->smtp_cafile) != CURLE_OK) ||
	    (c->smtp_user[0] != '\0' && (curl_easy_setopt(x->h,
	    CURLOPT_USERNAME, c->smtp_user) != CURLE_OK ||
	    curl_easy_setopt(x->h, CURLOPT_PASSWORD, c->smtp_password) !=
	    CURLE_OK))) {
		snprintf(err, errlen, "cannot set up libcurl for SMTP");
		smtp_free(t);
		return -1;
	}
	return 0;
}
