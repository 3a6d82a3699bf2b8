/* ses.c — Amazon SES v2 SendEmail (raw MIME content) through one libcurl
 * multi handle: send_concurrency requests in flight over reused
 * connections, paced by the token bucket, each signed by libcurl's
 * CURLOPT_AWS_SIGV4. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonout.h"
#include "core/log.h"
#include "mail/mime.h"
#include "mail/sigv4.h"
#include "mail/transport_impl.h"

#define SES_RESPONSE_MAX	(64 * 1024)
#define SES_REQUEST_MAX		(MIME_MESSAGE_MAX * 4 / 3 + 4096)
#define SES_SEND_PATH		"/v2/email/outbound-emails"
#define SES_ACCOUNT_PATH	"/v2/email/account"

struct ses_slot {
	CURL			*h;
	struct curl_slist	*hdrs;
	struct transport_msg	*m;
	struct buf		 req;
	struct buf		 resp;
	char			 errtype[128];
	long			 retry_after_s;
	int			 busy;
};

struct ses {
	CURLM			*multi;
	struct ses_slot		*slots;
	int			 nslots;
	struct sigv4_creds	 cr;
	char			 base[CONF_STR_MAX];	/* no trailing slash */
	char			 send_url[CONF_STR_MAX + 64];
	long			 timeout_s;
};

static size_t
ses_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf	*b = arg;
	size_t		 n = size * nmemb;

	/* Past the cap the rest is dropped, not an error: only the start of
	 * an error body is ever shown. */
	if (buf_add(b, ptr, n > b->cap - b->len ? b->cap - b->len : n) !=
	    BUF_OK)
		return 0;	/* out of memory: libcurl ends the transfer */
	return n;
}

static void
trim_copy(char *out, size_t outlen, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' ||
	    s[n - 1] == ' '))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static size_t
ses_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ses_slot	*s = arg;
	size_t		 n = size * nmemb;
	char		 v[32], *end;
	long		 secs;

	if (n > 17 && strncasecmp(ptr, "x-amzn-ErrorType:", 17) == 0)
		trim_copy(s->errtype, sizeof(s->errtype), ptr + 17, n - 17);
	else if (n > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
		trim_copy(v, sizeof(v), ptr + 12, n - 12);
		secs = strtol(v, &end, 10);
		if (end != v && *end == '\0' && secs > 0 && secs < 86400)
			s->retry_after_s = secs;
	}
	return n;
}

/* "MessageRejected:http://..." or "com.amazonaws...#MessageRejected" ->
 * "MessageRejected". */
static void
bare_type(const char *in, char *out, size_t outlen)
{
	const char	*hash = strrchr(in, '#');
	size_t		 n;

	if (hash != NULL)
		in = hash + 1;
	n = strcspn(in, ":");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

static int
type_in(const char *type, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(type, *list) == 0)
			return 1;
	return 0;
}

