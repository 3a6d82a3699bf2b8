/* netaddr.h — what kind of network an IP address belongs to, for the
 * fetcher's rule that an outside feed never reaches inside the network
 * Aurora runs in (SSRF). Pure: no resolution, no sockets. */
#ifndef AURORA_NETADDR_H
#define AURORA_NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

enum netaddr_class {
	NETADDR_PUBLIC = 0,	/* global unicast */
	NETADDR_LOOPBACK,	/* 127/8, ::1 */
	NETADDR_PRIVATE,	/* RFC 1918, 100.64/10 CGNAT, ULA fc00::/7,
				 * site-local fec0::/10, local NAT64 */
	NETADDR_LINKLOCAL,	/* 169.254/16 (cloud metadata), fe80::/10 */
	NETADDR_MULTICAST,	/* 224/4, ff00::/8 */
	NETADDR_UNSPECIFIED,	/* 0.0.0.0, :: (Linux connects them to the
				 * host itself) */
	NETADDR_RESERVED,	/* 0/8, 240/4, broadcast, documentation,
				 * benchmarking, Teredo, anything outside
				 * IPv6's 2000::/3, an unknown family */
	NETADDR__MAX
};

/* The class of an IPv4 address in host byte order. */
enum netaddr_class netaddr_classify_v4(uint32_t a);

/* The class of an IPv6 address (16 bytes, network order). An address that
 * embeds an IPv4 one (v4-mapped ::ffff:0:0/96, v4-compatible ::/96,
 * v4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) has
 * the class of the IPv4 address it reaches. */
enum netaddr_class netaddr_classify_v6(const uint8_t a[16]);

/* The class of sa (AF_INET or AF_INET6; anything else is reserved). */
enum netaddr_class netaddr_classify(const struct sockaddr *sa);

/* "public", "loopback", "private", "link-local", "multicast",
 * "unspecified", "reserved". */
const char *netaddr_class_name(enum netaddr_class c);

#endif
