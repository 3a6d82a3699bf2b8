/* netaddr.c — IPv4 and IPv6 address classes (netaddr.h): tables of
 * prefixes, most specific first, and the IPv6 forms that carry an IPv4
 * address judged by the address they carry. */
#include "config.h"

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "core/netaddr.h"

struct v4_range {
	uint32_t		net;
	int			bits;
	enum netaddr_class	cls;
};

/* The special-purpose IPv4 registry (RFC 6890 and its updates); anything
 * not listed is public. The first match wins. */
static const struct v4_range v4_ranges[] = {
	{ 0x00000000, 32, NETADDR_UNSPECIFIED },	/* 0.0.0.0 */
	{ 0xffffffff, 32, NETADDR_RESERVED },		/* broadcast */
	{ 0x00000000, 8, NETADDR_RESERVED },		/* "this network" */
	{ 0x0a000000, 8, NETADDR_PRIVATE },		/* 10/8 */
	{ 0x64400000, 10, NETADDR_PRIVATE },		/* 100.64/10 CGNAT */
	{ 0x7f000000, 8, NETADDR_LOOPBACK },		/* 127/8 */
	{ 0xa9fe0000, 16, NETADDR_LINKLOCAL },		/* 169.254/16 */
	{ 0xac100000, 12, NETADDR_PRIVATE },		/* 172.16/12 */
	{ 0xc0000000, 24, NETADDR_RESERVED },		/* 192.0.0/24 IETF */
	{ 0xc0000200, 24, NETADDR_RESERVED },		/* TEST-NET-1 */
	{ 0xc0586300, 24, NETADDR_RESERVED },		/* 6to4 relay anycast */
	{ 0xc0a80000, 16, NETADDR_PRIVATE },		/* 192.168/16 */
	{ 0xc6120000, 15, NETADDR_RESERVED },		/* 198.18/15 bench */
	{ 0xc6336400, 24, NETADDR_RESERVED },		/* TEST-NET-2 */
	{ 0xcb007100, 24, NETADDR_RESERVED },		/* TEST-NET-3 */
	{ 0xe0000000, 4, NETADDR_MULTICAST },		/* 224/4 */
	{ 0xf0000000, 4, NETADDR_RESERVED },		/* 240/4 */
};

struct v6_range {
	uint8_t			prefix[16];
	int			bits;
	enum netaddr_class	cls;
};

/* IPv6 prefixes judged as a whole (the IPv4-carrying ones are handled
 * before this table). Outside 2000::/3 nothing is public. */
static const struct v6_range v6_ranges[] = {
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, NETADDR_PRIVATE },
	    /* 64:ff9b:1::/48, local-use NAT64 */
	{ { 0x01, 0x00 }, 64, NETADDR_RESERVED },	/* 100::/64 discard */
	{ { 0x20, 0x01, 0x00, 0x00 }, 32, NETADDR_RESERVED },
	    /* 2001::/32 Teredo: hides an IPv4 client address */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, NETADDR_RESERVED },	/* docs */
	{ { 0x20, 0x01, 0x00 }, 23, NETADDR_RESERVED },
	    /* 2001::/23 IETF protocol assignments (ORCHID, AMT, ...) */
	{ { 0x3f, 0xff }, 20, NETADDR_RESERVED },	/* 3fff::/20 docs */
	{ { 0xfc }, 7, NETADDR_PRIVATE },		/* ULA fc00::/7 */
	{ { 0xfe, 0x80 }, 10, NETADDR_LINKLOCAL },	/* fe80::/10 */
	{ { 0xfe, 0xc0 }, 10, NETADDR_PRIVATE },	/* site-local */
	{ { 0xff }, 8, NETADDR_MULTICAST },		/* ff00::/8 */
	{ { 0x20 }, 3, NETADDR_PUBLIC },		/* global unicast */
};

enum netaddr_class
netaddr_classify_v4(uint32_t a)
{
	size_t		i;
	uint32_t	mask;

	for (i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
		mask = v4_ranges[i].bits == 0 ? 0 :
		    0xffffffffu << (32 - v4_ranges[i].bits);
		if ((a & mask) == v4_ranges[i].net)
			return v4_ranges[i].cls;
	}
	return NETADDR_PUBLIC;
}

/* 1 when the first bits of a equal those of prefix. */
static int
v6_match(const uint8_t a[16], const uint8_t prefix[16], int bits)
{
	int	whole = bits / 8, rest = bits % 8;
	uint8_t	mask;

	if (memcmp(a, prefix, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (prefix[whole] & mask);
}

static uint32_t
v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

enum netaddr_class
netaddr_classify_v6(const uint8_t a[16])
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 0, 0 };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	size_t i;

	if (memcmp(a, zero, 16) == 0)
		return NETADDR_UNSPECIFIED;
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return NETADDR_LOOPBACK;
	/* ::ffff:a.b.c.d, ::a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b::a.b.c.d:
	 * the IPv4 address is where the packet goes. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, zero, 12) == 0 ||
	    memcmp(a, translated, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return netaddr_classify_v4(v4_at(a + 12));
	/* 6to4 2002:a.b.c.d::/48: relayed to the IPv4 address it names. */
	if (a[0] == 0x20 && a[1] == 0x02)
		return netaddr_classify_v4(v4_at(a + 2));
	for (i = 0; i < sizeof(v6_ranges) / sizeof(v6_ranges[0]); i++)
		if (v6_match(a, v6_ranges[i].prefix, v6_ranges[i].bits))
			return v6_ranges[i].cls;
	return NETADDR_RESERVED;
}

enum netaddr_class
netaddr_classify(const struct sockaddr *sa)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;

	if (sa == NULL)
		return NETADDR_RESERVED;
	switch (sa->sa_family) {
	case AF_INET:
		s4 = (const struct sockaddr_in *)(const void *)sa;
		return netaddr_classify_v4(ntohl(s4->sin_addr.s_addr));
	case AF_INET6:
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		return netaddr_classify_v6(s6->sin6_addr.s6_addr);
	default:
		return NETADDR_RESERVED;
	}
}

const char *
netaddr_class_name(enum netaddr_class c)
{
	static const char *const names[NETADDR__MAX] = {
		"public", "loopback", "private", "link-local", "multicast",
		"unspecified", "reserved"
	};

	return (unsigned)c < NETADDR__MAX ? names[c] : "reserved";
}