void
transport_ses_classify(long http, int cc, const char *error_type,
    const char *body, long retry_after_s, struct transport_result *r)
{
	static const char *const throttled[] = { "TooManyRequestsException",
	    "LimitExceededException", "Throttling", "ThrottlingException",
	    NULL };
	static const char *const paused[] = { "SendingPausedException",
	    "AccountSuspendedException", "UnrecognizedClientException",
	    "InvalidSignatureException", "SignatureDoesNotMatch",
	    "AccessDeniedException", "InvalidClientTokenId",
	    "ExpiredTokenException", "MissingAuthenticationTokenException",
	    NULL };
	char		 type[128] = "", msg[300] = "";
	json_object	*o = NULL, *v;
	const char	*s;

	if (cc != CURLE_OK) {
		if (cc == CURLE_COULDNT_RESOLVE_HOST ||
		    cc == CURLE_COULDNT_CONNECT ||
		    cc == CURLE_PEER_FAILED_VERIFICATION ||
		    cc == CURLE_SSL_CONNECT_ERROR)
			transport_result_set(r, TRANSPORT_PAUSE, "cannot reach "
			    "SES: %s", curl_easy_strerror((CURLcode)cc));
		else
			transport_result_set(r, TRANSPORT_RETRY, "network: %s",
			    curl_easy_strerror((CURLcode)cc));
		return;
	}
	if (http >= 200 && http <= 299) {
		transport_result_set(r, TRANSPORT_SENT, NULL);
		return;
	}
	if (body != NULL && (o = json_tokener_parse(body)) != NULL &&
	    json_object_is_type(o, json_type_object)) {
		if ((json_object_object_get_ex(o, "message", &v) ||
		    json_object_object_get_ex(o, "Message", &v)) &&
		    (s = json_object_get_string(v)) != NULL)
			snprintf(msg, sizeof(msg), "%s", s);
		if (error_type == NULL || *error_type == '\0') {
			if ((json_object_object_get_ex(o, "__type", &v) ||
			    json_object_object_get_ex(o, "code", &v) ||
			    json_object_object_get_ex(o, "type", &v)) &&
			    (s = json_object_get_string(v)) != NULL)
				bare_type(s, type, sizeof(type));
		}
	}
	json_object_put(o);
	if (error_type != NULL && *error_type != '\0')
		bare_type(error_type, type, sizeof(type));
	if (http == 429 || type_in(type, throttled)) {
		transport_result_set(r, TRANSPORT_RETRY, "SES throttled: HTTP "
		    "%ld %s %s", http, type, msg);
		r->retry_after_ms = retry_after_s * 1000;
	} else if (http == 401 || http == 403 || type_in(type, paused))
		transport_result_set(r, TRANSPORT_PAUSE, "SES refused the "
		    "account: HTTP %ld %s %s", http, type, msg);
	else if (http >= 500)
		transport_result_set(r, TRANSPORT_RETRY, "SES error: HTTP %ld "
		    "%s %s", http, type, msg);
	else
		/* MessageRejected, MailFromDomainNotVerifiedException,
		 * BadRequestException, NotFoundException and any other 4xx:
		 * sending the same message again cannot help. */
		transport_result_set(r, TRANSPORT_FAILED, "SES rejected the "
		    "message: HTTP %ld %s %s", http, type, msg);
}

static int
ses_build_request(struct ses_slot *s, const struct transport_msg *m)
{
	json_object	*o = NULL, *dest, *to, *content, *raw;
	unsigned char	*b64 = NULL;
	const char	*json;
	size_t		 b64len;
	int		 rc = -1;

	buf_reset(&s->req);
	if (m->len > MIME_MESSAGE_MAX)
		goto out;
	b64len = 4 * ((m->len + 2) / 3);
	if ((b64 = malloc(b64len + 1)) == NULL)
		goto out;
	EVP_EncodeBlock(b64, (const unsigned char *)m->data, (int)m->len);
	/* Each member is added as soon as it is made, so that o owns it:
	 * jsonout_add puts a value it could not add, and the one
	 * json_object_put(o) below frees the rest. */
	if ((o = json_object_new_object()) == NULL)
		goto out;
	dest = json_object_new_object();
	if (jsonout_add(o, "Destination", dest) == -1)
		goto out;
	to = json_object_new_array();
	if (jsonout_add(dest, "ToAddresses", to) == -1 ||
	    jsonout_push(to, json_object_new_string(m->to_addr)) == -1 ||
	    jsonout_string(o, "FromEmailAddress", m->from) == -1)
		goto out;
	content = json_object_new_object();
	if (jsonout_add(o, "Content", content) == -1)
		goto out;
	raw = json_object_new_object();
	if (jsonout_add(content, "Raw", raw) == -1 ||
	    jsonout_add(raw, "Data", json_object_new_string_len(
	    (const char *)b64, (int)b64len)) == -1)
		goto out;
	json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (json == NULL || buf_addstr(&s->req, json) != BUF_OK)
		goto out;
	rc = 0;
out:
	json_object_put(o);
	free(b64);
	return rc;
}

static int
ses_slot_init(struct ses *x, struct ses_slot *s, const char *url)
{
	struct curl_slist *l;

	buf_init(&s->req, SES_REQUEST_MAX);
	buf_init(&s->resp, SES_RESPONSE_MAX);
	if ((s->h = curl_easy_init()) == NULL)
		return -1;
	if ((l = curl_slist_append(NULL, "Content-Type: application/json")) ==
	    NULL)
		return -1;
	s->hdrs = l;
	if (sigv4_apply(s->h, &x->cr, "ses", &s->hdrs) == -1)
		return -1;
	if (curl_easy_setopt(s->h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, x->timeout_s) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, ses_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &s->resp) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, ses_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s) != CURLE_OK)
		return -1;
	return 0;
}

