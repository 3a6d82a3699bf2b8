/* fetcher.c — the feed fetch engine (fetcher.h). A fetch moves through
 * queued → resolving → waiting for its host → running, and back to
 * queued at each redirect; nothing connects before its hop's addresses
 * were judged. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/clock.h"
#include "fetch/fetcher.h"
#include "fetch/hostcache.h"

enum xfer_state { X_QUEUED, X_RESOLVING, X_WAIT_HOST, X_RUNNING };

struct xfer {
	struct xfer		*next;
	struct fetcher		*f;
	void			*job;
	enum xfer_state		 state;
	char			 url[HOP_URL_MAX + 1];	/* of the next hop */
	char			 base[HOP_URL_MAX + 1];	/* "": url absolute */
	char			 etag[FETCH_VALIDATOR_MAX + 1];
	char			 last_modified[FETCH_VALIDATOR_MAX + 1];
	int			 hops;
	struct hop		 hop;
	/* resolving */
	struct addrinfo		 hints;
	struct gaicb		 gcb;
	int64_t			 deadline;	/* clock_mono_us */
	/* running */
	CURL			*easy;
	struct curl_slist	*headers, *resolve;
	struct buf		 body;
	int			 too_big, refused;
	char			 r_etag[FETCH_VALIDATOR_MAX + 1];
	char			 r_last_modified[FETCH_VALIDATOR_MAX + 1];
	char			 location[HOP_URL_MAX + 1];
	int			 location_long;
};

struct fetcher {
	struct fetch_opts	 o;
	CURLM			*multi;
	fetch_done_fn		 done;
	void			*arg;
	struct xfer		*list;		/* every live fetch */
	/* Lookups that would not cancel: freed once they finish. */
	struct xfer		*orphans;
	int			 n;
	struct hostcache	 hosts;
	/* start_waiting's busy hosts: room for n + 1 names, kept. */
	const char		**busy;
	int			 busy_cap;
};

struct fetcher *
fetcher_new(const struct fetch_opts *o, fetch_done_fn done, void *arg)
{
	struct fetcher *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->o = *o;
	f->done = done;
	f->arg = arg;
	if ((f->multi = curl_multi_init()) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->resolve);
	buf_free(&x->body);
	if (x->gcb.ar_result != NULL)
		freeaddrinfo(x->gcb.ar_result);
	free(x);
}

/* A lookup that is still running owns its xfer (the resolver writes
 * into it): such an xfer goes to the orphans until it is done. */
static void
xfer_drop(struct fetcher *f, struct xfer *x)
{
	struct gaicb *g = &x->gcb;

	if (x->state == X_RESOLVING && gai_cancel(g) == EAI_NOTCANCELED) {
		x->next = f->orphans;
		f->orphans = x;
		return;
	}
	xfer_free(x);
}

void
fetcher_free(struct fetcher *f)
{
	struct xfer *x, *next;

	if (f == NULL)
		return;
	for (x = f->list; x != NULL; x = next) {
		next = x->next;
		xfer_drop(f, x);
	}
	/* Lookups still running when the process ends die with it. */
	for (x = f->orphans; x != NULL; x = next) {
		next = x->next;
		if (gai_error(&x->gcb) != EAI_INPROGRESS)
			xfer_free(x);
	}
	curl_multi_cleanup(f->multi);
	free(f->busy);
	free(f);
}

int
fetcher_pending(const struct fetcher *f)
{
	return f->n;
}

static void
set_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

