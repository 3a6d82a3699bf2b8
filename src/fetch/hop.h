/* hop.h — one hop of a feed fetch (the first URL or a redirect's
 * Location): the URL read as libcurl reads it, and the judgement of every
 * address its host resolves to, before any connection is made. */
#ifndef AURORA_FETCH_HOP_H
#define AURORA_FETCH_HOP_H

#include <netdb.h>
#include <sys/socket.h>

#define HOP_URL_MAX	2048	/* as subscriptions.url */
#define HOP_HOST_MAX	256
#define HOP_ADDRS_MAX	8	/* addresses pinned per host */
/* "host:port:addr,addr,..." for CURLOPT_RESOLVE */
#define HOP_RESOLVE_MAX	(HOP_HOST_MAX + 8 + HOP_ADDRS_MAX * 48)
#define HOP_WHY_MAX	200

/* What may be reached besides public addresses (both off by default). */
struct hop_policy {
	int	allow_loopback;
	int	allow_private;
};

struct hop {
	char	url[HOP_URL_MAX + 1];	/* normalised by libcurl */
	int	https;
	char	host[HOP_HOST_MAX];	/* as in the URL, IPv6 in brackets */
	char	name[HOP_HOST_MAX];	/* what getaddrinfo is asked */
	char	port[8];
	char	resolve[HOP_RESOLVE_MAX];	/* "" for an address literal */
};

enum hop_rc {
	HOP_OK = 0,
	HOP_BAD_URL,		/* why says what */
	HOP_NOT_ALLOWED,	/* an address of the host is refused */
	HOP_NO_ADDRESS,		/* the host does not resolve */
	HOP_NOMEM
};

/* Reads url, relative to base when base is not NULL (a Location header),
 * into h: http or https only, a host, no user name or password, at most
 * HOP_URL_MAX bytes; why says what is wrong. */
enum hop_rc hop_parse(const char *base, const char *url, struct hop *h,
    char *why, size_t whylen) __attribute__((warn_unused_result));

/* 1 when an address of class netaddr_classify(sa) may be connected to
 * under policy p: public always; loopback and private when p opens them;
 * link-local, multicast, unspecified and reserved never. */
int hop_allowed(const struct sockaddr *sa, const struct hop_policy *p);

/* Judges every address of res (getaddrinfo's answer for h->name): one
 * refused address refuses the hop (HOP_NOT_ALLOWED, why names it), so a
 * host cannot mix an inside address among outside ones. On HOP_OK
 * h->resolve pins the (at most HOP_ADDRS_MAX) addresses for libcurl. */
enum hop_rc hop_judge(struct hop *h, const struct addrinfo *res,
    const struct hop_policy *p, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* The getaddrinfo hints every hop uses (TCP, any family). */
void hop_hints(struct addrinfo *hints);

/* hop_parse, a blocking getaddrinfo and hop_judge in one: for tests and
 * tools; the fetcher resolves without blocking (fetcher.c). */
enum hop_rc hop_check(const char *base, const char *url,
    const struct hop_policy *p, struct hop *h, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