static void
ses_free(struct transport *t)
{
	struct ses	*x = t->impl;
	int		 i;

	if (x == NULL)
		return;
	for (i = 0; x->slots != NULL && i < x->nslots; i++) {
		if (x->slots[i].h != NULL) {
			if (x->slots[i].busy)
				curl_multi_remove_handle(x->multi,
				    x->slots[i].h);
			curl_easy_cleanup(x->slots[i].h);
		}
		curl_slist_free_all(x->slots[i].hdrs);
		buf_free(&x->slots[i].req);
		buf_free(&x->slots[i].resp);
	}
	free(x->slots);
	if (x->multi != NULL)
		curl_multi_cleanup(x->multi);
	explicit_bzero(&x->cr, sizeof(x->cr));
	free(x);
	t->impl = NULL;
}

/* Starts m on slot s. Returns 0, or -1 (the request could not be built). */
static int
ses_start(struct ses *x, struct ses_slot *s, struct transport_msg *m)
{
	if (ses_build_request(s, m) == -1)
		return -1;
	buf_reset(&s->resp);
	s->errtype[0] = '\0';
	s->retry_after_s = 0;
	s->m = m;
	/* POSTFIELDS, not a read callback: libcurl hashes only POSTFIELDS
	 * into the signature's payload hash. */
	if (curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE,
	    (long)s->req.len) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->req.data) !=
	    CURLE_OK ||
	    curl_multi_add_handle(x->multi, s->h) != CURLM_OK)
		return -1;
	s->busy = 1;
	return 0;
}

static void
ses_finish(struct ses *x, struct ses_slot *s, CURLcode cc,
    const struct transport_source *src)
{
	struct transport_result	 r;
	json_object		*o, *v;
	long			 http = 0;
	struct transport_msg	*m = s->m;

	(void)curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &http);
	curl_multi_remove_handle(x->multi, s->h);
	s->busy = 0;
	s->m = NULL;
	transport_ses_classify(http, cc, s->errtype, s->resp.data,
	    s->retry_after_s, &r);
	if (r.status == TRANSPORT_SENT && s->resp.data != NULL &&
	    (o = json_tokener_parse(s->resp.data)) != NULL) {
		if (json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, "MessageId", &v) &&
		    json_object_get_string(v) != NULL)
			snprintf(r.provider_id, sizeof(r.provider_id), "%s",
			    json_object_get_string(v));
		json_object_put(o);
	}
	src->done(src->arg, m, &r);
}

static int
ses_run(struct transport *t, const struct transport_source *src)
{
	struct ses		*x = t->impl;
	struct ses_slot		*s;
	struct transport_msg	*m;
	struct transport_result	 r;
	CURLMsg			*cm;
	int			 i, running = 0, dry = 0, still, left, wait_ms;
	int			 finished;
	int64_t			 wait_us;

	for (;;) {
		wait_us = 0;
		/* Top up the free slots as far as the rate allows. */
		for (i = 0; !dry && i < x->nslots; i++) {
			s = &x->slots[i];
			if (s->busy)
				continue;
			if ((wait_us = tbucket_take(&t->bucket,
			    clock_mono_us())) > 0)
				break;
			if ((m = src->next(src->arg)) == NULL) {
				dry = 1;
				break;
			}
			if (ses_start(x, s, m) == -1) {
				transport_result_set(&r, TRANSPORT_RETRY,
				    "cannot build the SES request");
				src->done(src->arg, m, &r);
				src->flush(src->arg);
				continue;
			}
			running++;
		}
		if (dry && running == 0)
			return 0;
		if (curl_multi_perform(x->multi, &still) != CURLM_OK)
			return -1;
		finished = 0;
		while ((cm = curl_multi_info_read(x->multi, &left)) != NULL) {
			if (cm->msg != CURLMSG_DONE)
				continue;
			s = NULL;
			(void)curl_easy_getinfo(cm->easy_handle,
			    CURLINFO_PRIVATE, (char **)&s);
			if (s == NULL || !s->busy)
				continue;
			running--;
			finished++;
			ses_finish(x, s, cm->data.result, src);
		}
		if (finished)
			src->flush(src->arg);
		if (dry && running == 0)
			return 0;
		if (running == 0 && wait_us == 0)
			continue;
		wait_ms = wait_us > 0 ? (int)((wait_us + 999) / 1000) : 1000;
		if (curl_multi_poll(x->multi, NULL, 0, wait_ms, NULL) !=
		    CURLM_OK)
			return -1;
	}
}