int
fetcher_add(struct fetcher *f, const char *url, const char *etag,
    const char *last_modified, void *job)
{
	struct xfer *x, **pp;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->f = f;
	x->job = job;
	x->state = X_QUEUED;
	set_text(x->url, sizeof(x->url), url);
	set_text(x->etag, sizeof(x->etag), etag);
	set_text(x->last_modified, sizeof(x->last_modified), last_modified);
	/* At the end: a host's feeds take their turns in the order they came,
	 * so none waits behind newer ones until its claim runs out. */
	for (pp = &f->list; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = x;
	f->n++;
	return 0;
}

/* Ends a fetch: done is called, the xfer unlinked and freed. */
static void
finish(struct fetcher *f, struct xfer *x, struct fetch_result *r)
{
	struct xfer **pp;

	r->hops = x->hops;
	for (pp = &f->list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	f->n--;
	f->done(x->job, r, f->arg);
	xfer_drop(f, x);
}

static void fail(struct fetcher *f, struct xfer *x, long status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Ends a fetch as failed, why in words for the account. */
static void
fail(struct fetcher *f, struct xfer *x, long status, const char *fmt, ...)
{
	struct fetch_result	r;
	va_list			ap;

	memset(&r, 0, sizeof(r));
	r.outcome = FETCH_FAILED;
	r.status = status;
	va_start(ap, fmt);
	vsnprintf(r.why, sizeof(r.why), fmt, ap);
	va_end(ap);
	finish(f, x, &r);
}

/* Starts the lookup of the next hop (X_QUEUED → X_RESOLVING). */
static void
start_resolve(struct fetcher *f, struct xfer *x)
{
	struct gaicb	*list[1];
	char		 why[HOP_WHY_MAX];
	int		 rc;

	if (hop_parse(x->base[0] ? x->base : NULL, x->url, &x->hop, why,
	    sizeof(why)) != HOP_OK) {
		fail(f, x, 0, "%s", why);
		return;
	}
	if (hostcache_get(&f->hosts, &x->hop, clock_mono_us())) {
		x->state = X_WAIT_HOST;
		return;
	}
	hop_hints(&x->hints);
	memset(&x->gcb, 0, sizeof(x->gcb));
	x->gcb.ar_name = x->hop.name;
	x->gcb.ar_service = x->hop.port;
	x->gcb.ar_request = &x->hints;
	list[0] = &x->gcb;
	x->deadline = clock_mono_us() +
	    (int64_t)f->o.connect_timeout_s * 1000000;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		fail(f, x, 0, "the host name cannot be looked up (%s)",
		    gai_strerror(rc));
		return;
	}
	x->state = X_RESOLVING;
}

/* The socket libcurl is about to connect: judged once more, so that no
 * address reaches connect() without the check (an address literal, a
 * pin libcurl did not take). */
static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = clientp;

	(void)purpose;
	if (!hop_allowed(&a->addr, &x->f->o.policy)) {
		x->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (buf_add(&x->body, data, n) != BUF_OK) {
		x->too_big = x->body.len + n > x->body.cap;
		return 0;	/* stops the transfer at once */
	}
	(void)size;
	return n;
}

/* Keeps header value v (len bytes, trimmed) in out when it fits. */
static void
keep_header(char *out, size_t outlen, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= outlen) {
		out[0] = '\0';
		return;
	}
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	const char	*colon;
	size_t		 name;

	(void)size;
	/* A new response (after a 1xx) starts afresh. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		x->r_etag[0] = x->r_last_modified[0] = x->location[0] = '\0';
		x->location_long = 0;
		return n;
	}
	if ((colon = memchr(data, ':', n)) == NULL)
		return n;
	name = (size_t)(colon - data);
	colon++;
	if (name == 4 && strncasecmp(data, "ETag", 4) == 0)
		keep_header(x->r_etag, sizeof(x->r_etag), colon,
		    n - name - 1);
	else if (name == 13 && strncasecmp(data, "Last-Modified", 13) == 0)
		keep_header(x->r_last_modified, sizeof(x->r_last_modified),
		    colon, n - name - 1);
	else if (name == 8 && strncasecmp(data, "Location", 8) == 0) {
		keep_header(x->location, sizeof(x->location), colon,
		    n - name - 1);
		x->location_long = x->location[0] == '\0';
	}
	return n;
}

/* Adds header "name: value" to x->headers when value is set. */
static int
add_header(struct xfer *x, const char *name, const char *value)
{
	char			 line[FETCH_VALIDATOR_MAX + 64];
	struct curl_slist	*l;

	if (value[0] == '\0')
		return 0;
	snprintf(line, sizeof(line), "%s: %s", name, value);
	if ((l = curl_slist_append(x->headers, line)) == NULL)
		return -1;
	x->headers = l;
	return 0;
}

/* The transfer of the current hop (X_WAIT_HOST → X_RUNNING). */
static int
start_transfer(struct fetcher *f, struct xfer *x)
{
	CURL	*e;
	int	 ok;

	buf_free(&x->body);
	buf_init(&x->body, (size_t)f->o.max_bytes);
	x->too_big = x->refused = 0;
	x->r_etag[0] = x->r_last_modified[0] = x->location[0] = '\0';
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->resolve);
	x->headers = x->resolve = NULL;
	if ((e = curl_easy_init()) == NULL)
		return -1;
	x->easy = e;
	if (add_header(x, "If-None-Match", x->etag) == -1 ||
	    add_header(x, "If-Modified-Since", x->last_modified) == -1 ||
	    add_header(x, "Accept", "text/calendar, */*;q=0.5") == -1)
		return -1;
	if (x->hop.resolve[0] != '\0' && (x->resolve =
	    curl_slist_append(NULL, x->hop.resolve)) == NULL)
		return -1;
	ok = curl_easy_setopt(e, CURLOPT_URL, x->hop.url) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_PRIVATE, x) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") ==
	    CURLE_OK &&
#else
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) == CURLE_OK &&
#endif
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_NOPROXY, "*") == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
	    (long)f->o.connect_timeout_s) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)f->o.timeout_s) ==
	    CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)f->o.max_bytes) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_USERAGENT, f->o.user_agent) ==
	    CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) == CURLE_OK &&
	    (x->resolve == NULL || curl_easy_setopt(e, CURLOPT_RESOLVE,
	    x->resolve) == CURLE_OK) &&
	    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) ==
	    CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, x) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) ==
	    CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, x) == CURLE_OK;
	if (!ok || curl_multi_add_handle(f->multi, e) != CURLM_OK)
		return -1;
	x->state = X_RUNNING;
	return 0;
}

