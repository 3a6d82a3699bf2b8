/* b64url.c — base64url without padding (see b64url.h). Written out rather
 * than on OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: those speak the '+/'
 * alphabet with padding and decode leniently (white space, trailing bits),
 * so strictness would need a second pass over every character anyway. */
#include "config.h"

#include "core/b64url.h"

static const char b64url_chars[] = B64URL_ALPHABET;

long
b64url_encode(const void *in, size_t len, char *out, size_t outlen)
{
	const unsigned char	*p = in;
	size_t			 need, i, o = 0;
	unsigned long		 v;

	if (len > ((size_t)-1) / 2)
		return -1;
	need = B64URL_ENCODED_LEN(len);
	if (need + 1 > outlen)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		out[o++] = b64url_chars[(v >> 18) & 63];
		out[o++] = b64url_chars[(v >> 12) & 63];
		out[o++] = b64url_chars[(v >> 6) & 63];
		out[o++] = b64url_chars[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)p[i] << 16;
		out[o++] = b64url_chars[(v >> 18) & 63];
		out[o++] = b64url_chars[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
		out[o++] = b64url_chars[(v >> 18) & 63];
		out[o++] = b64url_chars[(v >> 12) & 63];
		out[o++] = b64url_chars[(v >> 6) & 63];
	}
	out[o] = '\0';
	return (long)o;
}

static int
b64url_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
b64url_char(int c)
{
	return b64url_value(c) >= 0;
}

long
b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen)
{
	size_t		 i, o = 0, need;
	unsigned long	 v = 0;
	int		 bits = 0, d;

	/* One character left over carries 6 bits: never a whole byte. */
	if (len % 4 == 1)
		return -1;
	need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > outlen)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = b64url_value((unsigned char)in[i])) < 0)
			return -1;
		v = (v << 6 | (unsigned long)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	/* Canonical form only: the unused low bits must be zero, so that one
	 * token has exactly one spelling. */
	if (bits > 0 && (v & ((1UL << bits) - 1)) != 0)
		return -1;
	return (long)o;
}