static int
ses_quota(struct transport *t, char *err, size_t errlen)
{
	struct ses		*x = t->impl;
	struct ses_slot		 s;
	char			 url[CONF_STR_MAX + 64];
	json_object		*o = NULL, *q, *v;
	CURLcode		 cc;
	long			 http = 0;
	int			 rc = -1;
	struct transport_result	 r;
	static const char *const top[] = { "SendingEnabled",
	    "ProductionAccessEnabled", "EnforcementStatus", NULL };
	static const char *const quota[] = { "Max24HourSend", "MaxSendRate",
	    "SentLast24Hours", NULL };
	const char *const	*k;

	memset(&s, 0, sizeof(s));
	snprintf(url, sizeof(url), "%s" SES_ACCOUNT_PATH, x->base);
	if (ses_slot_init(x, &s, url) == -1) {
		snprintf(err, errlen, "cannot set up the request");
		goto out;
	}
	if ((cc = curl_easy_perform(s.h)) != CURLE_OK ||
	    curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &http) != CURLE_OK ||
	    http != 200) {
		transport_ses_classify(http, cc, s.errtype, s.resp.data, 0, &r);
		snprintf(err, errlen, "GetAccount: %s", r.error);
		goto out;
	}
	if ((o = json_tokener_parse(s.resp.data ? s.resp.data : "")) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "GetAccount: the answer is not JSON");
		goto out;
	}
	for (k = top; *k != NULL; k++)
		if (json_object_object_get_ex(o, *k, &v))
			printf("%s: %s\n", *k, json_object_get_string(v));
	if (json_object_object_get_ex(o, "SendQuota", &q))
		for (k = quota; *k != NULL; k++)
			if (json_object_object_get_ex(q, *k, &v))
				printf("%s: %s\n", *k,
				    json_object_get_string(v));
	printf("ConfiguredMaxSendRate: %d\n", t->conf->max_send_rate);
	rc = 0;
out:
	json_object_put(o);
	if (s.h != NULL)
		curl_easy_cleanup(s.h);
	curl_slist_free_all(s.hdrs);
	buf_free(&s.req);
	buf_free(&s.resp);
	return rc;
}

static const struct transport_ops ses_ops = {
	/* GetAccount proves endpoint, credentials and signing at once. */
	"ses", ses_run, ses_quota, ses_quota, ses_free
};

int
transport_ses_init(struct transport *t, char *err, size_t errlen)
{
	const struct conf	*c = t->conf;
	struct ses		*x;
	size_t			 n;
	int			 i;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->impl = x;
	t->ops = &ses_ops;
	if (sigv4_creds_load(c, &x->cr, err, errlen) == -1)
		goto fail;
	if (c->ses_endpoint[0] != '\0') {
		if (strncmp(c->ses_endpoint, "https://", 8) != 0 &&
		    strncmp(c->ses_endpoint, "http://", 7) != 0) {
			snprintf(err, errlen, "ses_endpoint must start with "
			    "https:// or http://");
			goto fail;
		}
		snprintf(x->base, sizeof(x->base), "%s", c->ses_endpoint);
	} else
		snprintf(x->base, sizeof(x->base),
		    "https://email.%s.amazonaws.com", x->cr.region);
	n = strlen(x->base);
	while (n > 0 && x->base[n - 1] == '/')
		x->base[--n] = '\0';
	snprintf(x->send_url, sizeof(x->send_url), "%s" SES_SEND_PATH, x->base);
	/* A request must end well inside the lease, or a second sender
	 * could take the mail over while this one still waits. */
	x->timeout_s = c->send_lease_seconds / 2;
	if (x->timeout_s > 30)
		x->timeout_s = 30;
	if (x->timeout_s < 1)
		x->timeout_s = 1;
	if ((x->multi = curl_multi_init()) == NULL ||
	    (x->slots = calloc((size_t)c->send_concurrency,
	    sizeof(*x->slots))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	x->nslots = c->send_concurrency;
	(void)curl_multi_setopt(x->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)c->send_concurrency);
	for (i = 0; i < x->nslots; i++)
		if (ses_slot_init(x, &x->slots[i], x->send_url) == -1) {
			snprintf(err, errlen, "cannot set up libcurl");
			goto fail;
		}
	return 0;
fail:
	ses_free(t);
	return -1;
}
