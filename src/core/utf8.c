/* utf8.c — strict UTF-8 decoding (see utf8.h), per RFC 3629. */
#include "config.h"

#include "core/utf8.h"

int
utf8_decode(const unsigned char *p, size_t len, uint32_t *cp)
{
	uint32_t	c;
	int		k, j;

	if (len == 0)
		return -1;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 1, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3, c &= 0x07;
	else
		return -1;
	if ((size_t)k >= len)
		return -1;
	for (j = 1; j <= k; j++) {
		if ((p[j] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[j] & 0x3f);
	}
	if ((k == 2 && c < 0x800) || (k == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return k + 1;
}

long
utf8_count(const char *s, size_t len, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	long			 n = 0;
	uint32_t		 cp;
	int			 k;

	while (i < len) {
		if ((k = utf8_decode(p + i, len - i, &cp)) == -1 || cp == 0)
			return -1;
		if ((flags & UTF8_NO_CTL) && (cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f) || (cp < 0x20 &&
		    !((flags & UTF8_TEXT_CTL) && (cp == '\t' || cp == '\n' ||
		    cp == '\r')))))
			return -1;
		i += (size_t)k;
		n++;
	}
	return n;
}
