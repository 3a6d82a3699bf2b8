/* query.c — query-string parsing: bounded url-decoding, lookup by key, and
 * the allow-list check that rejects undeclared parameters. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"

int
http_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
http_urldecode(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= inlen)
				return -1;
			hi = http_hexval((unsigned char)in[i + 1]);
			lo = http_hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

/* Calls back for each key=value pair; stops early on a non-zero return. */
static int
query_each(const char *q, int (*fn)(const char *k, size_t klen,
    const char *v, size_t vlen, void *arg), void *arg)
{
	const char	*amp, *eq, *end;
	int		 rc;

	while (*q != '\0') {
		amp = strchr(q, '&');
		end = amp ? amp : q + strlen(q);
		if (end > q) {
			eq = memchr(q, '=', (size_t)(end - q));
			if (eq == NULL)
				rc = fn(q, (size_t)(end - q), end, 0, arg);
			else
				rc = fn(q, (size_t)(eq - q), eq + 1,
				    (size_t)(end - eq - 1), arg);
			if (rc != 0)
				return rc;
		}
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	return 0;
}

struct query_get {
	const char	*name;
	char		*out;
	size_t		 outlen;
	int		 found;
};

static int
query_get_cb(const char *k, size_t klen, const char *v, size_t vlen,
    void *arg)
{
	struct query_get	*g = arg;
	char			 key[128];

	if (http_urldecode(k, klen, key, sizeof(key)) == -1)
		return 0;
	if (strcmp(key, g->name) != 0)
		return 0;
	if (http_urldecode(v, vlen, g->out, g->outlen) == -1)
		return -1;
	g->found = 1;
	return 1;
}

int
http_query_get(const char *query, const char *name, char *out, size_t outlen)
{
	struct query_get	g = { name, out, outlen, 0 };
	int			rc;

	rc = query_each(query, query_get_cb, &g);
	if (rc < 0)
		return -1;
	return g.found;
}

struct query_check {
	const char *const	*allowed;
	char			*bad;
	size_t			 badlen;
	unsigned		 seen;	/* bit per allowed key */
};

static int
query_check_cb(const char *k, size_t klen, const char *v, size_t vlen,
    void *arg)
{
	struct query_check	*c = arg;
	char			 key[128];
	size_t			 i, n;

	if (http_urldecode(k, klen, key, sizeof(key)) == -1) {
		snprintf(c->bad, c->badlen, "%.*s", (int)(klen > 64 ? 64 : klen), k);
		return -1;
	}
	for (i = 0; c->allowed != NULL && c->allowed[i] != NULL && i < 32; i++) {
		n = strlen(c->allowed[i]);
		/* "name*": a key that may repeat (http_query_values). */
		if (n > 1 && c->allowed[i][n - 1] == '*' &&
		    strncmp(c->allowed[i], key, n - 1) == 0 &&
		    key[n - 1] == '\0')
			return 0;
		if (strcmp(c->allowed[i], key) == 0) {
			if (c->seen & (1u << i))
				break;	/* repeated: treat as bad */
			c->seen |= 1u << i;
			return 0;
		}
	}
	snprintf(c->bad, c->badlen, "%s", key);
	return -1;
}

int
http_query_check(const char *query, const char *const *allowed, char *bad,
    size_t badlen)
{
	struct query_check c = { allowed, bad, badlen, 0 };

	if (badlen > 0)
		bad[0] = '\0';
	return query_each(query, query_check_cb, &c) == 0 ? 0 : -1;
}

struct query_values {
	const char	*name;
	char		*out;
	size_t		 width, max, n;
	int		 rc;
};

static int
query_values_cb(const char *k, size_t klen, const char *v, size_t vlen,
    void *arg)
{
	struct query_values	*g = arg;
	char			 key[128];

	if (http_urldecode(k, klen, key, sizeof(key)) == -1 ||
	    strcmp(key, g->name) != 0)
		return 0;
	if (g->n == g->max) {
		g->rc = -2;
		return -1;
	}
	if (http_urldecode(v, vlen, g->out + g->n * g->width, g->width) ==
	    -1) {
		g->rc = -1;
		return -1;
	}
	g->n++;
	return 0;
}

int
http_query_values(const char *query, const char *name, char *out,
    size_t width, size_t max)
{
	struct query_values g = { name, out, width, max, 0, 0 };

	if (query_each(query, query_values_cb, &g) != 0)
		return g.rc;
	return (int)g.n;
}
