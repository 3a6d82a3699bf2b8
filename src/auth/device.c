/* device.c — device tokens (see device.h). The format is
 * "d1.<issued, decimal seconds>.<nonce, 32 hex>.<mac, 64 hex>" with
 * mac = HMAC-SHA256(secret, "aurora-device-v1|" account_key "|" issued "|"
 * nonce). The address is never in the token, only bound through the MAC. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth/device.h"
#include "auth/session.h"
#include "core/sha256.h"

#define DEVICE_NONCE_BYTES	16
#define DEVICE_HEX		"0123456789abcdef"

static void
hex(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = DEVICE_HEX[in[i] >> 4];
		out[2 * i + 1] = DEVICE_HEX[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static int
lowhex(const char *s, size_t n)
{
	return strlen(s) >= n && strspn(s, DEVICE_HEX) >= n;
}

/* The MAC of (account_key, issued, nonce) as 64 hex digits into mac. */
static int
device_mac(const unsigned char *secret, size_t secretlen,
    const char *account_key, const char *issued, const char *nonce,
    char mac[65])
{
	char		 msg[160];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 n;

	n = snprintf(msg, sizeof(msg), "aurora-device-v1|%s|%s|%s",
	    account_key, issued, nonce);
	if (n < 0 || (size_t)n >= sizeof(msg) || secretlen == 0 ||
	    secretlen > 1024)
		return -1;
	if (HMAC(EVP_sha256(), secret, (int)secretlen,
	    (const unsigned char *)msg, (size_t)n, md, &mdlen) == NULL ||
	    mdlen != 32)
		return -1;
	hex(md, mdlen, mac);
	return 0;
}

int
device_issue(const unsigned char *secret, size_t secretlen,
    const char *account_key, time_t now, char *out, size_t outlen)
{
	unsigned char	rnd[DEVICE_NONCE_BYTES];
	char		nonce[2 * DEVICE_NONCE_BYTES + 1], issued[24], mac[65];
	int		n;

	if (outlen > 0)
		out[0] = '\0';
	if (!lowhex(account_key, 64) || strlen(account_key) != 64 ||
	    RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	hex(rnd, sizeof(rnd), nonce);
	snprintf(issued, sizeof(issued), "%lld", (long long)now);
	if (device_mac(secret, secretlen, account_key, issued, nonce, mac) ==
	    -1)
		return -1;
	n = snprintf(out, outlen, "d1.%s.%s.%s", issued, nonce, mac);
	if (n < 0 || (size_t)n >= outlen || n > DEVICE_TOKEN_MAX) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
device_check(const unsigned char *secret, size_t secretlen,
    const char *account_key, const char *token, time_t now, long ttl,
    char id[65])
{
	char		 issued[24], nonce[2 * DEVICE_NONCE_BYTES + 1], want[65];
	const char	*p, *dot;
	char		*end;
	long long	 t;
	size_t		 n;

	id[0] = '\0';
	if (token == NULL || strlen(token) > DEVICE_TOKEN_MAX ||
	    strlen(account_key) != 64 || !lowhex(account_key, 64) ||
	    strncmp(token, "d1.", 3) != 0)
		return 0;
	/* issued: 1 to 20 decimal digits, no sign, no leading zero. */
	p = token + 3;
	if ((dot = strchr(p, '.')) == NULL || (n = (size_t)(dot - p)) == 0 ||
	    n >= sizeof(issued) || strspn(p, "0123456789") != n || p[0] == '0')
		return 0;
	memcpy(issued, p, n);
	issued[n] = '\0';
	errno = 0;
	t = strtoll(issued, &end, 10);
	if (errno != 0 || *end != '\0' || t > (long long)now + DEVICE_SKEW ||
	    (long long)now - t > ttl)
		return 0;
	/* nonce and mac: exact lengths of lower-case hex. */
	p = dot + 1;
	if (strlen(p) != 2 * DEVICE_NONCE_BYTES + 1 + 64 ||
	    !lowhex(p, 2 * DEVICE_NONCE_BYTES) ||
	    p[2 * DEVICE_NONCE_BYTES] != '.' ||
	    strspn(p + 2 * DEVICE_NONCE_BYTES + 1, DEVICE_HEX) != 64)
		return 0;
	memcpy(nonce, p, 2 * DEVICE_NONCE_BYTES);
	nonce[2 * DEVICE_NONCE_BYTES] = '\0';
	if (device_mac(secret, secretlen, account_key, issued, nonce, want) ==
	    -1)
		return 0;
	if (CRYPTO_memcmp(want, p + 2 * DEVICE_NONCE_BYTES + 1, 64) != 0)
		return 0;
	if (sha256_hex(nonce, strlen(nonce), id) == -1) {
		id[0] = '\0';
		return 0;
	}
	return 1;
}