/* The hosts running fetches hold (politeness: one connection per host at
 * a time), gathered once per pass: a host's many waiting feeds are each
 * checked against the few busy hosts, not against every fetch. */
static int
busy_has(const char **busy, int n, const char *host)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcasecmp(busy[i], host) == 0)
			return 1;
	return 0;
}

/* Starts the transfers of waiting fetches whose host is free. The busy
 * list is the fetcher's, grown with the fetches it holds (each host is
 * in it once), not allocated per pass. */
static void
start_waiting(struct fetcher *f)
{
	struct xfer	 *x, *next;
	const char	**b;
	int		  n = 0;

	if (f->busy_cap < f->n + 1) {
		if ((b = reallocarray(f->busy, (size_t)f->n + 1,
		    sizeof(*b))) == NULL)
			return;		/* tried again at the next step */
		f->busy = b;
		f->busy_cap = f->n + 1;
	}
	b = f->busy;
	for (x = f->list; x != NULL; x = x->next)
		if (x->state == X_RUNNING && !busy_has(b, n, x->hop.name))
			b[n++] = x->hop.name;
	for (x = f->list; x != NULL; x = next) {
		next = x->next;
		if (x->state != X_WAIT_HOST || busy_has(b, n, x->hop.name))
			continue;
		if (start_transfer(f, x) == -1) {
			fail(f, x, 0, "%s", "out of memory");
			continue;
		}
		b[n++] = x->hop.name;
	}
}

/* A lookup that ended: its addresses judged (X_RESOLVING →
 * X_WAIT_HOST), or the fetch fails. 1 when x was finished. */
static int
resolved(struct fetcher *f, struct xfer *x, int rc)
{
	char		why[HOP_WHY_MAX];
	enum hop_rc	hrc;

	x->state = X_WAIT_HOST;
	if (rc != 0) {
		fail(f, x, 0, "%s", rc == EAI_NONAME || rc == EAI_NODATA ?
		    "the host name does not resolve" :
		    "the host name cannot be looked up");
		return 1;
	}
	hrc = hop_judge(&x->hop, x->gcb.ar_result, &f->o.policy, why,
	    sizeof(why));
	freeaddrinfo(x->gcb.ar_result);
	x->gcb.ar_result = NULL;
	if (hrc != HOP_OK) {
		fail(f, x, 0, "%s", why);
		return 1;
	}
	hostcache_put(&f->hosts, &x->hop, clock_mono_us());
	return 0;
}

/* Moves every fetch that can: lookups started and collected, transfers
 * started on free hosts. */
static void
advance(struct fetcher *f)
{
	struct xfer	*x, *next, **pp;
	int		 rc;

	for (x = f->list; x != NULL; x = next) {
		next = x->next;
		if (x->state == X_QUEUED) {
			start_resolve(f, x);
			continue;
		}
		if (x->state != X_RESOLVING)
			continue;
		if ((rc = gai_error(&x->gcb)) == EAI_INPROGRESS) {
			if (clock_mono_us() > x->deadline)
				fail(f, x, 0, "%s", "timed out looking up the "
				    "host name");
			continue;
		}
		resolved(f, x, rc);
	}
	start_waiting(f);
	for (pp = &f->orphans; *pp != NULL;) {
		x = *pp;
		if (gai_error(&x->gcb) == EAI_INPROGRESS) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		xfer_free(x);
	}
}

