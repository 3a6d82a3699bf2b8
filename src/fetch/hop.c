/* hop.c — the checks of one hop (hop.h): libcurl's URL parser (the same
 * reading the transfer will make), then every resolved address through
 * core/netaddr before anything connects. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/netaddr.h"
#include "fetch/hop.h"

int
hop_allowed(const struct sockaddr *sa, const struct hop_policy *p)
{
	switch (netaddr_classify(sa)) {
	case NETADDR_PUBLIC:
		return 1;
	case NETADDR_LOOPBACK:
		return p->allow_loopback;
	case NETADDR_PRIVATE:
		return p->allow_private;
	default:
		return 0;
	}
}

void
hop_hints(struct addrinfo *hints)
{
	memset(hints, 0, sizeof(*hints));
	hints->ai_family = AF_UNSPEC;
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_protocol = IPPROTO_TCP;
}

/* Copies part of u into out; -1 when absent or too long. */
static int
url_part(CURLU *u, CURLUPart part, char *out, size_t outlen)
{
	char	*v = NULL;
	int	 rc = -1;

	if (curl_url_get(u, part, &v, part == CURLUPART_PORT ?
	    CURLU_DEFAULT_PORT : 0) != CURLUE_OK || v == NULL)
		goto out;
	if (strlen(v) >= outlen)
		goto out;
	memcpy(out, v, strlen(v) + 1);
	rc = 0;
out:
	curl_free(v);
	return rc;
}

enum hop_rc
hop_parse(const char *base, const char *url, struct hop *h, char *why,
    size_t whylen)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		 scheme[16], *v = NULL;
	enum hop_rc	 rc = HOP_BAD_URL;
	size_t		 n;

	memset(h, 0, sizeof(*h));
	if ((u = curl_url()) == NULL)
		return HOP_NOMEM;
	if (strlen(url) > HOP_URL_MAX) {
		snprintf(why, whylen, "the address is longer than %d bytes",
		    HOP_URL_MAX);
		goto out;
	}
	if (base != NULL && curl_url_set(u, CURLUPART_URL, base, 0) !=
	    CURLUE_OK) {
		snprintf(why, whylen, "the address cannot be read");
		goto out;
	}
	/* A Location may be relative to the hop it came from. */
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		rc = uc == CURLUE_OUT_OF_MEMORY ? HOP_NOMEM : HOP_BAD_URL;
		snprintf(why, whylen, "the address cannot be read (%s)",
		    curl_url_strerror(uc));
		goto out;
	}
	if (url_part(u, CURLUPART_SCHEME, scheme, sizeof(scheme)) == -1 ||
	    (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)) {
		snprintf(why, whylen, "only http and https addresses can be "
		    "fetched");
		goto out;
	}
	h->https = strcasecmp(scheme, "https") == 0;
	if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &v, 0) == CURLUE_OK) {
		snprintf(why, whylen, "the address holds a user name or "
		    "password");
		goto out;
	}
	if (url_part(u, CURLUPART_HOST, h->host, sizeof(h->host)) == -1 ||
	    h->host[0] == '\0' ||
	    url_part(u, CURLUPART_PORT, h->port, sizeof(h->port)) == -1) {
		snprintf(why, whylen, "the address has no usable host");
		goto out;
	}
	/* A zone id (fe80::1%eth0) names a link: never an outside feed. */
	if (curl_url_get(u, CURLUPART_ZONEID, &v, 0) == CURLUE_OK) {
		snprintf(why, whylen, "address not allowed");
		rc = HOP_NOT_ALLOWED;
		goto out;
	}
	n = strlen(h->host);
	if (h->host[0] == '[' && n > 2 && h->host[n - 1] == ']') {
		memcpy(h->name, h->host + 1, n - 2);
		h->name[n - 2] = '\0';
	} else
		memcpy(h->name, h->host, n + 1);
	curl_free(v);
	v = NULL;
	if (curl_url_get(u, CURLUPART_URL, &v, 0) != CURLUE_OK || v == NULL ||
	    strlen(v) > HOP_URL_MAX) {
		snprintf(why, whylen, "the address is longer than %d bytes",
		    HOP_URL_MAX);
		goto out;
	}
	memcpy(h->url, v, strlen(v) + 1);
	rc = HOP_OK;
out:
	curl_free(v);
	curl_url_cleanup(u);
	return rc;
}

/* 1 when name is an address literal (libcurl connects to it without
 * resolving, so there is nothing to pin). */
static int
is_literal(const char *name)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	return inet_pton(AF_INET6, name, &a6) == 1 ||
	    inet_pton(AF_INET, name, &a4) == 1;
}

enum hop_rc
hop_judge(struct hop *h, const struct addrinfo *res,
    const struct hop_policy *p, char *why, size_t whylen)
{
	const struct addrinfo	*ai;
	const void		*src;
	char			 text[INET6_ADDRSTRLEN];
	size_t			 len, naddrs = 0;
	int			 n;

	h->resolve[0] = '\0';
	if (res == NULL) {
		snprintf(why, whylen, "the host name does not resolve");
		return HOP_NO_ADDRESS;
	}
	n = snprintf(h->resolve, sizeof(h->resolve), "%s:%s:", h->host,
	    h->port);
	if (n < 0 || (size_t)n >= sizeof(h->resolve))
		return HOP_NOMEM;
	len = (size_t)n;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			src = &((const struct sockaddr_in *)(const void *)
			    ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			src = &((const struct sockaddr_in6 *)(const void *)
			    ai->ai_addr)->sin6_addr;
		else
			continue;
		if (!hop_allowed(ai->ai_addr, p)) {
			h->resolve[0] = '\0';
			snprintf(why, whylen, "address not allowed");
			return HOP_NOT_ALLOWED;
		}
		if (naddrs == HOP_ADDRS_MAX ||
		    inet_ntop(ai->ai_family, src, text, sizeof(text)) == NULL)
			continue;
		n = snprintf(h->resolve + len, sizeof(h->resolve) - len,
		    ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
		    naddrs > 0 ? "," : "", text);
		if (n < 0 || (size_t)n >= sizeof(h->resolve) - len)
			return HOP_NOMEM;
		len += (size_t)n;
		naddrs++;
	}
	if (naddrs == 0) {
		h->resolve[0] = '\0';
		snprintf(why, whylen, "the host name does not resolve");
		return HOP_NO_ADDRESS;
	}
	if (is_literal(h->name))
		h->resolve[0] = '\0';
	return HOP_OK;
}

enum hop_rc
hop_check(const char *base, const char *url, const struct hop_policy *p,
    struct hop *h, char *why, size_t whylen)
{
	struct addrinfo	 hints, *res = NULL;
	enum hop_rc	 rc;

	if ((rc = hop_parse(base, url, h, why, whylen)) != HOP_OK)
		return rc;
	hop_hints(&hints);
	if (getaddrinfo(h->name, h->port, &hints, &res) != 0) {
		snprintf(why, whylen, "the host name does not resolve");
		return HOP_NO_ADDRESS;
	}
	rc = hop_judge(h, res, p, why, whylen);
	freeaddrinfo(res);
	return rc;
}