/* "5 MiB" for a whole number of MiB, else bytes. */
static void
size_words(long n, char *out, size_t outlen)
{
	if (n % (1L << 20) == 0)
		snprintf(out, outlen, "%ld MiB", n >> 20);
	else
		snprintf(out, outlen, "%ld bytes", n);
}

/* The next hop after a redirect: back to X_QUEUED, or the fetch fails. */
static void
redirect(struct fetcher *f, struct xfer *x, long status)
{
	if (x->location[0] == '\0') {
		fail(f, x, status, "%s", x->location_long ? "the server "
		    "redirected to an address that is too long" :
		    "the server redirected without saying where");
		return;
	}
	if (++x->hops > FETCH_MAX_REDIRECTS) {
		fail(f, x, status, "more than %d redirects",
		    FETCH_MAX_REDIRECTS);
		return;
	}
	set_text(x->base, sizeof(x->base), x->hop.url);
	set_text(x->url, sizeof(x->url), x->location);
	curl_multi_remove_handle(f->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	x->state = X_QUEUED;
}

/* A transfer libcurl ended with code cc. */
static void
transfer_done(struct fetcher *f, struct xfer *x, CURLcode cc)
{
	struct fetch_result	 r;
	char			 size[32];
	long			 status = 0;

	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK)
		status = 0;
	memset(&r, 0, sizeof(r));
	r.status = status;
	if (cc != CURLE_OK) {
		size_words(f->o.max_bytes, size, sizeof(size));
		if (x->refused)
			fail(f, x, 0, "%s", "address not allowed");
		else if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED)
			fail(f, x, status, "larger than %s", size);
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			fail(f, x, status, "%s", "timed out");
		else if (cc == CURLE_COULDNT_CONNECT)
			fail(f, x, 0, "%s", "the server cannot be reached");
		else if (cc == CURLE_PEER_FAILED_VERIFICATION)
			fail(f, x, 0, "%s", "the server's certificate is not "
			    "valid for it");
		else
			fail(f, x, status, "the fetch failed (%s)",
			    curl_easy_strerror(cc));
		return;
	}
	switch (status) {
	case 301: case 302: case 303: case 307: case 308:
		redirect(f, x, status);
		return;
	case 304:
		r.outcome = FETCH_NOT_MODIFIED;
		break;
	case 410:
		r.outcome = FETCH_GONE;
		break;
	default:
		if (status < 200 || status > 299) {
			fail(f, x, status, "the server answered %ld", status);
			return;
		}
		r.outcome = FETCH_OK;
		r.body = x->body.data != NULL ? x->body.data : "";
		r.len = x->body.len;
		r.etag = x->r_etag[0] ? x->r_etag : NULL;
		r.last_modified = x->r_last_modified[0] ?
		    x->r_last_modified : NULL;
		break;
	}
	finish(f, x, &r);
}

/* Ends the transfers libcurl has finished; how many. */
static int
collect(struct fetcher *f)
{
	CURLMsg	*m;
	char	*priv;
	int	 left, n = 0;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    &priv) == CURLE_OK && priv != NULL) {
			transfer_done(f, (struct xfer *)(void *)priv,
			    m->data.result);
			n++;
		}
	}
	return n;
}

int
fetcher_step(struct fetcher *f, int wait_ms)
{
	struct xfer	*x;
	int		 running;

	/* Transfers that finished while the fetcher rested (fetcher_idle)
	 * are ended first, and their hosts' next feeds start without
	 * waiting: a finished transfer wakes no poll. */
	if (collect(f) > 0)
		wait_ms = 0;
	advance(f);
	/* A lookup is polled: wake soon while one runs. */
	for (x = f->list; x != NULL; x = x->next)
		if (x->state == X_RESOLVING || x->state == X_QUEUED) {
			if (wait_ms > 20)
				wait_ms = 20;
			break;
		}
	if (curl_multi_poll(f->multi, NULL, 0, wait_ms, NULL) != CURLM_OK ||
	    curl_multi_perform(f->multi, &running) != CURLM_OK)
		return -1;
	collect(f);
	advance(f);
	return 0;
}

int
fetcher_idle(struct fetcher *f, int wait_ms)
{
	int running;

	if (curl_multi_poll(f->multi, NULL, 0, wait_ms, NULL) != CURLM_OK ||
	    curl_multi_perform(f->multi, &running) != CURLM_OK)
		return -1;
	return 0;
}
